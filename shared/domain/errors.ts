import type { ProviderAttempt } from './provider-attempts';

/**
 * Typed errors. Every class sets `name`, ends in `Error` and keeps its `cause`.
 * The HTTP layer maps them to Resend-style `{statusCode, name, message}` answers by class.
 */
export class MailroomError extends Error {
  /** HTTP status the API answers with. */
  readonly statusCode: number;
  /** Resend-compatible error name in the API body. */
  readonly code: string;
  readonly headers?: Record<string, string>;

  constructor(message: string, statusCode: number, code: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MailroomError';
    this.statusCode = statusCode;
    this.code = code;
    if (options?.headers) this.headers = options.headers;
  }
}

export class ValidationError extends MailroomError {
  constructor(
    message: string,
    code: 'validation_error' | 'missing_required_field' | 'invalid_scheduled_at' | 'invalid_attachment' | 'invalid_template' = 'validation_error',
    options?: { cause?: unknown },
  ) {
    super(message, 422, code, options);
    this.name = 'ValidationError';
  }
}

export class MalformedRequestError extends MailroomError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 400, 'invalid_request', options);
    this.name = 'MalformedRequestError';
  }
}

export class PayloadTooLargeError extends MailroomError {
  constructor(message: string) {
    super(message, 413, 'payload_too_large');
    this.name = 'PayloadTooLargeError';
  }
}

/** A malformed `Idempotency-Key` header (too long, not printable ASCII). */
export class InvalidIdempotencyKeyError extends MailroomError {
  constructor(message: string) {
    super(message, 400, 'invalid_idempotency_key');
    this.name = 'InvalidIdempotencyKeyError';
  }
}

export class UnauthorizedError extends MailroomError {
  constructor(message = 'Missing API key in the authorization header. Send `Authorization: Bearer mr_…`.') {
    super(message, 401, 'missing_api_key');
    this.name = 'UnauthorizedError';
  }
}

/** A key that does not exist or was revoked (Resend: 403 `invalid_api_key`). */
export class InvalidApiKeyError extends MailroomError {
  constructor(message = 'API key is invalid: it does not exist or was revoked.') {
    super(message, 403, 'invalid_api_key');
    this.name = 'InvalidApiKeyError';
  }
}

/**
 * A refusal of a known caller. `restricted_api_key` (a key without the needed scope) is a 401, as
 * Resend answers it; the other codes are 403.
 */
export class ForbiddenError extends MailroomError {
  constructor(message: string, code: 'restricted_api_key' | 'invalid_from_address' | 'invalid_access' = 'restricted_api_key') {
    super(message, code === 'restricted_api_key' ? 401 : 403, code);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends MailroomError {
  constructor(message: string) {
    super(message, 404, 'not_found');
    this.name = 'NotFoundError';
  }
}

/** A path Mailroom serves, asked with a method it does not (405; `allow` lists the methods). */
export class MethodNotAllowedError extends MailroomError {
  constructor(message: string, allow: readonly string[]) {
    super(message, 405, 'method_not_allowed', { headers: { allow: allow.join(', ') } });
    this.name = 'MethodNotAllowedError';
  }
}

export class ConflictError extends MailroomError {
  constructor(
    message: string,
    code: 'invalid_idempotent_request' | 'concurrent_idempotent_requests' | 'invalid_state' = 'invalid_state',
    options?: { cause?: unknown },
  ) {
    super(message, 409, code, options);
    this.name = 'ConflictError';
  }
}

export class RateLimitError extends MailroomError {
  constructor(message: string, headers: Record<string, string>, code: 'rate_limit_exceeded' | 'daily_quota_exceeded' = 'rate_limit_exceeded') {
    super(message, 429, code, { headers });
    this.name = 'RateLimitError';
  }
}

/** A dependency (DynamoDB, SQS, Scheduler) failed while accepting a request: the client may retry. */
export class DependencyError extends MailroomError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 503, 'service_unavailable', options);
    this.name = 'DependencyError';
  }
}

/** How a provider failure should be handled. */
export type FailureClass = 'permanent' | 'transient' | 'throttled' | 'paused';

/** A mail provider (SES, SMTP) refused or failed a send. */
export class ProviderError extends Error {
  readonly failureClass: FailureClass;
  readonly provider: string;
  readonly code: string;
  /** True when the provider may have accepted the message (timeout after the request went out). */
  readonly ambiguous: boolean;
  /** Every provider tried for this send, in order (a failover provider fills it in). */
  readonly attempts?: readonly ProviderAttempt[];

  constructor(
    provider: string,
    failureClass: FailureClass,
    code: string,
    message: string,
    options?: { cause?: unknown; ambiguous?: boolean; attempts?: readonly ProviderAttempt[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProviderError';
    this.provider = provider;
    this.failureClass = failureClass;
    this.code = code;
    this.ambiguous = options?.ambiguous ?? false;
    if (options?.attempts) this.attempts = options.attempts;
  }

  /** The same failure, with the attempts that led to it. */
  withAttempts(attempts: readonly ProviderAttempt[]): ProviderError {
    return new ProviderError(this.provider, this.failureClass, this.code, this.message, { cause: this.cause, ambiguous: this.ambiguous, attempts });
  }
}
