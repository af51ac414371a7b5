import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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
import type { Clock, RateLimiter, RateLimitStatus } from '#shared/ports/index';
import { systemClock } from '#shared/ports/index';
import { KEYS } from './dynamodb-keys';

/** Attempts before a bucket that keeps changing under us counts as full (each is one write). */
const MAX_ATTEMPTS = 3;

export const bucketKey = KEYS.rateBucket;
/** The bucket item's attribute that counts the emails of one UTC day (`q20300601`). */
export const dailyAttribute = (day: string) => `q${day.replaceAll('-', '')}`;
export const senderCapKey = KEYS.senderCapAccepted;

const DAY_MS = 86_400_000;

/**
 * Per-tenant rate limits on the Mailroom table, decided by ONE conditional UpdateItem per request
 * (plus one when a per-sender hourly cap is set) — no read-modify-write, so concurrent ingest
 * functions can never let more than the burst or the daily quota through.
 *
 * The item `RATE#<tenant>` / `BUCKET` holds the request rate's `tat` (GCRA, see
 * shared/domain/rate-limit.ts) and the day's count in an attribute named by the date,
 * `q<yyyymmdd>`. The new `tat` is `max(tat, now) + n·interval`, and DynamoDB expressions have no
 * `max()`, so there are two conditional variants of the update, each complete on its own:
 *
 *   idle  — `SET tat = :nowPlusInc`  IF `(attribute_not_exists(tat) OR tat <= :now)` AND quota
 *   busy  — `SET tat = tat + :inc`   IF `tat > :now AND tat <= :allowAt` AND quota
 *
 * where "quota" is `attribute_not_exists(#q) OR #q <= :limit − n`, and both variants also
 * `SET #q = if_not_exists(#q, 0) + n` and `REMOVE` the two previous days' counters. Exactly one
 * variant's `tat` condition can hold for a given stored `tat`, and each update is atomic, so
 * whichever succeeds is correct even if other writers raced in between. A failed condition
 * returns the stored item (ReturnValuesOnConditionCheckFailure), which tells us whether the
 * tenant is over its rate (429 with Retry-After), over its day (429 daily_quota_exceeded), or
 * only which variant to try next. The variant tried first follows the last `tat` this container
 * saw, so a busy tenant usually costs one write per request, an idle one always does. A refused
 * request spends nothing: the bucket and the day are charged together or not at all.
 *
 * Per-sender hourly cap: `CAP#<tenant>#<sender>#<yyyy-mm-ddThh>` with `ADD #count :n` IF
 * `#count <= :limit − :n`, a separate item (a tenant may use many senders: folded into the bucket
 * they would grow the item that every request rewrites, and DynamoDB bills writes per KB).
 * Items expire through the table's TTL; the bucket lives until its day is over.
 */
export class DynamoRateLimiter implements RateLimiter {
  private readonly lastTat = new Map<string, number>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The tenant's bucket as it stands (one eventually consistent read): what the `ratelimit-*` headers report. */
  async status(tenantId: string, limits: TenantLimits): Promise<RateLimitStatus | undefined> {
    if (!hasRateLimit(limits)) return undefined;
    const now = this.clock.now().getTime();
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: bucketKey(tenantId), ProjectionExpression: 'tat' }));
    const tat = typeof out.Item?.tat === 'number' ? out.Item.tat : now;
    return describe(limits, Math.max(tat, now), now, true);
  }

  async consume(tenantId: string, count: number, limits: TenantLimits, options: { sender?: string } = {}): Promise<RateLimitStatus | undefined> {
    if (count <= 0) return undefined;
    const now = this.clock.now().getTime();
    const tat = hasRateLimit(limits) || limits.emailsPerDay > 0 ? await this.takeTokens(tenantId, count, limits, now) : undefined;
    if (options.sender && limits.perSenderHourlyCap > 0) {
      const sender = options.sender;
      await this.countWindow(senderCapKey(tenantId, sender, utcHour(now)), count, limits.perSenderHourlyCap, now, 2 * 3_600, (used) =>
        senderCapError(sender, limits.perSenderHourlyCap, used, count, now),
      );
    }
    // The bucket as this write left it (UPDATED_NEW): the headers need no second read.
    return tat === undefined ? undefined : describe(limits, Math.max(tat, now), now, true);
  }

  /**
   * The request rate and the daily quota, in one conditional update of the bucket item. Answers the
   * bucket's new `tat` (undefined: the tenant has a daily quota but no rate limit).
   */
  private async takeTokens(tenantId: string, count: number, limits: TenantLimits, now: number): Promise<number | undefined> {
    const rate = hasRateLimit(limits);
    const quota = limits.emailsPerDay;
    if (quota > 0 && count > quota) throw dailyQuotaError(quota, 0, count, now);
    const inc = rate ? count * intervalMs(limits) : 0;
    const latest = rate ? allowAt(limits, now, count) : Number.POSITIVE_INFINITY;
    if (rate && latest < now) throw rateLimitError(decideBucket(limits, undefined, now, count), count);
    // A missing item is a full bucket and an unused day: it can go once the bucket has refilled
    // and (with a quota) its day is over.
    const bucketEnd = rate ? now + toleranceMs(limits) : now;
    const dayEnd = quota > 0 ? Date.parse(`${utcDay(now)}T00:00:00Z`) + DAY_MS : now;
    const expiresAt = Math.ceil(Math.max(bucketEnd, dayEnd) / 1000) + 3_600;
    const day = dailyAttribute(utcDay(now));
    const quotaNames = quota > 0 ? { '#q': day, '#q1': dailyAttribute(utcDay(now - DAY_MS)), '#q2': dailyAttribute(utcDay(now - 2 * DAY_MS)) } : undefined;
    const quotaSet = quotaNames ? ', #q = if_not_exists(#q, :zero) + :n' : '';
    const quotaRemove = quotaNames ? ' REMOVE #q1, #q2' : '';
    const quotaCondition = quotaNames ? ' AND (attribute_not_exists(#q) OR #q <= :qmax)' : '';
    const quotaValues = quotaNames ? { ':zero': 0, ':n': count, ':qmax': quota - count } : {};
    let known = rate ? this.lastTat.get(tenantId) : undefined;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (known !== undefined && known > latest) {
        const refused = decideBucket(limits, known, now, count);
        if (!refused.allowed) throw rateLimitError(refused, count);
      }
      const busy = known !== undefined && known > now;
      const tatPart = !rate
        ? { set: 'SET expiresAt = :ttl', condition: '', values: {} }
        : busy
          ? {
              set: 'SET tat = tat + :inc, expiresAt = :ttl',
              condition: '(tat > :now AND tat <= :allowAt)',
              values: { ':inc': inc, ':now': now, ':allowAt': latest },
            }
          : { set: 'SET tat = :next, expiresAt = :ttl', condition: '(attribute_not_exists(tat) OR tat <= :now)', values: { ':next': now + inc, ':now': now } };
      const condition = tatPart.condition ? `${tatPart.condition}${quotaCondition}` : quotaCondition.replace(/^ AND /, '');
      try {
        const out = await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: bucketKey(tenantId),
            UpdateExpression: `${tatPart.set}${quotaSet}${quotaRemove}`,
            ConditionExpression: condition,
            ...(quotaNames ? { ExpressionAttributeNames: quotaNames } : {}),
            ExpressionAttributeValues: { ...tatPart.values, ...quotaValues, ':ttl': expiresAt },
            ReturnValues: 'UPDATED_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        if (!rate) return undefined;
        const tat = Number(out.Attributes?.tat ?? now + inc);
        this.lastTat.set(tenantId, tat);
        return tat;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // What refused us? The rate first (as a client would want to hear), then the day.
        const storedTat = numberAttr(error.Item, 'tat');
        if (rate) {
          known = storedTat ?? now;
          this.lastTat.set(tenantId, known);
          if (known > latest) {
            const refused = decideBucket(limits, known, now, count);
            if (!refused.allowed) throw rateLimitError(refused, count);
          }
        }
        const used = numberAttr(error.Item, day);
        if (quota > 0 && used !== undefined && used > quota - count) throw dailyQuotaError(quota, used, count, now);
        if (!rate) throw dailyQuotaError(quota, used ?? quota, count, now);
      }
    }
    // The bucket changed under us on every attempt: it is contended, so treat it as full.
    throw rateLimitError({ ...describe(limits, Math.max(known ?? now, now), now, false), retryAfterSeconds: 1 }, count);
  }

  private async countWindow(
    key: { pk: string; sk: string },
    count: number,
    limit: number,
    now: number,
    ttlSeconds: number,
    refuse: (used: number) => Error,
  ): Promise<void> {
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
