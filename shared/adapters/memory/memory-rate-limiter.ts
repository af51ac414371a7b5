import { dailyQuotaError, decideBucket, describe, hasRateLimit, rateLimitError, senderCapError, utcDay, utcHour } from '#shared/domain/rate-limit';
import type { TenantLimits } from '#shared/domain/tenant';
import type { Clock, RateLimiter, RateLimitStatus } from '#shared/ports/index';
import { systemClock } from '#shared/ports/index';

/** The same limits as DynamoRateLimiter, kept in memory (tests, benchmarks). */
export class MemoryRateLimiter implements RateLimiter {
  readonly tats = new Map<string, number>();
  readonly windows = new Map<string, number>();
  /** Every call, allowed or not (tests assert what a request was charged). */
  readonly calls: Array<{ tenantId: string; count: number; sender?: string }> = [];

  constructor(private readonly clock: Clock = systemClock) {}

  async status(tenantId: string, limits: TenantLimits): Promise<RateLimitStatus | undefined> {
    if (!hasRateLimit(limits)) return undefined;
    const now = this.clock.now().getTime();
    return describe(limits, Math.max(this.tats.get(tenantId) ?? now, now), now, true);
  }

  async consume(tenantId: string, count: number, limits: TenantLimits, options: { sender?: string } = {}): Promise<RateLimitStatus | undefined> {
    this.calls.push({ tenantId, count, ...(options.sender ? { sender: options.sender } : {}) });
    if (count <= 0) return undefined;
    const now = this.clock.now().getTime();
    // Like DynamoRateLimiter: the bucket and the day are charged together or not at all.
    const decision = hasRateLimit(limits) ? decideBucket(limits, this.tats.get(tenantId), now, count) : undefined;
    if (decision && !decision.allowed) throw rateLimitError(decision, count);
    if (limits.emailsPerDay > 0)
      this.count(`${tenantId}#day#${utcDay(now)}`, count, limits.emailsPerDay, (used) => dailyQuotaError(limits.emailsPerDay, used, count, now));
    if (decision) this.tats.set(tenantId, decision.tat);
    if (options.sender && limits.perSenderHourlyCap > 0) {
      const sender = options.sender;
      this.count(`${tenantId}#${sender.toLowerCase()}#${utcHour(now)}`, count, limits.perSenderHourlyCap, (used) =>
        senderCapError(sender, limits.perSenderHourlyCap, used, count, now),
      );
    }
    return decision ? describe(limits, decision.tat, now, true) : undefined;
  }

  private count(key: string, count: number, limit: number, refuse: (used: number) => Error): void {
    const used = this.windows.get(key) ?? 0;
    if (used + count > limit) throw refuse(used);
    this.windows.set(key, used + count);
  }
}
