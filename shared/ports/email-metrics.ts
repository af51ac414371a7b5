/**
 * Per-tenant email counters in hour buckets: written with one atomic ADD per event by the sender
 * (sent, failed) and the tracking function (delivery events), read by `GET /emails/metrics`.
 * Counting never scans the emails.
 */

/** What Mailroom counts, in the names of Resend's `EmailMetric`. */
export const COUNTED_METRICS = [
  'sent',
  'failed',
  'delivered',
  'delivery_delayed',
  'bounced_permanent',
  'bounced_transient',
  'bounced_undetermined',
  'complained',
  'opened',
  'unique_opened',
  'clicked',
  'unique_clicked',
] as const;
export type CountedMetric = (typeof COUNTED_METRICS)[number];

export type MetricCounts = Partial<Record<CountedMetric, number>>;

/** One hour of one tenant's counts; `hour` is its UTC start, `YYYY-MM-DDTHH`. */
export interface HourCounts {
  readonly hour: string;
  readonly counts: MetricCounts;
}

export interface EmailMetricsCounter {
  /** Adds the counts to the tenant's bucket for the hour of `at` (one write). */
  add(tenantId: string, counts: MetricCounts, at: Date): Promise<void>;
}

export interface EmailMetricsReader {
  /** The tenant's non-empty hour buckets from `from` (inclusive) to `to` (exclusive), oldest first. */
  hours(tenantId: string, from: Date, to: Date): Promise<HourCounts[]>;
}

/** The UTC hour bucket of an instant: `2026-12-01T08`. */
export const hourOf = (at: Date) => at.toISOString().slice(0, 13);
