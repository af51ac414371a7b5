import { normalizeAddress } from '#shared/domain/address';
import { allRecipients } from '#shared/domain/email';
import { ProviderError } from '#shared/domain/errors';
import { isTransientDependencyError } from '#shared/domain/failure-classification';
import { configurationSetFor, domainOfAddress } from '#shared/domain/sending-domain';
import { ambiguityDecision, attemptOf, acceptedAttempt } from '#shared/domain/provider-attempts';
import { metrics, METRIC } from '#shared/observability/metrics';
import { buildMime, mimeInputOf } from '#shared/rendering/mime';
import type { EmailContent } from '#shared/ports/index';
import { emailEvent } from './email-events';
import { secondsToNextHour } from './pacing';
import { publishStatusEvent } from './status-events';

import { claimAll, prefetchSuppressions, suppressionAddresses } from './send-claims';
import { BASE_BACKOFF_SECONDS, DEFAULT_AMBIGUITY, fail, fullJitter, lastErrorOf, recordSent, retryOrFail, waitWithoutAttempt } from './send-outcomes';
import type { ClaimedEmail, LaneDelivery, SendEmailDeps, SendOutcome } from './send-types';

export type { ClaimedEmail, LaneDelivery, SendEmailDeps, SendOutcome } from './send-types';
export { suppressionAddresses, prefetchSuppressions } from './send-claims';
export { DEFAULT_AMBIGUITY, fullJitter } from './send-outcomes';

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
  const { raw, messageId } = await buildMime(mimeInputOf(email, content, { to, cc }, now));

  const configurationSet = deps.configurationSets
    ? configurationSetFor(deps.configurationSets.laneDefault, tenant?.domainDelivery?.[domainOfAddress(email.from) ?? ''], deps.configurationSets.byDomain)
    : undefined;
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
      ...(configurationSet ? { configurationSet } : {}),
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
