/**
 * Webhooks in Resend's shape: an endpoint subscribed to event types, signed the Standard Webhooks
 * (Svix) way with a `whsec_` secret, delivered with retries and a per-event, per-attempt log.
 */

/** Resend's event names Mailroom emits, and the outbound detail-type each comes from. */
export const WEBHOOK_EVENT_TYPES = [
  'email.sent',
  'email.scheduled',
  'email.delivered',
  'email.delivery_delayed',
  'email.complained',
  'email.bounced',
  'email.opened',
  'email.clicked',
  'email.failed',
  'email.suppressed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

const BY_DETAIL_TYPE: Readonly<Record<string, WebhookEventType>> = {
  'Email Sent': 'email.sent',
  'Email Delivered': 'email.delivered',
  'Email Delivery Delayed': 'email.delivery_delayed',
  'Email Bounced': 'email.bounced',
  'Email Complained': 'email.complained',
  'Email Opened': 'email.opened',
  'Email Clicked': 'email.clicked',
  'Email Failed': 'email.failed',
  'Email Suppressed': 'email.suppressed',
};

/**
 * The Resend event type of an outbound "Email …" event, or undefined when Resend has no name for
 * it (`Email Accepted` of a queued email, `Email Canceled`). An accepted email that waits for its
 * `scheduled_at` is Resend's `email.scheduled`.
 */
export function webhookTypeOf(detailType: string, detail: Record<string, unknown>): WebhookEventType | undefined {
  if (detailType === 'Email Accepted') return detail.status === 'scheduled' ? 'email.scheduled' : undefined;
  return BY_DETAIL_TYPE[detailType];
}

export type WebhookStatus = 'enabled' | 'disabled';

/** The event types some enabled webhook subscribes to, in WEBHOOK_EVENT_TYPES order (what the tenant record keeps). */
export function subscribedTypes(webhooks: readonly Pick<Webhook, 'status' | 'events'>[]): WebhookEventType[] {
  const subscribed = new Set(webhooks.filter((w) => w.status === 'enabled').flatMap((w) => w.events));
  return WEBHOOK_EVENT_TYPES.filter((t) => subscribed.has(t));
}

export interface Webhook {
  readonly id: string;
  readonly tenantId: string;
  readonly endpoint: string;
  readonly events: WebhookEventType[];
  readonly status: WebhookStatus;
  /** `whsec_` + base64 of 24 random bytes (Standard Webhooks). */
  readonly secret: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Failed attempts in a row, across events; any success resets it. */
  readonly failureStreak?: number;
  /** Why Mailroom disabled it (auto-disable after a failure streak). */
  readonly disabledReason?: string;
}

/** Resend's delivery states: `pending` (queued), `attempting` (failed, will retry), `success`, `failed` (gave up). */
export type WebhookEventStatus = 'pending' | 'attempting' | 'success' | 'failed';

/** One event for one webhook: what was (or will be) posted, and how it went. */
export interface WebhookEventRecord {
  /** `msg_…`, also the `webhook-id` / `svix-id` header (receivers dedupe on it). */
  readonly id: string;
  readonly webhookId: string;
  readonly tenantId: string;
  readonly type: WebhookEventType;
  readonly createdAt: string;
  status: WebhookEventStatus;
  /** Attempts made so far, over the event's whole life (replays included). */
  attempts: number;
  /** Attempts made before the last replay: the retry budget counts from here. */
  budgetStart: number;
  nextAttemptAt: string | null;
  /** The JSON payload, exactly as signed and posted. */
  readonly payload: string;
  /** Epoch seconds (DynamoDB TTL). */
  readonly expiresAt: number;
}

/** One HTTP POST of an event. */
export interface WebhookAttempt {
  readonly id: string;
  readonly webhookId: string;
  readonly eventId: string;
  /** 1-based, over the event's life. */
  readonly n: number;
  readonly sentAt: string;
  /** 0 when no HTTP answer came (timeout, refused, SSRF guard). */
  readonly httpStatusCode: number;
  /** First bytes of the answer, or the error. */
  readonly response: string;
  readonly latencyMs: number;
  readonly expiresAt: number;
}

/** A delivery queue message: everything else is read from the table. */
export interface WebhookDeliveryMessage {
  readonly tenantId: string;
  readonly webhookId: string;
  readonly eventId: string;
}

/**
 * Seconds to wait after failed attempt n (1-based) before the next one: 5 s, 5 min, 30 min, 2 h,
 * 5 h, 10 h, 10 h — eight attempts over about 27.6 hours, as Svix does it.
 */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];

/** Failed attempts in a row (across events) after which an endpoint is disabled. */
export const DEFAULT_DISABLE_AFTER = 50;

/** How long delivery logs are kept (days). */
export const WEBHOOK_LOG_RETENTION_DAYS = 30;
