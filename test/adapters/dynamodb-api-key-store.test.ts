import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { KEYS } from '#shared/adapters/dynamodb-keys';
import { DynamoApiKeyStore } from '#shared/adapters/dynamodb-tenant-store';
import { createApiKey } from '#shared/use-cases/api-keys';
import { useDynamoDbLocal } from '#test/support/dynamodb-local';

const TABLE = { table: 'api-keys-test-main', idempotencyTable: 'api-keys-test-idem' };

describe('API key store on DynamoDB Local', () => {
  const dynamo = useDynamoDbLocal(TABLE);
  let doc: DynamoDBDocumentClient;
  let store: DynamoApiKeyStore;

  beforeAll(() => {
    doc = dynamo().doc;
    store = new DynamoApiKeyStore(doc, TABLE.table);
  });

  it('records a key’s last use, only ever forwards, and lists it with the key', async () => {
    const { record } = await createApiKey({ keys: store, clock: { now: () => new Date('2026-12-01T09:00:00Z') } }, { tenantId: 'acme', name: 'ci' });
    expect((await store.getByHash(record.hash))?.lastUsedAt).toBeUndefined();
    await store.recordUse(record.hash, '2026-12-01T10:00:00.000Z');
    // A container that looked the key up earlier but wrote later must not move it back.
    await store.recordUse(record.hash, '2026-12-01T09:30:00.000Z');
    expect((await store.getByHash(record.hash))?.lastUsedAt).toBe('2026-12-01T10:00:00.000Z');
    const [listed] = await store.listByTenant('acme');
    expect(listed).toMatchObject({ hash: record.hash, lastUsedAt: '2026-12-01T10:00:00.000Z' });
    // Still a valid, unrevoked key with everything else as it was.
    expect(await store.getByHash(record.hash)).toEqual({ ...record, lastUsedAt: '2026-12-01T10:00:00.000Z' });
  });

  it('never creates an item for a key that does not exist (a deleted key stays deleted)', async () => {
    const hash = 'f'.repeat(64);
    await store.recordUse(hash, '2026-12-01T10:00:00.000Z');
    const out = await doc.send(new GetCommand({ TableName: TABLE.table, Key: KEYS.apiKey(hash) }));
    expect(out.Item).toBeUndefined();
  });

  it('keeps recording uses after a revocation without un-revoking the key', async () => {
    const { record } = await createApiKey({ keys: store, clock: { now: () => new Date('2026-12-01T09:00:00Z') } }, { tenantId: 'acme', name: 'revoked' });
    expect(await store.revoke(record.hash, '2026-12-01T09:10:00.000Z')).toBe(true);
    await store.recordUse(record.hash, '2026-12-01T09:11:00.000Z');
    expect(await store.getByHash(record.hash)).toMatchObject({ revokedAt: '2026-12-01T09:10:00.000Z', lastUsedAt: '2026-12-01T09:11:00.000Z' });
  });
});
