import { Resend } from 'resend';
import { describe, expect, it } from 'vitest';
import { MemoryEndpointSlots, MemoryWebhookEventLog, MemoryWebhookQueue, MemoryWebhookStore } from '#shared/adapters/memory/memory-webhooks';
import type { EmailRecord } from '#shared/domain/email';
import { webhookTypeOf, type Webhook } from '#shared/domain/webhook';
import type { WebhookResponse, WebhookTransport } from '#shared/ports/webhooks';
import { type DeliveryDeps, deliverEvent, fanOutEvent, webhookEventId } from '#shared/use-cases/webhook-delivery';
import { assertEndpointAllowed, newSigningSecret } from '#shared/use-cases/webhooks';
import { HttpWebhookTransport } from '#shared/adapters/http-webhook-transport';
import { ValidationError } from '#shared/domain/errors';
import { MemoryActivityLog } from '#shared/adapters/memory/memory-activity-log';
import { MemoryTenantStore } from '#shared/adapters/memory/memory-adapters';

const NOW = new Date('2026-05-01T10:00:00Z');
const clock = { now: () => NOW };

const email = {
  id: 'em_1',
  tenantId: 'acme',
  from: 'Acme <hello@acme.com>',
  to: ['ada@example.org'],
  subject: 'Your receipt',
  tags: [{ name: 'kind', value: 'receipt' }],
  createdAt: '2026-05-01T09:59:00.000Z',
  messageId: '<m1@acme.com>',
} as unknown as EmailRecord;

function hook(overrides: Partial<Webhook> = {}): Webhook {
  return {
    id: 'wh_1',
    tenantId: 'acme',
    endpoint: 'https://hooks.example.com/in',
    events: ['email.sent', 'email.delivered', 'email.bounced'],
    status: 'enabled',
    secret: newSigningSecret(),
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    failureStreak: 0,
    ...overrides,
  };
}

/** A receiver that answers from a script (then 200), recording what it got. */
function scriptedTransport(script: Array<number | 'timeout'>) {
  const received: Array<{ url: string; body: string; headers: Record<string, string> }> = [];
  const transport: WebhookTransport = {
    async post(url, body, headers): Promise<WebhookResponse> {
      received.push({ url, body, headers });
      const next = script.shift() ?? 200;
      if (next === 'timeout') throw Object.assign(new Error('aborted'), { name: 'TimeoutError' });
      return { status: next, body: next >= 400 ? 'receiver broke' : 'ok' };
    },
  };
  return { transport, received };
}

function setup(script: Array<number | 'timeout'> = [], settings: Partial<DeliveryDeps['settings']> = {}) {
  const webhooks = new MemoryWebhookStore();
  const log = new MemoryWebhookEventLog();
  const queue = new MemoryWebhookQueue();
  const slots = new MemoryEndpointSlots();
  const { transport, received } = scriptedTransport(script);
  const activity = new MemoryActivityLog();
  const tenants = new MemoryTenantStore();
  const deps: DeliveryDeps = {
    webhooks,
    log,
    queue,
    slots,
    transport,
    activity,
    tenants,
    clock,
    settings: { retrySchedule: [5, 300, 1800], disableAfter: 50, concurrency: 2, timeoutMs: 1000, ...settings },
  };
  const fanDeps = { webhooks, log, queue, clock, tenants, emails: { get: async (id: string) => (id === email.id ? email : undefined) } };
  return { deps, fanDeps, webhooks, log, queue, slots, received, activity, tenants };
}

const sentEvent = { id: 'bus-1', 'detail-type': 'Email Sent', detail: { id: 'em_1', tenant: 'acme', lane: 'transactional', at: '2026-05-01T10:00:00.000Z' } };

describe('webhook fan-out', () => {
  it('queues one event per enabled, subscribed webhook of the tenant, with Resend’s payload', async () => {
    const { fanDeps, webhooks, log, queue } = setup();
    await webhooks.create(hook());
    await webhooks.create(hook({ id: 'wh_2', events: ['email.bounced'] }));
    await webhooks.create(hook({ id: 'wh_3', status: 'disabled' }));
    await webhooks.create(hook({ id: 'wh_4', tenantId: 'globex' }));
    expect(await fanOutEvent(fanDeps, sentEvent)).toBe(1);
    expect(queue.messages).toEqual([{ tenantId: 'acme', webhookId: 'wh_1', eventId: webhookEventId('bus-1', 'wh_1') }]);
    const event = [...log.events.values()][0]!;
    expect(JSON.parse(event.payload)).toEqual({
      type: 'email.sent',
      created_at: '2026-05-01T10:00:00.000Z',
      data: {
        email_id: 'em_1',
        created_at: '2026-05-01T09:59:00.000Z',
        from: 'Acme <hello@acme.com>',
        to: ['ada@example.org'],
        subject: 'Your receipt',
        message_id: '<m1@acme.com>',
        tags: { kind: 'receipt' },
      },
    });
  });

  it('writes and queues nothing twice when the same bus event comes again', async () => {
    const { fanDeps, webhooks, queue } = setup();
    await webhooks.create(hook());
    await fanOutEvent(fanDeps, sentEvent);
    expect(await fanOutEvent(fanDeps, sentEvent)).toBe(0);
    expect(queue.messages).toHaveLength(1);
  });

  it('maps detail-types to Resend names and skips the ones Resend has no name for', () => {
    expect(webhookTypeOf('Email Bounced', {})).toBe('email.bounced');
    expect(webhookTypeOf('Email Delivery Delayed', {})).toBe('email.delivery_delayed');
    expect(webhookTypeOf('Email Accepted', { status: 'scheduled' })).toBe('email.scheduled');
    expect(webhookTypeOf('Email Accepted', { status: 'queued' })).toBeUndefined();
    expect(webhookTypeOf('Email Canceled', {})).toBeUndefined();
  });

  it('adds the bounce details to an email.bounced payload', async () => {
    const { fanDeps, webhooks, log } = setup();
    await webhooks.create(hook());
    await fanOutEvent(fanDeps, {
      id: 'bus-2',
      'detail-type': 'Email Bounced',
      detail: { id: 'em_1', tenant: 'acme', bounce_type: 'permanent', bounce_subtype: 'General', diagnostic: '550 5.1.1 unknown' },
    });
    expect(JSON.parse([...log.events.values()][0]!.payload).data.bounce).toEqual({ type: 'permanent', subType: 'General', message: '550 5.1.1 unknown' });
  });
});

describe('webhook delivery', () => {
  it('signs so that resend.webhooks.verify accepts the delivery (webhook-* and svix-* headers)', async () => {
    const { deps, fanDeps, webhooks, received, log } = setup();
    const w = hook();
    await webhooks.create(w);
    await fanOutEvent(fanDeps, sentEvent);
    // Verification checks the timestamp against the real clock: sign with it.
    const outcome = await deliverEvent(
      { ...deps, clock: { now: () => new Date() } },
      { tenantId: 'acme', webhookId: 'wh_1', eventId: webhookEventId('bus-1', 'wh_1') },
    );
    expect(outcome).toEqual({ kind: 'delivered', status: 200 });
    const [post] = received;
    const h = post!.headers;
    expect(h['svix-id']).toBe(h['webhook-id']);
    expect(h['svix-signature']).toBe(h['webhook-signature']);
    const resend = new Resend('re_dummy');
    const payload = resend.webhooks.verify({
      payload: post!.body,
      headers: { id: h['svix-id']!, timestamp: h['svix-timestamp']!, signature: h['svix-signature']! },
      webhookSecret: w.secret,
    });
    expect(payload).toMatchObject({ type: 'email.sent', data: { email_id: 'em_1' } });
    expect(() =>
      resend.webhooks.verify({
        payload: `${post!.body} `,
        headers: { id: h['svix-id']!, timestamp: h['svix-timestamp']!, signature: h['svix-signature']! },
        webhookSecret: w.secret,
      }),
    ).toThrow();
    expect([...log.events.values()][0]).toMatchObject({ status: 'success', attempts: 1 });
  });

  it('retries a failing receiver on the schedule and logs every attempt, then succeeds once', async () => {
    const { deps, fanDeps, webhooks, log, received } = setup([500, 'timeout']);
    await webhooks.create(hook());
    await fanOutEvent(fanDeps, sentEvent);
    const message = { tenantId: 'acme', webhookId: 'wh_1', eventId: webhookEventId('bus-1', 'wh_1') };
    expect(await deliverEvent(deps, message)).toEqual({ kind: 'retry', afterSeconds: 5, status: 500 });
    expect(await log.getEvent('wh_1', message.eventId)).toMatchObject({ status: 'attempting', nextAttemptAt: '2026-05-01T10:00:05.000Z' });
    expect(await deliverEvent(deps, message)).toEqual({ kind: 'retry', afterSeconds: 300, status: 0 });
    expect(await deliverEvent(deps, message)).toEqual({ kind: 'delivered', status: 200 });
    // A redelivered message after success posts nothing.
    expect(await deliverEvent(deps, message)).toMatchObject({ kind: 'dropped' });
    expect(received).toHaveLength(3);
    const attempts = await log.listAttempts('wh_1', message.eventId, { limit: 10 });
    expect(attempts.items.map((a) => [a.n, a.httpStatusCode])).toEqual([
      [3, 200],
      [2, 0],
      [1, 500],
    ]);
    expect(attempts.items[1]!.response).toMatch(/timed out/);
    expect((await webhooks.get('acme', 'wh_1'))!.failureStreak).toBe(0);
  });

  it('gives up after the schedule is spent: event failed, message on the DLQ; a replay gets a fresh budget', async () => {
    const { deps, fanDeps, webhooks, log, queue, activity } = setup([500, 500, 500, 500, 500]);
    await webhooks.create(hook());
    await fanOutEvent(fanDeps, sentEvent);
    const message = { tenantId: 'acme', webhookId: 'wh_1', eventId: webhookEventId('bus-1', 'wh_1') };
    for (let i = 0; i < 3; i++) expect((await deliverEvent(deps, message)).kind).toBe('retry');
    expect(await deliverEvent(deps, message)).toEqual({ kind: 'gave_up', status: 500 });
    expect(queue.dlq).toEqual([{ ...message, reason: expect.stringContaining('gave up after 4 attempts') }]);
    const failed = (await log.getEvent('wh_1', message.eventId))!;
    expect(failed).toMatchObject({ status: 'failed', attempts: 4 });
    // The give-up is in the tenant's activity log, pointing at the email and the webhook.
    const logged = (await activity.list({ tenantId: 'acme', limit: 10 })).items;
    expect(logged).toEqual([
      expect.objectContaining({
        type: 'webhook.failed',
        emailId: 'em_1',
        webhookId: 'wh_1',
        detail: expect.objectContaining({ http_status: 500, attempts: 4 }),
      }),
    ]);
    failed.status = 'pending';
    failed.budgetStart = failed.attempts;
    await log.saveEvent(failed);
    expect((await deliverEvent(deps, message)).kind).toBe('retry');
  });

  it('disables the webhook after a long failure streak and drops its pending events', async () => {
    const { deps, fanDeps, webhooks, log, activity } = setup([500, 500, 500], { disableAfter: 2 });
    await webhooks.create(hook());
    await fanOutEvent(fanDeps, sentEvent);
    await fanOutEvent(fanDeps, { ...sentEvent, id: 'bus-2' });
    const first = { tenantId: 'acme', webhookId: 'wh_1', eventId: webhookEventId('bus-1', 'wh_1') };
    const second = { tenantId: 'acme', webhookId: 'wh_1', eventId: webhookEventId('bus-2', 'wh_1') };
    expect((await deliverEvent(deps, first)).kind).toBe('retry');
    expect((await deliverEvent(deps, first)).kind).toBe('gave_up');
    expect(await webhooks.get('acme', 'wh_1')).toMatchObject({ status: 'disabled', disabledReason: expect.stringContaining('2 failed attempts') });
    expect(await deliverEvent(deps, second)).toEqual({ kind: 'dropped', reason: 'webhook disabled' });
    expect((await log.getEvent('wh_1', second.eventId))!.status).toBe('failed');
    // The disable and the event it gave up on are both in the activity log (the dropped one is not: the disable covers it).
    expect((await activity.list({ tenantId: 'acme', limit: 10 })).items.map((i) => i.type).sort()).toEqual(['webhook.disabled', 'webhook.failed']);
  });

  it('does not spend an attempt when the endpoint has its concurrency cap in flight', async () => {
    const { deps, fanDeps, webhooks, slots, received } = setup([], { concurrency: 1 });
    await webhooks.create(hook());
    await fanOutEvent(fanDeps, sentEvent);
    const held = await slots.acquire('wh_1', 1);
    const outcome = await deliverEvent(deps, { tenantId: 'acme', webhookId: 'wh_1', eventId: webhookEventId('bus-1', 'wh_1') });
    expect(outcome.kind).toBe('busy');
    expect(received).toHaveLength(0);
    await slots.release('wh_1', held!);
    expect((await deliverEvent(deps, { tenantId: 'acme', webhookId: 'wh_1', eventId: webhookEventId('bus-1', 'wh_1') })).kind).toBe('delivered');
    expect(slots.held.get('wh_1')!.size).toBe(0);
  });
});

describe('webhook SSRF guard', () => {
  it('as deployed, refuses loopback, private and link-local endpoints, and plain http', () => {
    for (const url of [
      'http://127.0.0.1:8080/x',
      'https://127.0.0.1/x',
      'https://localhost/x',
      'https://10.1.2.3/x',
      'https://[::1]/x',
      'https://169.254.169.254/x',
      'http://example.com/x',
    ]) {
      expect(() => assertEndpointAllowed(url, false), url).toThrow(ValidationError);
    }
    expect(assertEndpointAllowed('https://hooks.example.com/in', false)).toBe('https://hooks.example.com/in');
  });

  it('in local mode (allowLoopback) accepts http on loopback only', () => {
    expect(assertEndpointAllowed('http://127.0.0.1:8080/x', true)).toBe('http://127.0.0.1:8080/x');
    expect(() => assertEndpointAllowed('http://10.1.2.3/x', true)).toThrow(ValidationError);
    expect(() => assertEndpointAllowed('https://192.168.1.1/x', true)).toThrow(ValidationError);
  });

  it('refuses at delivery a host name that resolves to a private address (DNS checked per delivery)', async () => {
    const transport = new HttpWebhookTransport({ allowLoopback: false, resolve: async () => ['10.0.0.7'] });
    await expect(transport.post('https://innocent.example.com/hook', '{}', {}, 1000)).rejects.toThrow(/not a public internet address/);
    const loopback = new HttpWebhookTransport({ allowLoopback: false });
    await expect(loopback.post('http://127.0.0.1:9/hook', '{}', {}, 1000)).rejects.toThrow(/not a public internet address/);
  });
});

describe('webhook fan-out isolation', () => {
  it('delivers nothing for an event whose email is missing or belongs to another tenant (a forged event cannot reach a webhook)', async () => {
    const { fanDeps, webhooks, queue } = setup();
    await webhooks.create(hook({ tenantId: 'globex' }));
    expect(await fanOutEvent(fanDeps, { ...sentEvent, detail: { ...sentEvent.detail, tenant: 'globex' } })).toBe(0);
    expect(await fanOutEvent(fanDeps, { ...sentEvent, detail: { ...sentEvent.detail, tenant: 'globex', id: 'em_missing' } })).toBe(0);
    expect(queue.messages).toEqual([]);
  });
});
