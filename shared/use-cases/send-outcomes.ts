/**
 * How a send ends: recorded sent, retried (with or without spending an attempt), or failed.
 * Part of the sender (send-email.ts is its entry point).
 */
import type { EmailRecord, LastError } from '#shared/domain/email';
import { ProviderError } from '#shared/domain/errors';
import { messageIdFor } from '#shared/domain/message-id';
import { type AmbiguitySettings, appendAttempts, type ProviderAttempt } from '#shared/domain/provider-attempts';
import { metrics, METRIC } from '#shared/observability/metrics';
import { logger } from '#shared/observability/logger';
import { emailEvent } from './email-events';
import { countEmailEvent } from './email-metrics';
import { publishStatusEvent } from './status-events';

import type { ClaimedEmail, LaneDelivery, SendEmailDeps, SendOutcome } from './send-types';

/**
 * One single-metric emitter for every metric that carries its own dimensions. Powertools'
 * `metrics.singleMetric()` builds a new Metrics object (reading the environment, making a Console)
 * on every call — four per send; this one is built once. Its `addMetric` publishes at once and
 * clears the dimensions, and each chain of dimensions and its metric runs without an await, so two
 * sends never mix their dimensions. The EMF written is the same.
 */
let singleMetric: ReturnType<typeof metrics.singleMetric> | undefined;
const dimensioned = () => (singleMetric ??= metrics.singleMetric());

export const BASE_BACKOFF_SECONDS = 2;
const MAX_BACKOFF_SECONDS = 900;

/** Full-jitter exponential backoff: uniform in [1, min(cap, base·2^n)]. */
export function fullJitter(attempt: number, random: () => number, base = BASE_BACKOFF_SECONDS, cap = MAX_BACKOFF_SECONDS): number {
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt));
  return Math.max(1, Math.round(random() * ceiling));
}

export function lastErrorOf(error: unknown): LastError {
  if (error instanceof ProviderError) return { class: error.failureClass, code: error.code, message: error.message.slice(0, 500), provider: error.provider };
  const e = error as { name?: string; message?: string };
  return { class: 'unknown', code: e?.name ?? 'Error', message: String(e?.message ?? error).slice(0, 500) };
}

/** Defaults for the ambiguity hold (see docs/reliability.md): SES's Send event arrives within seconds. */
export const DEFAULT_AMBIGUITY: AmbiguitySettings = { holdSeconds: 120, deadlineSeconds: 3_600 };

/** Records `sent` under the claim, with every provider attempt; publishes "Email Sent". */
export async function recordSent(
  deps: SendEmailDeps,
  claimed: ClaimedEmail,
  sent: {
    provider: string;
    providerMessageId?: string;
    messageId?: string;
    attempts: readonly ProviderAttempt[];
    dropped: string[];
    /** Settled without a send: the provider's acceptance event said it has the email. */
    settledBy?: string;
  },
): Promise<SendOutcome> {
  const { email, token } = claimed;
  const sentAt = deps.clock.now();
  const attempt = sent.settledBy ? email.attempts : email.attempts + 1;
  const { dropped } = sent;
  const updated = await deps.emails.transition(email.id, {
    to: 'sent',
    claimToken: token,
    event: emailEvent('sent', sentAt, {
      provider: sent.provider,
      attempt,
      ...(sent.settledBy ? { settled_by: sent.settledBy } : {}),
      ...(dropped.length ? { suppressedRecipients: dropped.length } : {}),
    }),
    set: {
      provider: sent.provider,
      ...(sent.providerMessageId ? { providerMessageId: sent.providerMessageId } : {}),
      // The built message's Date is the claim time (send-email.ts builds the MIME with it).
      ...(sent.messageId ? { messageDate: claimed.now.toISOString() } : {}),
      // Stored only when it is not the one derived from id and sender (the view derives that one): bytes on every later write.
      ...(sent.messageId && sent.messageId !== messageIdFor(email.id, email.from) ? { messageId: sent.messageId } : {}),
      sentAt: sentAt.toISOString(),
      attempts: attempt,
      leaseUntil: undefined,
      // The claim is over: its token would only make every later write of the email larger.
      claimToken: undefined,
      ...(sent.attempts.length ? { providerAttempts: appendAttempts(email, sent.attempts) } : {}),
      ...(dropped.length ? { suppressedRecipients: dropped } : {}),
    },
  });
  // The one duplicate window: the provider took the message and this write did not land (crash, lost claim).
  if (!updated) logger.warn('Sent, but the claim was lost before the status write', { emailId: email.id });
  // Per lane only (/health reads it by lane); which provider took it is SendLatency's Provider.
  dimensioned().addDimension('Lane', email.lane).addMetric(METRIC.EmailsSent, 'Count', 1);
  await countEmailEvent(deps.counters, email.tenantId, { sent: 1 }, sentAt);
  const since = Date.parse(email.scheduledAt ?? email.createdAt);
  dimensioned()
    .addDimension('Lane', email.lane)
    .addMetric(METRIC.TimeToSend, 'Milliseconds', Math.max(0, sentAt.getTime() - since));
  await publishStatusEvent(deps.events, email, 'Email Sent', { provider: sent.provider });
  return { kind: 'sent', provider: sent.provider, providerMessageId: sent.providerMessageId ?? '' };
}

/** Transient or paused: spend an attempt and back off (an ambiguous one: hold for the provider), or fail into the DLQ when the budget is spent. */
export async function retryOrFail(
  deps: SendEmailDeps,
  email: EmailRecord,
  token: string,
  attempt: number,
  error: ProviderError,
  random: () => number,
  attempts: readonly ProviderAttempt[],
): Promise<SendOutcome> {
  const lastError = lastErrorOf(error);
  if (attempt >= deps.lane.maxAttempts) return fail(deps, email, token, lastError, true, attempt, attempts);
  await deps.emails.transition(email.id, {
    to: 'retrying',
    claimToken: token,
    event: emailEvent('retrying', deps.clock.now(), { attempt, provider: error.provider, code: error.code, ...(error.ambiguous ? { ambiguous: true } : {}) }),
    set: { attempts: attempt, lastError, leaseUntil: undefined, ...(attempts.length ? { providerAttempts: appendAttempts(email, attempts) } : {}) },
  });
  // The provider may have it: come back when the hold is over (its acceptance event may settle it by then).
  const delaySeconds = error.ambiguous ? Math.max(1, (deps.ambiguity ?? DEFAULT_AMBIGUITY).holdSeconds) : fullJitter(attempt, random);
  return { kind: 'retry', delaySeconds, throttled: false, reason: error.code };
}

/**
 * Waits without spending an attempt (throttled, breaker open, sender cap, ambiguity hold): the email
 * goes back to `retrying` under the claim and the message comes back after `delaySeconds`. Near
 * SQS's receive limit the message is re-queued as a fresh one instead, so waiting never pushes mail
 * into the DLQ. The one copy of that rule.
 */
export async function waitWithoutAttempt(
  deps: SendEmailDeps,
  claimed: ClaimedEmail,
  delivery: LaneDelivery,
  delaySeconds: number,
  reason: string,
  event: ReturnType<typeof emailEvent>,
  record: { lastError?: LastError; attempts?: readonly ProviderAttempt[] } = {},
): Promise<SendOutcome> {
  const { email, token } = claimed;
  await deps.emails.transition(email.id, {
    to: 'retrying',
    claimToken: token,
    keepLastEvent: true,
    event,
    set: {
      leaseUntil: undefined,
      ...(record.lastError ? { lastError: record.lastError } : {}),
      ...(record.attempts?.length ? { providerAttempts: appendAttempts(email, record.attempts) } : {}),
    },
  });
  if (delivery.receiveCount >= (deps.maxReceiveCount ?? Number.POSITIVE_INFINITY) - 2) {
    await deps.queue.enqueue(email.lane, delivery.message, { delaySeconds: Math.min(delaySeconds, 900) });
    return { kind: 'requeued', delaySeconds };
  }
  return { kind: 'retry', delaySeconds, throttled: true, reason };
}

export async function fail(
  deps: SendEmailDeps,
  email: EmailRecord,
  token: string,
  error: LastError,
  toDlq: boolean,
  attemptCount?: number,
  attempts: readonly ProviderAttempt[] = [],
): Promise<SendOutcome> {
  await deps.emails.transition(email.id, {
    to: 'failed',
    claimToken: token,
    event: emailEvent('failed', deps.clock.now(), { reason: error.class, code: error.code }),
    set: {
      lastError: error,
      leaseUntil: undefined,
      ...(attemptCount !== undefined ? { attempts: attemptCount } : {}),
      ...(attempts.length ? { providerAttempts: appendAttempts(email, attempts) } : {}),
    },
  });
  if (toDlq)
    await deps.queue.sendToDlq(
      email.lane,
      { emailId: email.id, tenantId: email.tenantId, scheduleVersion: email.scheduleVersion },
      `${error.code}: ${error.message}`,
    );
  // Per lane for /health, and the total the emails-failing alarm watches (one billed alarm metric).
  dimensioned().addDimension('Lane', email.lane).addMetric(METRIC.EmailsFailed, 'Count', 1);
  dimensioned().addMetric(METRIC.EmailsFailed, 'Count', 1);
  await countEmailEvent(deps.counters, email.tenantId, { failed: 1 }, deps.clock.now());
  await publishStatusEvent(deps.events, email, 'Email Failed', { reason: error.class, code: error.code });
  return { kind: 'failed', error, toDlq };
}
