/**
 * Names and shapes of Mailroom's stateful resources, shared by the CDK app (infra/constructs)
 * and local mode (infra/local), so the two cannot drift apart.
 */
export const MAIN_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  /** Everything a tenant lists besides emails (API keys, templates, webhook events, activity), projected whole. */
  gsi1: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /**
   * A tenant's emails, newest first (`GET /emails`). Projects only fields that never change after the
   * email is created, so the status writes of claim, `sent` and tracking never write the index again:
   * each email costs one index write, at creation. What the list filters read besides these (status,
   * the provider message id) and what a page shows come from the email items (BatchGetItem).
   */
  emailList: {
    name: 'emailList',
    partitionKey: 'listPk',
    sortKey: 'listSk',
    projection: ['id', 'lane', 'from', 'to', 'cc', 'bcc', 'subject', 'tags', 'createdAt'],
  },
  /**
   * Sparse index of emails on their way (queued, scheduled, sending, retrying) by the time they count
   * as stuck: the reconciler reads only overdue ones. Projects what re-enqueueing needs.
   */
  pending: {
    name: 'pending',
    partitionKey: 'pendingPk',
    sortKey: 'pendingSk',
    projection: ['id', 'tenantId', 'lane', 'status', 'scheduleVersion', 'scheduledAt', 'leaseUntil', 'reconciledAt', 'reconciles', 'nextReconcileAt'],
  },
} as const;

/** Powertools idempotency's own table. */
export const IDEMPOTENCY_TABLE = {
  partitionKey: 'id',
  ttlAttribute: 'expiration',
} as const;

/** Default resource-name prefix in local mode (CDK lets CloudFormation name things). */
export const LOCAL_PREFIX = 'mailroom';

export const localNames = (prefix = LOCAL_PREFIX) => ({
  table: `${prefix}-main`,
  idempotencyTable: `${prefix}-idempotency`,
  attachmentsBucket: `${prefix}-attachments`,
  eventBus: `${prefix}-events`,
  scheduleGroup: `${prefix}-schedules`,
});

/**
 * Every Lambda entry point: folder under functions/ (handler.ts inside).
 * `sender` is deployed once per lane.
 */
export const FUNCTIONS = [
  'authorizer',
  'ingest',
  'emails',
  'sender',
  'tracking',
  'intake',
  'health',
  'templates',
  'suppressions',
  'unsubscribe',
  'operations',
  // Every minute: re-enqueues emails stuck on their way (outbox safety net).
  'reconciler',
  // LocalStack profile only: fires the table-backed schedules every minute (LocalStack's Scheduler never fires).
  'schedules',
  'api-keys',
  'webhooks',
  // Webhooks: outbound events → one delivery per subscribed webhook; signed POSTs with retries.
  'webhook-fanout',
  'webhook-delivery',
  'domains',
  // The HTTP API's `$default` route: 404 / 405 in Resend's error shape.
  'fallback',
] as const;
export type FunctionName = (typeof FUNCTIONS)[number];

/** HTTP API routes → function. Routes marked `public` skip the authorizer. */
export const ROUTES: ReadonlyArray<{ method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; path: string; fn: FunctionName; public?: boolean }> = [
  { method: 'POST', path: '/emails', fn: 'ingest' },
  { method: 'POST', path: '/emails/batch', fn: 'ingest' },
  { method: 'GET', path: '/emails', fn: 'emails' },
  // Before `/emails/{id}`: local mode takes the first route that matches (API Gateway the most specific).
  { method: 'GET', path: '/emails/metrics', fn: 'emails' },
  { method: 'GET', path: '/emails/{id}', fn: 'emails' },
  { method: 'PATCH', path: '/emails/{id}', fn: 'emails' },
  { method: 'POST', path: '/emails/{id}/cancel', fn: 'emails' },
  { method: 'GET', path: '/emails/{id}/raw', fn: 'emails' },
  { method: 'GET', path: '/emails/{id}/attachments', fn: 'emails' },
  { method: 'GET', path: '/emails/{id}/attachments/{attachment_id}', fn: 'emails' },
  { method: 'GET', path: '/activity', fn: 'emails' },
  { method: 'GET', path: '/templates', fn: 'templates' },
  { method: 'POST', path: '/templates', fn: 'templates' },
  { method: 'GET', path: '/templates/{id}', fn: 'templates' },
  { method: 'PATCH', path: '/templates/{id}', fn: 'templates' },
  { method: 'DELETE', path: '/templates/{id}', fn: 'templates' },
  { method: 'POST', path: '/templates/{id}/publish', fn: 'templates' },
  { method: 'POST', path: '/templates/{id}/duplicate', fn: 'templates' },
  { method: 'POST', path: '/templates/{id}/render', fn: 'templates' },
  { method: 'GET', path: '/suppressions', fn: 'suppressions' },
  { method: 'POST', path: '/suppressions', fn: 'suppressions' },
  { method: 'GET', path: '/suppressions/{email}', fn: 'suppressions' },
  { method: 'DELETE', path: '/suppressions/{email}', fn: 'suppressions' },
  { method: 'POST', path: '/suppressions/batch/add', fn: 'suppressions' },
  { method: 'POST', path: '/suppressions/batch/remove', fn: 'suppressions' },
  { method: 'GET', path: '/lanes', fn: 'operations' },
  { method: 'GET', path: '/lanes/{lane}/dlq', fn: 'operations' },
  { method: 'POST', path: '/lanes/{lane}/dlq/redrive', fn: 'operations' },
  { method: 'POST', path: '/api-keys', fn: 'api-keys' },
  { method: 'GET', path: '/api-keys', fn: 'api-keys' },
  { method: 'DELETE', path: '/api-keys/{id}', fn: 'api-keys' },
  { method: 'POST', path: '/webhooks', fn: 'webhooks' },
  { method: 'GET', path: '/webhooks', fn: 'webhooks' },
  { method: 'GET', path: '/webhooks/{id}', fn: 'webhooks' },
  { method: 'PATCH', path: '/webhooks/{id}', fn: 'webhooks' },
  { method: 'DELETE', path: '/webhooks/{id}', fn: 'webhooks' },
  { method: 'POST', path: '/webhooks/{id}/signing-secret/rotate', fn: 'webhooks' },
  { method: 'GET', path: '/webhooks/{id}/events', fn: 'webhooks' },
  { method: 'GET', path: '/webhooks/{id}/events/{eventId}', fn: 'webhooks' },
  { method: 'GET', path: '/webhooks/{id}/events/{eventId}/attempts', fn: 'webhooks' },
  { method: 'POST', path: '/webhooks/{id}/events/{eventId}/replay', fn: 'webhooks' },
  { method: 'POST', path: '/domains', fn: 'domains' },
  { method: 'GET', path: '/domains', fn: 'domains' },
  { method: 'GET', path: '/domains/{id}', fn: 'domains' },
  { method: 'PATCH', path: '/domains/{id}', fn: 'domains' },
  { method: 'DELETE', path: '/domains/{id}', fn: 'domains' },
  { method: 'POST', path: '/domains/{id}/verify', fn: 'domains' },
  { method: 'GET', path: '/health', fn: 'health', public: true },
  { method: 'GET', path: '/unsubscribe/{token}', fn: 'unsubscribe', public: true },
  { method: 'POST', path: '/unsubscribe/{token}', fn: 'unsubscribe', public: true },
];

/** Seconds API Gateway caches an authorizer answer; also how long a revoked key may still work. */
export const AUTHORIZER_CACHE_SECONDS = 300;

/** Stack output keys the CLI reads from a deployed stack. */
export const OUTPUTS = {
  apiUrl: 'ApiUrl',
  tableName: 'TableName',
  idempotencyTableName: 'IdempotencyTableName',
  laneQueueUrls: 'LaneQueueUrls',
  laneDlqUrls: 'LaneDlqUrls',
  eventBusName: 'EventBusName',
  consoleUrl: 'ConsoleUrl',
} as const;

/** The operator console (console/): where local mode serves it, where Vite builds it, its runtime config file. */
export const CONSOLE = { basePath: '/console/', distDir: 'console/dist', configFile: 'config.json' } as const;

/**
 * The console's Content-Security-Policy, the same locally and behind CloudFront. Scripts only from
 * the console's own files; fetch only to itself and the API. Inline styles are allowed because the
 * email preview (a `sandbox=""` srcdoc iframe, which inherits this policy) shows emails' inline CSS;
 * remote images stay blocked, so previewing never fires an open-tracking pixel.
 */
export function consoleCsp(apiOrigin?: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${apiOrigin ? ` ${apiOrigin}` : ''}`,
    "frame-src 'self' blob:",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}
