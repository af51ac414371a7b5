import type { ProviderError } from './errors';

/**
 * How a provider failure is handled, whatever the provider (each provider's own error table lives
 * next to it: SES_ERROR_CLASSES in ses-mail-provider.ts, the SMTP reply codes in smtp-mail-provider.ts).
 * - permanent: retrying cannot help → `failed`, no fallback
 * - transient: network, timeout, 5xx → back off and retry
 * - throttled: the provider is rate limiting → back off without spending an attempt
 * - paused: sending is switched off at the provider → fail over / wait
 * Independently of the class, `ambiguous` says the provider may have taken the message anyway
 * (the request went out, the answer never came): such an email is never failed over.
 */

/** Errors raised before a request left this machine: the provider certainly did not take the message. */
export const CONNECT_ERRORS: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EDNS']);
/** Errors after the request may have been sent: the outcome is unknown. */
export const AMBIGUOUS_ERRORS: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ESOCKET', 'TimeoutError', 'RequestTimeout', 'ETIMEOUT']);

/** The fields provider and SDK errors carry that classification reads. */
export interface ErrorShape {
  name?: string;
  code?: string;
  message?: string;
  syscall?: string;
  responseCode?: number;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

/** The network error code in an error or its causes (ECONNREFUSED, ECONNRESET…), if any. */
export function networkCode(error: ErrorShape): string | undefined {
  for (let e: ErrorShape | undefined = error, depth = 0; e && depth < 4; e = e.cause as ErrorShape | undefined, depth++) {
    // nodemailer wraps a refused connect as ESOCKET with the original text (`connect ECONNREFUSED …`).
    const refused = /\b(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)\b/.exec(e.message ?? '');
    if (e.syscall === 'connect' || e.syscall === 'getaddrinfo' || (refused && e.code === 'ESOCKET')) {
      if (refused) return refused[1];
    }
    if (e.code && (CONNECT_ERRORS.has(e.code) || AMBIGUOUS_ERRORS.has(e.code))) return e.code;
  }
  return undefined;
}

/**
 * May the sender try the fallback provider after this primary failure? Only when the primary
 * definitely did not take the message; an ambiguous outcome is retried on the same provider.
 */
export function allowsFailover(error: ProviderError, options: { throttleCount: number; throttleFailoverAfter: number }): boolean {
  if (error.ambiguous) return false;
  switch (error.failureClass) {
    case 'paused':
      return true;
    case 'transient':
      return true;
    case 'throttled':
      return options.throttleCount >= options.throttleFailoverAfter;
    case 'permanent':
      return false;
  }
}

/**
 * Is this failure of a dependency other than the mail provider (S3, DynamoDB) worth retrying?
 * AWS SDK errors carry `$metadata`: 5xx and throttling are transient, other 4xx are not;
 * network errors are transient.
 */
export function isTransientDependencyError(error: unknown): boolean {
  const e = (error ?? {}) as ErrorShape & { $retryable?: unknown };
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429 || e.$retryable !== undefined;
  if (e.name === 'TimeoutError') return true;
  const code = networkCode(e);
  return code !== undefined;
}
