import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from '#shared/adapters/memory/memory-rate-limiter';
import { RateLimitError } from '#shared/domain/errors';
import { decideBucket, secondsToUtcMidnight } from '#shared/domain/rate-limit';
import type { TenantLimits } from '#shared/domain/tenant';

const limits = (over: Partial<TenantLimits> = {}): TenantLimits => ({ requestsPerSecond: 10, burst: 5, emailsPerDay: 0, perSenderHourlyCap: 0, ...over });

class FakeClock {
  constructor(public ms = Date.UTC(2030, 0, 1, 12, 0, 0)) {}
  now = () => new Date(this.ms);
}

async function refusal(p: Promise<unknown>): Promise<RateLimitError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RateLimitError);
  return error as RateLimitError;
}

describe('token bucket (GCRA)', () => {
  it('lets a full burst through at once, then refuses the next request', () => {
    const now = 1_000_000;
    let tat: number | undefined;
    for (let i = 0; i < 5; i++) {
      const d = decideBucket(limits(), tat, now, 1);
      expect(d.allowed).toBe(true);
      expect(d.remaining).toBe(4 - i);
      tat = d.tat;
    }
    const refused = decideBucket(limits(), tat, now, 1);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBe(1);
  });

  it('refills at requestsPerSecond: one token per interval', () => {
    const now = 1_000_000;
    let tat = decideBucket(limits(), undefined, now, 5).tat;
    expect(decideBucket(limits(), tat, now + 50, 1).allowed).toBe(false);
    const later = decideBucket(limits(), tat, now + 100, 1);
    expect(later.allowed).toBe(true);
    tat = later.tat;
    expect(decideBucket(limits(), tat, now + 100, 1).allowed).toBe(false);
    // After a long pause the bucket is full again, never fuller.
    const idle = decideBucket(limits(), tat, now + 60_000, 1);
    expect(idle.remaining).toBe(4);
  });

  it('gives a Retry-After that is long enough and not much longer', () => {
    const l = limits({ requestsPerSecond: 0.5, burst: 2 });
    const now = 5_000_000;
    const tat = decideBucket(l, undefined, now, 2).tat;
    const refused = decideBucket(l, tat, now, 1);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBe(2);
    expect(decideBucket(l, tat, now + refused.retryAfterSeconds! * 1000, 1).allowed).toBe(true);
    expect(decideBucket(l, tat, now + refused.retryAfterSeconds! * 1000 - 500, 1).allowed).toBe(false);
  });

  it('charges a batch its number of emails and refuses one larger than the burst', () => {
    const now = 1_000_000;
    const d = decideBucket(limits(), undefined, now, 3);
    expect(d.remaining).toBe(2);
    expect(decideBucket(limits(), d.tat, now, 3).allowed).toBe(false);
    expect(decideBucket(limits(), undefined, now, 6).allowed).toBe(false);
  });
});

describe('MemoryRateLimiter', () => {
  it('answers 429 rate_limit_exceeded with Retry-After and ratelimit-* headers', async () => {
    const clock = new FakeClock();
    const limiter = new MemoryRateLimiter(clock);
    for (let i = 0; i < 5; i++) await limiter.consume('t1', 1, limits());
    const error = await refusal(limiter.consume('t1', 1, limits()));
    expect(error.statusCode).toBe(429);
    expect(error.code).toBe('rate_limit_exceeded');
    expect(error.headers).toMatchObject({ 'retry-after': '1', 'ratelimit-limit': '5', 'ratelimit-remaining': '0' });
    expect(Number(error.headers!['ratelimit-reset'])).toBeGreaterThanOrEqual(1);
  });

  it('keeps tenants apart: one tenant at its limit does not slow another', async () => {
    const limiter = new MemoryRateLimiter(new FakeClock());
    for (let i = 0; i < 5; i++) await limiter.consume('a', 1, limits());
    await refusal(limiter.consume('a', 1, limits()));
    await expect(limiter.consume('b', 5, limits())).resolves.toMatchObject({ allowed: true, limit: 5 });
  });

  it('enforces the daily quota per UTC day and resets at midnight', async () => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1, 23, 59, 0));
    const limiter = new MemoryRateLimiter(clock);
    const l = limits({ requestsPerSecond: 0, emailsPerDay: 3 });
    await limiter.consume('t', 2, l);
    const error = await refusal(limiter.consume('t', 2, l));
    expect(error.code).toBe('daily_quota_exceeded');
    expect(error.headers).toMatchObject({ 'retry-after': '60', 'ratelimit-limit': '3', 'ratelimit-remaining': '1' });
    await limiter.consume('t', 1, l);
    clock.ms += 60_000;
    await expect(limiter.consume('t', 3, l)).resolves.toBeUndefined();
  });

  it('caps each sender per hour when perSenderHourlyCap is set', async () => {
    const limiter = new MemoryRateLimiter(new FakeClock());
    const l = limits({ requestsPerSecond: 0, perSenderHourlyCap: 2 });
    await limiter.consume('t', 2, l, { sender: 'news@example.com' });
    const error = await refusal(limiter.consume('t', 1, l, { sender: 'News@Example.com' }));
    expect(error.message).toContain('Hourly cap exceeded');
    await expect(limiter.consume('t', 1, l, { sender: 'billing@example.com' })).resolves.toBeUndefined();
  });

  it('computes the seconds to the next UTC midnight', () => {
    expect(secondsToUtcMidnight(Date.UTC(2030, 0, 1, 0, 0, 0))).toBe(86_400);
    expect(secondsToUtcMidnight(Date.UTC(2030, 0, 1, 23, 59, 59, 500))).toBe(1);
  });
});
