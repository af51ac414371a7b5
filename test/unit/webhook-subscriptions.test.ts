import { describe, expect, it } from 'vitest';
import { MemoryActivityLog } from '#shared/adapters/memory/memory-activity-log';
import { MemoryTenantStore } from '#shared/adapters/memory/memory-adapters';
import { MemoryEndpointSlots, MemoryWebhookEventLog, MemoryWebhookQueue, MemoryWebhookStore } from '#shared/adapters/memory/memory-webhooks';
import type { Principal } from '#shared/domain/api-key';
import type { EmailRecord } from '#shared/domain/email';
import { WEBHOOK_SUBSCRIBED_FIELD } from '#shared/domain/outbound-events';
import { DEFAULT_LIMITS, type Tenant } from '#shared/domain/tenant';
import { subscribedTypes, type WebhookEventType } from '#shared/domain/webhook';
import { createTenant } from '#shared/use-cases/tenants';
import { deliverEvent, fanOutEvent } from '#shared/use-cases/webhook-delivery';
import { createWebhook, deleteWebhook, listWebhooks, updateWebhook, type WebhooksDeps } from '#shared/use-cases/webhooks';
import { pendingWebhookEvent } from '#test/support/webhook-events';

const NOW = new Date('2026-05-01T10:00:00Z');
const clock = { now: () => NOW };
const admin: Principal = { tenantId: 'acme', scopes: ['admin'], keyPrefix: 'mr_test' };
const endpoint = 'https://hooks.example.com/in';

/** `null`: a tenant from before the record kept its subscriptions. */
async function setup(webhookEvents: WebhookEventType[] | null = []) {
  const tenants = new MemoryTenantStore();
  const base: Tenant = {
    id: 'acme',
    allowedSenders: [],
    retentionDays: 30,
    limits: DEFAULT_LIMITS,
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    verifiedDomains: ['acme.com'],
  };
  await tenants.put(webhookEvents ? { ...base, webhookEvents } : base);
  const deps: WebhooksDeps = {
    webhooks: new MemoryWebhookStore(),
    log: new MemoryWebhookEventLog(),
    queue: new MemoryWebhookQueue(),
    clock,
    tenants,
    allowLoopback: false,
  };
  const subscribed = async () => (await tenants.get('acme'))?.webhookEvents;
  return { deps, tenants, subscribed };
}

describe('the tenant keeps the union of its enabled webhooks’ event types', () => {
  it('a new tenant starts with none (known, so nothing is marked)', async () => {
    const tenants = new MemoryTenantStore();
    await createTenant({ tenants, clock }, 'newco', {});
    expect((await tenants.get('newco'))?.webhookEvents).toEqual([]);
  });

  it('follows create, update (events, disable, enable) and delete', async () => {
    const { deps, subscribed } = await setup();
    const a = await createWebhook(deps, admin, { endpoint, events: ['email.delivered', 'email.sent'] });
    expect(await subscribed()).toEqual(['email.sent', 'email.delivered']);
    const b = await createWebhook(deps, admin, { endpoint, events: ['email.opened', 'email.sent'] });
    expect(await subscribed()).toEqual(['email.sent', 'email.delivered', 'email.opened']);
    await updateWebhook(deps, admin, a.id, { events: ['email.clicked'] });
    expect(await subscribed()).toEqual(['email.sent', 'email.opened', 'email.clicked']);
    await updateWebhook(deps, admin, b.id, { status: 'disabled' });
    expect(await subscribed()).toEqual(['email.clicked']);
    await updateWebhook(deps, admin, b.id, { status: 'enabled' });
    expect(await subscribed()).toEqual(['email.sent', 'email.opened', 'email.clicked']);
    await deleteWebhook(deps, admin, a.id);
    await deleteWebhook(deps, admin, b.id);
    expect(await subscribed()).toEqual([]);
  });

  it('writes only its own field: the rest of the tenant record stays as it was', async () => {
    const { deps, tenants } = await setup();
    await createWebhook(deps, admin, { endpoint, events: ['email.sent'] });
    expect(await tenants.get('acme')).toMatchObject({ verifiedDomains: ['acme.com'], limits: DEFAULT_LIMITS, webhookEvents: ['email.sent'] });
  });

  it('widens before the webhook is written: a failed write leaves more forwarded, never less', async () => {
    const { deps, subscribed } = await setup();
    const failing: WebhooksDeps = {
      ...deps,
      webhooks: Object.assign(Object.create(deps.webhooks) as MemoryWebhookStore, {
        create: async () => {
          throw new Error('DynamoDB unavailable');
        },
      }),
    };
    await expect(createWebhook(failing, admin, { endpoint, events: ['email.delivered'] })).rejects.toThrow('DynamoDB unavailable');
    expect(await subscribed()).toEqual(['email.delivered']);
  });

  it('backfills a tenant from before the field, on listing the webhooks', async () => {
    const { deps, tenants, subscribed } = await setup(null);
    await deps.webhooks.create({ ...(await webhookRecord(deps)), events: ['email.sent', 'email.bounced'] });
    expect(await subscribed()).toBeUndefined();
    await listWebhooks(deps, admin, {});
    expect(await subscribed()).toEqual(['email.sent', 'email.bounced']);
    // Current already: listing again writes nothing.
    const before = await tenants.get('acme');
    await listWebhooks(deps, admin, {});
    expect(await tenants.get('acme')).toBe(before);
  });

  it('drops a webhook disabled after a failure streak', async () => {
    const { deps, tenants, subscribed } = await setup();
    const created = await createWebhook(deps, admin, { endpoint, events: ['email.sent'] });
    await createWebhook(deps, admin, { endpoint: 'https://other.example.com/in', events: ['email.bounced'] });
    const eventId = 'msg_1';
    await deps.log.putEvent(pendingWebhookEvent({ id: eventId, webhookId: created.id, tenantId: 'acme', createdAt: NOW.toISOString() }));
    const outcome = await deliverEvent(
      {
        ...deps,
        slots: new MemoryEndpointSlots(),
        transport: { post: async () => ({ status: 500, body: 'broken' }) },
        activity: new MemoryActivityLog(),
        tenants,
        settings: { retrySchedule: [5], disableAfter: 1, concurrency: 1, timeoutMs: 1000 },
      },
      { tenantId: 'acme', webhookId: created.id, eventId },
    );
    expect(outcome.kind).toBe('gave_up');
    expect(await subscribed()).toEqual(['email.bounced']);
  });

  it('the fan-out puts a stale or missing copy right when a marked event finds no subscriber', async () => {
    const { deps, tenants, subscribed } = await setup(null);
    const email = { id: 'em_1', tenantId: 'acme', to: [], createdAt: NOW.toISOString() } as unknown as EmailRecord;
    const fanDeps = { ...deps, emails: { get: async () => email } };
    await deps.webhooks.create({ ...(await webhookRecord(deps)), events: ['email.bounced'] });
    const sent = (marked: boolean) => ({
      id: 'bus-1',
      'detail-type': 'Email Sent',
      detail: { id: 'em_1', tenant: 'acme', ...(marked ? { [WEBHOOK_SUBSCRIBED_FIELD]: true } : {}) },
    });
    // Unmarked and unwanted: nothing to put right.
    expect(await fanOutEvent(fanDeps, sent(false))).toBe(0);
    expect(await subscribed()).toBeUndefined();
    // Marked (the publisher could not tell) yet unwanted: the tenant learns its subscriptions.
    expect(await fanOutEvent(fanDeps, sent(true))).toBe(0);
    expect(await subscribed()).toEqual(['email.bounced']);
    // A failed re-sync is not the event's failure.
    await tenants.put({ ...(await tenants.get('acme'))!, webhookEvents: ['email.sent'] });
    const failing = { ...fanDeps, tenants: { get: tenants.get.bind(tenants), put: async () => Promise.reject(new Error('throttled')) } };
    await expect(fanOutEvent(failing, sent(true))).resolves.toBe(0);
  });

  it('counts only enabled webhooks, in a stable order', () => {
    const w = (events: WebhookEventType[], status: 'enabled' | 'disabled' = 'enabled') => ({ events, status });
    expect(subscribedTypes([w(['email.opened', 'email.sent']), w(['email.clicked'], 'disabled'), w(['email.sent'])])).toEqual(['email.sent', 'email.opened']);
    expect(subscribedTypes([])).toEqual([]);
  });
});

/** A stored webhook written behind the use case's back (as before the tenant kept its subscriptions). */
async function webhookRecord(deps: WebhooksDeps) {
  return {
    id: `wh_${(await deps.webhooks.list('acme')).length + 1}`,
    tenantId: 'acme',
    endpoint,
    events: [] as WebhookEventType[],
    status: 'enabled' as const,
    secret: 'whsec_dGVzdA==',
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
  };
}
