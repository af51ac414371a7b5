/**
 * Ports for operating Mailroom: lane metrics (CloudWatch in AWS, the table locally) and provider
 * reachability probes. Used by `GET /health`, `GET /lanes` and the operator CLI.
 */
import type { Lane } from '#shared/config/lanes';

/** What CloudWatch (or the local stand-in) knows about a lane beyond the queue's own counters. */
export interface LaneMetricsSnapshot {
  /** Age of the oldest message in seconds; null when unknown (no datapoint, or not measurable locally). */
  readonly oldestAgeSeconds: number | null;
  /** Emails sent from this lane in the last hour; null when unknown. */
  readonly sentLastHour: number | null;
  /** Emails failed on this lane in the last hour; null when unknown. */
  readonly failedLastHour: number | null;
}

export interface LaneMetrics {
  /** One snapshot per lane, in one round trip where the backend allows it. */
  snapshot(lanes: readonly Lane[], now: Date): Promise<Record<Lane, LaneMetricsSnapshot>>;
}

/** Can a provider be reached right now (e.g. SMTP: connect, EHLO, AUTH)? */
export interface ProviderProbe {
  readonly name: string;
  probe(): Promise<{ reachable: boolean; error?: string }>;
}
