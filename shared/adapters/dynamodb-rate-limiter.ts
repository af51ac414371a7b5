import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  allowAt,
  dailyQuotaError,
  decideBucket,
  describe,
  hasRateLimit,
  intervalMs,
  rateLimitError,
  senderCapError,
  toleranceMs,
  utcDay,
  utcHour,
} from '#shared/domain/rate-limit';
import type { TenantLimits } from '#shared/domain/tenant';
import type { Clock, RateLimiter } from '#shared/ports/index';
import { systemClock } from '#shared/ports/index';

/** Attempts before a bucket that keeps changing under us counts as full (each is one write). */
const MAX_ATTEMPTS = 3;

export const bucketKey = (tenantId: string) => ({ pk: `RATE#${tenantId}`, sk: 'BUCKET' });
export const dailyKey = (tenantId: string, day: string) => ({ pk: `RATE#${tenantId}#day#${day}`, sk: 'QUOTA' });
export const senderCapKey = (tenantId: string, sender: string, hour: string) => ({ pk: `CAP#${tenantId}#${sender.toLowerCase()}#${hour}`, sk: 'CAP' });

/**
 * Per-tenant rate limits on the Mailroom table, each decided by single conditional writes — no
 * read-modify-write, so concurrent ingest functions can never let more than the burst through.
 *
 * Request rate (GCRA, see shared/domain/rate-limit.ts): the item `RATE#<tenant>` holds only `tat`.
 * The new value is `max(tat, now) + n·interval`, and DynamoDB expressions have no `max()`, so
 * there are two conditional variants of the update, each complete on its own:
 *
 *   idle  — `SET tat = :nowPlusInc`  IF `attribute_not_exists(tat) OR tat <= :now`
 *   busy  — `SET tat = tat + :inc`   IF `tat > :now AND tat <= :allowAt`
 *
 * Exactly one of the two conditions can hold for a given stored `tat`, and each update is atomic,
 * so whichever succeeds is correct even if other writers raced in between. A failed condition
 * returns the stored `tat` (ReturnValuesOnConditionCheckFailure), which tells us either which
 * variant to try next or, when `tat > :allowAt`, that the tenant is over its limit and for how
 * long (Retry-After). The variant tried first follows the last `tat` this container saw, so a
 * busy tenant usually costs one write per request, an idle one always does.
 *
 * Daily quota: `RATE#<tenant>#day#<yyyy-mm-dd>` with `ADD #count :n` IF `#count <= :limit − :n`.
 * Per-sender hourly cap: `CAP#<tenant>#<sender>#<yyyy-mm-ddThh>`, the same way. The window items
 * expire through the table's TTL. The bucket is charged first: when the quota then refuses, the
 * tokens stay spent (the client did make the request).
 */
export class DynamoRateLimiter implements RateLimiter {
  private readonly lastTat = new Map<string, number>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async consume(tenantId: string, count: number, limits: TenantLimits, options: { sender?: string } = {}): Promise<void> {
    if (count <= 0) return;
    const now = this.clock.now().getTime();
    if (hasRateLimit(limits)) await this.takeTokens(tenantId, count, limits, now);
    if (limits.emailsPerDay > 0) await this.countWindow(dailyKey(tenantId, utcDay(now)), count, limits.emailsPerDay, now, 2 * 86_400, (used) => dailyQuotaError(limits.emailsPerDay, used, count, now));
    if (options.sender && limits.perSenderHourlyCap > 0) {
      const sender = options.sender;
      await this.countWindow(senderCapKey(tenantId, sender, utcHour(now)), count, limits.perSenderHourlyCap, now, 2 * 3_600, (used) => senderCapError(sender, limits.perSenderHourlyCap, used, count, now));
    }
  }

  private async takeTokens(tenantId: string, count: number, limits: TenantLimits, now: number): Promise<void> {
    const inc = count * intervalMs(limits);
    const latest = allowAt(limits, now, count);
    if (latest < now) throw rateLimitError(decideBucket(limits, undefined, now, count), count);
    // The item can go once the bucket has refilled: a missing item is a full bucket.
    const expiresAt = Math.ceil((now + toleranceMs(limits)) / 1000) + 3_600;
    let known = this.lastTat.get(tenantId);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (known !== undefined && known > latest) {
        const refused = decideBucket(limits, known, now, count);
        if (!refused.allowed) throw rateLimitError(refused, count);
      }
      const busy = known !== undefined && known > now;
      try {
        const out = await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: bucketKey(tenantId),
            ...(busy
              ? {
                  UpdateExpression: 'SET tat = tat + :inc, expiresAt = :ttl',
                  ConditionExpression: 'tat > :now AND tat <= :allowAt',
                  ExpressionAttributeValues: { ':inc': inc, ':now': now, ':allowAt': latest, ':ttl': expiresAt },
                }
              : {
                  UpdateExpression: 'SET tat = :next, expiresAt = :ttl',
                  ConditionExpression: 'attribute_not_exists(tat) OR tat <= :now',
                  ExpressionAttributeValues: { ':next': now + inc, ':now': now, ':ttl': expiresAt },
                }),
            ReturnValues: 'UPDATED_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        const tat = Number(out.Attributes?.tat ?? now + inc);
        this.lastTat.set(tenantId, tat);
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        known = numberAttr(error.Item, 'tat') ?? now;
        this.lastTat.set(tenantId, known);
      }
    }
    // The bucket changed under us on every attempt: it is contended, so treat it as full.
    throw rateLimitError({ ...describe(limits, Math.max(known ?? now, now), now, false), retryAfterSeconds: 1 }, count);
  }

  private async countWindow(key: { pk: string; sk: string }, count: number, limit: number, now: number, ttlSeconds: number, refuse: (used: number) => Error): Promise<void> {
    if (count > limit) throw refuse(0);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'ADD #count :n SET expiresAt = if_not_exists(expiresAt, :ttl)',
          ConditionExpression: 'attribute_not_exists(#count) OR #count <= :max',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':n': count, ':max': limit - count, ':ttl': Math.ceil(now / 1000) + ttlSeconds },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw refuse(numberAttr(error.Item, 'count') ?? limit);
      throw error;
    }
  }
}

/** Reads a number from an item returned on a failed condition (raw AttributeValue or plain). */
function numberAttr(item: Record<string, unknown> | undefined, name: string): number | undefined {
  const value = item?.[name];
  if (typeof value === 'number') return value;
  if (value && typeof value === 'object' && 'N' in value) return Number((value as { N: string }).N);
  return undefined;
}

export function createDynamoRateLimiter(doc: DynamoDBDocumentClient, tableName: string): DynamoRateLimiter {
  return new DynamoRateLimiter(doc, tableName);
}
