/**
 * The adapters behind acceptEmail, built once from the environment: the one composition root that
 * the two functions accepting mail share (ingest: POST /emails; intake: "Email Requested" events),
 * so neither imports the other's wiring. Both get the same settings from the CDK's bindAcceptEmail.
 */
import { ENV, ingestEnvSchema, loadEnv } from '#shared/config/env';
import { createDocumentClient, createDynamoClient, createSqsClient } from '#shared/adapters/aws-clients';
import { CachedTenantStore } from '#shared/adapters/cached-tenant-store';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { DynamoRateLimiter } from '#shared/adapters/dynamodb-rate-limiter';
import { DynamoTemplateStore } from '#shared/adapters/dynamodb-template-store';
import { DynamoTenantStore } from '#shared/adapters/dynamodb-tenant-store';
import { eventPublisherFromEnv } from '#shared/adapters/eventbridge-event-publisher';
import { createDynamoIdempotency } from '#shared/adapters/powertools-idempotency';
import { createPublicFetcher } from '#shared/adapters/public-fetcher';
import { createS3AttachmentStore } from '#shared/adapters/s3-attachment-store';
import { sendSchedulerFromEnv } from '#shared/adapters/scheduler-send-scheduler';
import { SqsLaneQueue } from '#shared/adapters/sqs-lane-queue';
import { systemClock } from '#shared/ports/index';
import type { AcceptEmailDeps } from '#shared/use-cases/accept-email';
import { createAttachmentIntake } from '#shared/use-cases/attachments';
import { createTemplateLookup } from '#shared/use-cases/template-lookup';

const withScheduler = <T>(scheduler: T | undefined) => (scheduler ? { scheduler } : {});

/** acceptEmail's dependencies from the environment (ingestEnvSchema: ingest and intake read the same settings). */
export function createAcceptEmailDeps(env: Record<string, string | undefined>): AcceptEmailDeps {
  const config = loadEnv(ingestEnvSchema, env);
  const dynamo = createDynamoClient();
  const doc = createDocumentClient(dynamo);
  const table = config[ENV.TABLE_NAME];
  const emails = new DynamoEmailStore(doc, table);
  const attachmentStore = createS3AttachmentStore(config[ENV.ATTACHMENTS_BUCKET]);
  // One read per tenant per MAILROOM_TENANT_CACHE_SECONDS per container, not one per request; the
  // publisher marks a scheduled email's event for the fan-out from the same cache.
  const tenants = new CachedTenantStore(new DynamoTenantStore(doc, table), config[ENV.TENANT_CACHE_SECONDS]);
  const events = eventPublisherFromEnv(config, tenants);
  return {
    emails,
    ...(events ? { events } : {}),
    tenants,
    templates: createTemplateLookup({ templates: new DynamoTemplateStore(doc, table) }),
    ...(attachmentStore ? { attachments: createAttachmentIntake({ store: attachmentStore, fetch: createPublicFetcher() }) } : {}),
    rateLimiter: new DynamoRateLimiter(doc, table),
    queue: new SqsLaneQueue(createSqsClient(), config[ENV.LANE_QUEUE_URLS]),
    ...withScheduler(sendSchedulerFromEnv(config, doc)),
    idempotency: createDynamoIdempotency(dynamo, config[ENV.IDEMPOTENCY_TABLE_NAME]),
    clock: systemClock,
    defaultRetentionDays: config[ENV.DEFAULT_RETENTION_DAYS],
  };
}
