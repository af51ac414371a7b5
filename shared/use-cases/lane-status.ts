import { LANES, LANES_BY_PRIORITY, type Lane } from '#shared/config/lanes';
import type { LaneQueue } from '#shared/ports/index';
import type { LaneMetrics, LaneMetricsSnapshot } from '#shared/ports/operations';

export interface LaneStatusDeps {
  readonly queue: LaneQueue;
  /** CloudWatch (AWS) or the table (local); without it ages and hourly counts are null. */
  readonly laneMetrics?: LaneMetrics;
  readonly clock: { now(): Date };
}

/** One lane as operators see it. Counts are SQS's approximate numbers. */
export interface LaneStatus {
  readonly lane: Lane;
  /** Visible messages waiting to be sent. */
  readonly depth: number;
  /** Received by a sender and not yet deleted (being sent or backing off). */
  readonly inFlight: number;
  /** Delayed messages (enqueued with DelaySeconds). */
  readonly delayed: number;
  readonly dlqDepth: number;
  readonly oldestAgeSeconds: number | null;
  /** The lane's alarm threshold for `oldestAgeSeconds`. */
  readonly maxAgeSeconds: number;
  readonly sentLastHour: number | null;
  readonly failedLastHour: number | null;
}

const UNKNOWN: LaneMetricsSnapshot = { oldestAgeSeconds: null, sentLastHour: null, failedLastHour: null };

/**
 * Depth, in-flight, delayed and DLQ depth of every lane (one GetQueueAttributes per queue, in
 * parallel) plus oldest age and last-hour sent/failed (one metrics call for all lanes).
 * A metrics failure degrades to nulls: queue counters are the part an operator cannot do without.
 */
export async function laneStatus(deps: LaneStatusDeps, lanes: readonly Lane[] = LANES_BY_PRIORITY.map((l) => l.name)): Promise<LaneStatus[]> {
  const now = deps.clock.now();
  const [stats, snapshot] = await Promise.all([
    Promise.all(lanes.map((lane) => deps.queue.stats(lane))),
    deps.laneMetrics ? deps.laneMetrics.snapshot(lanes, now).catch(() => undefined) : Promise.resolve(undefined),
  ]);
  return lanes.map((lane, i) => {
    const s = stats[i]!;
    const m = snapshot?.[lane] ?? UNKNOWN;
    return {
      lane,
      depth: s.depth,
      inFlight: s.inFlight,
      delayed: s.delayed,
      dlqDepth: s.dlqDepth,
      oldestAgeSeconds: m.oldestAgeSeconds ?? s.oldestAgeSeconds ?? null,
      maxAgeSeconds: LANES[lane].maxAgeSeconds,
      sentLastHour: m.sentLastHour,
      failedLastHour: m.failedLastHour,
    };
  });
}
