import type { Context } from 'aws-lambda';
import { ENV, ingestEnvSchema, loadEnv } from '#shared/config/env';
import { acceptBatch } from '#shared/use-cases/accept-batch';
import { header, idempotencyKeyOf, json, jsonBody, principalOf, type ApiEvent, type ApiResult } from '#shared/http/api';
import { withApi } from '#shared/http/middy';
import { createRateLimitHeaders } from '#shared/use-cases/rate-limit-status';
import { metrics, METRIC } from '#shared/observability/metrics';
import { acceptEmail, type AcceptEmailDeps } from '#shared/use-cases/accept-email';
import { createAcceptEmailDeps } from '#shared/wiring/accept-email';
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
  return { ...createAcceptEmailDeps(env), maxBodyBytes: loadEnv(ingestEnvSchema, env)[ENV.MAX_BODY_BYTES] };
}

export const createIngestHandler = (env: Record<string, string | undefined>) => {
  const deps = createIngestDeps(env);
  // Sends answer with the bucket after their own charge (429s keep their refusal's headers).
  return withApi(
    makeIngestHandler(deps),
    deps.rateLimiter ? { rateLimitHeaders: createRateLimitHeaders({ tenants: deps.tenants, limiter: deps.rateLimiter }) } : {},
  );
};
