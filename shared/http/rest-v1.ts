import type { MiddlewareObj } from '@middy/core';
import type { ApiEvent, ApiResult } from './api';

/**
 * The LocalStack profile puts a REST API (API Gateway v1) in front of the functions, because
 * LocalStack's Free plan has no HTTP APIs. A REST API's Lambda proxy event has the v1 shape; the
 * functions are written against the HTTP API's v2 shape. These helpers turn one into the other at
 * the edge, so no handler knows which API called it. (API Gateway's own errors are answered in
 * Mailroom's shape by the REST API's gateway responses, infra/constructs/rest-api.ts.)
 */
interface RestV1Event {
  readonly resource: string;
  readonly path: string;
  readonly httpMethod: string;
  readonly headers?: Record<string, string | undefined> | null;
  readonly multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  readonly queryStringParameters?: Record<string, string | undefined> | null;
  readonly pathParameters?: Record<string, string | undefined> | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly requestContext?: {
    readonly requestId?: string;
    readonly accountId?: string;
    readonly apiId?: string;
    readonly stage?: string;
    readonly domainName?: string;
    readonly requestTimeEpoch?: number;
    readonly identity?: { readonly sourceIp?: string; readonly userAgent?: string };
    readonly authorizer?: Record<string, unknown> | null;
  };
}

export function isRestV1Event(event: unknown): event is RestV1Event {
  const e = event as (Partial<RestV1Event> & { version?: unknown }) | null | undefined;
  return !!e && typeof e.httpMethod === 'string' && typeof e.resource === 'string' && e.version !== '2.0';
}

/** A REST API (v1) proxy event as the HTTP API (v2) would have delivered the same request. */
export function fromRestV1(event: RestV1Event): ApiEvent {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = value;
  const multi = event.multiValueQueryStringParameters ?? {};
  const query: Record<string, string> = {};
  for (const [name, values] of Object.entries(multi)) if (values?.length) query[name] = values.join(',');
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) if (value !== undefined && !(name in query)) query[name] = value;
  const rawQueryString = Object.entries(multi)
    .flatMap(([name, values]) => (values ?? []).map((v) => `${encodeURIComponent(name)}=${encodeURIComponent(v)}`))
    .join('&');
  const { principalId: _principal, integrationLatency: _latency, ...lambda } = (event.requestContext?.authorizer ?? {}) as Record<string, unknown>;
  const ctx = event.requestContext ?? {};
  const converted = {
    version: '2.0',
    routeKey: `${event.httpMethod} ${event.resource}`,
    rawPath: event.path,
    rawQueryString,
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(event.pathParameters ? { pathParameters: event.pathParameters } : {}),
    ...(event.body !== undefined && event.body !== null ? { body: event.body } : {}),
    isBase64Encoded: event.isBase64Encoded ?? false,
    requestContext: {
      accountId: ctx.accountId ?? '',
      apiId: ctx.apiId ?? '',
      domainName: ctx.domainName ?? '',
      domainPrefix: '',
      requestId: ctx.requestId ?? '',
      routeKey: `${event.httpMethod} ${event.resource}`,
      stage: ctx.stage ?? '',
      time: '',
      timeEpoch: ctx.requestTimeEpoch ?? 0,
      http: {
        method: event.httpMethod,
        path: event.path,
        protocol: 'HTTP/1.1',
        sourceIp: ctx.identity?.sourceIp ?? '',
        userAgent: ctx.identity?.userAgent ?? '',
      },
      authorizer: { lambda },
    },
  };
  return converted as unknown as ApiEvent;
}

/** Middy: v1 events are converted before any other middleware or the handler sees them. */
export function restV1Events(): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    before: async (request) => {
      if (isRestV1Event(request.event)) request.event = fromRestV1(request.event);
    },
  };
}

/** What a REST API REQUEST authorizer must answer: an IAM policy, with the context beside it. */
export interface RestAuthorizerResult {
  readonly principalId: string;
  readonly policyDocument: { Version: '2012-10-17'; Statement: Array<{ Action: string; Effect: 'Allow' | 'Deny'; Resource: string }> };
  readonly context?: Record<string, string | number | boolean>;
}

/**
 * The same authorizer for a REST API: its simple answer (`{isAuthorized, context}`) becomes an
 * IAM policy for the called method, with the same context (which the functions then read through
 * `fromRestV1`). A call from the HTTP API is answered as before.
 */
export function restAwareAuthorizer<E extends { headers?: unknown }, C extends object>(
  authorize: (event: E) => Promise<{ isAuthorized: boolean; context?: C }>,
) {
  return async (event: E & { methodArn?: string }): Promise<{ isAuthorized: boolean; context?: C } | RestAuthorizerResult> => {
    const answer = await authorize(event);
    if (!event.methodArn) return answer;
    const context = Object.fromEntries(
      Object.entries(answer.context ?? {}).filter((entry): entry is [string, string | number | boolean] =>
        ['string', 'number', 'boolean'].includes(typeof entry[1]),
      ),
    );
    return {
      principalId: typeof context.tenantId === 'string' && context.tenantId ? context.tenantId : 'anonymous',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: answer.isAuthorized ? 'Allow' : 'Deny', Resource: event.methodArn }],
      },
      context,
    };
  };
}
