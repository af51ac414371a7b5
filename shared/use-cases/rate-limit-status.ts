import { rateLimitHeaders } from '#shared/domain/rate-limit';
import { logger } from '#shared/observability/logger';
import type { RateLimiter, TenantStore } from '#shared/ports/index';

/** The `ratelimit-limit`, `-remaining` and `-reset` headers for a tenant, or undefined when none apply. */
export type RateLimitHeaders = (tenantId: string) => Promise<Record<string, string> | undefined>;

/**
 * The headers every authenticated answer carries (Resend sends them on every response). They
 * describe the tenant's **email** bucket — the one limit Mailroom enforces per tenant: a burst of
 * `limits.burst` emails refilling at `limits.requestsPerSecond` (a batch of 40 takes 40). Reads
 * do not take from it; they are bounded by the API stage's throttle. Reading the bucket costs one
 * GetItem (the tenant's limits come from the 30-second tenant cache); a failed read leaves the
 * headers out rather than failing the request. A send that was charged writes its headers itself
 * from the charge's answer (functions/ingest/app.ts), and the middleware then reads nothing.
 */
export function createRateLimitHeaders(deps: { tenants: TenantStore; limiter: RateLimiter }): RateLimitHeaders {
  return async (tenantId) => {
    if (!deps.limiter.status) return undefined;
    try {
      const tenant = await deps.tenants.get(tenantId);
      const status = tenant ? await deps.limiter.status(tenantId, tenant.limits) : undefined;
      return status ? rateLimitHeaders(status) : undefined;
    } catch (error) {
      logger.warn('Could not read the rate-limit bucket for the ratelimit-* headers', { error: error as Error });
      return undefined;
    }
  };
}
