import type { Context } from 'aws-lambda';
import { ENV, ingestEnvSchema, loadEnv } from '#shared/config/env';
import { createDocumentClient, createDynamoClient, createSqsClient } from '#shared/adapters/aws-clients';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { DynamoTenantStore } from '#shared/adapters/dynamodb-tenant-store';
import { CachedTenantStore } from '#shared/adapters/cached-tenant-store';
import { createEventPublisher } from '#shared/adapters/eventbridge-event-publisher';
import { DynamoRateLimiter } from '#shared/adapters/dynamodb-rate-limiter';
import { createDynamoIdempotency } from '#shared/adapters/powertools-idempotency';
import { SqsLaneQueue } from '#shared/adapters/sqs-lane-queue';
import { sendSchedulerFromEnv } from '#shared/adapters/scheduler-send-scheduler';
import { acceptBatch } from '#shared/use-cases/accept-batch';
import { DynamoTemplateStore } from '#shared/adapters/dynamodb-template-store';
import { createS3AttachmentStore } from '#shared/adapters/s3-attachment-store';
import { createAttachmentIntake } from '#shared/use-cases/attachments';
import { createTemplateLookup } from '#shared/use-cases/template-lookup';
import { header, idempotencyKeyOf, json, jsonBody, principalOf, type ApiEvent, type ApiResult } from '#shared/http/api';
import { withApi } from '#shared/http/middy';
import { createRateLimitHeaders } from '#shared/use-cases/rate-limit-status';
import { metrics, METRIC } from '#shared/observability/metrics';
import { systemClock } from '#shared/ports/index';
import { acceptEmail, type AcceptEmailDeps } from '#shared/use-cases/accept-email';
import { logger } from '#shared/observability/logger';

export interface IngestDeps extends AcceptEmailDeps {
  readonly maxBodyBytes: number;
}

/** `POST /emails`: validate, store, enqueue; answers `{id}` like Resend. `POST /emails/batch`: up to 100, answers `{data:[{id}]}`. */
export const makeIngestHandler =
  (deps: IngestDeps) =>
  async (event: ApiEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<ApiResult> => {
    const principal = principalOf(event);
    if (context?.getRemainingTimeInMillis) deps.idempotency.registerLambdaContext?.(context);
    const body = jsonBody(event, deps.maxBodyBytes);
    const idempotencyKey = idempotencyKeyOf(event);
    const laneHeader = header(event, 'mailroom-lane');
    if (event.routeKey === 'POST /emails/batch') {
      const validation = header(event, 'x-batch-validation');
      const batch = await acceptBatch(deps, {
        principal,
        body,
        header: (name) => header(event, name),
        ...(validation !== undefined ? { validation } : {}),
        ...(laneHeader !== undefined ? { laneHeader } : {}),
        ...(idempotencyKey ? { idempotencyKey } : {}),
      });
      if (batch.data.length) metrics.addMetric(METRIC.EmailsAccepted, 'Count', batch.data.length);
      logger.appendKeys({ tenantId: principal.tenantId, batchSize: batch.data.length });
      return json(200, batch);
    }
    const result = await acceptEmail(deps, {
      principal,
      body,
      ...(laneHeader !== undefined ? { laneHeader } : {}),
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
    metrics.addMetric(METRIC.EmailsAccepted, 'Count', 1);
    logger.appendKeys({ emailId: result.id, tenantId: principal.tenantId });
    return json(200, result);
  };

export function createIngestDeps(env: Record<string, string | undefined>): IngestDeps {
  const config = loadEnv(ingestEnvSchema, env);
  const dynamo = createDynamoClient();
  const doc = createDocumentClient(dynamo);
  const table = config[ENV.TABLE_NAME];
  const emails = new DynamoEmailStore(doc, table);
  const attachmentStore = createS3AttachmentStore(config[ENV.ATTACHMENTS_BUCKET]);
  const events = createEventPublisher(
    {
      busName: config[ENV.EVENT_BUS_NAME],
      mode: config[ENV.EVENT_PUBLISHER],
      recipientLogging: config[ENV.RECIPIENT_LOGGING],
      webhookEventQueueUrl: config[ENV.WEBHOOK_EVENT_QUEUE_URL],
    },
    emails,
  );
  return {
    emails,
    ...(events ? { events } : {}),
    // One read per tenant per TENANT_CACHE_SECONDS per container, not one per request.
    tenants: new CachedTenantStore(new DynamoTenantStore(doc, table)),
    templates: createTemplateLookup({ templates: new DynamoTemplateStore(doc, table) }),
    ...(attachmentStore ? { attachments: createAttachmentIntake({ store: attachmentStore }) } : {}),
    rateLimiter: new DynamoRateLimiter(doc, table),
    queue: new SqsLaneQueue(createSqsClient(), config[ENV.LANE_QUEUE_URLS]),
    ...withScheduler(sendSchedulerFromEnv(config, doc)),
    idempotency: createDynamoIdempotency(dynamo, config[ENV.IDEMPOTENCY_TABLE_NAME]),
    clock: systemClock,
    defaultRetentionDays: config[ENV.DEFAULT_RETENTION_DAYS],
    maxBodyBytes: config[ENV.MAX_BODY_BYTES],
  };
}

const withScheduler = <T>(scheduler: T | undefined) => (scheduler ? { scheduler } : {});

export const createIngestHandler = (env: Record<string, string | undefined>) => {
  const deps = createIngestDeps(env);
  // Sends answer with the bucket after their own charge (429s keep their refusal's headers).
  return withApi(
    makeIngestHandler(deps),
    deps.rateLimiter ? { rateLimitHeaders: createRateLimitHeaders({ tenants: deps.tenants, limiter: deps.rateLimiter }) } : {},
  );
};
