import { ValidationError } from '#shared/domain/errors';

/** A send may be scheduled at most this far ahead. */
export const MAX_SCHEDULE_AHEAD_DAYS = 30;
/** A time this little in the past still counts as "now" (clock skew). */
export const PAST_GRACE_SECONDS = 60;

/**
 * Resolves `scheduled_at` (ISO 8601 with an offset) to a time. Returns undefined when the
 * time is now (within the grace), so the email is sent at once.
 */
export function resolveSchedule(value: string, now: Date): Date | undefined {
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
  if (!iso.test(value.trim())) {
    throw new ValidationError('Invalid `scheduled_at`: use ISO 8601 with an offset, e.g. 2026-12-01T09:00:00Z.', 'invalid_scheduled_at');
  }
  const at = new Date(value.trim());
  if (Number.isNaN(at.getTime())) throw new ValidationError('Invalid `scheduled_at`: not a real date.', 'invalid_scheduled_at');
  return checkScheduleWindow(at, now);
}

export function checkScheduleWindow(at: Date, now: Date): Date | undefined {
  const delta = (at.getTime() - now.getTime()) / 1000;
  if (delta < -PAST_GRACE_SECONDS) throw new ValidationError('Invalid `scheduled_at`: the time is in the past.', 'invalid_scheduled_at');
  if (delta > MAX_SCHEDULE_AHEAD_DAYS * 86_400) {
    throw new ValidationError(`Invalid \`scheduled_at\`: at most ${MAX_SCHEDULE_AHEAD_DAYS} days ahead.`, 'invalid_scheduled_at');
  }
  return delta <= 0 ? undefined : at;
}
