import { type FailureClass, ProviderError } from './errors';

/**
 * The one table that says how a provider failure is handled.
 * - permanent: retrying cannot help → `failed`, no fallback
 * - transient: network, timeout, 5xx → back off and retry
 * - throttled: the provider is rate limiting → back off without spending an attempt
 * - paused: sending is switched off at the provider → fail over / wait
 */
export const SES_ERROR_CLASSES: Readonly<Record<string, FailureClass>> = {
  TooManyRequestsException: 'throttled',
  ThrottlingException: 'throttled',
  Throttling: 'throttled',
  LimitExceededException: 'throttled',
  SendingPausedException: 'paused',
  AccountSendingPausedException: 'paused',
  ConfigurationSetSendingPausedException: 'paused',
  MessageRejected: 'permanent',
  MailFromDomainNotVerifiedException: 'permanent',
  BadRequestException: 'permanent',
  NotFoundException: 'permanent',
  AccountSuspendedException: 'permanent',
  InvalidParameterValue: 'permanent',
  InternalFailure: 'transient',
  ServiceUnavailable: 'transient',
};

/** Errors raised before a request left this machine: the provider certainly did not take the message. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNECTION', 'EDNS']);
/** Errors after the request may have been sent: the outcome is unknown. */
const AMBIGUOUS_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ESOCKET', 'TimeoutError', 'RequestTimeout', 'ETIMEOUT']);

interface ErrorShape {
  name?: string;
  code?: string;
  message?: string;
  syscall?: string;
  responseCode?: number;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

function networkCode(error: ErrorShape): string | undefined {
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

/** Classifies an error from the SES v2 SDK. */
export function classifySesError(error: unknown): ProviderError {
  const e = (error ?? {}) as ErrorShape;
  const name = e.name ?? 'Error';
  const message = e.message ?? String(error);
  const known = SES_ERROR_CLASSES[name];
  if (known) return new ProviderError('ses', known, name, message, { cause: error });
  const status = e.$metadata?.httpStatusCode;
  if (status === 429) return new ProviderError('ses', 'throttled', name, message, { cause: error });
  if (status !== undefined && status >= 500) return new ProviderError('ses', 'transient', name, message, { cause: error });
  if (status !== undefined && status >= 400) return new ProviderError('ses', 'permanent', name, message, { cause: error });
  const code = networkCode(e);
  if (code && CONNECT_ERRORS.has(code)) return new ProviderError('ses', 'transient', code, message, { cause: error });
  // A connection that was never established is not ambiguous; a request that timed out is.
  if (name === 'TimeoutError' && /without establishing a connection/i.test(message)) {
    return new ProviderError('ses', 'transient', 'ConnectTimeout', message, { cause: error });
  }
  return new ProviderError('ses', 'transient', code ?? name, message, { cause: error, ambiguous: true });
}

/** Classifies a nodemailer SMTP error: 4xx transient, 5xx permanent, connection errors transient. */
export function classifySmtpError(error: unknown): ProviderError {
  const e = (error ?? {}) as ErrorShape;
  const message = e.message ?? String(error);
  const code = e.responseCode;
  if (code === 421 || code === 450 || code === 451 || code === 452) {
    return new ProviderError('smtp', code === 421 || code === 452 ? 'throttled' : 'transient', `SMTP${code}`, message, { cause: error });
  }
  if (code !== undefined && code >= 400 && code < 500) return new ProviderError('smtp', 'transient', `SMTP${code}`, message, { cause: error });
  if (code !== undefined && code >= 500) return new ProviderError('smtp', 'permanent', `SMTP${code}`, message, { cause: error });
  const net = networkCode(e) ?? (e.code === 'ECONNECTION' ? e.code : undefined);
  if (net && CONNECT_ERRORS.has(net)) return new ProviderError('smtp', 'transient', net, message, { cause: error });
  if (e.code === 'EAUTH' || e.code === 'EENVELOPE' || e.code === 'EMESSAGE') {
    return new ProviderError('smtp', 'permanent', e.code, message, { cause: error });
  }
  return new ProviderError('smtp', 'transient', e.code ?? 'SMTPError', message, { cause: error, ambiguous: true });
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
