import type { Context } from 'aws-lambda';
import { principalToContext, type ApiEvent, type ApiResult } from '#shared/http/api';
import type { Principal } from '#shared/domain/api-key';

export const TENANT: Principal = { tenantId: 'acme', scopes: ['emails:send', 'emails:read'], keyPrefix: 'mr_test12' };

/** An API Gateway v2 event as the HTTP API sends it after the authorizer (principal `null` = no authorizer context). */
export function apiEvent(
  routeKey: string,
  options: {
    body?: unknown;
    headers?: Record<string, string>;
    principal?: Principal | null;
    pathParameters?: Record<string, string>;
    query?: Record<string, string>;
  } = {},
): ApiEvent {
  const [method, path] = routeKey.split(' ') as [string, string];
  const principal = options.principal === undefined ? TENANT : options.principal;
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...(options.headers ?? {}) },
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    ...(options.query ? { queryStringParameters: options.query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'test',
      domainPrefix: 'test',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: 'req',
      routeKey,
      stage: '$default',
      time: '',
      timeEpoch: 0,
      ...(principal ? { authorizer: { lambda: principalToContext(principal) } } : {}),
    },
    isBase64Encoded: false,
    ...(body !== undefined ? { body } : {}),
  } as ApiEvent;
}

export const lambdaContext = (): Context =>
  ({
    functionName: 'test',
    awsRequestId: 'req',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test',
    getRemainingTimeInMillis: () => 30_000,
  }) as unknown as Context;

/** Parses a handler's JSON answer. */
export function answer<T = any>(result: ApiResult): { status: number; body: T } {
  return { status: result.statusCode, body: JSON.parse(result.body) as T };
}
