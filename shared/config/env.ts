import * as z from 'zod';
import { TENANT_CACHE_SECONDS } from '#shared/adapters/cached-tenant-store';
import { DEFAULT_MUTED_EVENTS } from '#shared/domain/outbound-events';
import { publisherBindingSchema } from '#shared/domain/publishers';
import { CONFIGURATION_SET_VARIANTS, type ConfigurationSetVariant } from '#shared/domain/sending-domain';
import { LANE_NAMES, type Lane } from './lanes';

/**
 * Environment variable names. infra/ sets them and functions read them through the schemas
 * below, so the two cannot drift apart.
 */
export const ENV = {
  TABLE_NAME: 'MAILROOM_TABLE_NAME',
  IDEMPOTENCY_TABLE_NAME: 'MAILROOM_IDEMPOTENCY_TABLE_NAME',
  /** JSON object lane → queue URL. */
  LANE_QUEUE_URLS: 'MAILROOM_LANE_QUEUE_URLS',
  /** JSON object lane → DLQ URL. */
  LANE_DLQ_URLS: 'MAILROOM_LANE_DLQ_URLS',
  /** JSON object lane → queue ARN (Scheduler targets). */
  LANE_QUEUE_ARNS: 'MAILROOM_LANE_QUEUE_ARNS',
  LANE: 'MAILROOM_LANE',
  SES_CONFIGURATION_SET: 'MAILROOM_SES_CONFIGURATION_SET',
  /** JSON object tracking × TLS variant (`tracked-tls`, …) → SES configuration set: per-domain tracking and TLS. */
  SES_DOMAIN_CONFIGURATION_SETS: 'MAILROOM_SES_DOMAIN_CONFIGURATION_SETS',
  /** Seconds a sender's claim on an email lasts; shorter than the visibility timeout. */
  CLAIM_LEASE_SECONDS: 'MAILROOM_CLAIM_LEASE_SECONDS',
  /** SES client request timeout in ms; shorter than the lease. */
  SES_TIMEOUT_MS: 'MAILROOM_SES_TIMEOUT_MS',
  /** Local/dev SMTP fallback as a URL (smtp://user:pass@host:port). */
  SMTP_URL: 'MAILROOM_SMTP_URL',
  /** AWS: Secrets Manager secret holding {host, port, username, password, secure}. */
  SMTP_SECRET_ARN: 'MAILROOM_SMTP_SECRET_ARN',
  /** Throttled receives of one message before the sender fails it over to SMTP. */
  THROTTLE_FAILOVER_AFTER: 'MAILROOM_THROTTLE_FAILOVER_AFTER',
  /** SES circuit breaker: failures within the window that open it. */
  BREAKER_FAILURE_THRESHOLD: 'MAILROOM_BREAKER_FAILURE_THRESHOLD',
  BREAKER_WINDOW_SECONDS: 'MAILROOM_BREAKER_WINDOW_SECONDS',
  /** Seconds an open breaker sends everything to SMTP before one probe goes to SES. */
  BREAKER_OPEN_SECONDS: 'MAILROOM_BREAKER_OPEN_SECONDS',
  /** Milliseconds a sender instance caches the breaker state. */
  BREAKER_CACHE_MS: 'MAILROOM_BREAKER_CACHE_MS',
  /** Seconds an email a provider may have (ambiguous attempt) waits for that provider's acceptance event before it is sent again through it. */
  AMBIGUOUS_HOLD_SECONDS: 'MAILROOM_AMBIGUOUS_HOLD_SECONDS',
  /** Seconds after an ambiguous attempt at which an email still unsettled is failed to the DLQ for an operator. */
  AMBIGUOUS_DEADLINE_SECONDS: 'MAILROOM_AMBIGUOUS_DEADLINE_SECONDS',
  ATTACHMENTS_BUCKET: 'MAILROOM_ATTACHMENTS_BUCKET',
  EVENT_BUS_NAME: 'MAILROOM_EVENT_BUS_NAME',
  /** `eventbridge` (default: PutEvents on EVENT_BUS_NAME) or `local` (local mode: printed and added to the email's history). */
  EVENT_PUBLISHER: 'MAILROOM_EVENT_PUBLISHER',
  /**
   * Outbound detail-types left off the bus, comma-separated (default `Email Accepted`; empty: publish
   * all). A scheduled email's "Email Accepted" is published anyway (it is `email.scheduled`).
   */
  MUTED_EVENTS: 'MAILROOM_MUTED_EVENTS',
  /**
   * Seconds a publishing function (ingest, intake, senders, tracking) trusts a tenant it has read
   * (default 30, TENANT_CACHE_SECONDS): limits, senders and the webhook subscriptions that mark
   * events for the fan-out reach it within this time. The local test stack sets 0.
   */
  TENANT_CACHE_SECONDS: 'MAILROOM_TENANT_CACHE_SECONDS',
  SCHEDULE_GROUP: 'MAILROOM_SCHEDULE_GROUP',
  SCHEDULER_ROLE_ARN: 'MAILROOM_SCHEDULER_ROLE_ARN',
  SCHEDULER_DLQ_ARN: 'MAILROOM_SCHEDULER_DLQ_ARN',
  /** `local` (local mode: schedules in the main table) or `aws` (EventBridge Scheduler); default: aws when its settings are present. */
  SCHEDULER: 'MAILROOM_SCHEDULER',
  /** Public base URL of the API (unsubscribe links). */
  PUBLIC_API_URL: 'MAILROOM_PUBLIC_API_URL',
  /** Secrets Manager secret (AWS) holding the unsubscribe token signing key. */
  UNSUBSCRIBE_SECRET_ARN: 'MAILROOM_UNSUBSCRIBE_SECRET_ARN',
  /** Signing key given directly (local mode). */
  UNSUBSCRIBE_SIGNING_KEY: 'MAILROOM_UNSUBSCRIBE_SIGNING_KEY',
  /** Seconds the authorizer function reuses an answer per Authorization header (default AUTHORIZER_CACHE_SECONDS). */
  AUTHORIZER_CACHE_SECONDS: 'MAILROOM_AUTHORIZER_CACHE_SECONDS',
  /** `mask` (default) or `hash` or `full`: how recipient addresses appear in logs and events. */
  RECIPIENT_LOGGING: 'MAILROOM_RECIPIENT_LOGGING',
  /** Days an email body is kept when the tenant sets nothing. */
  DEFAULT_RETENTION_DAYS: 'MAILROOM_DEFAULT_RETENTION_DAYS',
  /** Largest accepted request body in bytes. */
  MAX_BODY_BYTES: 'MAILROOM_MAX_BODY_BYTES',
  /**
   * JSON list of {account, source, tenants}: which EventBridge publisher may request mail for which
   * tenants (intake). Unset (local mode, CLI): no publisher check.
   */
  INTAKE_PUBLISHERS: 'MAILROOM_INTAKE_PUBLISHERS',
  /** Where lane ages and last-hour counts come from: `cloudwatch` (AWS, default), `table` (local mode: a Scan), `none`. */
  LANE_METRICS: 'MAILROOM_LANE_METRICS',
  /** Webhook delivery queue (SQS): the fan-out and `POST /webhooks/{id}/events/{event}/replay` put deliveries on it. */
  WEBHOOK_QUEUE_URL: 'MAILROOM_WEBHOOK_QUEUE_URL',
  /** Where a delivery whose retries are spent is parked. */
  WEBHOOK_DLQ_URL: 'MAILROOM_WEBHOOK_DLQ_URL',
  /** Local mode only: the local event publisher also puts every outbound event on this queue (the fan-out's input), as the EventBridge rule does as deployed. */
  WEBHOOK_EVENT_QUEUE_URL: 'MAILROOM_WEBHOOK_EVENT_QUEUE_URL',
  /** `true` in local mode only: webhook endpoints on loopback (http://127.0.0.1:…) are allowed. Never set as deployed. */
  WEBHOOK_ALLOW_LOOPBACK: 'MAILROOM_WEBHOOK_ALLOW_LOOPBACK',
  /** Comma-separated seconds between webhook attempts (default 5,300,1800,7200,18000,36000,36000). */
  WEBHOOK_RETRY_SCHEDULE: 'MAILROOM_WEBHOOK_RETRY_SCHEDULE',
  /** Deliveries in flight per webhook endpoint, across all workers (default 4). */
  WEBHOOK_CONCURRENCY: 'MAILROOM_WEBHOOK_CONCURRENCY',
  /** Failed attempts in a row after which a webhook is disabled (default 50). */
  WEBHOOK_DISABLE_AFTER: 'MAILROOM_WEBHOOK_DISABLE_AFTER',
  /** Milliseconds a receiver has to answer one delivery (default 10000). */
  WEBHOOK_TIMEOUT_MS: 'MAILROOM_WEBHOOK_TIMEOUT_MS',
  /** `ses` (default: SES v2 email identities) or `local` (local mode: identities in the main table, verified with the CLI). */
  IDENTITIES: 'MAILROOM_IDENTITIES',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];
type Env = Record<string, string | undefined>;

const jsonOf = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

const laneMap = jsonOf(z.record(z.enum(LANE_NAMES), z.string().min(1)));

const common = {
  [ENV.TABLE_NAME]: z.string().min(1),
  [ENV.RECIPIENT_LOGGING]: z.enum(['mask', 'hash', 'full']).default('mask'),
};

/** Who creates, moves and deletes schedules (ingest, emails, intake): all optional, see createSendScheduler. */
const schedulerSettings = {
  [ENV.SCHEDULER]: z.enum(['local', 'aws']).optional(),
  [ENV.SCHEDULE_GROUP]: z.string().min(1).optional(),
  [ENV.SCHEDULER_ROLE_ARN]: z.string().min(1).optional(),
  [ENV.SCHEDULER_DLQ_ARN]: z.string().min(1).optional(),
  [ENV.LANE_QUEUE_ARNS]: laneMap.optional(),
};

/** Outbound "Email …" events (ingest, sender, tracking, intake). */
const eventSettings = {
  [ENV.EVENT_BUS_NAME]: z.string().min(1).optional(),
  [ENV.EVENT_PUBLISHER]: z.enum(['eventbridge', 'local']).default('eventbridge'),
  [ENV.WEBHOOK_EVENT_QUEUE_URL]: z.string().min(1).optional(),
  [ENV.MUTED_EVENTS]: z
    .string()
    .default(DEFAULT_MUTED_EVENTS.join(','))
    .transform((s) =>
      s
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  [ENV.TENANT_CACHE_SECONDS]: z.coerce.number().int().nonnegative().default(TENANT_CACHE_SECONDS),
};

/** Unsubscribe link signing (senders sign, the unsubscribe function verifies). */
const unsubscribeSettings = {
  [ENV.PUBLIC_API_URL]: z.string().url().optional(),
  [ENV.UNSUBSCRIBE_SECRET_ARN]: z.string().min(1).optional(),
  [ENV.UNSUBSCRIBE_SIGNING_KEY]: z.string().min(16).optional(),
};

export const ingestEnvSchema = z.object({
  ...common,
  ...schedulerSettings,
  ...eventSettings,
  [ENV.IDEMPOTENCY_TABLE_NAME]: z.string().min(1),
  [ENV.LANE_QUEUE_URLS]: laneMap,
  [ENV.DEFAULT_RETENTION_DAYS]: z.coerce.number().int().positive().default(30),
  // API Gateway's own payload limit; attachments sent as base64 `content` need the room.
  [ENV.MAX_BODY_BYTES]: z.coerce
    .number()
    .int()
    .positive()
    .default(10 * 1024 * 1024),
  /** Attachment bytes (S3); without it a request with attachments is refused. */
  [ENV.ATTACHMENTS_BUCKET]: z.string().min(1).optional(),
});

export const senderEnvSchema = z.object({
  [ENV.ATTACHMENTS_BUCKET]: z.string().min(1).optional(),
  ...common,
  ...eventSettings,
  ...unsubscribeSettings,
  [ENV.LANE]: z.enum(LANE_NAMES),
  [ENV.LANE_QUEUE_URLS]: laneMap,
  [ENV.LANE_DLQ_URLS]: laneMap,
  [ENV.SES_CONFIGURATION_SET]: z.string().min(1).optional(),
  [ENV.SES_DOMAIN_CONFIGURATION_SETS]: jsonOf(
    z.partialRecord(z.enum(CONFIGURATION_SET_VARIANTS as [ConfigurationSetVariant, ...ConfigurationSetVariant[]]), z.string().min(1)),
  ).optional(),
  [ENV.CLAIM_LEASE_SECONDS]: z.coerce.number().int().positive().default(60),
  [ENV.SES_TIMEOUT_MS]: z.coerce.number().int().positive().default(10_000),
  [ENV.SMTP_URL]: z.string().min(1).optional(),
  [ENV.SMTP_SECRET_ARN]: z.string().min(1).optional(),
  [ENV.THROTTLE_FAILOVER_AFTER]: z.coerce.number().int().positive().default(3),
  [ENV.BREAKER_FAILURE_THRESHOLD]: z.coerce.number().int().positive().default(5),
  [ENV.BREAKER_WINDOW_SECONDS]: z.coerce.number().int().positive().default(30),
  [ENV.BREAKER_OPEN_SECONDS]: z.coerce.number().int().positive().default(30),
  [ENV.BREAKER_CACHE_MS]: z.coerce.number().int().nonnegative().default(2_000),
  [ENV.AMBIGUOUS_HOLD_SECONDS]: z.coerce.number().int().nonnegative().default(120),
  [ENV.AMBIGUOUS_DEADLINE_SECONDS]: z.coerce.number().int().positive().default(3_600),
});

export const readEnvSchema = z.object({ ...common });

/** The API key authorizer: its in-memory answer cache (the gateway caches nothing, see infra/constructs/api.ts). */
export const authorizerEnvSchema = z.object({
  ...common,
  [ENV.AUTHORIZER_CACHE_SECONDS]: z.coerce.number().int().min(0).max(3_600).optional(),
});

/** SES events → status, history, suppression. */
export const trackingEnvSchema = z.object({ ...common, ...eventSettings });

/** `POST|GET /unsubscribe/{token}`. */
export const unsubscribeEnvSchema = z.object({ ...common, ...unsubscribeSettings });

/** `GET /emails…`, `PATCH /emails/{id}` and `POST /emails/{id}/cancel`. */
export const emailsEnvSchema = z.object({
  ...common,
  ...schedulerSettings,
  [ENV.LANE_QUEUE_URLS]: laneMap.optional(),
  /** Attachment bytes: `GET /emails/{id}/attachments…` hands out presigned download URLs. */
  [ENV.ATTACHMENTS_BUCKET]: z.string().min(1).optional(),
});

const laneMetricsSource = z.enum(['cloudwatch', 'table', 'none']).default('cloudwatch');

/** `GET /health`: breaker (table), lane counters, SMTP fallback probe. */
export const healthEnvSchema = z.object({
  ...common,
  [ENV.LANE_QUEUE_URLS]: laneMap,
  [ENV.LANE_DLQ_URLS]: laneMap,
  [ENV.SMTP_URL]: z.string().min(1).optional(),
  [ENV.SMTP_SECRET_ARN]: z.string().min(1).optional(),
  [ENV.LANE_METRICS]: laneMetricsSource,
});

/** The reconciler: reads the pending index, re-enqueues stuck emails (a far schedule goes to the scheduler). */
export const reconcilerEnvSchema = z.object({
  ...common,
  ...schedulerSettings,
  [ENV.LANE_QUEUE_URLS]: laneMap,
});

/** `GET /lanes`, DLQ list and redrive. */
export const operationsEnvSchema = z.object({
  ...common,
  [ENV.LANE_QUEUE_URLS]: laneMap,
  [ENV.LANE_DLQ_URLS]: laneMap,
  [ENV.LANE_METRICS]: laneMetricsSource,
});

/** The LocalStack profile's scheduler tick: fires due table-backed schedules into the lane queues. */
export const schedulesEnvSchema = z.object({ ...common, [ENV.LANE_QUEUE_URLS]: laneMap });

/** The EventBridge intake: everything ingest reads, plus the publisher bindings. */
export const intakeEnvSchema = z.object({
  [ENV.INTAKE_PUBLISHERS]: jsonOf(z.array(publisherBindingSchema)).optional(),
});

export type IngestEnv = z.infer<typeof ingestEnvSchema>;
export type SenderEnv = z.infer<typeof senderEnvSchema>;

/** Parse a function's environment once at cold start; a bad deployment fails loudly and early. */
export function loadEnv<S extends z.ZodType>(schema: S, env: Env = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Mailroom configuration is invalid: ${problems}`);
  }
  return parsed.data;
}

export type LaneUrls = Partial<Record<Lane, string>>;
