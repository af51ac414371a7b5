import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoSuppressionStore } from '#shared/adapters/dynamodb-suppression-store';
import { useDynamoDbLocal } from '#test/support/dynamodb-local';

const TABLE = { table: 'supp-test-main', idempotencyTable: 'supp-test-idem' };
const at = '2030-01-01T00:00:00Z';

describe('DynamoSuppressionStore batch lookup on DynamoDB Local', () => {
  const dynamo = useDynamoDbLocal(TABLE);
  let store: DynamoSuppressionStore;
  let calls = 0;

  beforeAll(async () => {
    const { doc } = dynamo();
    const counting = { send: (command: never) => (calls++, doc.send(command)) } as unknown as DynamoDBDocumentClient;
    store = new DynamoSuppressionStore(counting, TABLE.table);
    await store.put({ tenantId: 't1', address: 'ada@example.org', reason: 'bounce', scope: 'all', createdAt: at });
    await store.put({ tenantId: 't1', address: 'news@example.org', reason: 'unsubscribe', scope: 'marketing', createdAt: at });
    await store.put({ tenantId: 't2', address: 'bob@example.org', reason: 'complaint', scope: 'all', createdAt: at });
  });

  it("answers several emails of several tenants in one BatchGetItem, each by its own tenant's list and lane", async () => {
    calls = 0;
    const sets = await store.suppressedMany([
      { tenantId: 't1', recipients: ['ada@example.org', 'bob@example.org'], lane: 'transactional' },
      { tenantId: 't2', recipients: ['ada@example.org', 'bob@example.org'], lane: 'transactional' },
      { tenantId: 't1', recipients: ['news@example.org'], lane: 'transactional' },
      { tenantId: 't1', recipients: ['news@example.org', 'ADA@example.org'], lane: 'marketing' },
    ]);
    expect(calls).toBe(1);
    expect(sets.map((s) => [...s].sort())).toEqual([['ada@example.org'], ['bob@example.org'], [], ['ada@example.org', 'news@example.org']]);
  });

  it('chunks more than 100 distinct recipients into BatchGetItems of 100 and misses none', async () => {
    calls = 0;
    const many = Array.from({ length: 150 }, (_, i) => `user${i}@example.org`);
    const sets = await store.suppressedMany([
      { tenantId: 't1', recipients: many.slice(0, 80), lane: 'transactional' },
      { tenantId: 't1', recipients: [...many.slice(80), 'ada@example.org'], lane: 'transactional' },
    ]);
    expect(calls).toBe(2);
    expect([...sets[0]!]).toEqual([]);
    expect([...sets[1]!]).toEqual(['ada@example.org']);
  });

  it('keeps the single-email check answering as before', async () => {
    expect([...(await store.suppressed('t1', ['ada@example.org', 'cy@example.org'], 'critical'))]).toEqual(['ada@example.org']);
    expect([...(await store.suppressed('t1', ['news@example.org'], 'critical'))]).toEqual([]);
    expect([...(await store.suppressed('t1', ['news@example.org'], 'bulk'))]).toEqual(['news@example.org']);
  });
});
