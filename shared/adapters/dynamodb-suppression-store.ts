import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Lane } from '#shared/config/lanes';
import { blocksLane, type Suppression, type SuppressionReason } from '#shared/domain/suppression';
import type { SuppressionQuery } from '#shared/ports/index';
import type { SuppressionStore } from '#shared/ports/suppression-store';
import { decodeCursor, encodeCursor, isStoredAddress } from '#shared/domain/list-cursor';
import { withBatchRetry } from './dynamodb-util';
import { KEYS } from './dynamodb-keys';
import { parseSuppressionItem, parseSuppressionItemIfAny, parseSuppressionLookupItem } from './dynamodb-record-parsers';

export const suppressionKey = KEYS.suppression;

/** The tenant's suppression list on the main table (`TENANT#<t>` / `SUPPRESSION#<address>`). */
export class DynamoSuppressionStore implements SuppressionStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(s: Suppression): Promise<Suppression> {
    const item = { ...suppressionKey(s.tenantId, s.address), ...s, address: s.address.toLowerCase() };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          // `all` may replace anything; `marketing` never narrows an existing entry.
          ...(s.scope === 'marketing' ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
        }),
      );
      return parseSuppressionItem(item);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return (await this.get(s.tenantId, s.address)) ?? parseSuppressionItem(item);
      throw error;
    }
  }

  async get(tenantId: string, address: string): Promise<Suppression | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: suppressionKey(tenantId, address) }));
    return parseSuppressionItemIfAny(out.Item);
  }

  /**
   * A page of the tenant's list by address. The cursor is validated and the start key rebuilt from
   * the tenant (a forged cursor is 400 or a place in the caller's own list); `limit + 1` entries
   * are sought, so a page that is exactly full has no cursor. With `reasons` (a FilterExpression,
   * applied after DynamoDB's `Limit`) it reads up to MAX_LIST_QUERIES pages; when that budget runs
   * out first the page is short and the cursor resumes after the last entry read.
   */
  async list(
    tenantId: string,
    input: { limit: number; cursor?: string; reasons?: readonly SuppressionReason[] },
  ): Promise<{ items: Suppression[]; cursor?: string }> {
    let start: Record<string, unknown> | undefined = input.cursor ? suppressionKey(tenantId, decodeCursor(input.cursor, [isStoredAddress])[0]!) : undefined;
    const filter = input.reasons
      ? { FilterExpression: `#reason IN (${input.reasons.map((_, i) => `:r${i}`).join(', ')})`, ExpressionAttributeNames: { '#reason': 'reason' } }
      : {};
    const reasonValues = Object.fromEntries((input.reasons ?? []).map((r, i) => [`:r${i}`, r]));
    const found: Suppression[] = [];
    let lastRead: string | undefined;
    for (let reads = 0; reads < MAX_LIST_QUERIES; reads++) {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: { ':pk': `TENANT#${tenantId}`, ':p': 'SUPPRESSION#', ...reasonValues },
          ...filter,
          Limit: input.reasons ? 100 : input.limit + 1 - found.length,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        found.push(parseSuppressionItem(item));
        if (found.length > input.limit) break;
      }
      if (found.length > input.limit) {
        const page = found.slice(0, input.limit);
        return { items: page, cursor: encodeCursor([page.at(-1)!.address]) };
      }
      start = out.LastEvaluatedKey;
      if (!start) return { items: found };
      lastRead = String(start.sk).slice('SUPPRESSION#'.length);
    }
    return { items: found, cursor: encodeCursor([lastRead!]) };
  }

  async delete(tenantId: string, address: string): Promise<boolean> {
    const out = await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: suppressionKey(tenantId, address), ReturnValues: 'ALL_OLD' }));
    return out.Attributes !== undefined;
  }

  /** One BatchGetItem for the recipients (≤100 keys per call; unprocessed keys retried). */
  async suppressed(tenantId: string, recipients: readonly string[], lane: Lane): Promise<Set<string>> {
    return (await this.suppressedMany([{ tenantId, recipients, lane }]))[0]!;
  }

  /**
   * Every query's recipients in one BatchGetItem per 100 distinct (tenant, address) keys — a
   * sender's whole SQS batch in one call. Unprocessed keys are retried; any left over fail the
   * lookup (never an unchecked send).
   */
  async suppressedMany(queries: readonly SuppressionQuery[]): Promise<Set<string>[]> {
    const keyOf = (tenantId: string, address: string) => `${tenantId}\u0000${address.toLowerCase()}`;
    const wanted = new Map<string, { tenantId: string; address: string }>();
    for (const q of queries) for (const r of q.recipients) wanted.set(keyOf(q.tenantId, r), { tenantId: q.tenantId, address: r.toLowerCase() });
    const found = new Map<string, Pick<Suppression, 'scope'>>();
    const all = [...wanted.values()];
    for (let i = 0; i < all.length; i += 100) {
      const keys = all.slice(i, i + 100).map((w) => suppressionKey(w.tenantId, w.address));
      const left = await withBatchRetry(keys, async (batch) => {
        const out = await this.doc.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: { Keys: batch, ProjectionExpression: 'pk, sk, address, #scope', ExpressionAttributeNames: { '#scope': 'scope' } },
            },
          }),
        );
        for (const item of out.Responses?.[this.tableName] ?? []) {
          const s = parseSuppressionLookupItem(item);
          found.set(keyOf(String(item.pk).slice('TENANT#'.length), s.address), s);
        }
        return (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof batch;
      });
      if (left.length > 0) throw new Error(`Suppression lookup left ${left.length} keys unprocessed`);
    }
    return queries.map((q) => {
      const hits = new Set<string>();
      for (const r of q.recipients) {
        const s = found.get(keyOf(q.tenantId, r));
        if (s && blocksLane(s, q.lane)) hits.add(r.toLowerCase());
      }
      return hits;
    });
  }
}

/** Most Query calls one filtered `GET /suppressions` makes (bounds its latency and reads). */
const MAX_LIST_QUERIES = 5;
