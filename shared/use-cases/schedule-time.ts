import * as chrono from 'chrono-node';
import { ValidationError } from '#shared/domain/errors';

/** A send may be scheduled at most this far ahead. */
export const MAX_SCHEDULE_AHEAD_DAYS = 30;
/** A time this little in the past still counts as "now" (clock skew). */
export const PAST_GRACE_SECONDS = 60;

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
/** An ISO-looking value without an offset is ambiguous; we refuse it rather than guess a zone. */
const ISO_WITHOUT_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/i;

/**
 * Reads a point in time: ISO 8601 with an offset (`2026-12-01T09:00:00+02:00`) or natural
 * language like Resend's (`in 10 min`, `tomorrow at 9am`, `next monday 10:00 CET`).
 *
 * Time-zone rule: natural language is read in UTC unless the text names a zone or an offset
 * (`tomorrow at 9am PST`, `tomorrow 9am +0200`). The whole text must be a time; trailing words
 * are refused rather than ignored.
 */
export function parseTimeText(value: string, now: Date, field = 'scheduled_at'): Date {
  const text = value.trim();
  if (text === '') throw new ValidationError(`Invalid \`${field}\`: empty.`, 'invalid_scheduled_at');
  if (ISO_WITH_OFFSET.test(text)) {
    const at = new Date(text);
    if (Number.isNaN(at.getTime())) throw new ValidationError(`Invalid \`${field}\`: not a real date.`, 'invalid_scheduled_at');
    return at;
  }
  if (ISO_WITHOUT_OFFSET.test(text)) {
    throw new ValidationError(`Invalid \`${field}\`: an ISO 8601 time needs an offset, e.g. ${text}Z or ${text}+02:00.`, 'invalid_scheduled_at');
  }
  const results = chrono.parse(text, { instant: now, timezone: 0 }, { forwardDate: true });
  const first = results[0];
  if (!first || first.index !== 0 || first.text.trim().length !== text.length) {
    throw new ValidationError(
      `Invalid \`${field}\`: use ISO 8601 with an offset (2026-12-01T09:00:00Z) or plain English like "in 10 min" or "tomorrow at 9am" (read in UTC unless a zone is named).`,
      'invalid_scheduled_at',
    );
  }
  return first.start.date();
}

/**
 * Resolves `scheduled_at` to a time. Returns undefined when the time is now (within the
 * grace), so the email is sent at once. Past beyond the grace or beyond the maximum → 422.
 */
export function resolveSchedule(value: string, now: Date): Date | undefined {
  return checkScheduleWindow(parseTimeText(value, now), now);
}

export function checkScheduleWindow(at: Date, now: Date, field = 'scheduled_at'): Date | undefined {
  const delta = (at.getTime() - now.getTime()) / 1000;
  if (delta < -PAST_GRACE_SECONDS) throw new ValidationError(`Invalid \`${field}\`: the time ${at.toISOString()} is in the past.`, 'invalid_scheduled_at');
  if (delta > MAX_SCHEDULE_AHEAD_DAYS * 86_400) {
    throw new ValidationError(`Invalid \`${field}\`: at most ${MAX_SCHEDULE_AHEAD_DAYS} days ahead (got ${at.toISOString()}).`, 'invalid_scheduled_at');
  }
  return delta <= 0 ? undefined : at;
}
