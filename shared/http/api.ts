import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { MiddlewareObj } from '@middy/core';
import { isLane } from '#shared/config/lanes';
import { hasScope, SCOPES, type Principal, type Scope } from '#shared/domain/api-key';
import {
  ForbiddenError,
  InvalidApiKeyError,
  InvalidIdempotencyKeyError,
  MailroomError,
  MalformedRequestError,
  PayloadTooLargeError,
  UnauthorizedError,
} from '#shared/domain/errors';
import { logger } from '#shared/observability/logger';
import { metrics, METRIC } from '#shared/observability/metrics';

/** What the authorizer puts in `requestContext.authorizer.lambda` (flat: strings only). */
export interface AuthorizerContext {
  tenantId: string;
  /**
   * Set instead of a tenant when the caller is not authenticated: `missing` (no usable
   * Authorization header) or `invalid` (a key that does not exist or was revoked). The authorizer
   * still lets the request through so the function writes the error in Resend's shape.
   */
  denied?: 'missing' | 'invalid';
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

/**
 * The caller, as the authorizer described it. Throws 403 `invalid_api_key` for an unknown or
 * revoked key and 401 `missing_api_key` when there was no key (or no authorizer context at all).
 */
export function principalOf(event: ApiEvent): Principal {
  const ctx = event.requestContext?.authorizer?.lambda;
  if (!ctx?.tenantId) throw ctx?.denied === 'invalid' ? new InvalidApiKeyError() : new UnauthorizedError();
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
 * Refuses (401 `restricted_api_key`, as Resend) a caller whose key lacks `scope` (`admin` has every scope).
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

/** Deepest JSON nesting a request may have (DynamoDB refuses items nested deeper than 32 levels). */
export const MAX_JSON_DEPTH = 16;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Parses the JSON body: size limit (413, checked before decoding), strict UTF-8 (400), JSON
 * syntax (400), nesting depth (400). Keys such as `__proto__` stay plain own data properties
 * (JSON.parse never touches prototypes), so the schemas refuse them as unknown fields.
 */
export function jsonBody(event: Pick<ApiEvent, 'body' | 'isBase64Encoded'>, maxBytes: number): unknown {
  if (event.body === undefined || event.body === null || event.body === '') {
    throw new MalformedRequestError('The request body is empty; send a JSON object.');
  }
  if (typeof event.body !== 'string') throw new MalformedRequestError('The request body is not valid JSON.');
  const tooLarge = () => new PayloadTooLargeError(`The request body is larger than ${maxBytes} bytes.`);
  let text: string;
  if (event.isBase64Encoded) {
    if (Math.floor((event.body.length * 3) / 4) - 2 > maxBytes) throw tooLarge();
    const bytes = Buffer.from(event.body, 'base64');
    if (bytes.length > maxBytes) throw tooLarge();
    try {
      text = utf8.decode(bytes);
    } catch (error) {
      throw new MalformedRequestError('The request body is not valid UTF-8.', { cause: error });
    }
  } else {
    if (event.body.length > maxBytes || Buffer.byteLength(event.body, 'utf8') > maxBytes) throw tooLarge();
    text = event.body;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (error) {
    throw new MalformedRequestError('The request body is not valid JSON.', { cause: error });
  }
  assertSaneJson(parsed);
  return parsed;
}

/** A UTF-16 surrogate without its pair: `"\ud800"` is valid JSON but not a character, and cannot be stored or sent. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Walks a parsed body iteratively (hostile depth cannot overflow the stack): depth limit, well-formed strings and keys. */
function assertSaneJson(value: unknown): void {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v))
        throw new MalformedRequestError('The request body contains an unpaired UTF-16 surrogate (\\uD800-\\uDFFF escape); send well-formed Unicode.');
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > MAX_JSON_DEPTH) throw new MalformedRequestError(`The request body is nested more than ${MAX_JSON_DEPTH} levels deep.`);
    if (Array.isArray(v)) for (const child of v) stack.push([child, d + 1]);
    else for (const [k, child] of Object.entries(v)) stack.push([k, d], [child, d + 1]);
  }
}

/** Longest `Idempotency-Key` accepted (Resend's limit). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 256;

/** The `Idempotency-Key` header, validated: 1-256 printable ASCII characters (an empty header too is refused); 400 `invalid_idempotency_key` otherwise. */
export function idempotencyKeyOf(event: Pick<ApiEvent, 'headers'>): string | undefined {
  const key = header(event, 'idempotency-key');
  if (key === undefined) return undefined;
  if (key === '' || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x20-\x7e]+$/.test(key)) {
    throw new InvalidIdempotencyKeyError(`The Idempotency-Key header must be 1-${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters.`);
  }
  return key;
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** The `resend` SDK's `RESEND_ERROR_CODE_KEY` union (resend 6.38): the only `name`s an error body may carry. */
export const RESEND_ERROR_NAMES = [
  'invalid_idempotency_key',
  'validation_error',
  'missing_api_key',
  'restricted_api_key',
  'invalid_api_key',
  'not_found',
  'method_not_allowed',
  'invalid_idempotent_request',
  'concurrent_idempotent_requests',
  'invalid_attachment',
  'invalid_from_address',
  'invalid_access',
  'invalid_parameter',
  'invalid_region',
  'missing_required_field',
  'monthly_quota_exceeded',
  'daily_quota_exceeded',
  'rate_limit_exceeded',
  'security_error',
  'application_error',
  'internal_server_error',
] as const;
export type ResendErrorName = (typeof RESEND_ERROR_NAMES)[number];

const RESEND_NAMES: ReadonlySet<string> = new Set(RESEND_ERROR_NAMES);

/**
 * The SDK-visible `name` for an error code. Mailroom's own codes (`invalid_request`,
 * `invalid_state`, `invalid_scheduled_at`, `invalid_template`, `payload_too_large`, …) are kept on
 * the typed error (logs, tests) and answered as `validation_error` (4xx) or `application_error`
 * (5xx); the message carries the precise reason.
 */
export function resendErrorName(code: string, statusCode: number): ResendErrorName {
  if (RESEND_NAMES.has(code)) return code as ResendErrorName;
  return statusCode >= 500 ? 'application_error' : 'validation_error';
}

/** An error body in the SDK's `ErrorResponse` shape: exactly `{statusCode, name, message}`. */
export function errorBody(statusCode: number, code: string, message: string) {
  return { statusCode, name: resendErrorName(code, statusCode), message };
}

export function errorResponse(error: MailroomError): ApiResult {
  return json(error.statusCode, errorBody(error.statusCode, error.code, error.message), error.headers);
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
          metrics
            .singleMetric()
            .addDimension('Reason', error.statusCode === 429 ? 'rate_limit' : error.statusCode >= 401 && error.statusCode <= 403 ? 'auth' : 'validation')
            .addMetric(METRIC.EmailsRejected, 'Count', 1);
        }
        request.response = errorResponse(error);
        return;
      }
      logger.error('Unexpected error', { error: error as Error });
      request.response = json(500, { statusCode: 500, name: 'internal_server_error', message: 'An unexpected error occurred.' });
    },
  };
}
