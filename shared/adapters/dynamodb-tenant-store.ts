import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { ApiKeyRecord } from '#shared/domain/api-key';
import type { Tenant } from '#shared/domain/tenant';
import type { ApiKeyStore, TenantStore } from '#shared/ports/index';
import { KEYS } from './dynamodb-keys';
import { parseApiKeyItem, parseTenantItem } from './dynamodb-mappers';

/** API keys by hash (`APIKEY#<sha256>`), listed per tenant through gsi1. */
export class DynamoApiKeyStore implements ApiKeyStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: KEYS.apiKey(hash) }));
    return out.Item ? parseApiKeyItem(out.Item) : undefined;
  }

  async put(record: ApiKeyRecord): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...KEYS.apiKey(record.hash),
          ...KEYS.apiKeyByTenant(record.tenantId, record.createdAt, record.hash),
          ...record,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async listByTenant(tenantId: string): Promise<ApiKeyRecord[]> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :p)',
        ExpressionAttributeValues: { ':pk': KEYS.tenantPartition(tenantId), ':p': 'APIKEY#' },
      }),
    );
    return (out.Items ?? []).map(parseApiKeyItem);
  }

  async revoke(hash: string, at: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: KEYS.apiKey(hash),
          UpdateExpression: 'SET revokedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)',
          ExpressionAttributeValues: { ':at': at },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** One UpdateItem; a missing key or a later `lastUsedAt` already stored is a no-op, not an error. */
  async recordUse(hash: string, at: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: KEYS.apiKey(hash),
          UpdateExpression: 'SET lastUsedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt < :at)',
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

export class DynamoTenantStore implements TenantStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<Tenant | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: KEYS.tenant(id) }));
    return out.Item ? parseTenantItem(out.Item) : undefined;
  }

  async put(tenant: Tenant): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...KEYS.tenant(tenant.id), ...tenant } }));
  }
}
