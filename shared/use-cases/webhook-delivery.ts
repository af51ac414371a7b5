/**
 * Webhook fan-out and delivery.
 *
 * Primary course: an outbound "Email …" event (EventBridge → SQS as deployed, the local publisher
 * → SQS in local mode) is matched against the tenant's enabled webhooks; for each subscriber one
 * event record with the Resend-shaped payload is written (its id derived from the bus event id and
 * the webhook, so a redelivered fan-out writes nothing twice) and one delivery message queued.
 * The delivery takes one of the endpoint's concurrency slots, signs the payload (Standard Webhooks:
 * `webhook-id`/`-timestamp`/`-signature`, plus the same values as `svix-*`), POSTs it and logs the
 * attempt. A failure is retried on the retry schedule (the queue message is hidden for the delay);
 * when the budget is spent the event is `failed` and its message parked on the DLQ. A long streak
 * of failed attempts disables the webhook.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import type { EmailRecord } from '#shared/domain/email';
import {
  WEBHOOK_LOG_RETENTION_DAYS,
  webhookTypeOf,
  type Webhook,
  type WebhookDeliveryMessage,
  type WebhookEventRecord,
  type WebhookEventType,
} from '#shared/domain/webhook';
import { WEBHOOK_SUBSCRIBED_FIELD } from '#shared/domain/outbound-events';
import { logger } from '#shared/observability/logger';
import type { Clock, EmailStore, TenantStore } from '#shared/ports/index';
import type { EndpointSlots, WebhookEventLog, WebhookQueue, WebhookStore, WebhookTransport } from '#shared/ports/webhooks';
import type { ActivityLog } from '#shared/ports/activity';
import { recordWebhookDisabled, recordWebhookFailure } from './activity';
import { type SubscriptionSyncDeps, syncWebhookSubscriptions } from './webhook-subscriptions';

/** An outbound event as EventBridge hands it to an SQS target (and the local publisher copies it). */
export interface BusEvent {
  readonly id: string;
  readonly 'detail-type': string;
  readonly time?: string;
  readonly detail: Record<string, unknown>;
}

export interface FanOutDeps {
  readonly webhooks: WebhookStore;
  readonly log: WebhookEventLog;
  readonly queue: WebhookQueue;
  readonly emails: Pick<EmailStore, 'get'>;
  /** Tenant records, uncached: a marked event no webhook wanted re-syncs the tenant's `webhookEvents`. */
  readonly tenants: TenantStore;
  readonly clock: Clock;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Resend's `data` for an email event: the email's addresses and subject, plus what the event adds. */
export function webhookData(type: WebhookEventType, detail: Record<string, unknown>, email: EmailRecord | undefined): Record<string, unknown> {
  const data: Record<string, unknown> = {
    email_id: str(detail.id) ?? email?.id,
    created_at: email?.createdAt ?? str(detail.at),
    from: email?.from ?? '',
    to: email?.to ?? [],
    subject: email?.subject ?? '',
  };
  if (email?.messageId) data.message_id = email.messageId;
  if (email?.tags?.length) data.tags = Object.fromEntries(email.tags.map((t) => [t.name, t.value]));
  if (type === 'email.bounced') {
    data.bounce = { type: str(detail.bounce_type) ?? 'undetermined', subType: str(detail.bounce_subtype) ?? '', message: str(detail.diagnostic) ?? '' };
  } else if (type === 'email.clicked') {
    data.click = {
      link: str(detail.link) ?? '',
      timestamp: str(detail.at) ?? '',
      ipAddress: str(detail.ip_address) ?? '',
      userAgent: str(detail.user_agent) ?? '',
    };
  } else if (type === 'email.failed') {
    data.failed = { reason: str(detail.reason) ?? str(detail.code) ?? 'failed' };
  } else if (type === 'email.suppressed') {
    data.suppressed = { type: str(detail.reason) ?? 'suppressed', message: 'The recipient is on the suppression list.' };
  } else if (type === 'email.scheduled' && email?.scheduledAt) {
    data.scheduled_at = email.scheduledAt;
  }
  return data;
}

/** Best effort: a failed re-sync costs extra forwards until the next one, never an event. */
async function resync(deps: SubscriptionSyncDeps, tenantId: string, webhooks?: readonly Webhook[]): Promise<void> {
  try {
    await syncWebhookSubscriptions(deps, tenantId, webhooks);
  } catch (error) {
    logger.warn('Could not re-sync the tenant’s webhook subscriptions', { tenantId, error: (error as Error).message });
  }
}

/** Same bus event + same webhook → same `msg_` id, so a redelivered fan-out is recognised. */
export const webhookEventId = (busEventId: string, webhookId: string): string =>
  `msg_${createHash('sha256').update(`${busEventId}\n${webhookId}`).digest('base64url').slice(0, 27)}`;

/** Queues one delivery per subscribed, enabled webhook of the event's tenant; answers how many. */
export async function fanOutEvent(deps: FanOutDeps, event: BusEvent): Promise<number> {
  const type = webhookTypeOf(event['detail-type'], event.detail);
  const tenantId = str(event.detail.tenant);
  if (!type || !tenantId) return 0;
  const webhooks = await deps.webhooks.list(tenantId);
  const subscribers = webhooks.filter((w) => w.status === 'enabled' && w.events.includes(type));
  if (subscribers.length === 0) {
    // Marked as subscribed, yet no webhook wants it: the tenant's copy is stale or was never filled in. Put it right.
    if (event.detail[WEBHOOK_SUBSCRIBED_FIELD] === true) await resync(deps, tenantId, webhooks);
    return 0;
  }
  const emailId = str(event.detail.id);
  const email = emailId ? await deps.emails.get(emailId) : undefined;
  // Every webhook event is about one of the tenant's emails: an event naming another tenant's (or no) email is not delivered.
  if (!email || email.tenantId !== tenantId) return 0;
  const createdAt = str(event.detail.at) ?? event.time ?? deps.clock.now().toISOString();
  // One string, signed and posted as is: the bytes the receiver verifies are the bytes logged.
  const payload = JSON.stringify({ type, created_at: createdAt, data: webhookData(type, event.detail, email) });
  const expiresAt = Math.floor(deps.clock.now().getTime() / 1000) + WEBHOOK_LOG_RETENTION_DAYS * 86_400;
  const messages: WebhookDeliveryMessage[] = [];
  for (const w of subscribers) {
    const record: WebhookEventRecord = {
      id: webhookEventId(event.id, w.id),
      webhookId: w.id,
      tenantId,
      type,
      createdAt,
      status: 'pending',
      attempts: 0,
      budgetStart: 0,
      nextAttemptAt: null,
      payload,
      expiresAt,
    };
    if (await deps.log.putEvent(record)) messages.push({ tenantId, webhookId: w.id, eventId: record.id });
  }
  if (messages.length) await deps.queue.enqueue(messages);
  return messages.length;
}

export interface DeliverySettings {
  /** Seconds to wait after each failed attempt; its length + 1 is the attempt budget. */
  readonly retrySchedule: readonly number[];
  /** Failed attempts in a row after which the webhook is disabled. */
  readonly disableAfter: number;
  /** Deliveries in flight per endpoint, across all workers. */
  readonly concurrency: number;
  readonly timeoutMs: number;
}

export interface DeliveryDeps {
  readonly webhooks: WebhookStore;
  readonly log: WebhookEventLog;
  readonly queue: WebhookQueue;
  readonly slots: EndpointSlots;
  readonly transport: WebhookTransport;
  /** The tenant's activity log: events that failed for good and webhooks disabled are logged there. */
  readonly activity: ActivityLog;
  /** Tenant records, uncached: a webhook disabled after a failure streak leaves the tenant's `webhookEvents`. */
  readonly tenants: TenantStore;
  readonly clock: Clock;
  readonly settings: DeliverySettings;
}

export type DeliveryOutcome =
  | { readonly kind: 'delivered'; readonly status: number }
  | { readonly kind: 'dropped'; readonly reason: string }
  | { readonly kind: 'retry'; readonly afterSeconds: number; readonly status: number }
  | { readonly kind: 'busy'; readonly afterSeconds: number }
  | { readonly kind: 'gave_up'; readonly status: number };

/** How many bytes of a receiver's answer the log keeps. */
export const RESPONSE_EXCERPT_BYTES = 1_024;

/** The signed headers of one delivery (Standard Webhooks, and the same values under Svix's names). */
export function signedHeaders(secret: string, eventId: string, at: Date, payload: string): Record<string, string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const signature = new StandardWebhook(secret).sign(eventId, new Date(Number(timestamp) * 1000), payload);
  return {
    'content-type': 'application/json',
    'user-agent': 'Mailroom-Webhooks/1.0',
    'webhook-id': eventId,
    'webhook-timestamp': timestamp,
    'webhook-signature': signature,
    'svix-id': eventId,
    'svix-timestamp': timestamp,
    'svix-signature': signature,
  };
}

/** One delivery attempt of one queued event. */
export async function deliverEvent(deps: DeliveryDeps, message: WebhookDeliveryMessage): Promise<DeliveryOutcome> {
  const event = await deps.log.getEvent(message.webhookId, message.eventId);
  if (!event) return { kind: 'dropped', reason: 'event not found (expired or webhook deleted)' };
  if (event.status === 'success' || event.status === 'failed') return { kind: 'dropped', reason: `event already ${event.status}` };
  const webhook = await deps.webhooks.get(message.tenantId, message.webhookId);
  if (!webhook || webhook.status !== 'enabled') {
    event.status = 'failed';
    event.nextAttemptAt = null;
    await deps.log.saveEvent(event);
    return { kind: 'dropped', reason: webhook ? 'webhook disabled' : 'webhook deleted' };
  }
  const { settings } = deps;
  const leaseSeconds = Math.ceil(settings.timeoutMs / 1000) + 30;
  const slot = await deps.slots.acquire(webhook.id, settings.concurrency, leaseSeconds);
  // Not an attempt: the endpoint already has `concurrency` deliveries in flight. Come back soon, with jitter.
  if (!slot) return { kind: 'busy', afterSeconds: 2 + Math.floor(Math.random() * 8) };
  try {
    const sentAt = deps.clock.now();
    const headers = signedHeaders(webhook.secret, event.id, sentAt, event.payload);
    const started = performance.now();
    let status = 0;
    let response: string;
    try {
      const answer = await deps.transport.post(webhook.endpoint, event.payload, headers, settings.timeoutMs);
      status = answer.status;
      response = answer.body.slice(0, RESPONSE_EXCERPT_BYTES);
    } catch (error) {
      response = `No answer: ${(error as Error).name === 'TimeoutError' ? `timed out after ${settings.timeoutMs} ms` : (error as Error).message}`.slice(
        0,
        RESPONSE_EXCERPT_BYTES,
      );
    }
    const latencyMs = Math.round(performance.now() - started);
    event.attempts += 1;
    await deps.log.addAttempt({
      id: randomUUID(),
      webhookId: webhook.id,
      eventId: event.id,
      n: event.attempts,
      sentAt: sentAt.toISOString(),
      httpStatusCode: status,
      response,
      latencyMs,
      expiresAt: event.expiresAt,
    });
    if (status >= 200 && status < 300) {
      event.status = 'success';
      event.nextAttemptAt = null;
      await deps.log.saveEvent(event);
      if (webhook.failureStreak) await deps.webhooks.recordSuccess(webhook.tenantId, webhook.id);
      return { kind: 'delivered', status };
    }
    const streak = await deps.webhooks.recordFailure(webhook.tenantId, webhook.id);
    if (streak >= settings.disableAfter) {
      const reason = `Disabled after ${streak} failed attempts in a row.`;
      await deps.webhooks.disable(webhook.tenantId, webhook.id, reason, sentAt.toISOString());
      await recordWebhookDisabled(deps, webhook, reason);
      await resync(deps, webhook.tenantId);
    }
    const used = event.attempts - event.budgetStart;
    if (used > settings.retrySchedule.length || streak >= settings.disableAfter) {
      event.status = 'failed';
      event.nextAttemptAt = null;
      await deps.log.saveEvent(event);
      await deps.queue.sendToDlq(message, `gave up after ${used} attempts (last: HTTP ${status || 'no answer'})`);
      await recordWebhookFailure(deps, webhook, event, { status, response });
      return { kind: 'gave_up', status };
    }
    const afterSeconds = settings.retrySchedule[used - 1]!;
    event.status = 'attempting';
    event.nextAttemptAt = new Date(deps.clock.now().getTime() + afterSeconds * 1000).toISOString();
    await deps.log.saveEvent(event);
    return { kind: 'retry', afterSeconds, status };
  } finally {
    await deps.slots.release(webhook.id, slot);
  }
}
