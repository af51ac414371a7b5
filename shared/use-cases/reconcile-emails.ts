import { MAX_SQS_DELAY_SECONDS, laneMessageFor } from './dispatch-email';
import { reconcileBackoffSeconds } from '#shared/domain/stuck';
import type { Clock, LaneQueue, SendScheduler, StuckEmail, StuckEmailStore } from '#shared/ports/index';

export interface ReconcileDeps {
  readonly stuck: StuckEmailStore;
  readonly queue: LaneQueue;
  /** For a scheduled email more than 15 minutes away (only a start-up sweep meets one). */
  readonly scheduler?: SendScheduler;
  readonly clock: Clock;
  /** Told about every email that could not be put back on its way (logged and counted by the caller). */
  readonly onError?: (email: StuckEmail, error: unknown) => void;
}

export interface ReconcileOptions {
  /** Most emails handled in one run (default 1,000). */
  readonly limit?: number;
  /**
   * A sweep: every pending email stuck before this time is put back on its way now, backoff ignored.
   * Local mode sweeps at start, when its in-memory queues were just created empty.
   */
  readonly sweepUntil?: Date;
}

export interface ReconcileResult {
  /** Emails stuck now, up to MAX_COUNTED (a sweep: every pending email it found). */
  readonly stuck: number;
  readonly reenqueued: number;
  /** Moved on (claimed, sent, rescheduled) or re-enqueued by another run between the read and the write. */
  readonly raced: number;
  readonly failed: number;
}

/** The stuck count stops here (a bounded read); the alarm only needs to know it is not 0. */
export const MAX_COUNTED = 10_000;

/** Emails re-enqueued at once; each is one conditional write and one SendMessage. */
const CONCURRENCY = 10;

/**
 * The outbox's safety net: puts emails stuck on their way back on their lane queue.
 *
 * Primary course: read the overdue part of the `pending` index (queued, scheduled past due,
 * sending with an expired lease, retrying far too long — see shared/domain/stuck.ts) → for each,
 * one conditional write that records the re-enqueue and sets when it may happen again (doubling
 * backoff, so a long backlog gets a few extra messages, not one a minute) and fails if the email
 * moved meanwhile → SendMessage with its schedule version (a delay until a live lease runs out or a
 * schedule falls due). A message that is still alive makes the email arrive twice in the queue; the
 * sender's claim sends it once and drops the other. A failed enqueue is reported and retried on a
 * later run.
 */
export async function reconcileEmails(deps: ReconcileDeps, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  const now = deps.clock.now();
  const sweep = options.sweepUntil !== undefined;
  const found = await deps.stuck.findStuck(options.sweepUntil ?? now, options.limit ?? 1000, { all: sweep });
  let reenqueued = 0;
  let raced = 0;
  let failed = 0;
  const one = async (email: StuckEmail) => {
    const next = new Date(now.getTime() + reconcileBackoffSeconds(email.lane, (email.reconciles ?? 0) + 1) * 1000);
    if (!(await deps.stuck.markReconciled(email, now, next))) {
      raced++;
      return;
    }
    try {
      await redispatch(deps, email, now);
      reenqueued++;
    } catch (error) {
      failed++;
      deps.onError?.(email, error);
    }
  };
  for (let i = 0; i < found.length; i += CONCURRENCY) {
    await Promise.all(
      found.slice(i, i + CONCURRENCY).map((email) =>
        one(email).catch((error: unknown) => {
          failed++;
          deps.onError?.(email, error);
        }),
      ),
    );
  }
  // Every overdue email, including those waiting for their backoff: what /health and the alarm see.
  const stuck = sweep ? found.length : await deps.stuck.countStuck(now, MAX_COUNTED);
  return { stuck, reenqueued, raced, failed };
}

/** The lane message again, delayed until the email may be claimed: its schedule or the end of a live lease. */
async function redispatch(deps: ReconcileDeps, email: StuckEmail, now: Date): Promise<void> {
  const dueMs =
    email.status === 'scheduled' && email.scheduledAt
      ? Date.parse(email.scheduledAt)
      : email.status === 'sending' && email.leaseUntil !== undefined
        ? (email.leaseUntil + 1) * 1000
        : now.getTime();
  const delay = Math.max(0, Math.ceil((dueMs - now.getTime()) / 1000));
  const message = laneMessageFor(email);
  if (delay > MAX_SQS_DELAY_SECONDS) {
    if (!deps.scheduler) throw new Error('No scheduler is configured for sends more than 15 minutes ahead');
    await deps.scheduler.schedule({ emailId: email.id, lane: email.lane, at: new Date(dueMs), message });
    return;
  }
  await deps.queue.enqueue(email.lane, message, delay > 0 ? { delaySeconds: delay } : {});
}
