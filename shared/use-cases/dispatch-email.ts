import type { EmailRecord, LaneMessage } from '#shared/domain/email';
import { DependencyError } from '#shared/domain/errors';
import { logger } from '#shared/observability/logger';
import { METRIC, metrics } from '#shared/observability/metrics';
import type { Clock, EmailStore, LaneQueue, SendScheduler } from '#shared/ports/index';
import { emailEvent } from './email-events';

/** SQS DelaySeconds tops out at 15 minutes; later sends go through the scheduler. */
export const MAX_SQS_DELAY_SECONDS = 900;

export interface DispatchDeps {
  readonly queue: LaneQueue;
  readonly clock: Clock;
  readonly scheduler?: SendScheduler;
}

export const laneMessageFor = (email: Pick<EmailRecord, 'id' | 'tenantId' | 'scheduleVersion'>): LaneMessage => ({
  emailId: email.id,
  tenantId: email.tenantId,
  scheduleVersion: email.scheduleVersion,
});

/** Seconds from now until the email is due (0 for an immediate send). */
export function secondsUntilDue(email: Pick<EmailRecord, 'scheduledAt'>, clock: Clock): number {
  if (!email.scheduledAt) return 0;
  return Math.max(0, Math.ceil((Date.parse(email.scheduledAt) - clock.now().getTime()) / 1000));
}

/**
 * Puts a stored email on its way: straight onto its lane queue (with a delay of up to 15
 * minutes), or into a one-time schedule that fires into the same queue.
 */
export async function dispatchEmail(deps: DispatchDeps, email: EmailRecord): Promise<void> {
  const delay = secondsUntilDue(email, deps.clock);
  const message = laneMessageFor(email);
  try {
    if (delay > MAX_SQS_DELAY_SECONDS) {
      if (!deps.scheduler) throw new Error('No scheduler is configured for sends more than 15 minutes ahead');
      await deps.scheduler.schedule({ emailId: email.id, lane: email.lane, at: new Date(email.scheduledAt!), message });
    } else {
      await deps.queue.enqueue(email.lane, message, delay > 0 ? { delaySeconds: delay } : {});
    }
  } catch (error) {
    throw new DependencyError('The email could not be queued. Nothing was sent; retry the request (with the same Idempotency-Key).', { cause: error });
  }
}

/**
 * Marks an email whose enqueue failed as `canceled` (EnqueueFailed). Canceled is final and never
 * claimed, so if the failed call did reach SQS after all, the sender drops that message — the
 * client was told the request failed and its retry creates the email that is sent.
 */
export async function abandonUnqueued(deps: { emails: EmailStore; clock: Clock }, id: string, reason = 'enqueue_failed'): Promise<void> {
  await deps.emails
    .transition(id, {
      to: 'canceled',
      event: emailEvent('canceled', deps.clock.now(), { reason }),
      set: {
        lastError: { class: 'transient', code: 'EnqueueFailed', message: 'The email could not be queued; the request failed and nothing was sent for it.' },
      },
    })
    .catch((error: unknown) => reportCleanupFailure('cancel an email that could not be queued', id, error));
}

/**
 * A cleanup write after a failed accept (cancel the unqueued email, delete its schedule) failed too.
 * It is not thrown over the error that caused it (the client is told the request failed either way),
 * but it is never hidden: the email may still be `queued` while the client retries, and if the
 * failed enqueue did reach SQS after all it could be sent besides the retry. Logged as an error with
 * the email id and counted (`CleanupFailed`), so an operator can cancel it by hand.
 */
export function reportCleanupFailure(what: string, emailId: string, error: unknown): void {
  logger.error(`Cleanup after a failed accept did not happen: ${what}`, { emailId, error: error as Error });
  metrics.addMetric(METRIC.CleanupFailed, 'Count', 1);
}

/** The "Email Accepted" events could not be published: the emails are accepted anyway; logged, not thrown. */
export function reportAcceptedEventFailure(emailIds: readonly string[], error: unknown): void {
  logger.warn('"Email Accepted" events could not be published', { emailIds: emailIds.slice(0, 10), count: emailIds.length, error: error as Error });
}
