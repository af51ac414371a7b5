/**
 * The activity log: notable events as their own items, one per event, read by `GET /activity`.
 *
 * Primary course (writing): the webhook fan-out function, the one consumer of the outbound
 * "Email …" stream, hands every event to `recordEmailActivity` as well; a notable one (bounced,
 * complained, failed, delayed, suppressed) of one of the tenant's emails becomes one item, its id
 * derived from the bus event id, so a redelivered event writes nothing twice. The webhook delivery
 * function records a webhook event that failed for good and a webhook it disabled. Everything else
 * (sent, delivered, opened, clicked) is not written at all: the common case costs nothing.
 * Reading: newest first, by type and time window, paged by item id.
 */
import { createHash } from 'node:crypto';
import { hasScope, type Principal } from '#shared/domain/api-key';
import {
  ACTIVITY_RECIPIENTS_KEPT,
  ACTIVITY_TEXT_MAX,
  ACTIVITY_TYPES,
  type ActivityItem,
  type ActivityType,
  activityDetail,
  activityPosition,
  activityTypeOf,
  isActivityType,
} from '#shared/domain/activity';
import type { EmailRecord } from '#shared/domain/email';
import { ForbiddenError, MalformedRequestError, ValidationError } from '#shared/domain/errors';
import type { Webhook, WebhookEventRecord } from '#shared/domain/webhook';
import { ACTIVITY_RETENTION_DAYS } from '#shared/config/retention';
import type { ActivityLog } from '#shared/ports/activity';
import type { Clock, EmailStore } from '#shared/ports/index';
import type { BusEvent } from './webhook-delivery';

/** The id of the activity `type` at `at` that `sourceId` (a bus event id, a webhook event id…) caused: the same inputs, the same id. */
export function activityId(sourceId: string, type: ActivityType, at: string): string {
  const digits = new Date(at).toISOString().replace(/\D/g, '');
  const hash = createHash('sha256').update(`${type}\n${sourceId}`).digest('base64url').slice(0, 16);
  return `act_${digits}_${hash}`;
}

export interface RecordActivityDeps {
  readonly activity: ActivityLog;
  readonly emails: Pick<EmailStore, 'get'>;
  readonly clock: Clock;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const cap = (at: string) => Math.floor(Date.parse(at) / 1000) + ACTIVITY_RETENTION_DAYS * 86_400;

/** Writes the activity item of a notable outbound event; answers whether one was written. */
export async function recordEmailActivity(deps: RecordActivityDeps, event: BusEvent): Promise<boolean> {
  const type = activityTypeOf(event['detail-type']);
  const tenantId = str(event.detail.tenant);
  const emailId = str(event.detail.id);
  if (!type || !tenantId || !emailId) return false;
  const email = await deps.emails.get(emailId);
  // An event naming another tenant's email (or none that exists) is not the tenant's activity.
  if (!email || email.tenantId !== tenantId) return false;
  const at = new Date(str(event.detail.at) ?? event.time ?? deps.clock.now().toISOString()).toISOString();
  return deps.activity.put({
    id: activityId(event.id, type, at),
    tenantId,
    type,
    at,
    emailId,
    ...emailSummary(email),
    detail: activityDetail(event.detail),
    // Expires with its email (the tenant's retention), and after ACTIVITY_RETENTION_DAYS at most.
    expiresAt: Math.min(email.expiresAt || Number.POSITIVE_INFINITY, cap(at)),
  });
}

function emailSummary(email: Pick<EmailRecord, 'to' | 'subject' | 'template'>): Pick<ActivityItem, 'to' | 'subject' | 'template'> {
  return {
    to: email.to.slice(0, ACTIVITY_RECIPIENTS_KEPT),
    ...(email.subject ? { subject: email.subject.slice(0, ACTIVITY_TEXT_MAX) } : {}),
    ...(email.template ? { template: email.template.id } : {}),
  };
}

/** The email a webhook event is about (its payload's `data.email_id`). */
function emailIdOf(event: WebhookEventRecord): string | undefined {
  try {
    return str((JSON.parse(event.payload) as { data?: { email_id?: unknown } }).data?.email_id);
  } catch {
    return undefined;
  }
}

/** A webhook event that failed for good (its retry budget spent): one item per give-up. */
export async function recordWebhookFailure(
  deps: Pick<RecordActivityDeps, 'activity' | 'clock'>,
  webhook: Webhook,
  event: WebhookEventRecord,
  last: { status: number; response?: string },
): Promise<boolean> {
  const at = deps.clock.now().toISOString();
  const emailId = emailIdOf(event);
  return deps.activity.put({
    // A replayed event that fails again is a new failure: the attempt count tells them apart.
    id: activityId(`${event.id}#${event.attempts}`, 'webhook.failed', at),
    tenantId: webhook.tenantId,
    type: 'webhook.failed',
    at,
    ...(emailId ? { emailId } : {}),
    webhookId: webhook.id,
    detail: activityDetail({
      endpoint: webhook.endpoint,
      http_status: last.status,
      attempts: event.attempts,
      reason: event.type,
      ...(last.response ? { message: last.response } : {}),
    }),
    expiresAt: Math.min(event.expiresAt, cap(at)),
  });
}

/** A webhook disabled after a streak of failed attempts: one item per disable. */
export async function recordWebhookDisabled(deps: Pick<RecordActivityDeps, 'activity' | 'clock'>, webhook: Webhook, reason: string): Promise<boolean> {
  const at = deps.clock.now().toISOString();
  return deps.activity.put({
    // Deliveries in flight together read the same webhook (same updatedAt): they write one item.
    id: activityId(`${webhook.id}#${webhook.updatedAt}`, 'webhook.disabled', at),
    tenantId: webhook.tenantId,
    type: 'webhook.disabled',
    at,
    webhookId: webhook.id,
    detail: activityDetail({ endpoint: webhook.endpoint, message: reason }),
    expiresAt: cap(at),
  });
}

/** `GET /activity`'s item: Resend-style snake_case, `created_at` = when it happened. */
export function toActivityView(item: ActivityItem) {
  return {
    object: 'activity' as const,
    id: item.id,
    type: item.type,
    created_at: item.at,
    email_id: item.emailId ?? null,
    webhook_id: item.webhookId ?? null,
    to: item.to ?? [],
    subject: item.subject ?? null,
    template: item.template ?? null,
    detail: item.detail,
  };
}

function isoParam(value: string, param: string): string {
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}($|T)/.test(value) || Number.isNaN(t))
    throw new ValidationError(`\`${param}\` must be an ISO 8601 date-time such as 2026-12-01T09:00:00Z.`);
  return new Date(t).toISOString();
}

/**
 * `GET /activity` (Mailroom's extension): the caller's notable events, newest first. `type` (one
 * of ACTIVITY_TYPES), `since`/`until` (ISO; since inclusive, until exclusive), `limit` 1-100
 * (default 20), and Resend's paging: `after=<activity id>` (older items) or `before=<id>` (newer).
 */
export async function listActivity(
  deps: { activity: ActivityLog },
  principal: Principal,
  query: { limit?: string; after?: string; before?: string; type?: string; since?: string; until?: string },
) {
  if (!hasScope(principal, 'emails:read')) throw new ForbiddenError('This API key is not allowed to read activity (scope `emails:read`).');
  const limit = query.limit === undefined || query.limit === '' ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ValidationError('`limit` must be an integer from 1 to 100.');
  if (query.after && query.before) throw new ValidationError('Give `after` or `before`, not both.');
  if (query.type && !isActivityType(query.type)) throw new ValidationError(`\`type\` must be one of ${ACTIVITY_TYPES.join(', ')}.`);
  const since = query.since ? isoParam(query.since, 'since') : undefined;
  const until = query.until ? isoParam(query.until, 'until') : undefined;
  if (since && until && since >= until) throw new ValidationError('`since` must be before `until`.');
  const position = (value: string, param: string) => {
    const p = activityPosition(value);
    if (!p) throw new MalformedRequestError(`\`${param}\` must be the id of an activity item (act_…).`);
    return p;
  };
  const after = query.after ? position(query.after, 'after') : undefined;
  const before = query.before ? position(query.before, 'before') : undefined;
  const page = await deps.activity.list({
    tenantId: principal.tenantId,
    limit,
    ...(query.type ? { type: query.type as ActivityItem['type'] } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(after ? { after } : {}),
    ...(before ? { before } : {}),
  });
  return { object: 'list' as const, has_more: page.hasMore, data: page.items.map(toActivityView) };
}
