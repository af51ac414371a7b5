import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Lane } from '#shared/config/lanes';
import { blocksLane, type Suppression } from '#shared/domain/suppression';
import type { SuppressionStore } from '#shared/ports/suppression-store';
import { decodeCursor, encodeCursor, withBatchRetry } from './dynamodb-util';

export const suppressionKey = (tenantId: string, address: string) => ({ pk: `TENANT#${tenantId}`, sk: `SUPPRESSION#${address.toLowerCase()}` });

function fromItem(item: Record<string, unknown> | undefined): Suppression | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as Suppression;
}

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
      return fromItem(item)!;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return (await this.get(s.tenantId, s.address)) ?? fromItem(item)!;
      throw error;
    }
  }

  async get(tenantId: string, address: string): Promise<Suppression | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: suppressionKey(tenantId, address) }));
    return fromItem(out.Item);
  }

  async list(tenantId: string, input: { limit: number; cursor?: string }): Promise<{ items: Suppression[]; cursor?: string }> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': `TENANT#${tenantId}`, ':p': 'SUPPRESSION#' },
        Limit: input.limit,
        ExclusiveStartKey: decodeCursor(input.cursor),
      }),
    );
    const items = (out.Items ?? []).map((i) => fromItem(i)!);
    const cursor = encodeCursor(out.LastEvaluatedKey);
    return cursor ? { items, cursor } : { items };
  }

  async delete(tenantId: string, address: string): Promise<boolean> {
    const out = await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: suppressionKey(tenantId, address), ReturnValues: 'ALL_OLD' }));
    return out.Attributes !== undefined;
  }

  /** One BatchGetItem for the recipients (≤100 keys per call; unprocessed keys retried). */
  async suppressed(tenantId: string, recipients: readonly string[], lane: Lane): Promise<Set<string>> {
    const unique = [...new Set(recipients.map((r) => r.toLowerCase()))];
    const hits = new Set<string>();
    for (let i = 0; i < unique.length; i += 100) {
      const keys = unique.slice(i, i + 100).map((a) => suppressionKey(tenantId, a));
      const left = await withBatchRetry(keys, async (batch) => {
        const out = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: batch, ProjectionExpression: 'address, #scope', ExpressionAttributeNames: { '#scope': 'scope' } } } }));
        for (const item of out.Responses?.[this.tableName] ?? []) {
          const s = item as Pick<Suppression, 'address' | 'scope'>;
          if (blocksLane(s, lane)) hits.add(s.address);
        }
        return (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof batch;
      });
      if (left.length > 0) throw new Error(`Suppression lookup left ${left.length} keys unprocessed`);
    }
    return hits;
  }
}
