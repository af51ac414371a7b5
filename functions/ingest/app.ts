import type { Context } from 'aws-lambda';
import { ENV, ingestEnvSchema, loadEnv } from '#shared/config/env';
import { acceptBatch } from '#shared/use-cases/accept-batch';
import { header, idempotencyKeyOf, json, jsonBody, principalOf, type ApiEvent, type ApiResult } from '#shared/http/api';
import { withApi } from '#shared/http/middy';
import { rateLimitHeaders } from '#shared/domain/rate-limit';
import type { RateLimitStatus } from '#shared/ports/index';
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
    // The bucket as this request's own charge left it (the limiter's conditional write answers it):
    // the answer's ratelimit-* headers, so the middleware need not read the bucket again.
    let charged: RateLimitStatus | undefined;
    const limiter = deps.rateLimiter;
    const requestDeps: IngestDeps = {
      ...deps,
      rateLimiter: { consume: async (...args) => (charged = await limiter.consume(...args)) },
    };
    const answer = (body: unknown) => json(200, body, charged ? rateLimitHeaders(charged) : {});
    const body = jsonBody(event, deps.maxBodyBytes);
    const idempotencyKey = idempotencyKeyOf(event);
    const laneHeader = header(event, 'mailroom-lane');
    if (event.routeKey === 'POST /emails/batch') {
      const validation = header(event, 'x-batch-validation');
      const batch = await acceptBatch(requestDeps, {
        principal,
        body,
        header: (name) => header(event, name),
        ...(validation !== undefined ? { validation } : {}),
        ...(laneHeader !== undefined ? { laneHeader } : {}),
        ...(idempotencyKey ? { idempotencyKey } : {}),
      });
      if (batch.data.length) metrics.addMetric(METRIC.EmailsAccepted, 'Count', batch.data.length);
      logger.appendKeys({ tenantId: principal.tenantId, batchSize: batch.data.length });
      return answer(batch);
    }
    const result = await acceptEmail(requestDeps, {
      principal,
      body,
      ...(laneHeader !== undefined ? { laneHeader } : {}),
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
    metrics.addMetric(METRIC.EmailsAccepted, 'Count', 1);
    logger.appendKeys({ emailId: result.id, tenantId: principal.tenantId });
    return answer(result);
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
