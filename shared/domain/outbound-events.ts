/**
 * Which outbound "Email …" events go on the Mailroom bus. Every entry costs $1 per million
 * (EventBridge custom events) and, through the webhook fan-out rule, an SQS message and a share of
 * a function run, so a type nobody listens to can be muted (`-c mutedEvents`, ENV.MUTED_EVENTS).
 *
 * Webhooks are subscribed at runtime, per tenant, so what a webhook event type is made of is never
 * muted: a muted "Email Accepted" still goes out for a scheduled email (`email.scheduled`), and a
 * type that always maps to a webhook event (`Email Sent` → `email.sent`, …) cannot be muted at all.
 */
import { ACTIVITY_DETAIL_TYPES } from './activity';
import { webhookTypeOf } from './webhook';

/** Every detail-type Mailroom puts on its bus (docs/events.md, "Status events out"). */
export const OUTBOUND_DETAIL_TYPES = [
  'Email Accepted',
  'Email Sent',
  'Email Failed',
  'Email Suppressed',
  'Email Delivered',
  'Email Delivery Delayed',
  'Email Bounced',
  'Email Complained',
  'Email Opened',
  'Email Clicked',
] as const;
export type OutboundDetailType = (typeof OUTBOUND_DETAIL_TYPES)[number];

/**
 * Types that may be muted: those some of whose events no webhook type maps from. "Email Accepted"
 * of an email queued for sending now is news to no one who called the API (its response says it).
 */
export const MUTABLE_DETAIL_TYPES: readonly OutboundDetailType[] = OUTBOUND_DETAIL_TYPES.filter((t) => webhookTypeOf(t, {}) === undefined);

/** Muted unless a deployment says otherwise: 1 bus entry per accepted email saved. */
export const DEFAULT_MUTED_EVENTS: readonly OutboundDetailType[] = ['Email Accepted'];

/** Whether an event stays off the bus: its type is muted and no webhook event is made of it. */
export function isMuted(muted: ReadonlySet<string>, event: { readonly detailType: string; readonly detail: Record<string, unknown> }): boolean {
  return muted.has(event.detailType) && webhookTypeOf(event.detailType, event.detail) === undefined;
}

/** Why a `mutedEvents` entry is refused, or undefined when it may be muted. */
export function mutedEventRefusal(detailType: string): string | undefined {
  if (!(OUTBOUND_DETAIL_TYPES as readonly string[]).includes(detailType))
    return `'${detailType}' is not an outbound detail-type (${OUTBOUND_DETAIL_TYPES.join(', ')})`;
  if (!MUTABLE_DETAIL_TYPES.includes(detailType as OutboundDetailType))
    return `'${detailType}' is a webhook event (${webhookTypeOf(detailType, {})}) that tenants subscribe to at runtime, so it is always published`;
  return undefined;
}

/**
 * The Mailroom-internal field a publisher sets (`true`) on an event some webhook of the email's
 * tenant subscribes to (Tenant.webhookEvents, read through the publisher's tenant cache). The webhook
 * fan-out rule forwards an event that carries it, or whose type the activity log records
 * (ACTIVITY_DETAIL_TYPES), and nothing else: a tenant without webhooks costs the fan-out nothing for
 * its sent, delivered, opened and clicked mail. Customers' own rules still see every event.
 */
export const WEBHOOK_SUBSCRIBED_FIELD = 'webhook_subscribed';

/** Whether the webhook fan-out receives this event (the rule's pattern, and the local queue copy, decide by it). */
export function reachesFanOut(event: { readonly detailType: string; readonly detail: Record<string, unknown> }): boolean {
  return ACTIVITY_DETAIL_TYPES.includes(event.detailType) || event.detail[WEBHOOK_SUBSCRIBED_FIELD] === true;
}
