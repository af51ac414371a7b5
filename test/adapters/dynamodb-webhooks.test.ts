import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDomainStore } from '#shared/adapters/dynamodb-domain-store';
import { DynamoEndpointSlots, DynamoWebhookEventLog } from '#shared/adapters/dynamodb-webhooks';
import { ConflictError } from '#shared/domain/errors';
import type { SendingDomain } from '#shared/domain/sending-domain';
import { useDynamoDbLocal } from '#test/support/dynamodb-local';
import { pendingWebhookEvent } from '#test/support/webhook-events';

const TABLE = { table: 'webhooks-test-main', idempotencyTable: 'webhooks-test-idem' };

describe('webhook and domain storage on DynamoDB Local', () => {
  const dynamo = useDynamoDbLocal(TABLE);
  let doc: DynamoDBDocumentClient;

  beforeAll(() => {
    doc = dynamo().doc;
  });

  it('never lets more than `cap` deliveries hold an endpoint at once, even when workers race', async () => {
    let now = 1_000_000;
    const slots = new DynamoEndpointSlots(doc, TABLE.table, () => now);
    const taken = await Promise.all(Array.from({ length: 8 }, () => slots.acquire('wh_race', 3, 60)));
    const held = taken.filter((t): t is string => t !== undefined);
    expect(held.length).toBeLessThanOrEqual(3);
    expect(held.length).toBeGreaterThan(0);
    // Fill up to the cap sequentially, then one more is refused.
    while ((await slots.acquire('wh_race', 3, 60)) !== undefined) held.push('x');
    expect(await slots.acquire('wh_race', 3, 60)).toBeUndefined();
    // A released slot can be taken again; a dead worker's lease expires.
    await slots.release('wh_race', taken.find((t) => t !== undefined)!);
    expect(await slots.acquire('wh_race', 3, 60)).toEqual(expect.any(String));
    expect(await slots.acquire('wh_race', 3, 60)).toBeUndefined();
    now += 61_000;
    expect(await slots.acquire('wh_race', 3, 60)).toEqual(expect.any(String));
  });

  it('writes an event once, lists events newest first with `after`, and attempts newest first', async () => {
    const log = new DynamoWebhookEventLog(doc, TABLE.table);
    const event = (id: string, createdAt: string) => pendingWebhookEvent({ id, webhookId: 'wh_1', tenantId: 't1', createdAt });
    expect(await log.putEvent(event('msg_a', '2026-01-01T00:00:01Z'))).toBe(true);
    expect(await log.putEvent(event('msg_a', '2026-01-01T00:00:01Z'))).toBe(false);
    await log.putEvent(event('msg_b', '2026-01-01T00:00:02Z'));
    await log.putEvent(event('msg_c', '2026-01-01T00:00:03Z'));
    const first = await log.listEvents('wh_1', { limit: 2 });
    expect(first.items.map((e) => e.id)).toEqual(['msg_c', 'msg_b']);
    expect(first.hasMore).toBe(true);
    const next = await log.listEvents('wh_1', { limit: 2, after: 'msg_b' });
    expect(next).toMatchObject({ items: [{ id: 'msg_a' }], hasMore: false });

    for (const n of [1, 2, 3]) {
      await log.addAttempt({
        id: `att_${n}`,
        webhookId: 'wh_1',
        eventId: 'msg_a',
        n,
        sentAt: 'x',
        httpStatusCode: n === 3 ? 200 : 500,
        response: '',
        latencyMs: 1,
        expiresAt: 2_000_000_000,
      });
    }
    const attempts = await log.listAttempts('wh_1', 'msg_a', { limit: 2 });
    expect(attempts.items.map((a) => a.n)).toEqual([3, 2]);
    expect((await log.listAttempts('wh_1', 'msg_a', { limit: 2, after: 'att_2' })).items.map((a) => a.n)).toEqual([1]);
  });

  it('gives a domain name one owner across tenants, and frees it on delete', async () => {
    const store = new DynamoDomainStore(doc, TABLE.table);
    const domain = (id: string, tenantId: string): SendingDomain => ({
      id,
      tenantId,
      name: 'owned.example.com',
      region: 'us-east-1',
      status: 'pending',
      records: [],
      customReturnPath: 'send',
      openTracking: false,
      clickTracking: false,
      tls: 'opportunistic',
      createdAt: 'x',
      updatedAt: 'x',
    });
    await store.create(domain('d1', 't1'));
    await expect(store.create(domain('d2', 't2'))).rejects.toBeInstanceOf(ConflictError);
    expect(await store.findByName('owned.example.com')).toMatchObject({ id: 'd1', tenantId: 't1' });
    expect(await store.delete('t2', 'd1')).toBe(false);
    expect(await store.delete('t1', 'd1')).toBe(true);
    await store.create(domain('d2', 't2'));
    expect(await store.findByName('owned.example.com')).toMatchObject({ id: 'd2', tenantId: 't2' });
  });
});
