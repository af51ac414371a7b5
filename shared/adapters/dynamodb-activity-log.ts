import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { MAIN_TABLE } from '#infra/definitions';
import type { ActivityItem } from '#shared/domain/activity';
import type { ActivityLog, ActivityPosition, ActivityQuery } from '#shared/ports/activity';
import { KEYS } from './dynamodb-keys';
import { parseActivityItem } from './dynamodb-record-parsers';

const sortKey = (p: ActivityPosition) => KEYS.activity('', p.at, p.id).sk;

/**
 * The sort-key range a query reads, both ends inclusive: `since`/`until` bound the time (`until`
 * is exclusive because every key continues past the time with `#<id>`), and an `after`/`before`
 * item bounds it too (that item itself is read and dropped). Undefined when the range is empty.
 */
export function activityRange(query: Pick<ActivityQuery, 'since' | 'until' | 'after' | 'before'>): { lo: string; hi: string } | undefined {
  let lo = query.since ?? '0000';
  let hi = query.until ?? '9999';
  if (query.after && sortKey(query.after) < hi) hi = sortKey(query.after);
  if (query.before && sortKey(query.before) > lo) lo = sortKey(query.before);
  return lo <= hi ? { lo, hi } : undefined;
}

/** The activity log in the main table: `ACTIVITY#<tenant>` / `<at>#<id>`, and by type in gsi1. */
export class DynamoActivityLog implements ActivityLog {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(item: ActivityItem): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...KEYS.activity(item.tenantId, item.at, item.id), ...KEYS.activityByType(item.tenantId, item.type, item.at, item.id), ...item },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error)?.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async list(query: ActivityQuery): Promise<{ items: ActivityItem[]; hasMore: boolean }> {
    const range = activityRange(query);
    if (!range) return { items: [], hasMore: false };
    const [pkName, skName] = query.type ? [MAIN_TABLE.gsi1.partitionKey, MAIN_TABLE.gsi1.sortKey] : [MAIN_TABLE.partitionKey, MAIN_TABLE.sortKey];
    const cursor = query.before ?? query.after;
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        ...(query.type ? { IndexName: MAIN_TABLE.gsi1.name } : {}),
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
        ExpressionAttributeNames: { '#pk': pkName, '#sk': skName },
        ExpressionAttributeValues: {
          ':pk': query.type ? KEYS.activityTypePartition(query.tenantId, query.type) : KEYS.activityPartition(query.tenantId),
          ':lo': range.lo,
          ':hi': range.hi,
        },
        // `before` reads upwards from the item (the newer ones next to it), then turns the page around.
        ScanIndexForward: Boolean(query.before),
        // One more to know whether there is more, and one for the cursor item itself.
        Limit: query.limit + (cursor ? 2 : 1),
      }),
    );
    const items = (out.Items ?? []).map(parseActivityItem).filter((i) => i.id !== cursor?.id);
    const page = items.slice(0, query.limit);
    return { items: query.before ? page.reverse() : page, hasMore: items.length > query.limit };
  }
}
