/**
 * When an email on its way counts as stuck: the reconciler's clock. An email is pending while it is
 * queued, scheduled, sending or retrying; each such write also says from when the email is overdue
 * if nothing has moved it by then. The reconciler re-enqueues overdue emails (the claim keeps a
 * duplicate message from sending twice), /health counts them, and an alarm watches the count.
 */
import { LANE_NAMES, LANES, type Lane } from '#shared/config/lanes';
import type { Status } from './status';

export const PENDING_STATUSES = ['queued', 'scheduled', 'sending', 'retrying'] as const satisfies readonly Status[];

export const isPending = (status: Status): boolean => (PENDING_STATUSES as readonly Status[]).includes(status);

/** Shortest wait before a queued or due email counts as stuck, whatever its lane's age threshold. */
export const MIN_STUCK_SECONDS = 120;

/**
 * Seconds a queued (or due) email may wait in its lane before it counts as stuck: the lane's own
 * oldest-message alarm threshold (a lane backlog up to that age is normal), at least MIN_STUCK_SECONDS.
 * Without a lane, the largest of all lanes (a write that does not know the lane errs late, not early).
 */
export function stuckGraceSeconds(lane?: Lane): number {
  const ages = lane ? [LANES[lane].maxAgeSeconds] : LANE_NAMES.map((l) => LANES[l].maxAgeSeconds);
  return Math.max(MIN_STUCK_SECONDS, ...ages);
}

/**
 * A claim's message comes back after the lane's visibility timeout once the lease ran out; only
 * after that (and a minute's margin) is an email still `sending` stuck.
 */
export const SENDING_STUCK_AFTER_LEASE_SECONDS = Math.max(...LANE_NAMES.map((l) => LANES[l].visibilityTimeoutSeconds)) + 60;

/**
 * A retrying email waits for its backoff (≤ 15 minutes), a throttled one for the provider, a capped
 * sender for the next hour: only past an hour and a lane's grace is it stuck.
 */
export const RETRYING_STUCK_SECONDS = 3600;

/**
 * From when an email in `status`, written at `at`, counts as stuck; undefined for statuses that are
 * not pending (sent, failed, canceled…: they leave the pending index).
 */
export function stuckFrom(
  email: { readonly status: Status; readonly lane?: Lane; readonly scheduledAt?: string; readonly leaseUntil?: number },
  at: Date,
): Date | undefined {
  const plus = (base: number, seconds: number) => new Date(base + seconds * 1000);
  switch (email.status) {
    case 'queued':
      return plus(at.getTime(), stuckGraceSeconds(email.lane));
    case 'scheduled': {
      const due = email.scheduledAt ? Date.parse(email.scheduledAt) : Number.NaN;
      return plus(Number.isFinite(due) ? Math.max(due, at.getTime()) : at.getTime(), stuckGraceSeconds(email.lane));
    }
    case 'sending':
      return plus(email.leaseUntil !== undefined ? email.leaseUntil * 1000 : at.getTime(), SENDING_STUCK_AFTER_LEASE_SECONDS);
    case 'retrying':
      return plus(at.getTime(), RETRYING_STUCK_SECONDS + stuckGraceSeconds(email.lane));
    default:
      return undefined;
  }
}

/**
 * Seconds the reconciler waits before it re-enqueues the same stuck email again: the lane's grace,
 * doubled each time (a long backlog gets a few duplicate messages, not one a minute), at most an hour.
 */
export function reconcileBackoffSeconds(lane: Lane, reconciles: number): number {
  return Math.min(3600, stuckGraceSeconds(lane) * 2 ** Math.max(0, reconciles - 1));
}
