import type { Context } from 'aws-lambda';
import { ENV, ingestEnvSchema, loadEnv } from '#shared/config/env';
import { createDocumentClient, createDynamoClient, createSqsClient } from '#shared/adapters/aws-clients';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { DynamoTenantStore } from '#shared/adapters/dynamodb-tenant-store';
import { DynamoRateLimiter } from '#shared/adapters/dynamodb-rate-limiter';
import { createDynamoIdempotency } from '#shared/adapters/powertools-idempotency';
import { SqsLaneQueue } from '#shared/adapters/sqs-lane-queue';
import { header, json, jsonBody, principalOf, type ApiEvent, type ApiResult } from '#shared/http/api';
import { withApi } from '#shared/http/middy';
import { metrics, METRIC } from '#shared/observability/metrics';
import { systemClock } from '#shared/ports/index';
import { acceptEmail, type AcceptEmailDeps } from '#shared/use-cases/accept-email';
import { logger } from '#shared/observability/logger';

export interface IngestDeps extends AcceptEmailDeps {
  readonly maxBodyBytes: number;
}

/** `POST /emails`: validate, store, enqueue; answers `{id}` like Resend. */
export const makeIngestHandler =
  (deps: IngestDeps) =>
  async (event: ApiEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<ApiResult> => {
    const principal = principalOf(event);
    if (context?.getRemainingTimeInMillis) deps.idempotency.registerLambdaContext?.(context);
    const body = jsonBody(event, deps.maxBodyBytes);
    const idempotencyKey = header(event, 'idempotency-key');
    const laneHeader = header(event, 'mailroom-lane');
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
  return {
    emails: new DynamoEmailStore(doc, table),
    tenants: new DynamoTenantStore(doc, table),
    rateLimiter: new DynamoRateLimiter(doc, table),
    queue: new SqsLaneQueue(createSqsClient(), config[ENV.LANE_QUEUE_URLS]),
    idempotency: createDynamoIdempotency(dynamo, config[ENV.IDEMPOTENCY_TABLE_NAME]),
    clock: systemClock,
    defaultRetentionDays: config[ENV.DEFAULT_RETENTION_DAYS],
    maxBodyBytes: config[ENV.MAX_BODY_BYTES],
  };
}

export const createIngestHandler = (env: Record<string, string | undefined>) => withApi(makeIngestHandler(createIngestDeps(env)));
