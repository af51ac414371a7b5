import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '#shared/domain/errors';
import type { SendingDomain } from '#shared/domain/sending-domain';
import type { DomainStore } from '#shared/ports/domains';
import { KEYS } from './dynamodb-keys';
import { parseDomainItem, parseDomainItemIfAny } from './dynamodb-record-parsers';

const key = KEYS.domain;
const nameKey = KEYS.domainName;

/** Sending domains in the main table: `TENANT#<t>`/`DOMAIN#<id>` plus a `DOMAINNAME#<name>` owner item. */
export class DynamoDomainStore implements DomainStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(domain: SendingDomain): Promise<void> {
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: { ...key(domain.tenantId, domain.id), ...domain }, ConditionExpression: 'attribute_not_exists(pk)' } },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...nameKey(domain.name), tenantId: domain.tenantId, id: domain.id, verified: domain.status === 'verified' },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        throw new ConflictError(`The domain ${domain.name} is already registered.`, 'invalid_state', { cause: error });
      }
      throw error;
    }
  }

  async get(tenantId: string, id: string): Promise<SendingDomain | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key(tenantId, id), ConsistentRead: true }));
    return parseDomainItemIfAny(out.Item);
  }

  async list(tenantId: string): Promise<SendingDomain[]> {
    const items: SendingDomain[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: { ':pk': `TENANT#${tenantId}`, ':p': 'DOMAIN#' },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const i of out.Items ?? []) items.push(parseDomainItem(i));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async update(domain: SendingDomain): Promise<void> {
    await this.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.tableName, Item: { ...key(domain.tenantId, domain.id), ...domain }, ConditionExpression: 'attribute_exists(pk)' } },
          {
            Update: {
              TableName: this.tableName,
              Key: nameKey(domain.name),
              UpdateExpression: 'SET verified = :v',
              ConditionExpression: 'tenantId = :t AND id = :id',
              ExpressionAttributeValues: { ':v': domain.status === 'verified', ':t': domain.tenantId, ':id': domain.id },
            },
          },
        ],
      }),
    );
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const existing = await this.get(tenantId, id);
    if (!existing) return false;
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName: this.tableName, Key: key(tenantId, id), ConditionExpression: 'attribute_exists(pk)' } },
            {
              Delete: {
                TableName: this.tableName,
                Key: nameKey(existing.name),
                ConditionExpression: 'tenantId = :t AND id = :id',
                ExpressionAttributeValues: { ':t': tenantId, ':id': id },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException || error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async findByName(name: string): Promise<SendingDomain | undefined> {
    const owner = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: nameKey(name.toLowerCase()), ConsistentRead: true }));
    const item = owner.Item as { tenantId?: string; id?: string } | undefined;
    return item?.tenantId && item.id ? this.get(item.tenantId, item.id) : undefined;
  }
}
