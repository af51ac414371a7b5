import { randomUUID } from 'node:crypto';
import type { LaneSettings } from '#shared/config/lanes';
import { normalizeAddress } from '#shared/domain/address';
import { allRecipients, type EmailRecord, type LaneMessage, type LastError } from '#shared/domain/email';
import { ProviderError } from '#shared/domain/errors';
import { isTransientDependencyError } from '#shared/domain/failure-classification';
import { type AmbiguitySettings, ambiguityDecision, appendAttempts, attemptOf, acceptedAttempt, type ProviderAttempt } from '#shared/domain/provider-attempts';
import { metrics, METRIC } from '#shared/observability/metrics';
import { logger } from '#shared/observability/logger';
import { buildMime } from '#shared/rendering/mime';
import type { EmailMetricsCounter } from '#shared/ports/email-metrics';
import type {
  ClaimResult,
  Clock,
  ContentBuilder,
  EmailContent,
  EmailStore,
  EventPublisher,
  LaneQueue,
  MailProvider,
  SuppressionCheck,
  SenderCap,
  TenantStore,
} from '#shared/ports/index';
import { emailEvent } from './email-events';
import { secondsToNextHour } from './pacing';
import { countEmailEvent } from './email-metrics';
import { publishStatusEvent } from './status-events';

export interface SendEmailDeps {
  readonly emails: EmailStore;
  readonly queue: LaneQueue;
  readonly clock: Clock;
  readonly lane: LaneSettings;
  /** The one provider the sender sees: in production SES with its breaker and the SMTP fallback (FailoverMailProvider). */
  readonly provider: MailProvider;
  readonly content?: ContentBuilder;
  readonly suppressions?: SuppressionCheck;
  readonly events?: EventPublisher;
  /** The tenant's email counters (`GET /emails/metrics`): one ADD per sent or failed email. */
  readonly counters?: EmailMetricsCounter;
  readonly tenants?: TenantStore;
  /** Per-sender hourly caps (tenant limits `perSenderHourlyCap`): an email over the cap waits for the next hour. */
  readonly senderCap?: SenderCap;
  /** Seconds a claim lasts: longer than a provider call, shorter than the visibility timeout. */
  readonly leaseSeconds: number;
  /** How long an email a provider may have waits for that provider's word, and when an operator decides. */
  readonly ambiguity?: AmbiguitySettings;
  /** SQS maxReceiveCount of the lane queue: a throttled message is re-queued fresh before it. */
  readonly maxReceiveCount?: number;
  readonly newToken?: () => string;
  readonly random?: () => number;
}

export interface LaneDelivery {
  readonly message: LaneMessage;
  /** SQS ApproximateReceiveCount. */
  readonly receiveCount: number;
}

export type SendOutcome =
  | { kind: 'sent'; provider: string; providerMessageId: string }
  | { kind: 'dropped'; reason: 'missing' | 'finished' | 'stale' }
  | { kind: 'suppressed' }
  | { kind: 'failed'; error: LastError; toDlq: boolean }
  | { kind: 'retry'; delaySeconds: number; throttled: boolean; reason: string }
  /** A throttled message near SQS's receive limit was re-queued as a fresh message. */
  | { kind: 'requeued'; delaySeconds: number };

/**
 * One single-metric emitter for every metric that carries its own dimensions. Powertools'
 * `metrics.singleMetric()` builds a new Metrics object (reading the environment, making a Console)
 * on every call — four per send; this one is built once. Its `addMetric` publishes at once and
 * clears the dimensions, and each chain of dimensions and its metric runs without an await, so two
 * sends never mix their dimensions. The EMF written is the same.
 */
let singleMetric: ReturnType<typeof metrics.singleMetric> | undefined;
const dimensioned = () => (singleMetric ??= metrics.singleMetric());

const BASE_BACKOFF_SECONDS = 2;
const MAX_BACKOFF_SECONDS = 900;

/** Full-jitter exponential backoff: uniform in [1, min(cap, base·2^n)]. */
export function fullJitter(attempt: number, random: () => number, base = BASE_BACKOFF_SECONDS, cap = MAX_BACKOFF_SECONDS): number {
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt));
  return Math.max(1, Math.round(random() * ceiling));
}

function lastErrorOf(error: unknown): LastError {
  if (error instanceof ProviderError) return { class: error.failureClass, code: error.code, message: error.message.slice(0, 500), provider: error.provider };
  const e = error as { name?: string; message?: string };
  return { class: 'unknown', code: e?.name ?? 'Error', message: String(e?.message ?? error).slice(0, 500) };
}

/** An email this sender holds the claim of, ready to be sent. */
export interface ClaimedEmail {
  readonly kind: 'claimed';
  readonly email: EmailRecord;
  readonly token: string;
  /** When the claim was taken. */
  readonly now: Date;
  /** Suppressed recipients looked up ahead (a batch's one lookup); undefined = look them up now. */
  readonly suppressed?: Set<string>;
}

/** Claims one email (conditional write with a lease), or says why not. */
async function claimForSend(deps: SendEmailDeps, delivery: LaneDelivery): Promise<ClaimedEmail | { kind: 'done'; outcome: SendOutcome }> {
  const { message } = delivery;
  const now = deps.clock.now();
  const token = (deps.newToken ?? randomUUID)();
  const claim = await deps.emails.claim(message.emailId, { token, now, leaseSeconds: deps.leaseSeconds, scheduleVersion: message.scheduleVersion });
  return claimOutcome(claim, message, token, now);
}

/** What a claim's result means for the delivery: send it, retry once the lease ran out, or drop it. */
function claimOutcome(claim: ClaimResult, message: LaneMessage, token: string, now: Date): ClaimedEmail | { kind: 'done'; outcome: SendOutcome } {
  if (!claim.claimed) {
    if (claim.reason === 'leased') {
      const leaseLeft = Math.max(1, (claim.email?.leaseUntil ?? 0) - Math.floor(now.getTime() / 1000));
      return { kind: 'done', outcome: { kind: 'retry', delaySeconds: leaseLeft + 1, throttled: true, reason: 'claimed by another sender' } };
    }
    logger.info('Dropping lane message', { emailId: message.emailId, reason: claim.reason });
    return { kind: 'done', outcome: { kind: 'dropped', reason: claim.reason } };
  }
  return { kind: 'claimed', email: claim.email, token, now };
}

/**
 * Claims every delivery of a batch: with one `claimMany` when the store offers it and the batch
 * has more than one delivery (a single one is cheaper as one UpdateItem that returns the item),
 * else one `claim` each. Settled per delivery, in order.
 */
async function claimAll(
  deps: SendEmailDeps,
  deliveries: readonly LaneDelivery[],
): Promise<PromiseSettledResult<ClaimedEmail | { kind: 'done'; outcome: SendOutcome }>[]> {
  const claimMany = deps.emails.claimMany?.bind(deps.emails);
  if (!claimMany || deliveries.length < 2) return Promise.allSettled(deliveries.map((d) => claimForSend(deps, d)));
  const now = deps.clock.now();
  const newToken = deps.newToken ?? randomUUID;
  const inputs = deliveries.map(({ message }) => ({
    id: message.emailId,
    token: newToken(),
    now,
    leaseSeconds: deps.leaseSeconds,
    scheduleVersion: message.scheduleVersion,
  }));
  let results: PromiseSettledResult<ClaimResult>[];
  try {
    results = await claimMany(inputs);
  } catch (reason) {
    return deliveries.map(() => ({ status: 'rejected', reason }));
  }
  return results.map((r, i) =>
    r.status === 'rejected' ? r : { status: 'fulfilled', value: claimOutcome(r.value, deliveries[i]!.message, inputs[i]!.token, now) },
  );
}

/** Bare, lower-cased recipients of an email (what the suppression list is keyed by). */
export const suppressionAddresses = (email: EmailRecord): string[] => allRecipients(email).map((r) => normalizeAddress(r) ?? r);

/**
 * The suppressed recipients of several claimed emails in one lookup (a sender's SQS batch), when
 * the store can answer for many at once. Returns the emails with `suppressed` filled in; on any
 * failure they are returned unchanged, and each is checked on its own at send time.
 */
export async function prefetchSuppressions(deps: Pick<SendEmailDeps, 'suppressions'>, claimed: readonly ClaimedEmail[]): Promise<ClaimedEmail[]> {
  const check = deps.suppressions;
  if (!check?.suppressedMany || claimed.length < 2) return [...claimed];
  try {
    const sets = await check.suppressedMany(
      claimed.map((c) => ({ tenantId: c.email.tenantId, recipients: suppressionAddresses(c.email), lane: c.email.lane })),
    );
    return claimed.map((c, i) => ({ ...c, suppressed: sets[i]! }));
  } catch (error) {
    logger.warn('Batch suppression lookup failed; checking each email on its own', { error: (error as Error).message });
    return [...claimed];
  }
}

/**
 * Sends a lane's SQS batch — the sender's one entry point.
 *
 * Primary course, per email: claim it (conditional write with a lease; the batch's claims in one
 * call) → drop stale or finished messages → drop suppressed recipients (the batch's in one lookup)
 * → wait for the sender's hourly cap → settle an earlier ambiguous attempt (see below) → render →
 * build MIME once → send through the one provider (SES, its breaker and the SMTP fallback behind
 * it) → record `sent` and every provider attempt under the claim.
 * Failures: permanent → `failed`; throttled or breaker open → retry later without spending an
 * attempt; transient → retry with full-jitter backoff until the lane's attempt budget is spent,
 * then `failed` and the message goes to the lane DLQ. Ambiguous (the provider may have it) → the
 * email is pinned to that provider: held for its acceptance event, then sent again through it only,
 * and left to an operator (failed, in the DLQ, "<provider> may have it") past the deadline.
 *
 * How it works: claim every email at once (one `claimMany` where the store has it), look up the suppressions of all the claimed
 * ones in one call, and return how to send each delivery (by its key, the SQS message id) — one
 * at a time, as the batch processor calls them. A claim that threw rethrows when its delivery is
 * sent, so partial batch failures stay per record.
 *
 * Claiming ahead is safe because the lease outlives the invocation (CLAIM_LEASE_SECONDS 60 >
 * the sender's 30 s timeout); sendClaimed still refuses to start a send on a lease more than
 * half spent.
 */
export async function prepareBatch(deps: SendEmailDeps, deliveries: ReadonlyMap<string, LaneDelivery>): Promise<(key: string) => Promise<SendOutcome>> {
  const keys = [...deliveries.keys()];
  const claims = await claimAll(
    deps,
    keys.map((key) => deliveries.get(key)!),
  );
  const claimed = claims.flatMap((c, i) => (c.status === 'fulfilled' && c.value.kind === 'claimed' ? [{ i, claim: c.value }] : []));
  const prefetched = await prefetchSuppressions(
    deps,
    claimed.map((c) => c.claim),
  );
  const ready = new Map(claimed.map((c, j) => [keys[c.i]!, prefetched[j]!]));
  return async (key) => {
    const delivery = deliveries.get(key);
    const i = keys.indexOf(key);
    const claim = claims[i];
    if (!delivery || !claim) throw new Error(`No delivery ${key} in this batch`);
    if (claim.status === 'rejected') throw claim.reason;
    if (claim.value.kind === 'done') return claim.value.outcome;
    return sendClaimed(deps, ready.get(key) ?? claim.value, delivery);
  };
}

/** Defaults for the ambiguity hold (see docs/reliability.md): SES's Send event arrives within seconds. */
export const DEFAULT_AMBIGUITY: AmbiguitySettings = { holdSeconds: 120, deadlineSeconds: 3_600 };

/** Sends one claimed email (steps after the claim). */
async function sendClaimed(deps: SendEmailDeps, claimed: ClaimedEmail, delivery: LaneDelivery): Promise<SendOutcome> {
  const { email, token, now } = claimed;
  const random = deps.random ?? Math.random;
  // A claim taken ahead (batch) that is more than half spent could run out during the provider
  // call, and a redelivered message could then claim and send the email too: leave it to expire
  // and come back once it has, without a write and without spending an attempt.
  const leaseLeftMs = now.getTime() + deps.leaseSeconds * 1000 - deps.clock.now().getTime();
  if (leaseLeftMs < (deps.leaseSeconds * 1000) / 2) {
    return { kind: 'retry', delaySeconds: Math.max(1, Math.ceil(leaseLeftMs / 1000)) + 1, throttled: true, reason: 'claim lease too short to send' };
  }
  if (email.scheduledAt && email.attempts === 0) {
    metrics.addMetric(METRIC.ScheduledFired, 'Count', 1);
  }

  // Suppression: drop suppressed recipients; if none are left, the email is suppressed.
  const recipients = allRecipients(email);
  const suppressed =
    claimed.suppressed ?? (deps.suppressions ? await deps.suppressions.suppressed(email.tenantId, suppressionAddresses(email), email.lane) : new Set<string>());
  // Nearly always nobody is suppressed: then the lists stand as they are, without parsing every address again.
  const isSuppressed = (r: string) => suppressed.has(normalizeAddress(r) ?? r);
  const keep = (list: string[]) => (suppressed.size === 0 ? list : list.filter((r) => !isSuppressed(r)));
  const to = keep(email.to);
  const cc = keep(email.cc);
  const bcc = keep(email.bcc);
  const envelope = [...to, ...cc, ...bcc];
  const dropped = suppressed.size === 0 ? [] : recipients.filter(isSuppressed);
  if (envelope.length === 0) {
    await deps.emails.transition(email.id, {
      to: 'suppressed',
      claimToken: token,
      event: emailEvent('suppressed', deps.clock.now(), { recipients: dropped.length }),
      set: { suppressedRecipients: dropped, leaseUntil: undefined },
    });
    metrics.addMetric(METRIC.Suppressed, 'Count', 1);
    await publishStatusEvent(deps.events, email, 'Email Suppressed', {});
    return { kind: 'suppressed' };
  }

  // Per-sender hourly cap: over it, wait for the next clock hour without spending an attempt.
  const tenant = await deps.tenants?.get(email.tenantId);
  const cap = tenant?.limits.perSenderHourlyCap ?? 0;
  if (deps.senderCap && cap > 0 && !(await deps.senderCap.take(email.tenantId, normalizeAddress(email.from) ?? email.from, now, cap))) {
    const sender = normalizeAddress(email.from) ?? email.from;
    return waitWithoutAttempt(deps, claimed, delivery, secondsToNextHour(now), 'sender_hourly_cap', emailEvent('sender_capped', deps.clock.now(), { sender }));
  }

  // An earlier attempt a provider may have accepted: settle it before anything is sent again.
  const ambiguity = ambiguityDecision(email, Math.floor(now.getTime() / 1000), deps.ambiguity ?? DEFAULT_AMBIGUITY, email.lastEvent === 'failed');
  switch (ambiguity.kind) {
    case 'accepted':
      return recordSent(deps, claimed, { provider: ambiguity.provider, attempts: [], dropped, settledBy: `${ambiguity.provider}_accepted` });
    case 'hold':
      return waitWithoutAttempt(
        deps,
        claimed,
        delivery,
        ambiguity.seconds,
        'ambiguous_hold',
        emailEvent('held', deps.clock.now(), { provider: ambiguity.provider, reason: 'ambiguous', seconds: ambiguity.seconds }),
      );
    case 'operator':
      return fail(
        deps,
        email,
        token,
        {
          class: 'transient',
          code: 'AmbiguousOutcome',
          provider: ambiguity.provider,
          message: `${ambiguity.provider} may have accepted this email (an attempt ${ambiguity.sinceSeconds} s ago ended without an answer) and has not confirmed it; it is not sent again automatically. Redrive it to send it again through ${ambiguity.provider}.`,
        },
        true,
      );
  }
  const pinnedTo = ambiguity.kind === 'pinned' ? ambiguity.provider : undefined;

  let content: EmailContent;
  try {
    content = deps.content ? await deps.content.build(email) : { subject: email.subject ?? '', html: email.html, text: email.text };
  } catch (error) {
    // A failed attachment fetch (S3 5xx, network) may work next time; a template that cannot
    // render with its stored variables will not render on a retry either.
    if (isTransientDependencyError(error)) {
      return retryOrFail(
        deps,
        email,
        token,
        email.attempts + 1,
        new ProviderError('content', 'transient', (error as Error).name ?? 'Error', String((error as Error).message), { cause: error }),
        random,
        [],
      );
    }
    return fail(deps, email, token, { class: 'permanent', code: 'RenderingFailed', message: String((error as Error).message).slice(0, 500) }, false);
  }
  const { raw, messageId } = await buildMime({
    emailId: email.id,
    from: email.from,
    to: to.length ? to : [],
    cc,
    replyTo: email.replyTo,
    subject: content.subject,
    html: content.html,
    text: content.text,
    headers: { ...email.headers, ...content.headers },
    attachments: content.attachments,
    date: now,
  });

  let failure: ProviderError;
  try {
    const receipt = await deps.provider.send({
      emailId: email.id,
      tenantId: email.tenantId,
      lane: email.lane,
      from: email.from,
      recipients: envelope,
      raw,
      receiveCount: delivery.receiveCount,
      ...(pinnedTo ? { pinnedTo } : {}),
      ...(tenant?.sesTenantName ? { sesTenantName: tenant.sesTenantName } : {}),
    });
    const provider = receipt.provider ?? deps.provider.name;
    return recordSent(deps, claimed, {
      provider,
      providerMessageId: receipt.messageId,
      messageId,
      attempts: receipt.attempts ?? [acceptedAttempt(provider, deps.clock.now())],
      dropped,
    });
  } catch (error) {
    failure =
      error instanceof ProviderError ? error : new ProviderError(deps.provider.name, 'transient', 'Unknown', String(error), { cause: error, ambiguous: true });
  }

  const attempts = failure.attempts ?? [attemptOf(failure, deps.clock.now())];
  if (failure.failureClass === 'permanent') return fail(deps, email, token, lastErrorOf(failure), false, undefined, attempts);
  if (failure.failureClass === 'throttled') {
    metrics.addMetric(METRIC.Throttled, 'Count', 1);
    const delaySeconds = fullJitter(Math.min(delivery.receiveCount, 8), random, BASE_BACKOFF_SECONDS, 300);
    return waitWithoutAttempt(deps, claimed, delivery, delaySeconds, failure.code, emailEvent('throttled', deps.clock.now(), { provider: failure.provider }), {
      lastError: lastErrorOf(failure),
      attempts,
    });
  }
  return retryOrFail(deps, email, token, email.attempts + 1, failure, random, attempts);
}

/** Records `sent` under the claim, with every provider attempt; publishes "Email Sent". */
async function recordSent(
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
      ...(sent.messageId ? { messageId: sent.messageId } : {}),
      sentAt: sentAt.toISOString(),
      attempts: attempt,
      leaseUntil: undefined,
      ...(sent.attempts.length ? { providerAttempts: appendAttempts(email, sent.attempts) } : {}),
      ...(dropped.length ? { suppressedRecipients: dropped } : {}),
    },
  });
  // The one duplicate window: the provider took the message and this write did not land (crash, lost claim).
  if (!updated) logger.warn('Sent, but the claim was lost before the status write', { emailId: email.id });
  dimensioned().addDimension('Lane', email.lane).addDimension('Provider', sent.provider).addMetric(METRIC.EmailsSent, 'Count', 1);
  await countEmailEvent(deps.counters, email.tenantId, { sent: 1 }, sentAt);
  const since = Date.parse(email.scheduledAt ?? email.createdAt);
  dimensioned()
    .addDimension('Lane', email.lane)
    .addMetric(METRIC.TimeToSend, 'Milliseconds', Math.max(0, sentAt.getTime() - since));
  await publishStatusEvent(deps.events, email, 'Email Sent', { provider: sent.provider });
  return { kind: 'sent', provider: sent.provider, providerMessageId: sent.providerMessageId ?? '' };
}

/** Transient or paused: spend an attempt and back off (an ambiguous one: hold for the provider), or fail into the DLQ when the budget is spent. */
async function retryOrFail(
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
async function waitWithoutAttempt(
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

async function fail(
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
  dimensioned().addDimension('Lane', email.lane).addMetric(METRIC.EmailsFailed, 'Count', 1);
  await countEmailEvent(deps.counters, email.tenantId, { failed: 1 }, deps.clock.now());
  await publishStatusEvent(deps.events, email, 'Email Failed', { reason: error.class, code: error.code });
  return { kind: 'failed', error, toDlq };
}
