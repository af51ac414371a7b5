import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { logger } from '#shared/observability/logger';
import { metrics } from '#shared/observability/metrics';
import { tracer } from '#shared/observability/tracer';
import { httpErrors, type ApiEvent, type ApiResult } from './api';

/** Powertools chain for every function: logger context, EMF metrics, X-Ray. */
export function withPowertools<E, R>(fn: (event: E, context: Context) => Promise<R>): MiddyfiedHandler<E, R> {
  return middy(fn)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics)) as unknown as MiddyfiedHandler<E, R>;
}

/** Same chain for API routes, with typed errors turned into JSON answers (outermost). */
export function withApi(fn: (event: ApiEvent, context: Context) => Promise<ApiResult>): MiddyfiedHandler<ApiEvent, ApiResult> {
  return withPowertools(fn).use(httpErrors()) as MiddyfiedHandler<ApiEvent, ApiResult>;
}
