import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { ApiKeyRecord } from '#shared/domain/api-key';
import type { Tenant } from '#shared/domain/tenant';
import type { ApiKeyStore, TenantStore } from '#shared/ports/index';

const strip = <T>(item: Record<string, unknown> | undefined): T | undefined => {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...rest } = item;
  return rest as T;
};

/** API keys by hash (`APIKEY#<sha256>`), listed per tenant through gsi1. */
export class DynamoApiKeyStore implements ApiKeyStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: `APIKEY#${hash}`, sk: 'APIKEY' } }));
    return strip<ApiKeyRecord>(out.Item);
  }

  async put(record: ApiKeyRecord): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `APIKEY#${record.hash}`,
          sk: 'APIKEY',
          gsi1pk: `TENANT#${record.tenantId}`,
          gsi1sk: `APIKEY#${record.createdAt}#${record.hash}`,
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
        ExpressionAttributeValues: { ':pk': `TENANT#${tenantId}`, ':p': 'APIKEY#' },
      }),
    );
    return (out.Items ?? []).map((i) => strip<ApiKeyRecord>(i)!);
  }

  async revoke(hash: string, at: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `APIKEY#${hash}`, sk: 'APIKEY' },
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
}

export class DynamoTenantStore implements TenantStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<Tenant | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: `TENANT#${id}`, sk: 'TENANT' } }));
    return strip<Tenant>(out.Item);
  }

  async put(tenant: Tenant): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { pk: `TENANT#${tenant.id}`, sk: 'TENANT', ...tenant } }));
  }
}
