import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { MiddlewareObj } from '@middy/core';
import { isLane } from '#shared/config/lanes';
import { hasScope, SCOPES, type Principal, type Scope } from '#shared/domain/api-key';
import { ForbiddenError, MailroomError, MalformedRequestError, PayloadTooLargeError, UnauthorizedError } from '#shared/domain/errors';
import { logger } from '#shared/observability/logger';
import { metrics, METRIC } from '#shared/observability/metrics';

/** What the authorizer puts in `requestContext.authorizer.lambda` (flat: strings only). */
export interface AuthorizerContext {
  tenantId: string;
  scopes: string;
  keyPrefix: string;
  defaultLane?: string;
  senderDomain?: string;
}

export type ApiEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;
export type ApiResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string>; body: string };

export function principalToContext(p: Principal): AuthorizerContext {
  return {
    tenantId: p.tenantId,
    scopes: p.scopes.join(','),
    keyPrefix: p.keyPrefix,
    ...(p.defaultLane ? { defaultLane: p.defaultLane } : {}),
    ...(p.senderDomain ? { senderDomain: p.senderDomain } : {}),
  };
}

/** The caller, as the authorizer described it. Throws 401 when the route had no authorizer context. */
export function principalOf(event: ApiEvent): Principal {
  const ctx = event.requestContext?.authorizer?.lambda;
  if (!ctx?.tenantId) throw new UnauthorizedError();
  const scopes = String(ctx.scopes ?? '')
    .split(',')
    .filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));
  return {
    tenantId: ctx.tenantId,
    scopes,
    keyPrefix: ctx.keyPrefix ?? '',
    ...(ctx.defaultLane && isLane(ctx.defaultLane) ? { defaultLane: ctx.defaultLane } : {}),
    ...(ctx.senderDomain ? { senderDomain: ctx.senderDomain } : {}),
  };
}

/**
 * Refuses (403 `restricted_api_key`) a caller whose key lacks `scope` (`admin` has every scope).
 * Returns the principal so a handler can write `const p = requireScope(principalOf(event), 'emails:read')`.
 */
export function requireScope(principal: Principal, scope: Scope): Principal {
  if (!hasScope(principal, scope)) throw new ForbiddenError(`This API key does not have the \`${scope}\` scope.`);
  return principal;
}

/** Case-insensitive header lookup (API Gateway lower-cases them; local mode does too). */
export function header(event: Pick<ApiEvent, 'headers'>, name: string): string | undefined {
  const headers = event.headers ?? {};
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === want) return v;
  return undefined;
}

/** Parses the JSON body, enforcing the size limit. 400 for malformed JSON, 413 for oversize. */
export function jsonBody(event: Pick<ApiEvent, 'body' | 'isBase64Encoded'>, maxBytes: number): unknown {
  if (event.body === undefined || event.body === null || event.body === '') {
    throw new MalformedRequestError('The request body is empty; send a JSON object.');
  }
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw new PayloadTooLargeError(`The request body is larger than ${maxBytes} bytes.`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new MalformedRequestError('The request body is not valid JSON.', { cause: error });
  }
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

export function errorResponse(error: MailroomError): ApiResult {
  return json(error.statusCode, { statusCode: error.statusCode, name: error.code, message: error.message }, error.headers);
}

/**
 * Outermost middleware: turns typed errors into `{statusCode, name, message}` answers and
 * anything unexpected into a 500 without details (logged with its stack).
 */
export function httpErrors(): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof MailroomError) {
        if (error.statusCode >= 500) logger.error('Request failed on a dependency', { error });
        else {
          logger.info('Request refused', { name: error.code, statusCode: error.statusCode });
          metrics.singleMetric().addDimension('Reason', error.statusCode === 429 ? 'rate_limit' : error.statusCode >= 401 && error.statusCode <= 403 ? 'auth' : 'validation').addMetric(METRIC.EmailsRejected, 'Count', 1);
        }
        request.response = errorResponse(error);
        return;
      }
      logger.error('Unexpected error', { error: error as Error });
      request.response = json(500, { statusCode: 500, name: 'internal_server_error', message: 'An unexpected error occurred.' });
    },
  };
}
