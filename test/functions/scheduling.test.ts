import { beforeEach, describe, expect, it } from 'vitest';
import { LANES } from '#shared/config/lanes';
import { MemoryLaneQueue, MemoryMailProvider, MemorySendScheduler } from '#shared/adapters/memory/memory-adapters';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import { createMemoryIdempotency } from '#shared/adapters/powertools-idempotency';
import { withApi } from '#shared/http/middy';
import type { Clock } from '#shared/ports/index';
import { sendOne } from '#test/support/send-one';
import { makeEmailsHandler } from '#functions/emails/app';
import { makeIngestHandler } from '#functions/ingest/app';
import { answer, apiEvent, lambdaContext, TENANT } from '#test/support/api-event';
import { MemoryRateLimiter } from '#shared/adapters/memory/memory-rate-limiter';
import { tenantsWith } from '#test/support/tenants';

class FixedClock implements Clock {
  constructor(public ms: number) {}
  now() {
    return new Date(this.ms);
  }
}

const NOW = Date.parse('2026-03-10T10:00:00Z');
const body = (scheduled_at: string) => ({ from: 'Acme <hello@acme.test>', to: 'ada@example.org', subject: 'Later', text: 'hi', scheduled_at });

describe('scheduled sends, reschedule and cancel (handlers, in-memory ports)', () => {
  let emails: MemoryEmailStore;
  let queue: MemoryLaneQueue;
  let scheduler: MemorySendScheduler;
  let clock: FixedClock;
  let ids: number;

  const send = async (scheduledAt: string) => {
    const res = answer(
      await withApi(
        makeIngestHandler({
          emails,
          queue,
          scheduler,
          clock,
          tenants: tenantsWith('acme'),
          rateLimiter: new MemoryRateLimiter(),
          idempotency: createMemoryIdempotency(),
          newId: () => `email-${++ids}`,
          defaultRetentionDays: 30,
          maxBodyBytes: 10_000,
        }),
      )(apiEvent('POST /emails', { body: body(scheduledAt) }), lambdaContext()),
    );
    return res;
  };
  const emailsApi = (routeKey: string, id: string, payload?: unknown, principal = TENANT) =>
    withApi(makeEmailsHandler({ emails, queue, scheduler, clock }))(
      apiEvent(routeKey, { pathParameters: { id }, principal, ...(payload !== undefined ? { body: payload } : {}) }),
      lambdaContext(),
    ).then(answer);
  const deliver = (emailId: string, scheduleVersion: number) =>
    sendOne(
      { emails, queue, clock, lane: LANES.transactional, provider: new MemoryMailProvider(), leaseSeconds: 60 },
      { message: { emailId, tenantId: 'acme', scheduleVersion }, receiveCount: 1 },
    );

  beforeEach(() => {
    emails = new MemoryEmailStore();
    queue = new MemoryLaneQueue();
    scheduler = new MemorySendScheduler();
    clock = new FixedClock(NOW);
    ids = 0;
  });

  it('stores a send 10 minutes ahead as scheduled on an SQS delay, and one a day ahead as a schedule', async () => {
    expect((await send('in 10 min')).status).toBe(200);
    expect(emails.items.get('email-1')).toMatchObject({ status: 'scheduled', scheduledAt: '2026-03-10T10:10:00.000Z', scheduleVersion: 0 });
    expect(queue.sent).toEqual([{ lane: 'transactional', message: { emailId: 'email-1', tenantId: 'acme', scheduleVersion: 0 }, delaySeconds: 600 }]);
    await send('tomorrow at 9am');
    expect(scheduler.schedules.get('email-2')?.at.toISOString()).toBe('2026-03-11T09:00:00.000Z');
  });

  it('answers 422 for a time in the past or beyond 30 days', async () => {
    const past = await send('2026-03-09T10:00:00Z');
    expect(past.status).toBe(422);
    expect(past.body.name).toBe('validation_error');
    expect((await send('in 31 days')).status).toBe(422);
  });

  it('cancels a scheduled email: {object, id}, status canceled, version bumped, schedule deleted; its message is then dropped', async () => {
    await send('tomorrow at 9am');
    const res = await emailsApi('POST /emails/{id}/cancel', 'email-1');
    expect(res).toEqual({ status: 200, body: { object: 'email', id: 'email-1' } });
    expect(emails.items.get('email-1')).toMatchObject({ status: 'canceled', lastEvent: 'canceled', scheduleVersion: 1 });
    expect(scheduler.schedules.size).toBe(0);
    expect(await deliver('email-1', 0)).toEqual({ kind: 'dropped', reason: 'stale' });
  });

  it('answers 409 validation_error when canceling or rescheduling an email that is not scheduled', async () => {
    await send('in 5 min');
    expect((await deliver('email-1', 0)).kind).toBe('sent');
    const cancel = await emailsApi('POST /emails/{id}/cancel', 'email-1');
    expect(cancel.status).toBe(409);
    expect(cancel.body).toEqual({
      statusCode: 409,
      name: 'validation_error',
      message: 'This email cannot be canceled: only scheduled emails can be canceled, and this one is `sent`.',
    });
    const patch = await emailsApi('PATCH /emails/{id}', 'email-1', { scheduled_at: 'in 1 hour' });
    expect(patch.status).toBe(409);
    expect(patch.body.message).toMatch(/cannot be rescheduled.*`sent`/);
  });

  it('loses the race to a sender that claimed first (409), and a cancel that wins makes the firing a no-op', async () => {
    await send('in 1 min');
    await send('in 1 min');
    // The sender claims email-1 before the cancel arrives.
    const claimed = await emails.claim('email-1', { token: 't', now: clock.now(), leaseSeconds: 60, scheduleVersion: 0 });
    expect(claimed.claimed).toBe(true);
    expect((await emailsApi('POST /emails/{id}/cancel', 'email-1')).status).toBe(409);
    // The cancel of email-2 wins: the firing message is stale.
    expect((await emailsApi('POST /emails/{id}/cancel', 'email-2')).status).toBe(200);
    expect(await deliver('email-2', 0)).toMatchObject({ kind: 'dropped' });
  });

  it('reschedules later within 15 minutes: a new delayed message with the new version; the old one is stale', async () => {
    await send('in 2 min');
    const res = await emailsApi('PATCH /emails/{id}', 'email-1', { scheduled_at: 'in 10 min' });
    expect(res).toEqual({ status: 200, body: { object: 'email', id: 'email-1' } });
    expect(emails.items.get('email-1')).toMatchObject({ status: 'scheduled', scheduledAt: '2026-03-10T10:10:00.000Z', scheduleVersion: 1 });
    expect(queue.sent.at(-1)).toEqual({ lane: 'transactional', message: { emailId: 'email-1', tenantId: 'acme', scheduleVersion: 1 }, delaySeconds: 600 });
    expect(await deliver('email-1', 0)).toEqual({ kind: 'dropped', reason: 'stale' });
    expect((await deliver('email-1', 1)).kind).toBe('sent');
  });

  it('reschedules from a delay to beyond 15 minutes (a schedule) and back earlier (a delay, schedule deleted)', async () => {
    await send('in 2 min');
    await emailsApi('PATCH /emails/{id}', 'email-1', { scheduled_at: '2026-03-12T08:00:00Z' });
    expect(scheduler.calls.at(-1)).toEqual({ op: 'reschedule', emailId: 'email-1' });
    expect(scheduler.schedules.get('email-1')).toMatchObject({ at: new Date('2026-03-12T08:00:00Z'), message: { scheduleVersion: 1 } });
    await emailsApi('PATCH /emails/{id}', 'email-1', { scheduledAt: 'in 30 seconds' });
    expect(scheduler.schedules.has('email-1')).toBe(false);
    expect(queue.sent.at(-1)).toMatchObject({ message: { scheduleVersion: 2 }, delaySeconds: 30 });
    expect(emails.items.get('email-1')!.events.map((e) => e.type)).toEqual(['scheduled', 'rescheduled', 'rescheduled']);
  });

  it("refuses a PATCH without scheduled_at, with other fields, or with a bad time (422), and another tenant's email (404)", async () => {
    await send('in 2 min');
    expect((await emailsApi('PATCH /emails/{id}', 'email-1', {})).body.name).toBe('missing_required_field');
    expect((await emailsApi('PATCH /emails/{id}', 'email-1', { subject: 'x', scheduled_at: 'in 1 hour' })).status).toBe(422);
    expect((await emailsApi('PATCH /emails/{id}', 'email-1', { scheduled_at: 'someday' })).body.name).toBe('validation_error');
    expect((await emailsApi('POST /emails/{id}/cancel', 'email-1', undefined, { ...TENANT, tenantId: 'other' })).status).toBe(404);
    expect(emails.items.get('email-1')!.scheduleVersion).toBe(0);
  });
});
