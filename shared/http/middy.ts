import middy, { type MiddlewareObj, type MiddyfiedHandler, type Request } from '@middy/core';
import type { Context } from 'aws-lambda';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { logger } from '#shared/observability/logger';
import { metrics } from '#shared/observability/metrics';
import { tracer } from '#shared/observability/tracer';
import type { RateLimitHeaders } from '#shared/use-cases/rate-limit-status';
import { httpErrors, type ApiEvent, type ApiResult } from './api';
import { restV1Events } from './rest-v1';

/** Powertools chain for every function: logger context, EMF metrics, X-Ray. */
export function withPowertools<E, R>(fn: (event: E, context: Context) => Promise<R>): MiddyfiedHandler<E, R> {
  return middy(fn)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics)) as unknown as MiddyfiedHandler<E, R>;
}

/**
 * Correlation ids on every log line of an API request: API Gateway's request id (also in the access
 * log), the caller's tenant and the email id in the path. Powertools resets them after the request.
 */
export function apiCorrelationIds(): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    before: async (request) => {
      const event = request.event;
      const tenantId = event.requestContext?.authorizer?.lambda?.tenantId;
      // Only /emails/{id} routes carry an email id (templates use {id} too).
      const emailId = event.routeKey?.includes('/emails/{id}') ? event.pathParameters?.id : undefined;
      logger.appendKeys({
        ...(event.requestContext?.requestId ? { requestId: event.requestContext.requestId } : {}),
        ...(tenantId ? { tenantId } : {}),
        ...(emailId ? { emailId } : {}),
      });
    },
  };
}

/**
 * Adds the tenant's `ratelimit-*` headers to every authenticated answer, errors included (it runs
 * after httpErrors has written them); a 429 keeps the headers of its own refusal.
 */
export function rateLimitHeaders(headersFor: RateLimitHeaders): MiddlewareObj<ApiEvent, ApiResult> {
  const add = async (request: Request<ApiEvent, ApiResult>): Promise<void> => {
    const tenantId = request.event.requestContext?.authorizer?.lambda?.tenantId;
    const response = request.response;
    if (!tenantId || !response || response.headers?.['ratelimit-limit']) return;
    const headers = await headersFor(tenantId);
    if (headers) response.headers = { ...response.headers, ...headers };
  };
  return { after: add, onError: add };
}

/** Same chain for API routes, with typed errors turned into JSON answers (outermost). */
export function withApi(
  fn: (event: ApiEvent, context: Context) => Promise<ApiResult>,
  options: { rateLimitHeaders?: RateLimitHeaders } = {},
): MiddyfiedHandler<ApiEvent, ApiResult> {
  const chain = withPowertools(fn);
  // Before httpErrors in the chain, so its after/onError run once httpErrors has written the answer.
  if (options.rateLimitHeaders) chain.use(rateLimitHeaders(options.rateLimitHeaders));
  // restV1Events first: behind the LocalStack profile's REST API, every later step sees the v2 shape.
  return chain.use(restV1Events()).use(apiCorrelationIds()).use(httpErrors()) as MiddyfiedHandler<ApiEvent, ApiResult>;
}
