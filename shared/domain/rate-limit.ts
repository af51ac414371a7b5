/**
 * Per-tenant rate limiting as a GCRA (generic cell rate algorithm) — a token bucket kept as one
 * number, the theoretical arrival time `tat`:
 *
 * - each email costs `interval = 1000 / requestsPerSecond` ms; the bucket holds `burst` emails,
 *   so the tolerance is `tau = burst · interval`;
 * - a request of `n` emails at `now` is allowed when `max(tat, now) + n·interval − now <= tau`,
 *   i.e. when `tat <= allowAt = now + tau − n·interval`; it then moves `tat` to
 *   `max(tat, now) + n·interval`;
 * - tokens left after it: `floor((now + tau − newTat) / interval)`.
 *
 * The same arithmetic drives the DynamoDB adapter (as two conditional updates) and the
 * in-memory one, so the unit tests of this file cover both.
 */
import { RateLimitError } from './errors';
import type { TenantLimits } from './tenant';

export interface BucketDecision {
  readonly allowed: boolean;
  /** `tat` after the request (allowed) or as it stands (refused), epoch ms. */
  readonly tat: number;
  /** Bucket size. */
  readonly limit: number;
  /** Emails that could still be sent right now. */
  readonly remaining: number;
  /** Seconds until the bucket is full again. */
  readonly resetSeconds: number;
  /** Seconds until this request would be allowed (refused only). */
  readonly retryAfterSeconds?: number;
}

export const intervalMs = (limits: Pick<TenantLimits, 'requestsPerSecond'>): number => 1000 / limits.requestsPerSecond;
export const toleranceMs = (limits: Pick<TenantLimits, 'requestsPerSecond' | 'burst'>): number => limits.burst * intervalMs(limits);

/** True when the tenant has a request-rate limit at all (`requestsPerSecond` or `burst` 0 = none). */
export const hasRateLimit = (limits: TenantLimits): boolean => limits.requestsPerSecond > 0 && limits.burst > 0;

/** The latest `tat` at which `count` emails are still allowed at `now`. */
export function allowAt(limits: TenantLimits, now: number, count: number): number {
  return now + toleranceMs(limits) - count * intervalMs(limits);
}

/** Decides a request of `count` emails against the stored `tat` (undefined = never used). */
export function decideBucket(limits: TenantLimits, tat: number | undefined, now: number, count: number): BucketDecision {
  const interval = intervalMs(limits);
  const tau = toleranceMs(limits);
  const current = Math.max(tat ?? now, now);
  const latest = allowAt(limits, now, count);
  if (current <= latest + 1e-6) {
    const next = current + count * interval;
    return describe(limits, next, now, true);
  }
  // A request larger than the whole bucket can never pass; tell the client when the bucket is full.
  const retryMs = count * interval > tau ? current - now : current - latest;
  return { ...describe(limits, current, now, false), retryAfterSeconds: Math.max(1, Math.ceil(retryMs / 1000)) };
}

/** Limit/remaining/reset for a bucket whose `tat` is `tat`. */
export function describe(limits: TenantLimits, tat: number, now: number, allowed: boolean): BucketDecision {
  const interval = intervalMs(limits);
  const tau = toleranceMs(limits);
  const used = Math.max(0, tat - now);
  return {
    allowed,
    tat,
    limit: limits.burst,
    remaining: Math.max(0, Math.floor((tau - used) / interval + 1e-9)),
    resetSeconds: Math.ceil(used / 1000),
  };
}

/** IETF `RateLimit` header fields (draft-ietf-httpapi-ratelimit-headers) plus `Retry-After`. */
export function rateLimitHeaders(input: { limit: number; remaining: number; resetSeconds: number; retryAfterSeconds?: number }): Record<string, string> {
  return {
    ...(input.retryAfterSeconds !== undefined ? { 'retry-after': String(input.retryAfterSeconds) } : {}),
    'ratelimit-limit': String(input.limit),
    'ratelimit-remaining': String(input.remaining),
    'ratelimit-reset': String(input.resetSeconds),
  };
}

/** The 429 for a refused bucket decision. */
export function rateLimitError(decision: BucketDecision, count: number): RateLimitError {
  const what = count === 1 ? 'one email' : `${count} emails`;
  const message =
    count > decision.limit
      ? `Too many emails in one request: ${count}, more than this tenant's burst of ${decision.limit}. Split the batch.`
      : `Rate limit exceeded: this tenant may send ${decision.limit} emails in a burst; ${what} would go over it. Retry after ${decision.retryAfterSeconds} s.`;
  return new RateLimitError(message, rateLimitHeaders(decision));
}

/** UTC day of `now` as `yyyy-mm-dd` (the daily quota's window). */
export const utcDay = (now: number): string => new Date(now).toISOString().slice(0, 10);

/** Seconds from `now` to the next UTC midnight (when the daily quota resets). */
export function secondsToUtcMidnight(now: number): number {
  const d = new Date(now);
  const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
  return Math.max(1, Math.ceil((next - now) / 1000));
}

/** UTC hour of `now` as `yyyy-mm-ddThh` (the per-sender cap's window). */
export const utcHour = (now: number): string => new Date(now).toISOString().slice(0, 13);

export function secondsToNextUtcHour(now: number): number {
  return Math.max(1, Math.ceil((3_600_000 - (now % 3_600_000)) / 1000));
}

/** The 429 for a daily quota (`used` = emails already counted today). */
export function dailyQuotaError(limit: number, used: number, count: number, now: number): RateLimitError {
  const reset = secondsToUtcMidnight(now);
  return new RateLimitError(
    `Daily quota exceeded: this tenant may send ${limit} emails per UTC day and has ${Math.max(0, limit - used)} left; this request needs ${count}.`,
    rateLimitHeaders({ limit, remaining: Math.max(0, limit - used), resetSeconds: reset, retryAfterSeconds: reset }),
    'daily_quota_exceeded',
  );
}

/** The 429 for a sender's hourly cap. */
export function senderCapError(sender: string, cap: number, used: number, count: number, now: number): RateLimitError {
  const reset = secondsToNextUtcHour(now);
  return new RateLimitError(
    `Hourly cap exceeded for sender ${sender}: at most ${cap} emails per hour; ${Math.max(0, cap - used)} left, this request needs ${count}.`,
    rateLimitHeaders({ limit: cap, remaining: Math.max(0, cap - used), resetSeconds: reset, retryAfterSeconds: reset }),
  );
}
