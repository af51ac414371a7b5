/**
 * `/webhooks` in Resend's shape.
 *
 * Primary course: a full-access key registers an endpoint for some of Resend's event types and
 * gets its `whsec_` signing secret; the fan-out (webhook-delivery.ts) signs and posts matching
 * events; the delivery log (events, attempts) is readable here and an event can be replayed.
 * Endpoints must be public https URLs as deployed; local mode may allow loopback (a laptop receiver).
 * Every change keeps the tenant's `webhookEvents` in step (webhook-subscriptions.ts): widened before
 * the webhook is written, made exact after, so a failure in between leaves the fan-out receiving
 * more than it needs, never less. The list re-syncs it (a backfill for tenants from before it).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import * as z from 'zod';
import type { Principal } from '#shared/domain/api-key';
import { NotFoundError, ValidationError } from '#shared/domain/errors';
import { WEBHOOK_EVENT_TYPES, type Webhook, type WebhookAttempt, type WebhookEventRecord } from '#shared/domain/webhook';
import type { Clock, TenantStore } from '#shared/ports/index';
import type { WebhookEventLog, WebhookQueue, WebhookStore } from '#shared/ports/webhooks';
import { isNonPublicAddress } from './attachments';
import { requireFullAccess } from './api-keys-resource';
import { pageByAfterBefore, zodMessage } from './resource-paging';
import { syncWebhookSubscriptions } from './webhook-subscriptions';

export interface WebhooksDeps {
  readonly webhooks: WebhookStore;
  readonly log: WebhookEventLog;
  readonly queue: WebhookQueue;
  readonly clock: Clock;
  /** Tenant records, uncached: their `webhookEvents` is kept in step with the webhooks. */
  readonly tenants: TenantStore;
  /** Local mode only: accept http:// and loopback endpoints (127.0.0.0/8, ::1, localhost). */
  readonly allowLoopback: boolean;
}

/** A new Standard Webhooks secret: `whsec_` + base64 of 24 random bytes. */
export const newSigningSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

const isLoopback = (host: string) => host === 'localhost' || (isIP(host) !== 0 && /^(127\.|::1$|::ffff:127\.)/.test(host));

/** Refuses (422) an endpoint Mailroom must not post to; the delivery re-checks what the name resolves to. */
export function assertEndpointAllowed(endpoint: string, allowLoopback: boolean): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ValidationError('`endpoint` must be an absolute URL, e.g. https://example.com/webhooks.');
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const loopbackOk = allowLoopback && isLoopback(host);
  if (url.protocol !== 'https:' && !(loopbackOk && url.protocol === 'http:')) throw new ValidationError('`endpoint` must be an https URL.');
  if (url.username || url.password) throw new ValidationError('`endpoint` may not carry credentials; authenticate deliveries by their signature.');
  if (!loopbackOk && (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && isNonPublicAddress(host)))) {
    throw new ValidationError(`\`endpoint\` must be a public internet address (${host} is private, loopback or link-local).`);
  }
  return url.href;
}

const eventsSchema = z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length);
const createBody = z.object({ endpoint: z.string().max(2_048), events: eventsSchema }).strict();
const updateBody = z
  .object({ endpoint: z.string().max(2_048).optional(), events: eventsSchema.optional(), status: z.enum(['enabled', 'disabled']).optional() })
  .strict();

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const missing = parsed.error.issues.some((i) => i.code === 'invalid_type' && i.input === undefined);
    throw new ValidationError(
      `${zodMessage(parsed.error)}. Event types Mailroom sends: ${WEBHOOK_EVENT_TYPES.join(', ')}.`,
      missing ? 'missing_required_field' : 'validation_error',
    );
  }
  return parsed.data;
}

async function load(deps: WebhooksDeps, principal: Principal, id: string): Promise<Webhook> {
  const webhook = await deps.webhooks.get(principal.tenantId, id);
  if (!webhook) throw new NotFoundError(`Webhook ${id.slice(0, 64)} not found.`);
  return webhook;
}

/** Before a webhook is written: the tenant's types widened by what it will subscribe to (never narrowed here). */
async function widenSubscriptions(deps: WebhooksDeps, webhook: Webhook): Promise<void> {
  const current = await deps.webhooks.list(webhook.tenantId);
  await syncWebhookSubscriptions(deps, webhook.tenantId, [...current, webhook]);
}

const summary = (w: Webhook) => ({ id: w.id, endpoint: w.endpoint, created_at: w.createdAt, status: w.status, events: w.events });

export async function createWebhook(deps: WebhooksDeps, principal: Principal, body: unknown) {
  requireFullAccess(principal, 'webhooks');
  const input = parse(createBody, body);
  const now = deps.clock.now().toISOString();
  const webhook: Webhook = {
    id: randomUUID(),
    tenantId: principal.tenantId,
    endpoint: assertEndpointAllowed(input.endpoint, deps.allowLoopback),
    events: [...new Set(input.events)],
    status: 'enabled',
    secret: newSigningSecret(),
    createdAt: now,
    updatedAt: now,
    failureStreak: 0,
  };
  await widenSubscriptions(deps, webhook);
  await deps.webhooks.create(webhook);
  await syncWebhookSubscriptions(deps, webhook.tenantId);
  return { object: 'webhook' as const, id: webhook.id, signing_secret: webhook.secret };
}

export async function getWebhook(deps: WebhooksDeps, principal: Principal, id: string) {
  requireFullAccess(principal, 'webhooks');
  const w = await load(deps, principal, id);
  return { object: 'webhook' as const, ...summary(w), signing_secret: w.secret, ...(w.disabledReason ? { disabled_reason: w.disabledReason } : {}) };
}

export async function listWebhooks(deps: WebhooksDeps, principal: Principal, query: Record<string, string | undefined>) {
  requireFullAccess(principal, 'webhooks');
  const listed = await deps.webhooks.list(principal.tenantId);
  // The tenant's copy re-synced from what was just read (no write when current): backfills tenants from before it.
  await syncWebhookSubscriptions(deps, principal.tenantId, listed);
  const all = [...listed].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  const page = pageByAfterBefore(all, (w) => w.id, query);
  return { object: 'list' as const, has_more: page.hasMore, data: page.items.map(summary) };
}

/** PATCH: endpoint, events, status. Enabling again clears the failure streak. */
export async function updateWebhook(deps: WebhooksDeps, principal: Principal, id: string, body: unknown) {
  requireFullAccess(principal, 'webhooks');
  const input = parse(updateBody, body);
  const w = await load(deps, principal, id);
  const { disabledReason: _reason, ...rest } = w;
  // Enabling a disabled webhook starts it afresh: no auto-disable reason, no failure streak.
  const enabling = input.status === 'enabled' && w.status === 'disabled';
  const next: Webhook = {
    ...(enabling ? { ...rest, failureStreak: 0 } : w),
    ...(input.endpoint !== undefined ? { endpoint: assertEndpointAllowed(input.endpoint, deps.allowLoopback) } : {}),
    ...(input.events !== undefined ? { events: [...new Set(input.events)] } : {}),
    ...(input.status !== undefined ? { status: input.status } : {}),
    updatedAt: deps.clock.now().toISOString(),
  };
  await widenSubscriptions(deps, next);
  if (!(await deps.webhooks.update(next))) throw new NotFoundError(`Webhook ${id.slice(0, 64)} not found.`);
  await syncWebhookSubscriptions(deps, w.tenantId);
  return { object: 'webhook' as const, id };
}

export async function deleteWebhook(deps: WebhooksDeps, principal: Principal, id: string) {
  requireFullAccess(principal, 'webhooks');
  if (!(await deps.webhooks.delete(principal.tenantId, id))) throw new NotFoundError(`Webhook ${id.slice(0, 64)} not found.`);
  await syncWebhookSubscriptions(deps, principal.tenantId);
  return { object: 'webhook' as const, id, deleted: true };
}

/** A new secret at once; deliveries from now on are signed with it (receivers should accept both briefly). */
export async function rotateWebhookSecret(deps: WebhooksDeps, principal: Principal, id: string) {
  requireFullAccess(principal, 'webhooks');
  const w = await load(deps, principal, id);
  const next: Webhook = { ...w, secret: newSigningSecret(), updatedAt: deps.clock.now().toISOString() };
  if (!(await deps.webhooks.update(next))) throw new NotFoundError(`Webhook ${id.slice(0, 64)} not found.`);
  return { object: 'webhook' as const, id, signing_secret: next.secret };
}

function limitOf(query: Record<string, string | undefined>): number {
  const limit = query.limit === undefined || query.limit === '' ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ValidationError('`limit` must be an integer from 1 to 100.');
  return limit;
}

/** Resend's fields, plus Mailroom's `attempts` and `next_attempt_at` (on the record already, so a delivery log needs no call per event for them). */
const eventView = (e: WebhookEventRecord) => ({
  id: e.id,
  type: e.type,
  created_at: e.createdAt,
  status: e.status,
  attempts: e.attempts,
  next_attempt_at: e.nextAttemptAt,
});

export async function listWebhookEvents(deps: WebhooksDeps, principal: Principal, id: string, query: Record<string, string | undefined>) {
  requireFullAccess(principal, 'webhooks');
  await load(deps, principal, id);
  const page = await deps.log.listEvents(id, { limit: limitOf(query), ...(query.after ? { after: query.after } : {}) });
  return { object: 'list' as const, has_more: page.hasMore, data: page.items.map(eventView) };
}

async function loadEvent(deps: WebhooksDeps, principal: Principal, id: string, eventId: string): Promise<WebhookEventRecord> {
  await load(deps, principal, id);
  const event = await deps.log.getEvent(id, eventId);
  if (!event || event.tenantId !== principal.tenantId) throw new NotFoundError(`Webhook event ${eventId.slice(0, 64)} not found.`);
  return event;
}

export async function getWebhookEvent(deps: WebhooksDeps, principal: Principal, id: string, eventId: string) {
  requireFullAccess(principal, 'webhooks');
  const e = await loadEvent(deps, principal, id, eventId);
  return {
    object: 'webhook_event' as const,
    ...eventView(e),
    payload: JSON.parse(e.payload) as unknown,
  };
}

const attemptView = (a: WebhookAttempt) => ({ id: a.id, http_status_code: a.httpStatusCode, response: a.response, sent_at: a.sentAt, latency_ms: a.latencyMs });

export async function listWebhookEventAttempts(
  deps: WebhooksDeps,
  principal: Principal,
  id: string,
  eventId: string,
  query: Record<string, string | undefined>,
) {
  requireFullAccess(principal, 'webhooks');
  await loadEvent(deps, principal, id, eventId);
  const page = await deps.log.listAttempts(id, eventId, { limit: limitOf(query), ...(query.after ? { after: query.after } : {}) });
  return { object: 'list' as const, has_more: page.hasMore, data: page.items.map(attemptView) };
}

/** Sends the event again with a fresh retry budget (same id, so receivers that already have it can dedupe). */
export async function replayWebhookEvent(deps: WebhooksDeps, principal: Principal, id: string, eventId: string) {
  requireFullAccess(principal, 'webhooks');
  const e = await loadEvent(deps, principal, id, eventId);
  e.status = 'pending';
  e.budgetStart = e.attempts;
  e.nextAttemptAt = null;
  await deps.log.saveEvent(e);
  await deps.queue.enqueue([{ tenantId: principal.tenantId, webhookId: id, eventId }]);
  return { object: 'webhook_event' as const, id: eventId };
}
