/**
 * A batch's claims and its one suppression lookup: what happens before any email is sent.
 * Part of the sender (send-email.ts is its entry point).
 */
import { randomUUID } from 'node:crypto';
import { normalizeAddress } from '#shared/domain/address';
import { allRecipients, type EmailRecord, type LaneMessage } from '#shared/domain/email';
import { logger } from '#shared/observability/logger';
import type { ClaimResult } from '#shared/ports/index';

import type { ClaimedEmail, LaneDelivery, SendEmailDeps, SendOutcome } from './send-types';

/** Claims one email (conditional write with a lease), or says why not. */
export async function claimForSend(deps: SendEmailDeps, delivery: LaneDelivery): Promise<ClaimedEmail | { kind: 'done'; outcome: SendOutcome }> {
  const { message } = delivery;
  const now = deps.clock.now();
  const token = (deps.newToken ?? randomUUID)();
  const claim = await deps.emails.claim(message.emailId, { token, now, leaseSeconds: deps.leaseSeconds, scheduleVersion: message.scheduleVersion });
  return claimOutcome(claim, message, token, now);
}

/** What a claim's result means for the delivery: send it, retry once the lease ran out, or drop it. */
export function claimOutcome(claim: ClaimResult, message: LaneMessage, token: string, now: Date): ClaimedEmail | { kind: 'done'; outcome: SendOutcome } {
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
export async function claimAll(
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
