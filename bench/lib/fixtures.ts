/** Requests, tenants and templates the benchmarks send (one place, so every section sends the same mail). */
import { DEFAULT_LIMITS, type Tenant } from '#shared/domain/tenant';
import type { Principal } from '#shared/domain/api-key';
import type { TemplateLookup } from '#shared/use-cases/accept-email';
import { MemoryTemplateStore } from '#shared/adapters/memory/memory-template-store';
import type { ContentBuilder, TenantStore } from '#shared/ports/index';
import { createTemplateContentBuilder } from '#shared/use-cases/template-content';
import { createTemplateLookup } from '#shared/use-cases/templates';

export const TENANT_ID = 'bench';
export const FROM = 'Bench <hello@example.com>';

export const benchTenant = (): Tenant => {
  const now = new Date().toISOString();
  // Limits high enough that the rate limiter never refuses a benchmark request.
  return {
    id: TENANT_ID,
    allowedSenders: ['example.com'],
    baseUrl: 'https://app.example.com',
    retentionDays: 30,
    // No webhooks (as createTenant starts a tenant): only notable events reach the webhook fan-out.
    webhookEvents: [],
    limits: { ...DEFAULT_LIMITS, requestsPerSecond: 1_000_000, burst: 1_000_000, emailsPerDay: 100_000_000 },
    createdAt: now,
    updatedAt: now,
  };
};

export const benchPrincipal = (tenantId = TENANT_ID): Principal => ({ tenantId, scopes: ['emails:send', 'emails:read'], keyPrefix: 'mr_bench' });

/** A typical plain transactional email (~1 KB of HTML). */
export function plainEmail(i: number, from = FROM): Record<string, unknown> {
  return {
    from,
    to: `user${i}@example.org`,
    subject: `Your receipt #${100000 + i}`,
    html: `<div style="font-family:sans-serif"><h1>Thanks for your order</h1><p>Order <b>#${100000 + i}</b> is confirmed.</p>${'<p>Line item with a short description and a price of $12.00.</p>'.repeat(12)}<p>See you soon.</p></div>`,
    text: `Thanks for your order #${100000 + i}.`,
    tags: [{ name: 'category', value: 'receipt' }],
  };
}

export const TEMPLATE_ID = 'welcome';

/** The same email through a shipped template (templates/welcome). */
export function templateEmail(i: number, from = FROM): Record<string, unknown> {
  return { from, to: `user${i}@example.org`, template: { id: TEMPLATE_ID, variables: { name: `User ${i}`, nickname: `U${i}`, plan: 'Pro' } } };
}

/** The production template lookup (ingest) over an in-memory tenant template store. */
export const memoryTemplateLookup = (): TemplateLookup => createTemplateLookup({ templates: new MemoryTemplateStore() });

/** The production template ContentBuilder (sender) over in-memory stores. */
export const memoryContentBuilder = (tenants: TenantStore): ContentBuilder =>
  createTemplateContentBuilder({
    templates: new MemoryTemplateStore(),
    tenants,
    extraVariables: (email) => ({ unsubscribe_url: `https://example.com/unsubscribe/${email.id}` }),
  });

/** Environment that lets every handler's module-scope config parse (bundle import timing). */
export function fakeFunctionEnv(): Record<string, string> {
  const lanes = (kind: string) =>
    JSON.stringify(
      Object.fromEntries(
        ['critical', 'transactional', 'marketing', 'bulk'].map((l) => [l, `https://sqs.us-east-1.amazonaws.com/000000000000/mailroom-${l}${kind}`]),
      ),
    );
  return {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    POWERTOOLS_SERVICE_NAME: 'mailroom',
    POWERTOOLS_METRICS_NAMESPACE: 'Mailroom',
    POWERTOOLS_TRACE_ENABLED: 'false',
    MAILROOM_TABLE_NAME: 'mailroom-main',
    MAILROOM_IDEMPOTENCY_TABLE_NAME: 'mailroom-idempotency',
    MAILROOM_LANE_QUEUE_URLS: lanes(''),
    MAILROOM_LANE_DLQ_URLS: lanes('-dlq'),
    MAILROOM_LANE_QUEUE_ARNS: JSON.stringify(
      Object.fromEntries(['critical', 'transactional', 'marketing', 'bulk'].map((l) => [l, `arn:aws:sqs:us-east-1:000000000000:mailroom-${l}`])),
    ),
    MAILROOM_LANE: 'transactional',
    MAILROOM_SES_CONFIGURATION_SET: 'mailroom',
    MAILROOM_ATTACHMENTS_BUCKET: 'mailroom-attachments',
    MAILROOM_EVENT_BUS_NAME: 'mailroom-events',
    MAILROOM_SCHEDULE_GROUP: 'mailroom-schedules',
    MAILROOM_SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/mailroom-scheduler',
    MAILROOM_SCHEDULER_DLQ_ARN: 'arn:aws:sqs:us-east-1:000000000000:mailroom-scheduler-dlq',
    MAILROOM_PUBLIC_API_URL: 'https://api.example.com',
    MAILROOM_UNSUBSCRIBE_SIGNING_KEY: 'bench-signing-key-not-secret',
    MAILROOM_UNSUBSCRIBE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:unsubscribe',
    MAILROOM_WEBHOOK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/mailroom-webhooks',
    MAILROOM_WEBHOOK_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/mailroom-webhooks-dlq',
  };
}
