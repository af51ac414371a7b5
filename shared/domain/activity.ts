/**
 * The activity log: a tenant's notable events (bounces, complaints, failures, delays, suppressions,
 * webhook deliveries that failed for good, webhooks disabled), one item per event, in the order
 * they happened. An email that bounced and then drew a complaint has two entries. Delivered, opened
 * and clicked mail is not logged: the common case costs nothing.
 */
/** What the log holds: Resend's names for the email events, Mailroom's for webhook trouble. */
export const ACTIVITY_TYPES = [
  'email.bounced',
  'email.complained',
  'email.failed',
  'email.delivery_delayed',
  'email.suppressed',
  'webhook.failed',
  'webhook.disabled',
] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

export const isActivityType = (v: string): v is ActivityType => (ACTIVITY_TYPES as readonly string[]).includes(v);

/** The outbound "Email …" detail-types the log records, and the activity each becomes. */
const BY_DETAIL_TYPE: Readonly<Record<string, ActivityType>> = {
  'Email Bounced': 'email.bounced',
  'Email Complained': 'email.complained',
  'Email Failed': 'email.failed',
  'Email Delivery Delayed': 'email.delivery_delayed',
  'Email Suppressed': 'email.suppressed',
};

/** The outbound detail-types the log records: the webhook fan-out rule forwards these whoever listens (infra/constructs/webhooks.ts). */
export const ACTIVITY_DETAIL_TYPES: readonly string[] = Object.keys(BY_DETAIL_TYPE);

/** The activity type of an outbound event, or undefined when it is not notable (sent, delivered, opened…). */
export const activityTypeOf = (detailType: string): ActivityType | undefined => BY_DETAIL_TYPE[detailType];

/** Detail keys worth keeping (what an operator reads in the feed); everything else stays on the email. */
export const ACTIVITY_DETAIL_KEYS = [
  'bounce_type',
  'bounce_subtype',
  'diagnostic',
  'delay_type',
  'expires_at',
  'feedback_type',
  'reason',
  'code',
  'message',
  'provider',
  'recipients',
  'endpoint',
  'http_status',
  'attempts',
] as const;

/** One logged event. */
export interface ActivityItem {
  /** `act_<yyyymmddhhmmssSSS>_<hash>`: it says when, so `after`/`before` need no lookup. */
  readonly id: string;
  readonly tenantId: string;
  readonly type: ActivityType;
  /** ISO 8601: when it happened. */
  readonly at: string;
  readonly emailId?: string;
  readonly webhookId?: string;
  /** The email's first recipients and subject, so the feed reads without a lookup per row. */
  readonly to?: string[];
  readonly subject?: string;
  /** A template email's template id (its subject is rendered at send time, not stored). */
  readonly template?: string;
  readonly detail: Record<string, unknown>;
  /** Epoch seconds (DynamoDB TTL). */
  readonly expiresAt: number;
}

/** Recipients kept on an item; the email has them all. */
export const ACTIVITY_RECIPIENTS_KEPT = 3;
/** Longest subject or detail string kept on an item. */
export const ACTIVITY_TEXT_MAX = 300;

/** An id's shape: `act_` + the time's digits + `_` + 16 characters of a hash of its source (shared/use-cases/activity.ts). */
const TIME_DIGITS = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})$/;
const ID = /^act_(\d{17})_([A-Za-z0-9_-]{16})$/;

/** Where an activity id sits in the log (its time and id); undefined when it is not one. */
export function activityPosition(id: string): { at: string; id: string } | undefined {
  const m = ID.exec(id);
  const t = m && TIME_DIGITS.exec(m[1]!);
  if (!t) return undefined;
  const at = `${t[1]}-${t[2]}-${t[3]}T${t[4]}:${t[5]}:${t[6]}.${t[7]}Z`;
  return Number.isNaN(Date.parse(at)) ? undefined : { at, id };
}

/** The detail an item keeps: known keys only, long strings cut. */
export function activityDetail(detail: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ACTIVITY_DETAIL_KEYS) {
    const v = detail[k];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v === 'string') out[k] = v.slice(0, ACTIVITY_TEXT_MAX);
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (Array.isArray(v)) out[k] = v.slice(0, ACTIVITY_RECIPIENTS_KEPT).map((x) => String(x).slice(0, ACTIVITY_TEXT_MAX));
  }
  return out;
}
