import { hasScope, type Principal } from '#shared/domain/api-key';
import type { EmailRecord } from '#shared/domain/email';
import { ConflictError, ForbiddenError } from '#shared/domain/errors';
import { logger } from '#shared/observability/logger';
import type { Clock, EmailStore, SendScheduler } from '#shared/ports/index';
import { emailEvent } from './email-events';
import { getEmail } from './get-email';

export interface CancelEmailDeps {
  readonly emails: EmailStore;
  readonly clock: Clock;
  readonly scheduler?: SendScheduler;
}

/** The 409 for an email that is no longer (or never was) scheduled. */
export function notScheduledError(email: Pick<EmailRecord, 'status'>, action: 'canceled' | 'rescheduled'): ConflictError {
  return new ConflictError(`This email cannot be ${action}: only scheduled emails can be ${action}, and this one is \`${email.status}\`.`, 'invalid_state');
}

/** Loads a caller's email that the caller may change (scope `emails:send`). */
export async function getOwnEmailForChange(deps: { emails: EmailStore }, principal: Principal, id: string): Promise<EmailRecord> {
  if (!hasScope(principal, 'emails:send')) throw new ForbiddenError('This API key is not allowed to change emails (scope `emails:send`).');
  return getEmail(deps, principal, id);
}

/**
 * Cancels a scheduled email.
 *
 * Primary course: load it (tenant-scoped) → one conditional write `scheduled → canceled` that
 * also bumps the schedule version, so a lane message already on its way is stale and dropped →
 * delete its schedule (a missing one is fine). Answers 409 when the email is not scheduled,
 * including when a sender claimed it first.
 */
export async function cancelEmail(deps: CancelEmailDeps, principal: Principal, id: string): Promise<{ object: 'email'; id: string }> {
  const email = await getOwnEmailForChange(deps, principal, id);
  if (email.status !== 'scheduled') throw notScheduledError(email, 'canceled');
  const version = email.scheduleVersion + 1;
  const updated = await deps.emails.transition(email.id, {
    to: 'canceled',
    from: ['scheduled'],
    scheduleVersion: email.scheduleVersion,
    event: emailEvent('canceled', deps.clock.now(), { schedule_version: version }),
    set: { scheduleVersion: version },
  });
  if (!updated) throw notScheduledError((await deps.emails.get(email.id)) ?? email, 'canceled');
  // The version bump already makes a firing schedule harmless; deleting it is housekeeping.
  await deps.scheduler
    ?.cancel(email.id)
    .catch((error: unknown) => logger.warn('Could not delete the schedule of a canceled email', { emailId: email.id, error: error as Error }));
  return { object: 'email', id: email.id };
}
