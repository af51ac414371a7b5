import { type ConsumedCapacity, CreateTableCommand, DescribeTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchExecuteStatementCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { StoredItemError } from '#shared/adapters/dynamodb-mappers';
import { SENDING_STUCK_AFTER_LEASE_SECONDS } from '#shared/domain/stuck';
import { createDocumentClient } from '#shared/adapters/aws-clients';
import type { EmailListPosition } from '#shared/ports/index';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { EMAIL_LIST_SHARDS } from '#shared/adapters/dynamodb-keys';
import type { EmailRecord } from '#shared/domain/email';
import { LOCAL_AWS } from '#infra/local/emulators';
import { createTables } from '#infra/local/bootstrap';
import { useDynamoDbLocal } from '#test/support/dynamodb-local';
import { emailRecord } from '#test/support/emails';

const T0 = new Date('2030-01-01T00:00:00.000Z');
let seq = 0;

function email(overrides: Partial<EmailRecord> = {}): EmailRecord {
  const id = overrides.id ?? `e-${++seq}-${Math.random().toString(36).slice(2, 8)}`;
  return emailRecord({
    id,
    from: 'hello@acme.test',
    to: ['ada@example.org'],
    html: '<p>Hi</p>',
    headers: { 'X-Ref': '1' },
    createdAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
    expiresAt: 1_900_000_000,
    events: [{ type: 'queued', at: T0.toISOString() }],
    ...overrides,
  });
}

const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const ev = (type: string, seconds = 0) => ({ type, at: at(seconds).toISOString() });

describe('DynamoEmailStore on DynamoDB Local', () => {
  let store: DynamoEmailStore;
  const table = 'mailroom-test-main';
  const dynamo = useDynamoDbLocal({ table, idempotencyTable: 'mailroom-test-idempotency' });
  let client: DynamoDBClient;

  beforeAll(async () => {
    client = dynamo().client;
    store = new DynamoEmailStore(dynamo().doc, table);
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

  it("lists a tenant's emails newest first in pages, after and before a position, has_more exact", async () => {
    const tenantId = 'list-tenant';
    for (let i = 0; i < 6; i++) await store.create(email({ id: `list-${i}`, tenantId, createdAt: at(i).toISOString() }));
    await store.create(email({ id: 'list-other', tenantId: 'someone-else', createdAt: at(100).toISOString() }));
    const seen: string[] = [];
    let resume: EmailListPosition | undefined;
    const pages: boolean[] = [];
    do {
      const page = await store.listByTenant({ tenantId, limit: 3, ...(resume ? { after: resume } : {}) });
      seen.push(...page.emails.map((x) => x.id));
      pages.push(page.hasMore);
      resume = page.resume;
    } while (resume && pages.length < 10);
    expect(seen).toEqual(['list-5', 'list-4', 'list-3', 'list-2', 'list-1', 'list-0']);
    // Six emails, pages of three: the second page is exactly full and says so (no empty third page).
    expect(pages).toEqual([true, false]);
    const newer = await store.listByTenant({ tenantId, limit: 2, before: { createdAt: at(1).toISOString(), id: 'list-1' } });
    expect(newer.emails.map((x) => x.id)).toEqual(['list-3', 'list-2']);
    expect(newer.hasMore).toBe(true);
    const newest = await store.listByTenant({ tenantId, limit: 2, before: { createdAt: at(3).toISOString(), id: 'list-3' } });
    expect(newest).toMatchObject({ hasMore: false });
    expect(newest.emails.map((x) => x.id)).toEqual(['list-5', 'list-4']);
  });

  it("spreads one tenant's list entries over the emailList shards and merges them back in order, both ways", async () => {
    const tenantId = `shards-${Math.random().toString(36).slice(2, 8)}`;
    // 40 emails, several in the same millisecond (the id breaks the tie), in no particular order.
    const all = Array.from({ length: 40 }, (_, i) =>
      email({ id: `sh-${String((i * 17) % 40).padStart(2, '0')}`, tenantId, createdAt: at(Math.floor(i / 3)).toISOString() }),
    );
    await store.createMany(all);
    const partitions = new Set<string>();
    for (const e of all) {
      const raw = (await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: `EMAIL#${e.id}` }, sk: { S: 'EMAIL' } } }))).Item!;
      partitions.add(raw.listPk!.S!);
    }
    expect(partitions.size).toBe(EMAIL_LIST_SHARDS);
    const order = [...all].sort((x, y) => `${y.createdAt}#${y.id}`.localeCompare(`${x.createdAt}#${x.id}`)).map((e) => e.id);
    const forward: string[] = [];
    let resume: EmailListPosition | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const page = await store.listByTenant({ tenantId, limit: 7, ...(resume ? { after: resume } : {}) });
      forward.push(...page.emails.map((x) => x.id));
      if (!page.hasMore) break;
      resume = page.resume;
    }
    expect(forward).toEqual(order);
    // Backwards from the oldest: each page is newest first, the pages come oldest first.
    const oldest = all.find((e) => e.id === order.at(-1))!;
    const backward: string[][] = [];
    let before: EmailListPosition | undefined = { createdAt: oldest.createdAt, id: oldest.id };
    for (let pages = 0; before && pages < 20; pages++) {
      const page = await store.listByTenant({ tenantId, limit: 7, before });
      backward.unshift(page.emails.map((x) => x.id));
      const newest = page.emails[0];
      before = page.hasMore && newest ? { createdAt: newest.createdAt, id: newest.id } : undefined;
    }
    expect(backward.flat()).toEqual(order.slice(0, -1));
  });

  it("never reaches another tenant's emails from a position in them", async () => {
    const page = await store.listByTenant({ tenantId: 'list-tenant', limit: 10, after: { createdAt: at(101).toISOString(), id: 'list-other' } });
    expect(page.emails.map((x) => x.tenantId)).not.toContain('someone-else');
  });

  it('writes more than 25 emails in one createMany', async () => {
    const many = Array.from({ length: 60 }, (_, i) => email({ id: `bulk-${i}`, tenantId: 'bulk-tenant', createdAt: at(i).toISOString() }));
    expect(await store.createMany(many)).toEqual({ failedIds: [] });
    const page = await store.listByTenant({ tenantId: 'bulk-tenant', limit: 100 });
    expect(page.emails).toHaveLength(60);
    expect(await store.get('bulk-59')).toEqual(many[59]);
  });

  describe('claimMany', () => {
    const claimInput = (id: string, token: string, seconds = 0, scheduleVersion = 0) => ({ id, token, now: at(seconds), leaseSeconds: 60, scheduleVersion });
    const values = <T>(settled: PromiseSettledResult<T>[]): T[] =>
      settled.map((r) => {
        if (r.status === 'rejected') throw r.reason;
        return r.value;
      });
    /** A store whose document client records the command of every call, and may rewrite one. */
    function countingStore(rewrite?: (command: unknown, send: (c: unknown) => Promise<any>) => Promise<any> | undefined) {
      const doc = createDocumentClient(client);
      const send = doc.send.bind(doc) as (c: unknown) => Promise<any>;
      const commands: string[] = [];
      (doc as unknown as { send: (c: unknown) => Promise<unknown> }).send = async (command: unknown) => {
        commands.push((command as object).constructor.name);
        return rewrite?.(command, send) ?? send(command);
      };
      return { store: new DynamoEmailStore(doc, table), commands };
    }

    it('claims exactly the claimable emails of a mixed batch and classifies the others like claim()', async () => {
      const queued = email();
      const retrying = email({ status: 'retrying' });
      const sent = email({ status: 'sent' });
      const leased = email({ status: 'sending', leaseUntil: Math.floor(T0.getTime() / 1000) + 30, claimToken: 'other' });
      const stale = email({ scheduleVersion: 2 });
      for (const e of [queued, retrying, sent, leased, stale]) await store.create(e);
      const { store: counted, commands } = countingStore();
      const results = values(
        await counted.claimMany([
          claimInput(queued.id, 't1'),
          claimInput(retrying.id, 't2'),
          claimInput(sent.id, 't3'),
          claimInput(leased.id, 't4'),
          claimInput(stale.id, 't5'),
          claimInput('no-such-email', 't6'),
        ]),
      );
      expect(results.map((r) => (r.claimed ? 'claimed' : r.reason))).toEqual(['claimed', 'claimed', 'finished', 'leased', 'stale', 'missing']);
      expect(commands).toEqual(['BatchExecuteStatementCommand', 'BatchGetCommand']);
      expect(results[0]).toMatchObject({
        claimed: true,
        email: { id: queued.id, status: 'sending', claimToken: 't1', leaseUntil: Math.floor(T0.getTime() / 1000) + 60 },
      });
      expect(await store.get(queued.id)).toMatchObject({ status: 'sending', claimToken: 't1', updatedAt: T0.toISOString() });
      expect(await store.get(leased.id)).toMatchObject({ claimToken: 'other' });
      expect(await store.get(sent.id)).toMatchObject({ status: 'sent' });
      // The same answers claim() gives for the refused ones.
      for (const [i, e] of [
        [2, sent],
        [3, leased],
        [4, stale],
      ] as const) {
        const single = await store.claim(e.id, { token: 'x', now: T0, leaseSeconds: 60, scheduleVersion: 0 });
        expect(single).toEqual(results[i]);
      }
    });

    it('lets each email of two concurrent claimMany over the same ids be claimed by exactly one', async () => {
      const batch = Array.from({ length: 10 }, () => email());
      for (const e of batch) await store.create(e);
      const [a, b] = await Promise.all(['a', 'b'].map(async (side) => values(await store.claimMany(batch.map((e) => claimInput(e.id, `${side}-${e.id}`))))));
      for (const [i, e] of batch.entries()) {
        const winners = [a![i]!, b![i]!].filter((r) => r.claimed);
        expect(winners).toHaveLength(1);
        expect([a![i]!, b![i]!].filter((r) => !r.claimed).map((r) => !r.claimed && r.reason)).toEqual(['leased']);
        expect((await store.get(e.id))!.claimToken).toBe(winners[0]!.claimed && winners[0]!.email.claimToken);
      }
    });

    it('re-claims an email whose lease expired and refuses one whose lease runs', async () => {
      const expired = email();
      const running = email();
      await store.create(expired);
      await store.create(running);
      await store.claim(expired.id, { token: 'old', now: T0, leaseSeconds: 30, scheduleVersion: 0 });
      await store.claim(running.id, { token: 'old', now: at(10), leaseSeconds: 30, scheduleVersion: 0 });
      const results = values(await store.claimMany([claimInput(expired.id, 'new', 31), claimInput(running.id, 'new', 31)]));
      expect(results.map((r) => (r.claimed ? 'claimed' : r.reason))).toEqual(['claimed', 'leased']);
      expect(await store.get(expired.id)).toMatchObject({ claimToken: 'new', leaseUntil: Math.floor(at(31).getTime() / 1000) + 60 });
    });

    it('refuses a stale schedule version and claims the current one', async () => {
      const e = email({ scheduleVersion: 3 });
      await store.create(e);
      expect(values(await store.claimMany([claimInput(e.id, 't', 0, 2), claimInput('no-such-email', 'u')]))[0]).toMatchObject({
        claimed: false,
        reason: 'stale',
      });
      expect(values(await store.claimMany([claimInput(e.id, 't', 0, 3), claimInput('no-such-email', 'u')]))[0]).toMatchObject({ claimed: true });
    });

    it('claims more than 25 emails in chunks of 25 statements and one read', async () => {
      const many = Array.from({ length: 60 }, () => email());
      expect(await store.createMany(many)).toEqual({ failedIds: [] });
      const { store: counted, commands } = countingStore();
      const results = values(await counted.claimMany(many.map((e) => claimInput(e.id, `tok-${e.id}`))));
      expect(results.every((r) => r.claimed)).toBe(true);
      expect(commands).toEqual(['BatchExecuteStatementCommand', 'BatchExecuteStatementCommand', 'BatchExecuteStatementCommand', 'BatchGetCommand']);
      expect((await store.get(many[59]!.id))!.claimToken).toBe(`tok-${many[59]!.id}`);
    });

    it('claims an email twice in one batch once: the repeat finds it leased', async () => {
      const e = email();
      await store.create(e);
      const results = values(await store.claimMany([claimInput(e.id, 'first'), claimInput(e.id, 'second')]));
      expect(results.map((r) => (r.claimed ? 'claimed' : r.reason))).toEqual(['claimed', 'leased']);
      expect((await store.get(e.id))!.claimToken).toBe('first');
    });

    it('claims on its own an email whose statement failed for another reason than its condition', async () => {
      const [throttled, ok] = [email(), email()];
      await store.create(throttled);
      await store.create(ok);
      const { store: counted, commands } = countingStore((command, send) => {
        if (!(command instanceof BatchExecuteStatementCommand)) return undefined;
        const statements = command.input.Statements!;
        const isThrottled = (st: (typeof statements)[number]) => st.Parameters!.includes(`EMAIL#${throttled.id}`);
        return send(new BatchExecuteStatementCommand({ Statements: statements.filter((st) => !isThrottled(st)) })).then((out) => {
          const responses = [...(out.Responses ?? [])];
          return {
            ...out,
            Responses: statements.map((st) => (isThrottled(st) ? { Error: { Code: 'ThrottlingError', Message: 'throttled' } } : responses.shift())),
          };
        });
      });
      const results = values(await counted.claimMany([claimInput(throttled.id, 't1'), claimInput(ok.id, 't2')]));
      expect(results.map((r) => r.claimed)).toEqual([true, true]);
      expect(commands).toEqual(['BatchExecuteStatementCommand', 'BatchGetCommand', 'UpdateCommand']);
      expect((await store.get(throttled.id))!.claimToken).toBe('t1');
    });

    it('tells from the read which claims of a call that threw after writing are its own', async () => {
      const [a, b] = [email(), email()];
      await store.create(a);
      await store.create(b);
      const { store: counted, commands } = countingStore((command, send) =>
        command instanceof BatchExecuteStatementCommand ? send(command).then(() => Promise.reject(new Error('socket hang up'))) : undefined,
      );
      const results = values(await counted.claimMany([claimInput(a.id, 't1'), claimInput(b.id, 't2')]));
      expect(results.map((r) => r.claimed)).toEqual([true, true]);
      expect(commands).toEqual(['BatchExecuteStatementCommand', 'BatchGetCommand']);
    });
  });

  describe('what each write costs (ReturnConsumedCapacity INDEXES)', () => {
    /** A store whose every call reports the capacity it consumed, per table and index. */
    function metered() {
      const metered = new DynamoDBClient({ endpoint: dynamo().endpoint, region: LOCAL_AWS.region, credentials: { ...LOCAL_AWS } });
      const calls: Array<{ op: string; capacity?: ConsumedCapacity }> = [];
      metered.middlewareStack.add(
        (next, context) => async (args) => {
          (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'INDEXES';
          const out = await next(args);
          calls.push({ op: context.commandName!, capacity: (out.output as { ConsumedCapacity?: ConsumedCapacity }).ConsumedCapacity });
          return out;
        },
        { step: 'initialize', name: 'meterCapacity' },
      );
      const take = () => calls.splice(0);
      return { store: new DynamoEmailStore(createDocumentClient(metered), table), take, destroy: () => metered.destroy() };
    }
    const indexes = (c: { capacity?: ConsumedCapacity }) => Object.keys(c.capacity?.GlobalSecondaryIndexes ?? {}).sort();

    it('writes the list index once, at creation: claim, sent and tracking writes touch only the small item (and the pending index while it is pending)', async () => {
      const m = metered();
      try {
        // ~3 KB of HTML: stored compressed, the item stays under 1 KB (one WRU per write).
        const e = email({ html: `<p>${'Hello there, this is a rather ordinary newsletter paragraph. '.repeat(50)}</p>` });
        await m.store.create(e);
        const [created] = m.take();
        expect(indexes(created!)).toEqual(['emailList', 'pending']);
        expect(created!.capacity?.Table?.CapacityUnits).toBe(1);
        expect(created!.capacity?.GlobalSecondaryIndexes?.emailList?.CapacityUnits).toBe(1);

        expect((await m.store.claim(e.id, { token: 't', now: at(1), leaseSeconds: 60, scheduleVersion: 0 })).claimed).toBe(true);
        const [claim] = m.take();
        // The pending index item is updated in place (its projected status), never re-keyed (2 writes).
        expect(claim).toMatchObject({ op: 'UpdateItemCommand', capacity: { CapacityUnits: 2, Table: { CapacityUnits: 1 } } });
        expect(indexes(claim!)).toEqual(['pending']);

        await m.store.transition(e.id, {
          to: 'sent',
          claimToken: 't',
          event: ev('sent', 2),
          set: { provider: 'ses', providerMessageId: 'ses-cost-1', leaseUntil: undefined },
        });
        const [sent] = m.take();
        expect(indexes(sent!)).toEqual(['pending']); // it leaves the pending index: one delete
        expect(sent!.capacity?.Table?.CapacityUnits).toBe(1);

        const delivered = await m.store.recordProviderEvent(e.id, {
          eventId: 'cost-delivery',
          event: { type: 'delivered', at: at(3).toISOString(), detail: { ses_event_id: 'cost-delivery', recipients: ['ada@example.org'] } },
          to: 'delivered',
          deferWhile: ['queued', 'sending'],
        });
        expect(delivered.kind).toBe('moved');
        const track = m.take();
        // One write, no read, no index.
        expect(track.map((c) => c.op)).toEqual(['UpdateItemCommand']);
        expect(track[0]!.capacity).toMatchObject({ CapacityUnits: 1, Table: { CapacityUnits: 1 } });
        expect(indexes(track[0]!)).toEqual([]);

        // The full email still reads back, body included.
        expect(await store.get(e.id)).toMatchObject({ status: 'delivered', html: e.html, headers: e.headers, subject: e.subject });
      } finally {
        m.destroy();
      }
    });

    it('records an SES Send for an email already sent with one read and no write', async () => {
      const m = metered();
      try {
        const e = email({ status: 'sent', lastEvent: 'sent' });
        await store.create(e);
        const result = await m.store.recordProviderEvent(e.id, {
          eventId: 'send-1',
          event: { type: 'ses_accepted', at: at(1).toISOString() },
          deferWhile: [],
          onlyWhile: ['queued', 'sending', 'retrying', 'failed'],
        });
        expect(result).toEqual({ kind: 'skipped', status: 'sent' });
        expect(m.take().map((c) => c.op)).toEqual(['GetItemCommand']);
        expect((await store.get(e.id))?.events).toEqual(e.events);
      } finally {
        m.destroy();
      }
    });
  });

  describe('provider events without a read (tracking)', () => {
    const delivery = (eventId: string, seconds = 5) => ({
      eventId,
      event: { type: 'delivered', at: at(seconds).toISOString(), detail: { ses_event_id: eventId } },
      to: 'delivered' as const,
      providerMessageId: 'ses-from-event',
      deferWhile: ['scheduled', 'queued', 'sending', 'retrying'] as const,
    });

    it('records an event id once: a redelivered event writes nothing', async () => {
      const e = email({ status: 'sent', lastEvent: 'sent' });
      await store.create(e);
      expect(await store.recordProviderEvent(e.id, delivery('d-1'))).toMatchObject({ kind: 'moved', email: { status: 'delivered', lastEvent: 'delivered' } });
      expect(await store.recordProviderEvent(e.id, delivery('d-1'))).toMatchObject({ kind: 'duplicate' });
      const stored = (await store.get(e.id))!;
      expect(stored.events.map((x) => x.type)).toEqual(['queued', 'delivered']);
      // The event-id set is bookkeeping, never part of the record; the provider message id was filled in.
      expect(stored).not.toHaveProperty('eventIds');
      expect(stored.providerMessageId).toBe('ses-from-event');
    });

    it('moves forward only: a late delivery after a click joins the history and keeps clicked', async () => {
      const e = email({ status: 'clicked', lastEvent: 'clicked' });
      await store.create(e);
      expect(await store.recordProviderEvent(e.id, delivery('late-1'))).toMatchObject({ kind: 'appended', email: { status: 'clicked', lastEvent: 'clicked' } });
      expect(await store.recordProviderEvent(e.id, delivery('late-1'))).toMatchObject({ kind: 'duplicate' });
      expect((await store.get(e.id))!.events.map((x) => x.type)).toEqual(['queued', 'delivered']);
    });

    it('defers an event for an email whose send is not recorded, writes nothing, and says missing for no email', async () => {
      const e = email({ status: 'sending', lastEvent: 'queued' });
      await store.create(e);
      expect(await store.recordProviderEvent(e.id, delivery('early-1'))).toMatchObject({ kind: 'deferred', email: { status: 'sending' } });
      expect((await store.get(e.id))!.events).toEqual(e.events);
      expect(await store.recordProviderEvent('no-such-email', delivery('x'))).toEqual({ kind: 'missing' });
    });

    it('records an SES Send on an email not yet recorded sent (it settles an ambiguous attempt)', async () => {
      const e = email({ status: 'retrying', lastEvent: 'retrying' });
      await store.create(e);
      const send = { eventId: 's-1', event: { type: 'ses_accepted', at: at(1).toISOString() }, deferWhile: [], onlyWhile: ['retrying' as const] };
      expect(await store.recordProviderEvent(e.id, send)).toMatchObject({ kind: 'appended', email: { status: 'retrying' } });
      expect(await store.recordProviderEvent(e.id, send)).toMatchObject({ kind: 'duplicate' });
    });

    it('knows an event recorded by the previous version (id in the history entry only) as a duplicate', async () => {
      const e = email({
        status: 'delivered',
        lastEvent: 'delivered',
        events: [{ type: 'delivered', at: at(1).toISOString(), detail: { ses_event_id: 'old-1' } }],
      });
      await store.create(e);
      expect(await store.recordProviderEvent(e.id, delivery('old-1'))).toMatchObject({ kind: 'duplicate' });
      // An event that only joins the history (a Reject: no status to move to) is known as well.
      const rejected = email({
        status: 'sent',
        lastEvent: 'sent',
        events: [{ type: 'rejected', at: at(1).toISOString(), detail: { ses_event_id: 'old-reject' } }],
      });
      await store.create(rejected);
      const reject = { eventId: 'old-reject', event: { type: 'rejected', at: at(2).toISOString(), detail: { ses_event_id: 'old-reject' } }, deferWhile: [] };
      expect(await store.recordProviderEvent(rejected.id, reject)).toMatchObject({ kind: 'duplicate' });
      expect((await store.get(rejected.id))!.events).toHaveLength(1);
    });
  });

  describe('items written by the previous version', () => {
    it('reads an uncompressed email item (body fields as plain attributes, gsi1 keys)', async () => {
      const e = email({ id: `plain-${Math.random().toString(36).slice(2)}`, text: 'Hi', template: { id: 'welcome', version: 1, variables: { name: 'Ada' } } });
      await createDocumentClient(client).send(
        new PutCommand({
          TableName: table,
          Item: { pk: `EMAIL#${e.id}`, sk: 'EMAIL', gsi1pk: `TENANT#${e.tenantId}`, gsi1sk: `EMAIL#${e.createdAt}#${e.id}`, ...e },
        }),
      );
      expect(await store.get(e.id)).toEqual(e);
    });

    it('stores the body compressed in one Binary attribute, not as plain attributes', async () => {
      const e = email({ text: 'Hi there', attachments: [{ filename: 'a.pdf', key: 'k/a.pdf', size: 3 }] });
      await store.create(e);
      const raw = (await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: `EMAIL#${e.id}` }, sk: { S: 'EMAIL' } } }))).Item!;
      expect(raw.body?.B).toBeInstanceOf(Uint8Array);
      for (const field of ['html', 'text', 'headers', 'attachments', 'replyTo']) expect(raw).not.toHaveProperty(field);
      expect(raw).not.toHaveProperty('gsi1pk');
      expect(await store.get(e.id)).toEqual(e);
    });

    it('moves emails from gsi1 onto the list index (backfill), once', async () => {
      const tenantId = `backfill-${Math.random().toString(36).slice(2, 8)}`;
      const e = email({ tenantId });
      await createDocumentClient(client).send(
        new PutCommand({
          TableName: table,
          Item: { pk: `EMAIL#${e.id}`, sk: 'EMAIL', gsi1pk: `TENANT#${tenantId}`, gsi1sk: `EMAIL#${e.createdAt}#${e.id}`, ...e },
        }),
      );
      expect((await store.listByTenant({ tenantId, limit: 10 })).emails).toEqual([]);
      expect(await store.backfillEmailList()).toBeGreaterThanOrEqual(1);
      expect((await store.listByTenant({ tenantId, limit: 10 })).emails.map((x) => x.id)).toEqual([e.id]);
      const raw = (await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: `EMAIL#${e.id}` }, sk: { S: 'EMAIL' } } }))).Item!;
      expect(raw).not.toHaveProperty('gsi1pk');
      expect(await store.backfillEmailList()).toBe(0);
    });
  });

  describe('the pending index (what the reconciler reads)', () => {
    const ids = (found: { id: string }[], mine: string[]) => found.map((e) => e.id).filter((id) => mine.includes(id));

    it('lists a queued email once it is overdue for its lane, and no longer once it is sent', async () => {
      const e = email({ lane: 'transactional' });
      await store.create(e);
      expect(ids(await store.findStuck(at(299), 1000), [e.id])).toEqual([]);
      expect(ids(await store.findStuck(at(300), 1000), [e.id])).toEqual([e.id]);
      const claimed = await store.claim(e.id, { token: 't', now: at(400), leaseSeconds: 60, scheduleVersion: 0 });
      expect(claimed.claimed).toBe(true);
      // Claimed: stuck only once the lease and the visibility timeout after it have run out.
      expect(ids(await store.findStuck(at(400), 1000), [e.id])).toEqual([]);
      const leaseEnd = 400 + 60 + SENDING_STUCK_AFTER_LEASE_SECONDS;
      expect(ids(await store.findStuck(at(leaseEnd), 1000), [e.id])).toEqual([e.id]);
      await store.transition(e.id, { to: 'sent', claimToken: 't', event: ev('sent', 401) });
      expect(ids(await store.findStuck(new Date('2100-01-01T00:00:00Z'), 1000, { all: true }), [e.id])).toEqual([]);
    });

    it('moves a batch-claimed email (PartiQL) along the index like a single claim', async () => {
      const a = email();
      const b = email();
      await store.createMany([a, b]);
      const results = await store.claimMany([
        { id: a.id, token: 'ta', now: at(10), leaseSeconds: 60, scheduleVersion: 0 },
        { id: b.id, token: 'tb', now: at(10), leaseSeconds: 60, scheduleVersion: 0 },
      ]);
      expect(results.every((r) => r.status === 'fulfilled' && r.value.claimed)).toBe(true);
      const found = await store.findStuck(at(10 + 60 + SENDING_STUCK_AFTER_LEASE_SECONDS), 1000);
      expect(found.filter((f) => [a.id, b.id].includes(f.id)).map((f) => f.status)).toEqual(['sending', 'sending']);
    });

    it('hides a reconciled email until its backoff ends, but keeps counting it, and refuses a second mark', async () => {
      const e = email({ id: `rec-${Math.random().toString(36).slice(2)}` });
      await store.create(e);
      const [found] = (await store.findStuck(at(600), 1000)).filter((f) => f.id === e.id);
      expect(found).toMatchObject({ id: e.id, status: 'queued', lane: 'transactional', scheduleVersion: 0, stuckSince: at(300).toISOString() });
      expect(await store.markReconciled(found!, at(600), at(900))).toBe(true);
      expect(await store.markReconciled(found!, at(601), at(901))).toBe(false); // someone else's mark came first
      expect(ids(await store.findStuck(at(899), 1000), [e.id])).toEqual([]);
      expect(ids(await store.findStuck(at(900), 1000), [e.id])).toEqual([e.id]);
      expect(await store.countStuck(at(600), 100_000)).toBeGreaterThanOrEqual(1);
      // The reconciler's bookkeeping never leaks into the record.
      expect(await store.get(e.id)).not.toHaveProperty('reconciledAt');
    });

    it('is added to a table created before it existed (a local data folder from an older version)', async () => {
      const legacy = `legacy-${Math.random().toString(36).slice(2, 8)}`;
      await client.send(
        new CreateTableCommand({
          TableName: legacy,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: ['pk', 'sk', 'gsi1pk', 'gsi1sk'].map((n) => ({ AttributeName: n, AttributeType: 'S' as const })),
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: 'gsi1',
              KeySchema: [
                { AttributeName: 'gsi1pk', KeyType: 'HASH' },
                { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
        }),
      );
      await createTables(client, { table: legacy, idempotencyTable: `${legacy}-idempotency` });
      const described = await client.send(new DescribeTableCommand({ TableName: legacy }));
      expect(described.Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName).sort()).toEqual(['emailList', 'gsi1', 'pending']);
      const old = new DynamoEmailStore(createDocumentClient(client), legacy);
      const e = email();
      await old.create(e);
      expect((await old.findStuck(at(3600), 10)).map((f) => f.id)).toEqual([e.id]);
      expect((await old.listByTenant({ tenantId: e.tenantId, limit: 10 })).emails.map((x) => x.id)).toEqual([e.id]);
    });

    it('backfills pending emails written before the index existed, and leaves finished ones out', async () => {
      const doc = createDocumentClient(client);
      const legacyQueued = email({ id: `pre-${Math.random().toString(36).slice(2)}` });
      const legacySent = email({ id: `pre-${Math.random().toString(36).slice(2)}`, status: 'sent', lastEvent: 'sent' });
      for (const e of [legacyQueued, legacySent]) await doc.send(new PutCommand({ TableName: table, Item: { pk: `EMAIL#${e.id}`, sk: 'EMAIL', ...e } }));
      expect(ids(await store.findStuck(new Date('2100-01-01T00:00:00Z'), 10_000, { all: true }), [legacyQueued.id])).toEqual([]);
      expect(await store.backfillPendingIndex()).toBeGreaterThanOrEqual(1);
      const found = await store.findStuck(new Date('2100-01-01T00:00:00Z'), 10_000, { all: true });
      expect(ids(found, [legacyQueued.id, legacySent.id])).toEqual([legacyQueued.id]);
      expect(await store.backfillPendingIndex()).toBe(0); // nothing left to index
    });

    it('refuses to read an email item that is not one, by name', async () => {
      const id = `broken-${Math.random().toString(36).slice(2)}`;
      await createDocumentClient(client).send(new PutCommand({ TableName: table, Item: { pk: `EMAIL#${id}`, sk: 'EMAIL', id, tenantId: 'acme' } }));
      await expect(store.get(id)).rejects.toThrow(StoredItemError);
      await expect(store.get(id)).rejects.toThrow(/`status` is missing/);
    });
  });
});
