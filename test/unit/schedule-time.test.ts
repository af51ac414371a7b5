import { describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/domain/errors';
import { MAX_SCHEDULE_AHEAD_DAYS, parseTimeText, PAST_GRACE_SECONDS, resolveSchedule } from '#shared/use-cases/schedule-time';

const now = new Date('2026-03-10T15:30:00Z');

describe('scheduled_at', () => {
  it('reads ISO 8601 with an offset', () => {
    expect(resolveSchedule('2026-03-11T09:00:00+02:00', now)?.toISOString()).toBe('2026-03-11T07:00:00.000Z');
    expect(resolveSchedule('2026-03-10T16:00:00Z', now)?.toISOString()).toBe('2026-03-10T16:00:00.000Z');
  });

  it('refuses an ISO time without an offset instead of guessing a zone', () => {
    expect(() => resolveSchedule('2026-03-11T09:00:00', now)).toThrow(/needs an offset/);
  });

  it.each([
    ['in 10 min', '2026-03-10T15:40:00.000Z'],
    ['in 2 hours', '2026-03-10T17:30:00.000Z'],
    ['tomorrow at 9am', '2026-03-11T09:00:00.000Z'],
    ['next monday 10:00', '2026-03-16T10:00:00.000Z'],
  ])('reads "%s" in UTC when it names no zone', (text, iso) => {
    expect(resolveSchedule(text, now)?.toISOString()).toBe(iso);
  });

  it.each([
    ['tomorrow at 9am PST', '2026-03-11T17:00:00.000Z'],
    ['tomorrow 9am +0200', '2026-03-11T07:00:00.000Z'],
  ])('honours the zone or offset the text names: "%s"', (text, iso) => {
    expect(resolveSchedule(text, now)?.toISOString()).toBe(iso);
  });

  it('refuses text that is not (entirely) a time', () => {
    expect(() => resolveSchedule('whenever you like', now)).toThrow(ValidationError);
    expect(() => resolveSchedule('in 10 min or so, maybe', now)).toThrow(/plain English/);
    expect(() => resolveSchedule('   ', now)).toThrow(ValidationError);
  });

  it('treats a time within the grace as now (undefined: send at once)', () => {
    expect(resolveSchedule(new Date(now.getTime() - (PAST_GRACE_SECONDS - 5) * 1000).toISOString(), now)).toBeUndefined();
  });

  it('refuses a time in the past beyond the grace with 422 invalid_scheduled_at', () => {
    const past = new Date(now.getTime() - (PAST_GRACE_SECONDS + 5) * 1000).toISOString();
    try {
      resolveSchedule(past, now);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).statusCode).toBe(422);
      expect((error as ValidationError).code).toBe('invalid_scheduled_at');
      expect((error as ValidationError).message).toMatch(/in the past/);
    }
  });

  it(`refuses a time more than ${MAX_SCHEDULE_AHEAD_DAYS} days ahead, accepts one just inside`, () => {
    const inside = new Date(now.getTime() + MAX_SCHEDULE_AHEAD_DAYS * 86_400_000 - 1000).toISOString();
    const beyond = new Date(now.getTime() + MAX_SCHEDULE_AHEAD_DAYS * 86_400_000 + 1000).toISOString();
    expect(resolveSchedule(inside, now)?.toISOString()).toBe(inside);
    expect(() => resolveSchedule(beyond, now)).toThrow(/at most 30 days/);
    expect(() => resolveSchedule('in 45 days', now)).toThrow(/at most 30 days/);
  });

  it('names the field it read in its errors', () => {
    expect(() => parseTimeText('soonish', now, 'Mailroom-Send-Start')).toThrow(/`Mailroom-Send-Start`/);
  });
});
