import type { Principal } from '#shared/domain/api-key';
import { ConflictError, ValidationError } from '#shared/domain/errors';
import { logger } from '#shared/observability/logger';
import type { Clock, EmailStore, LaneQueue, SendScheduler } from '#shared/ports/index';
import { notScheduledError, getOwnEmailForChange } from './cancel-email';
import { dispatchEmail, MAX_SQS_DELAY_SECONDS, secondsUntilDue } from './dispatch-email';
import { emailEvent } from './email-events';
import { resolveSchedule } from './schedule-time';

export interface RescheduleEmailDeps {
  readonly emails: EmailStore;
  readonly queue: LaneQueue;
  readonly clock: Clock;
  readonly scheduler?: SendScheduler;
}

/** Reads `{scheduled_at}` (Resend's PATCH body; `scheduledAt` accepted too). */
function scheduledAtOf(body: unknown): string {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new ValidationError('The request body must be a JSON object with `scheduled_at`.');
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => k !== 'scheduled_at' && k !== 'scheduledAt');
  if (unknown.length)
    throw new ValidationError(
      `Unknown field${unknown.length > 1 ? 's' : ''}: ${unknown.map((k) => `\`${k}\``).join(', ')}. Only \`scheduled_at\` can be updated.`,
    );
  const value = b.scheduled_at ?? b.scheduledAt;
  if (value === undefined || value === null) throw new ValidationError('Missing `scheduled_at` field.', 'missing_required_field');
  if (typeof value !== 'string' || value.length > 100)
    throw new ValidationError('Invalid `scheduled_at`: a string such as 2026-12-01T09:00:00Z or "in 1 hour".', 'invalid_scheduled_at');
  return value;
}

/**
 * Moves a scheduled email to a new time.
 *
 * Primary course: validate the time → one conditional write (`scheduled`, same version) that sets
 * the new time and bumps the schedule version → put a message with the new version on its way:
 * an SQS delay (≤ 15 minutes, and the old schedule is deleted) or an updated schedule. Messages
 * and schedules of the old version are stale and dropped by the sender, so the email is sent
 * once, at the new time. 409 when the email is not scheduled (anymore).
 */
export async function rescheduleEmail(deps: RescheduleEmailDeps, principal: Principal, id: string, body: unknown): Promise<{ object: 'email'; id: string }> {
  const value = scheduledAtOf(body);
  const email = await getOwnEmailForChange(deps, principal, id);
  if (email.status !== 'scheduled') throw notScheduledError(email, 'rescheduled');
  const now = deps.clock.now();
  const at = resolveSchedule(value, now) ?? now;
  const version = email.scheduleVersion + 1;
  const updated = await deps.emails.transition(email.id, {
    to: 'scheduled',
    from: ['scheduled'],
    scheduleVersion: email.scheduleVersion,
    event: emailEvent('rescheduled', now, { scheduled_at: at.toISOString(), schedule_version: version }),
    set: { scheduledAt: at.toISOString(), scheduleVersion: version },
    keepLastEvent: true,
  });
  if (!updated) {
    const current = await deps.emails.get(email.id);
    if (current?.status === 'scheduled')
      throw new ConflictError('This email was rescheduled or canceled by another request at the same time; read it and try again.', 'invalid_state');
    throw notScheduledError(current ?? email, 'rescheduled');
  }
  // dispatchEmail creates a schedule; moving one is an update (or a create when it fired or never existed).
  const scheduler = deps.scheduler;
  if (secondsUntilDue(updated, deps.clock) > MAX_SQS_DELAY_SECONDS && scheduler) {
    const moving: SendScheduler = {
      schedule: (input) => scheduler.reschedule(input),
      reschedule: (input) => scheduler.reschedule(input),
      cancel: (emailId) => scheduler.cancel(emailId),
    };
    await dispatchEmail({ ...deps, scheduler: moving }, updated);
  } else {
    await dispatchEmail(deps, updated);
    await deps.scheduler
      ?.cancel(email.id)
      .catch((error: unknown) => logger.warn('Could not delete the old schedule of a rescheduled email', { emailId: email.id, error: error as Error }));
  }
  return { object: 'email', id: email.id };
}
