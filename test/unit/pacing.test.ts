import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ValidationError } from '#shared/domain/errors';
import type { Clock, MailProvider, OutgoingMail } from '#shared/ports/index';
import { hourKey, pacedProvider, pacedSendTimes, parsePacingHeaders, secondsToNextHour, TokenBucket } from '#shared/use-cases/pacing';

const at = (iso: string) => new Date(iso);

class FakeClock implements Clock {
  constructor(public ms: number) {}
  now() {
    return new Date(this.ms);
  }
  /** A wait that moves the fake time forward instead of sleeping. */
  readonly wait = async (ms: number) => {
    this.ms += ms;
  };
}

describe('campaign pacing', () => {
  it('sends 250 emails with a 200/hour cap as 200 this hour and 50 next hour, in order', () => {
    const times = pacedSendTimes(250, { start: at('2026-03-10T10:00:00Z'), intervalSeconds: 0, hourlyCap: 200 });
    const byHour = new Map<string, number>();
    for (const t of times) byHour.set(hourKey(t), (byHour.get(hourKey(t)) ?? 0) + 1);
    expect(Object.fromEntries(byHour)).toEqual({ '2026-03-10T10': 200, '2026-03-10T11': 50 });
    expect(times.slice(0, 200).every((t) => t.toISOString() === '2026-03-10T10:00:00.000Z')).toBe(true);
    expect(times[200]!.toISOString()).toBe('2026-03-10T11:00:00.000Z');
    for (let i = 1; i < times.length; i++) expect(times[i]!.getTime()).toBeGreaterThanOrEqual(times[i - 1]!.getTime());
  });

  it('counts the cap per clock hour, so a start at :45 fills the rest of that hour first', () => {
    const times = pacedSendTimes(5, { start: at('2026-03-10T10:45:00Z'), intervalSeconds: 0, hourlyCap: 2 });
    expect(times.map((t) => t.toISOString())).toEqual([
      '2026-03-10T10:45:00.000Z',
      '2026-03-10T10:45:00.000Z',
      '2026-03-10T11:00:00.000Z',
      '2026-03-10T11:00:00.000Z',
      '2026-03-10T12:00:00.000Z',
    ]);
  });

  it('keeps the minimum interval between sends, across an hour boundary too', () => {
    const times = pacedSendTimes(4, { start: at('2026-03-10T10:59:00Z'), intervalSeconds: 30, hourlyCap: 0 });
    expect(times.map((t) => t.toISOString())).toEqual([
      '2026-03-10T10:59:00.000Z',
      '2026-03-10T10:59:30.000Z',
      '2026-03-10T11:00:00.000Z',
      '2026-03-10T11:00:30.000Z',
    ]);
  });

  it('never exceeds the cap in any hour, keeps order and the interval (any options)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 3_599_999 }),
        (count, interval, cap, offset) => {
          const start = new Date(Date.UTC(2026, 2, 10, 10) + offset);
          const times = pacedSendTimes(count, { start, intervalSeconds: interval, hourlyCap: cap });
          expect(times).toHaveLength(count);
          const perHour = new Map<string, number>();
          for (const [i, t] of times.entries()) {
            perHour.set(hourKey(t), (perHour.get(hourKey(t)) ?? 0) + 1);
            if (i === 0) expect(t.getTime()).toBe(start.getTime());
            else expect(t.getTime() - times[i - 1]!.getTime()).toBeGreaterThanOrEqual(interval * 1000);
          }
          if (cap > 0) for (const n of perHour.values()) expect(n).toBeLessThanOrEqual(cap);
          expect(pacedSendTimes(count, { start, intervalSeconds: interval, hourlyCap: cap })).toEqual(times);
        },
      ),
    );
  });

  it('reads the pacing headers, and nothing when none is sent', () => {
    const now = at('2026-03-10T10:00:00Z');
    const headers: Record<string, string> = { 'mailroom-send-start': 'in 1 hour', 'mailroom-send-interval': '5', 'mailroom-hourly-cap': '200' };
    expect(parsePacingHeaders((n) => headers[n], now)).toEqual({ start: at('2026-03-10T11:00:00Z'), intervalSeconds: 5, hourlyCap: 200 });
    expect(parsePacingHeaders(() => undefined, now)).toBeUndefined();
    expect(parsePacingHeaders((n) => (n === 'mailroom-hourly-cap' ? '10' : undefined), now)).toEqual({ start: now, intervalSeconds: 0, hourlyCap: 10 });
    expect(() => parsePacingHeaders((n) => (n === 'mailroom-hourly-cap' ? '-1' : undefined), now)).toThrow(ValidationError);
    expect(() => parsePacingHeaders((n) => (n === 'mailroom-send-start' ? 'yesterday' : undefined), now)).toThrow(/Mailroom-Send-Start/);
  });

  it('waits until the next clock hour when over a cap', () => {
    expect(secondsToNextHour(at('2026-03-10T10:59:30Z'))).toBe(30);
    expect(secondsToNextHour(at('2026-03-10T10:00:00Z'))).toBe(3600);
  });
});

describe('SES send-rate pacing', () => {
  const mail = (recipients: number): OutgoingMail => ({
    emailId: 'e',
    tenantId: 't',
    lane: 'bulk',
    from: 'a@b.c',
    recipients: Array.from({ length: recipients }, (_, i) => `r${i}@x.y`),
    raw: Buffer.from(''),
  });
  const sink = (): MailProvider & { sent: number } => ({
    name: 'ses',
    sent: 0,
    async send() {
      this.sent++;
      return { messageId: String(this.sent) };
    },
  });

  it('a token bucket lets one second of tokens through, then waits in proportion', async () => {
    const clock = new FakeClock(0);
    const bucket = new TokenBucket(10, clock, clock.wait);
    expect(await bucket.take(10)).toBe(0);
    expect(await bucket.take(5)).toBe(500);
    expect(clock.ms).toBe(500);
  });

  it('paces to MaxSendRate counting recipients, not messages', async () => {
    const clock = new FakeClock(0);
    const inner = sink();
    const paced = pacedProvider(inner, { maxSendRate: async () => 10, clock, wait: clock.wait });
    // 6 messages × 5 recipients = 30 recipients at 10/s: the first 10 pass at once, the other 20 take 2 s.
    for (let i = 0; i < 6; i++) await paced.send(mail(5));
    expect(inner.sent).toBe(6);
    expect(clock.ms).toBe(2000);
    expect(paced.waitedMs).toBe(2000); // 0, 0, then 500 ms before each of the other four
  });

  it('reads the rate once per cache period and not per send', async () => {
    const clock = new FakeClock(0);
    let reads = 0;
    const paced = pacedProvider(sink(), { maxSendRate: async () => (reads++, 1000), clock, wait: clock.wait, cacheMs: 600_000 });
    for (let i = 0; i < 20; i++) await paced.send(mail(1));
    expect(reads).toBe(1);
    clock.ms += 600_000;
    await paced.send(mail(1));
    expect(reads).toBe(2);
  });

  it('sends unpaced when the rate cannot be read (e.g. an emulator without GetAccount)', async () => {
    const clock = new FakeClock(0);
    const inner = sink();
    const paced = pacedProvider(inner, {
      maxSendRate: async () => {
        throw new Error('no GetAccount');
      },
      clock,
      wait: clock.wait,
    });
    for (let i = 0; i < 50; i++) await paced.send(mail(50));
    expect(inner.sent).toBe(50);
    expect(clock.ms).toBe(0);
  });
});
