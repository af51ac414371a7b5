import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/aws-clients';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import type { EmailRecord } from '#shared/domain/email';
import { createTables } from '#infra/local/bootstrap';
import { LOCAL_AWS, startDynamoDbLocal } from '#infra/local/emulators';

const T0 = new Date('2030-01-01T00:00:00.000Z');
let seq = 0;

function email(overrides: Partial<EmailRecord> = {}): EmailRecord {
  const id = overrides.id ?? `e-${++seq}-${Math.random().toString(36).slice(2, 8)}`;
  return {
    id,
    tenantId: 'acme',
    lane: 'transactional',
    status: 'queued',
    lastEvent: 'queued',
    from: 'hello@acme.test',
    to: ['ada@example.org'],
    cc: [],
    bcc: [],
    replyTo: [],
    subject: 'Hi',
    html: '<p>Hi</p>',
    headers: { 'X-Ref': '1' },
    tags: [],
    scheduleVersion: 0,
    attempts: 0,
    createdAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
    expiresAt: 1_900_000_000,
    events: [{ type: 'queued', at: T0.toISOString() }],
    ...overrides,
  };
}

const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const ev = (type: string, seconds = 0) => ({ type, at: at(seconds).toISOString() });

describe('DynamoEmailStore on DynamoDB Local', () => {
  let dynamo: { endpoint: string; stop(): Promise<void> };
  let client: DynamoDBClient;
  let store: DynamoEmailStore;
  const table = 'mailroom-test-main';

  beforeAll(async () => {
    dynamo = await startDynamoDbLocal(0);
    client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_AWS.region, credentials: { accessKeyId: LOCAL_AWS.accessKeyId, secretAccessKey: LOCAL_AWS.secretAccessKey } });
    await createTables(client, { table, idempotencyTable: 'mailroom-test-idempotency' });
    store = new DynamoEmailStore(createDocumentClient(client), table);
  });

  afterAll(async () => {
    client?.destroy();
    await dynamo?.stop();
  });

  it('writes an email and reads it back without key attributes', async () => {
    const e = email();
    await store.create(e);
    expect(await store.get(e.id)).toEqual(e);
  });

  it('refuses to create an email whose id exists', async () => {
    const e = email();
    await store.create(e);
    await expect(store.create({ ...e, subject: 'other' })).rejects.toThrow();
    expect((await store.get(e.id))?.subject).toBe('Hi');
  });

  it('lets exactly one of two concurrent claims win', async () => {
    const e = email();
    await store.create(e);
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((token) => store.claim(e.id, { token, now: T0, leaseSeconds: 60, scheduleVersion: 0 })));
    const winners = results.filter((r) => r.claimed);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => !r.claimed).map((r) => !r.claimed && r.reason)).toEqual(['leased', 'leased', 'leased']);
    const stored = await store.get(e.id);
    expect(stored?.status).toBe('sending');
    expect(winners[0]!.claimed && winners[0]!.email.claimToken).toBe(stored?.claimToken);
  });

  it('refuses a claim while the lease runs and grants it once the lease expired', async () => {
    const e = email();
    await store.create(e);
    expect((await store.claim(e.id, { token: 'first', now: T0, leaseSeconds: 30, scheduleVersion: 0 })).claimed).toBe(true);
    const early = await store.claim(e.id, { token: 'second', now: at(29), leaseSeconds: 30, scheduleVersion: 0 });
    expect(early).toMatchObject({ claimed: false, reason: 'leased' });
    const late = await store.claim(e.id, { token: 'second', now: at(31), leaseSeconds: 30, scheduleVersion: 0 });
    expect(late.claimed).toBe(true);
    expect((await store.get(e.id))?.claimToken).toBe('second');
  });

  it('refuses a claim for a stale schedule version', async () => {
    const e = email({ status: 'scheduled', scheduleVersion: 2 });
    await store.create(e);
    expect(await store.claim(e.id, { token: 't', now: T0, leaseSeconds: 60, scheduleVersion: 1 })).toMatchObject({ claimed: false, reason: 'stale' });
    expect((await store.get(e.id))?.status).toBe('scheduled');
    expect((await store.claim(e.id, { token: 't', now: T0, leaseSeconds: 60, scheduleVersion: 2 })).claimed).toBe(true);
  });

  it('refuses a claim for a sent email and for a missing one', async () => {
    const e = email({ status: 'sent', lastEvent: 'sent' });
    await store.create(e);
    expect(await store.claim(e.id, { token: 't', now: T0, leaseSeconds: 60, scheduleVersion: 0 })).toMatchObject({ claimed: false, reason: 'finished' });
    expect(await store.claim('no-such-email', { token: 't', now: T0, leaseSeconds: 60, scheduleVersion: 0 })).toEqual({ claimed: false, reason: 'missing' });
  });

  it('records sent only for the holder of the claim', async () => {
    const e = email();
    await store.create(e);
    await store.claim(e.id, { token: 'mine', now: T0, leaseSeconds: 60, scheduleVersion: 0 });
    expect(await store.transition(e.id, { to: 'sent', event: ev('sent', 1), claimToken: 'not-mine', set: { providerMessageId: 'x' } })).toBeUndefined();
    const sent = await store.transition(e.id, { to: 'sent', event: ev('sent', 1), claimToken: 'mine', set: { providerMessageId: 'ses-1', provider: 'ses' } });
    expect(sent).toMatchObject({ status: 'sent', lastEvent: 'sent', providerMessageId: 'ses-1', provider: 'ses' });
  });

  it('moves status forward only: a late delivered after clicked is refused', async () => {
    const e = email({ status: 'sent', lastEvent: 'sent' });
    await store.create(e);
    expect(await store.transition(e.id, { to: 'clicked', event: ev('clicked', 2) })).toMatchObject({ status: 'clicked' });
    expect(await store.transition(e.id, { to: 'delivered', event: ev('delivered', 3) })).toBeUndefined();
    expect(await store.transition(e.id, { to: 'queued', event: ev('queued', 3) })).toBeUndefined();
    const stored = await store.get(e.id);
    expect(stored?.status).toBe('clicked');
    expect(stored?.events.map((x) => x.type)).toEqual(['queued', 'clicked']);
  });

  it('refuses a transition from a status the caller did not allow', async () => {
    const e = email();
    await store.create(e);
    expect(await store.transition(e.id, { to: 'canceled', event: ev('canceled'), from: ['scheduled'] })).toBeUndefined();
    expect((await store.get(e.id))?.status).toBe('queued');
  });

  it('appends each transition to the events list on the one email item', async () => {
    const e = email();
    await store.create(e);
    await store.claim(e.id, { token: 't', now: T0, leaseSeconds: 60, scheduleVersion: 0 });
    await store.transition(e.id, { to: 'sent', event: ev('sent', 1), claimToken: 't' });
    await store.transition(e.id, { to: 'delivered', event: ev('delivered', 2) });
    await store.appendEvent(e.id, ev('opened_again', 3));
    const raw = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: `EMAIL#${e.id}` }, sk: { S: 'EMAIL' } } }));
    expect(raw.Item?.events?.L?.map((x) => x.M?.type?.S)).toEqual(['queued', 'sent', 'delivered', 'opened_again']);
    expect((await store.get(e.id))?.lastEvent).toBe('delivered');
  });

  it('keeps last_event when asked (internal sending)', async () => {
    const e = email({ status: 'retrying', lastEvent: 'queued' });
    await store.create(e);
    const out = await store.transition(e.id, { to: 'sending', event: ev('sending'), keepLastEvent: true });
    expect(out).toMatchObject({ status: 'sending', lastEvent: 'queued' });
  });

  it('removes a field set to undefined', async () => {
    const e = email({ status: 'sending', lastEvent: 'queued', claimToken: 'c', leaseUntil: 5 });
    await store.create(e);
    const out = await store.transition(e.id, { to: 'sent', event: ev('sent'), set: { claimToken: undefined, leaseUntil: undefined } });
    expect(out).not.toHaveProperty('claimToken');
    expect(out).not.toHaveProperty('leaseUntil');
  });

  it('lists a tenant\'s emails newest first in cursor pages', async () => {
    const tenantId = 'list-tenant';
    for (let i = 0; i < 7; i++) await store.create(email({ id: `list-${i}`, tenantId, createdAt: at(i).toISOString() }));
    await store.create(email({ id: 'list-other', tenantId: 'someone-else', createdAt: at(100).toISOString() }));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.listByTenant({ tenantId, limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.emails.map((x) => x.id));
      cursor = page.cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual(['list-6', 'list-5', 'list-4', 'list-3', 'list-2', 'list-1', 'list-0']);
  });

  it('refuses a cursor it did not issue', async () => {
    await expect(store.listByTenant({ tenantId: 'acme', limit: 3, cursor: 'not-a-cursor!' })).rejects.toMatchObject({ statusCode: 400 });
  });

  it('writes more than 25 emails in one createMany', async () => {
    const many = Array.from({ length: 60 }, (_, i) => email({ id: `bulk-${i}`, tenantId: 'bulk-tenant', createdAt: at(i).toISOString() }));
    expect(await store.createMany(many)).toEqual({ failedIds: [] });
    const page = await store.listByTenant({ tenantId: 'bulk-tenant', limit: 100 });
    expect(page.emails).toHaveLength(60);
    expect(await store.get('bulk-59')).toEqual(many[59]);
  });
});
