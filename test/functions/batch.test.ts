import { beforeEach, describe, expect, it } from 'vitest';
import { LANES, type Lane } from '#shared/config/lanes';
import type { EmailRecord } from '#shared/domain/email';
import { MemoryLaneQueue, MemoryMailProvider, MemorySenderCap, MemorySendScheduler, MemoryTenantStore } from '#shared/adapters/memory/memory-adapters';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import { createMemoryIdempotency } from '#shared/adapters/powertools-idempotency';
import { DEFAULT_LIMITS, type TenantLimits } from '#shared/domain/tenant';
import { withApi } from '#shared/http/middy';
import type { Clock, QueuedMessage, RateLimiter } from '#shared/ports/index';
import { hourKey } from '#shared/use-cases/pacing';
import { emailRecord } from '#test/support/emails';
import { sendOne } from '#test/support/send-one';
import { makeIngestHandler, type IngestDeps } from '#functions/ingest/app';
import { answer, apiEvent, lambdaContext } from '#test/support/api-event';

class FixedClock implements Clock {
  constructor(public ms: number) {}
  now() {
    return new Date(this.ms);
  }
}

/** A queue whose batches for some lanes fail, reporting those ids as not enqueued. */
class FlakyLaneQueue extends MemoryLaneQueue {
  failLanes = new Set<Lane>();
  batches: number[] = [];
  override async enqueueMany(lane: Lane, messages: readonly QueuedMessage[]): Promise<{ failedIds: string[] }> {
    for (let i = 0; i < messages.length; i += 10) this.batches.push(Math.min(10, messages.length - i));
    if (this.failLanes.has(lane)) return { failedIds: messages.map((m) => m.body.emailId) };
    return super.enqueueMany(lane, messages);
  }
}

class CountingRateLimiter implements RateLimiter {
  calls: Array<{ tenantId: string; count: number; sender?: string }> = [];
  async consume(tenantId: string, count: number, _limits: TenantLimits, options?: { sender?: string }) {
    this.calls.push({ tenantId, count, ...(options?.sender ? { sender: options.sender } : {}) });
    return undefined;
  }
}

const NOW = Date.parse('2026-03-10T10:00:00Z');
const item = (i: number, extra: Record<string, unknown> = {}) => ({
  from: 'Acme <news@acme.test>',
  to: `user${i}@example.org`,
  subject: `Hello ${i}`,
  html: `<p>${i}</p>`,
  ...extra,
});

describe('POST /emails/batch (ingest handler, in-memory ports)', () => {
  let deps: IngestDeps & {
    emails: MemoryEmailStore;
    queue: FlakyLaneQueue;
    scheduler: MemorySendScheduler;
    rateLimiter: CountingRateLimiter;
    tenants: MemoryTenantStore;
  };
  let ids: number;
  let clock: FixedClock;

  const post = async (payload: unknown, headers: Record<string, string> = {}) =>
    answer(await withApi(makeIngestHandler(deps))(apiEvent('POST /emails/batch', { body: payload, headers }), lambdaContext()));

  beforeEach(async () => {
    ids = 0;
    clock = new FixedClock(NOW);
    deps = {
      emails: new MemoryEmailStore(),
      queue: new FlakyLaneQueue(),
      scheduler: new MemorySendScheduler(),
      rateLimiter: new CountingRateLimiter(),
      tenants: new MemoryTenantStore(),
      idempotency: createMemoryIdempotency(),
      clock,
      newId: () => `email-${String(++ids).padStart(3, '0')}`,
      defaultRetentionDays: 30,
      maxBodyBytes: 1_000_000,
    };
    await deps.tenants.put({ id: 'acme', allowedSenders: [], retentionDays: 30, limits: DEFAULT_LIMITS, createdAt: '', updatedAt: '' });
  });

  it('accepts a batch of 100: 100 ids, stored in one createMany, enqueued once each in SQS batches of 10', async () => {
    const res = await post(Array.from({ length: 100 }, (_, i) => item(i)));
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(100);
    expect(res.body.errors).toBeUndefined();
    const returned = res.body.data.map((d: { id: string }) => d.id);
    expect(new Set(returned).size).toBe(100);
    expect(deps.emails.calls.createMany).toBe(1);
    expect(deps.emails.calls.create).toBeUndefined();
    expect(deps.queue.sent.map((s) => s.message.emailId).sort()).toEqual([...returned].sort());
    expect(deps.queue.batches).toEqual(Array(10).fill(10));
    // In request order: the n-th id is the n-th email.
    expect(deps.emails.items.get(returned[42])!.subject).toBe('Hello 42');
  });

  it('takes the batch count from the tenant rate limiter once', async () => {
    await post([item(1), item(2), item(3)]);
    expect(deps.rateLimiter.calls).toEqual([{ tenantId: 'acme', count: 3 }]);
  });

  it('strict (default): one bad item → 422 naming its index and field, nothing stored or queued', async () => {
    const res = await post([item(0), item(1), item(2), item(3, { to: 'not-an-address' })]);
    expect(res.status).toBe(422);
    expect(res.body.name).toBe('validation_error');
    expect(res.body.message).toContain('emails[3]');
    expect(res.body.message).toContain('`to`');
    expect(deps.emails.items.size).toBe(0);
    expect(deps.queue.sent).toHaveLength(0);
    expect(deps.rateLimiter.calls).toHaveLength(0);
  });

  it('permissive with 3 bad items of 100 → 97 accepted and 3 precise errors', async () => {
    const payload = Array.from({ length: 100 }, (_, i) => item(i));
    payload[5] = item(5, { to: 'nope' });
    payload[50] = item(50, { subject: undefined });
    payload[99] = item(99, { scheduled_at: 'last tuesday-ish' });
    const res = await post(payload, { 'x-batch-validation': 'permissive' });
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(97);
    expect(res.body.errors).toEqual([
      { index: 5, message: expect.stringContaining('`to`') },
      { index: 50, message: 'Missing `subject` field.' },
      { index: 99, message: expect.stringContaining('`scheduled_at`') },
    ]);
    expect(deps.emails.items.size).toBe(97);
    expect(deps.queue.sent).toHaveLength(97);
    expect(deps.rateLimiter.calls).toEqual([{ tenantId: 'acme', count: 97 }]);
  });

  it('refuses a body that is not an array of 1 to 100, and an unknown validation mode', async () => {
    expect((await post(item(1))).status).toBe(422);
    expect((await post([])).status).toBe(422);
    const tooMany = await post(Array.from({ length: 101 }, (_, i) => item(i)));
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.message).toMatch(/101.*At most 100/);
    expect((await post([item(1)], { 'x-batch-validation': 'lenient' })).status).toBe(422);
    expect(deps.emails.items.size).toBe(0);
  });

  it('replays the first answer for the same Idempotency-Key and refuses the key with another body', async () => {
    const first = await post([item(1), item(2)], { 'idempotency-key': 'k1' });
    const again = await post([item(1), item(2)], { 'idempotency-key': 'k1' });
    expect(again).toEqual(first);
    expect(deps.emails.items.size).toBe(2);
    const other = await post([item(3)], { 'idempotency-key': 'k1' });
    expect(other.status).toBe(409);
    expect(other.body.name).toBe('invalid_idempotent_request');
  });

  it('honours scheduled_at per item: an SQS delay up to 15 minutes, a schedule beyond', async () => {
    const res = await post([item(0), item(1, { scheduled_at: 'in 5 min' }), item(2, { scheduled_at: '2026-03-11T10:00:00Z' })]);
    const [now, soon, later] = res.body.data.map((d: { id: string }) => d.id);
    expect(deps.emails.items.get(soon)!.status).toBe('scheduled');
    expect(deps.queue.sent.find((s) => s.message.emailId === now)!.delaySeconds).toBeUndefined();
    expect(deps.queue.sent.find((s) => s.message.emailId === soon)!.delaySeconds).toBe(300);
    expect(deps.queue.sent.find((s) => s.message.emailId === later)).toBeUndefined();
    expect(deps.scheduler.schedules.get(later)).toEqual({
      lane: 'transactional',
      at: new Date('2026-03-11T10:00:00Z'),
      message: { emailId: later, tenantId: 'acme', scheduleVersion: 0 },
    });
  });

  it('permissive: items whose lane queue fails are reported by index and canceled (never sent), the rest go out', async () => {
    deps.queue.failLanes.add('bulk');
    const res = await post([item(0), item(1), item(2)], { 'x-batch-validation': 'permissive', 'mailroom-lane': 'bulk' });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([]);
    expect(res.body.errors.map((e: { index: number }) => e.index)).toEqual([0, 1, 2]);
    expect(res.body.errors[0].message).toMatch(/could not be queued/);
    expect([...deps.emails.items.values()].map((e) => e.status)).toEqual(['canceled', 'canceled', 'canceled']);
  });

  it('strict: a queue failure cancels the whole batch and answers 503 (never a silent partial batch)', async () => {
    deps.queue.failLanes.add('bulk');
    const res = await post([item(0), item(1, { scheduled_at: 'in 2 days' })], { 'mailroom-lane': 'bulk' });
    expect(res.status).toBe(503);
    expect([...deps.emails.items.values()].map((e) => e.status)).toEqual(['canceled', 'canceled']);
    expect(deps.scheduler.schedules.size).toBe(0);
  });

  it('paces a campaign: start, interval and hourly cap headers give each email its slot, over-cap ones roll to the next hour in order', async () => {
    const res = await post(
      Array.from({ length: 100 }, (_, i) => item(i)),
      { 'mailroom-send-start': '2026-03-10T10:30:00Z', 'mailroom-send-interval': '1', 'mailroom-hourly-cap': '40' },
    );
    expect(res.status).toBe(200);
    const records = res.body.data.map((d: { id: string }) => deps.emails.items.get(d.id)!) as EmailRecord[];
    const perHour = new Map<string, number>();
    for (const r of records) perHour.set(hourKey(new Date(r.scheduledAt!)), (perHour.get(hourKey(new Date(r.scheduledAt!))) ?? 0) + 1);
    expect(Object.fromEntries(perHour)).toEqual({ '2026-03-10T10': 40, '2026-03-10T11': 40, '2026-03-10T12': 20 });
    expect(records[40]!.scheduledAt).toBe('2026-03-10T11:00:00.000Z');
    expect(records.every((r) => r.status === 'scheduled')).toBe(true);
    // Due within 15 minutes → SQS delay; later → one-time schedules.
    expect(deps.queue.sent.map((s) => s.message.emailId)).toEqual(records.filter((r) => Date.parse(r.scheduledAt!) - NOW <= 900_000).map((r) => r.id));
    expect(deps.scheduler.schedules.size).toBe(records.filter((r) => Date.parse(r.scheduledAt!) - NOW > 900_000).length);
  });

  it('refuses an item scheduled_at inside a paced batch, naming it', async () => {
    const res = await post([item(0), item(1, { scheduled_at: 'in 1 hour' })], { 'mailroom-hourly-cap': '10' });
    expect(res.status).toBe(422);
    expect(res.body.message).toMatch(/emails\[1\].*pacing/);
  });

  it('refuses attachments in a batch item (send those on their own)', async () => {
    const res = await post([item(0, { attachments: [{ filename: 'a.txt', content: 'aGk=' }] })], { 'x-batch-validation': 'permissive' });
    expect(res.body.errors[0]).toEqual({ index: 0, message: expect.stringMatching(/Attachments are not supported in batch/) });
  });
});

describe('per-sender hourly cap at send time', () => {
  it('sends 250 emails with a 200/hour cap as 200 this hour and 50 next hour, without spending attempts', async () => {
    const clock = new FixedClock(Date.parse('2026-03-10T10:05:00Z'));
    const emails = new MemoryEmailStore();
    const tenants = new MemoryTenantStore();
    await tenants.put({
      id: 'acme',
      allowedSenders: [],
      retentionDays: 30,
      limits: { ...DEFAULT_LIMITS, perSenderHourlyCap: 200 },
      createdAt: '',
      updatedAt: '',
    });
    const provider = new MemoryMailProvider('ses');
    const deps = {
      emails,
      queue: new MemoryLaneQueue(),
      clock,
      lane: LANES.marketing,
      provider,
      tenants,
      senderCap: new MemorySenderCap(),
      leaseSeconds: 60,
    };
    const ids = Array.from({ length: 250 }, (_, i) => `e${String(i).padStart(3, '0')}`);
    for (const id of ids) {
      await emails.create(
        emailRecord({
          id,
          lane: 'marketing',
          from: 'News <news@acme.test>',
          to: [`${id}@example.org`],
          subject: id,
          text: 'hi',
          createdAt: '',
          updatedAt: '',
        }),
      );
    }
    const retries: string[] = [];
    for (const id of ids) {
      const outcome = await sendOne(deps, { message: { emailId: id, tenantId: 'acme', scheduleVersion: 0 }, receiveCount: 1 });
      if (outcome.kind === 'retry') {
        expect(outcome).toEqual({ kind: 'retry', delaySeconds: 55 * 60, throttled: true, reason: 'sender_hourly_cap' });
        retries.push(id);
      } else expect(outcome.kind).toBe('sent');
    }
    expect(provider.sent).toHaveLength(200);
    expect(retries).toEqual(ids.slice(200));
    expect(emails.items.get('e200')).toMatchObject({ status: 'retrying', attempts: 0, lastEvent: 'queued' });

    clock.ms = Date.parse('2026-03-10T11:00:00Z');
    for (const id of retries)
      expect((await sendOne(deps, { message: { emailId: id, tenantId: 'acme', scheduleVersion: 0 }, receiveCount: 2 })).kind).toBe('sent');
    expect(provider.sent.map((m) => m.emailId)).toEqual(ids);
    expect(emails.items.get('e249')).toMatchObject({ status: 'sent', attempts: 1 });
  });
});
