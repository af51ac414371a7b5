import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { CachedTenantStore, TENANT_CACHE_SECONDS } from '#shared/adapters/cached-tenant-store';
import { MemoryEventPublisher, MemoryTenantStore } from '#shared/adapters/memory/memory-adapters';
import { QueueCopyEventPublisher } from '#shared/adapters/queue-copy-event-publisher';
import { SubscriptionFlagEventPublisher } from '#shared/adapters/subscription-flag-event-publisher';
import { reachesFanOut, WEBHOOK_SUBSCRIBED_FIELD } from '#shared/domain/outbound-events';
import { DEFAULT_LIMITS, type Tenant } from '#shared/domain/tenant';
import type { WebhookEventType } from '#shared/domain/webhook';
import type { MailroomEvent } from '#shared/ports/index';

const tenant = (id: string, webhookEvents?: WebhookEventType[]): Tenant => ({
  id,
  allowedSenders: [],
  retentionDays: 30,
  limits: DEFAULT_LIMITS,
  createdAt: '2026-05-01T00:00:00.000Z',
  updatedAt: '2026-05-01T00:00:00.000Z',
  ...(webhookEvents ? { webhookEvents } : {}),
});
const ev = (detailType: string, tenantId = 'acme', extra: Record<string, unknown> = {}): MailroomEvent => ({
  detailType,
  detail: { id: 'em_1', tenant: tenantId, lane: 'transactional', ...extra },
});
const marked = (events: readonly MailroomEvent[]) => events.map((e) => `${e.detailType}${e.detail[WEBHOOK_SUBSCRIBED_FIELD] === true ? ' (marked)' : ''}`);

async function setup(tenants: Tenant[]) {
  const store = new MemoryTenantStore();
  for (const t of tenants) await store.put(t);
  const inner = new MemoryEventPublisher();
  return { store, inner, publisher: new SubscriptionFlagEventPublisher(inner, store) };
}

describe('marking events a webhook listens to (SubscriptionFlagEventPublisher)', () => {
  it('marks only the webhook types the tenant’s webhooks subscribe to', async () => {
    const { inner, publisher } = await setup([tenant('acme', ['email.delivered', 'email.scheduled'])]);
    await publisher.publish([
      ev('Email Sent'),
      ev('Email Delivered'),
      ev('Email Opened'),
      ev('Email Accepted', 'acme', { status: 'scheduled' }),
      ev('Email Accepted', 'acme', { status: 'queued' }),
    ]);
    expect(marked(inner.events)).toEqual(['Email Sent', 'Email Delivered (marked)', 'Email Opened', 'Email Accepted (marked)', 'Email Accepted']);
  });

  it('marks nothing for a tenant without webhooks, and never the notable types (the rule forwards those anyway)', async () => {
    const { inner, publisher } = await setup([tenant('quiet', []), tenant('acme', ['email.bounced', 'email.failed'])]);
    await publisher.publish([ev('Email Sent', 'quiet'), ev('Email Delivered', 'quiet'), ev('Email Bounced', 'acme'), ev('Email Failed', 'acme')]);
    expect(marked(inner.events)).toEqual(['Email Sent', 'Email Delivered', 'Email Bounced', 'Email Failed']);
    // The notable ones still reach the fan-out; the others do not.
    expect(inner.events.map(reachesFanOut)).toEqual([false, false, true, true]);
  });

  it('marks when it cannot tell: subscriptions not known yet, no such tenant, or the read fails', async () => {
    const { inner, publisher } = await setup([tenant('legacy')]);
    await publisher.publish([ev('Email Sent', 'legacy'), ev('Email Sent', 'ghost')]);
    const failing = new SubscriptionFlagEventPublisher(inner, {
      get: async () => {
        throw new Error('ProvisionedThroughputExceededException');
      },
    });
    await failing.publish([ev('Email Delivered', 'acme')]);
    expect(marked(inner.events)).toEqual(['Email Sent (marked)', 'Email Sent (marked)', 'Email Delivered (marked)']);
  });

  it('leaves the caller’s event untouched and keeps every field of the detail', async () => {
    const { inner, publisher } = await setup([tenant('acme', ['email.sent'])]);
    const event = ev('Email Sent', 'acme', { provider: 'ses' });
    await publisher.publish([event]);
    expect(event.detail).not.toHaveProperty(WEBHOOK_SUBSCRIBED_FIELD);
    expect(inner.events[0]!.detail).toEqual({ ...event.detail, [WEBHOOK_SUBSCRIBED_FIELD]: true });
  });

  it('sees a new webhook once the tenant cache expires (the documented staleness)', async () => {
    const store = new MemoryTenantStore();
    await store.put(tenant('acme', []));
    let now = 0;
    const inner = new MemoryEventPublisher();
    const publisher = new SubscriptionFlagEventPublisher(inner, new CachedTenantStore(store, TENANT_CACHE_SECONDS, () => now));
    await publisher.publish([ev('Email Sent')]);
    // The webhooks function writes the tenant's new subscriptions (not through this container's cache).
    await store.put(tenant('acme', ['email.sent']));
    now += TENANT_CACHE_SECONDS * 1000 - 1;
    await publisher.publish([ev('Email Sent')]);
    now += 1;
    await publisher.publish([ev('Email Sent')]);
    expect(marked(inner.events)).toEqual(['Email Sent', 'Email Sent', 'Email Sent (marked)']);
  });
});

describe('local mode’s copy to the fan-out queue (QueueCopyEventPublisher)', () => {
  it('copies what the rule would forward: notable types and marked events, nothing else', async () => {
    const sent: Array<{ detailType: string; subscribed: unknown }> = [];
    const sqs = {
      send: async (command: SendMessageBatchCommand) => {
        for (const entry of command.input.Entries ?? []) {
          const body = JSON.parse(entry.MessageBody!) as { 'detail-type': string; detail: Record<string, unknown> };
          sent.push({ detailType: body['detail-type'], subscribed: body.detail[WEBHOOK_SUBSCRIBED_FIELD] });
        }
        return {};
      },
    } as unknown as SQSClient;
    const inner = new MemoryEventPublisher();
    const copy = new QueueCopyEventPublisher(inner, sqs, 'http://queue');
    const events = [
      ev('Email Sent'),
      ev('Email Delivered', 'acme', { [WEBHOOK_SUBSCRIBED_FIELD]: true }),
      ev('Email Bounced'),
      ev('Email Opened'),
      ev('Email Delivery Delayed'),
    ];
    await copy.publish(events);
    expect(inner.events).toHaveLength(5);
    expect(sent).toEqual([
      { detailType: 'Email Delivered', subscribed: true },
      { detailType: 'Email Bounced', subscribed: undefined },
      { detailType: 'Email Delivery Delayed', subscribed: undefined },
    ]);
  });
});
