import { logger } from '#shared/observability/logger';
import { type EmailMetricsCounter, hourOf, type MetricCounts } from '#shared/ports/email-metrics';

/**
 * Collects the counter additions of one invocation and writes them when the handler flushes: one
 * ADD per tenant and hour instead of one per email (a sender batch of ten sent emails is one
 * write, not ten — on the one counter item each tenant's hour shares, its hottest key). Counting
 * stays best effort, as for a single addition: a failed write is logged, never thrown, because the
 * statuses in the table are already written and are the truth.
 */
export class BufferedEmailMetrics implements EmailMetricsCounter {
  private buckets = new Map<string, { tenantId: string; at: Date; counts: Record<string, number> }>();

  constructor(private readonly inner: EmailMetricsCounter) {}

  async add(tenantId: string, counts: MetricCounts, at: Date): Promise<void> {
    const key = `${tenantId}\u0000${hourOf(at)}`;
    const bucket = this.buckets.get(key) ?? { tenantId, at, counts: {} };
    for (const [metric, n] of Object.entries(counts)) if (typeof n === 'number') bucket.counts[metric] = (bucket.counts[metric] ?? 0) + n;
    // The latest time of the hour: the bucket's retention counts from it.
    if (at > bucket.at) bucket.at = at;
    this.buckets.set(key, bucket);
  }

  /** Additions waiting for flush(), as buckets (tenant × hour). */
  get pending(): number {
    return this.buckets.size;
  }

  async flush(): Promise<void> {
    const buckets = [...this.buckets.values()];
    this.buckets = new Map();
    for (const { tenantId, at, counts } of buckets) {
      try {
        await this.inner.add(tenantId, counts, at);
      } catch (error) {
        logger.warn('Email counter not updated', { tenantId, counts, error: error as Error });
      }
    }
  }
}
