/**
 * The lane table: the one place that says which lanes exist and how each behaves.
 * infra/ (queues, DLQs, event source mappings, alarms) and local mode both read it.
 */
export const LANE_NAMES = ['critical', 'transactional', 'marketing', 'bulk'] as const;
export type Lane = (typeof LANE_NAMES)[number];

export interface LaneSettings {
  readonly name: Lane;
  /** Lower drains first in local mode; also the order of dashboards and health output. */
  readonly priority: number;
  /** SQS messages per sender invocation. */
  readonly batchSize: number;
  /** Event source mapping MaximumConcurrency (2..1000): caps how much of the account a lane may use. */
  readonly maxConcurrency: number;
  /** Real send attempts (throttling excluded) before the email is failed and moved to the DLQ. */
  readonly maxAttempts: number;
  /**
   * Queue visibility timeout in seconds: at least 6 × the sender timeout plus the batching window
   * (AWS's advice for SQS event sources), and longer than the claim lease.
   */
  readonly visibilityTimeoutSeconds: number;
  /** Event source mapping MaximumBatchingWindowInSeconds: waits to fill a batch of `batchSize` below backlog. */
  readonly maxBatchingWindowSeconds: number;
  /** Sender function timeout in seconds. */
  readonly senderTimeoutSeconds: number;
  /** Alarm when the oldest message is older than this. */
  readonly maxAgeSeconds: number;
  /** Marketing and bulk mail carries List-Unsubscribe and honours marketing unsubscribes. */
  readonly unsubscribable: boolean;
}

const SENDER_TIMEOUT_SECONDS = 30;
/** Critical and transactional mail leaves at once; marketing and bulk wait up to 5 s for a batch of 10. */
const base = { senderTimeoutSeconds: SENDER_TIMEOUT_SECONDS, visibilityTimeoutSeconds: 6 * SENDER_TIMEOUT_SECONDS, maxBatchingWindowSeconds: 0 } as const;
const batched = { ...base, maxBatchingWindowSeconds: 5, visibilityTimeoutSeconds: 6 * SENDER_TIMEOUT_SECONDS + 5 } as const;

export const LANES: Readonly<Record<Lane, LaneSettings>> = {
  critical: { ...base, name: 'critical', priority: 0, batchSize: 1, maxConcurrency: 50, maxAttempts: 8, maxAgeSeconds: 60, unsubscribable: false },
  transactional: { ...base, name: 'transactional', priority: 1, batchSize: 10, maxConcurrency: 20, maxAttempts: 6, maxAgeSeconds: 300, unsubscribable: false },
  marketing: { ...batched, name: 'marketing', priority: 2, batchSize: 10, maxConcurrency: 5, maxAttempts: 4, maxAgeSeconds: 3600, unsubscribable: true },
  bulk: { ...batched, name: 'bulk', priority: 3, batchSize: 10, maxConcurrency: 2, maxAttempts: 4, maxAgeSeconds: 3600, unsubscribable: true },
};

export const DEFAULT_LANE: Lane = 'transactional';

/** Lanes in drain order (critical first). */
export const LANES_BY_PRIORITY: readonly LaneSettings[] = Object.values(LANES).sort((a, b) => a.priority - b.priority);

export function isLane(value: unknown): value is Lane {
  return typeof value === 'string' && (LANE_NAMES as readonly string[]).includes(value);
}

/**
 * SQS's own redrive (maxReceiveCount) is only a backstop for messages that crash the sender: a
 * poison message reaches the DLQ after 10 receives (about half an hour at the visibility timeout),
 * not after ~100. The sender counts real attempts on the email record (at most `maxAttempts`, no more
 * than this minus 2) and moves spent mail to the DLQ itself; throttled and capped messages
 * near the limit are re-queued as fresh messages, so throttling never pushes mail into a DLQ.
 */
export const SQS_MAX_RECEIVE_COUNT = 10;

/** Resource name of a lane's queue and DLQ, shared by CDK and local mode. */
export const laneQueueName = (prefix: string, lane: Lane) => `${prefix}-${lane}`;
export const laneDlqName = (prefix: string, lane: Lane) => `${prefix}-${lane}-dlq`;
