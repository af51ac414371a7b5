import { hourOf, type EmailMetricsCounter, type EmailMetricsReader, type HourCounts, type MetricCounts } from '#shared/ports/email-metrics';

/** In-memory email counters for unit tests: the same hour buckets as DynamoEmailMetrics. */
export class MemoryEmailMetrics implements EmailMetricsCounter, EmailMetricsReader {
  readonly buckets = new Map<string, Map<string, Record<string, number>>>();

  async add(tenantId: string, counts: MetricCounts, at: Date): Promise<void> {
    const tenant = this.buckets.get(tenantId) ?? new Map<string, Record<string, number>>();
    this.buckets.set(tenantId, tenant);
    const bucket = tenant.get(hourOf(at)) ?? {};
    for (const [m, n] of Object.entries(counts)) bucket[m] = (bucket[m] ?? 0) + (n ?? 0);
    tenant.set(hourOf(at), bucket);
  }

  async hours(tenantId: string, from: Date, to: Date): Promise<HourCounts[]> {
    const first = hourOf(from);
    const last = hourOf(new Date(to.getTime() - 1));
    return [...(this.buckets.get(tenantId) ?? new Map<string, Record<string, number>>()).entries()]
      .filter(([hour]) => hour >= first && hour <= last)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([hour, counts]) => ({ hour, counts: { ...counts } }));
  }
}
