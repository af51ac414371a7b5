import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { Lane } from '#shared/config/lanes';
import { METRIC } from '#shared/observability/metrics';
import type { LaneMetrics, LaneMetricsSnapshot } from '#shared/ports/operations';

/** Queue name from an SQS queue URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
export function queueNameOf(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

/**
 * Lane metrics from CloudWatch in ONE GetMetricData call: per lane the SQS
 * `ApproximateAgeOfOldestMessage` (Maximum, latest minute in the last 5) and the sums of Mailroom's
 * `EmailsSent` / `EmailsFailed` with that `Lane` over the last hour. The custom metrics are found
 * with SEARCH, so the exact dimension set (Powertools adds `service`, EmailsSent adds `Provider`)
 * does not matter.
 */
export class CloudWatchLaneMetrics implements LaneMetrics {
  constructor(
    private readonly cloudwatch: CloudWatchClient,
    private readonly queueUrls: Partial<Record<Lane, string>>,
    private readonly namespace = 'Mailroom',
  ) {}

  /** The queries of one snapshot (exported for tests of the request shape). */
  queries(lanes: readonly Lane[]): MetricDataQuery[] {
    const out: MetricDataQuery[] = [];
    lanes.forEach((lane, i) => {
      const url = this.queueUrls[lane];
      if (url) {
        out.push({
          Id: `age${i}`,
          MetricStat: {
            Metric: { Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage', Dimensions: [{ Name: 'QueueName', Value: queueNameOf(url) }] },
            Period: 60,
            Stat: 'Maximum',
          },
          ReturnData: true,
        });
      }
      for (const [id, metric] of [
        [`sent${i}`, METRIC.EmailsSent],
        [`failed${i}`, METRIC.EmailsFailed],
      ] as const) {
        out.push({
          Id: id,
          Expression: `SUM(SEARCH('Namespace="${this.namespace}" MetricName="${metric}" Lane="${lane}"', 'Sum', 3600))`,
          Period: 3600,
          ReturnData: true,
        });
      }
    });
    return out;
  }

  async snapshot(lanes: readonly Lane[], now: Date): Promise<Record<Lane, LaneMetricsSnapshot>> {
    const end = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
    const out = await this.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(end.getTime() - 3_600_000),
        EndTime: end,
        ScanBy: 'TimestampDescending',
        MetricDataQueries: this.queries(lanes),
      }),
    );
    const byId = new Map((out.MetricDataResults ?? []).map((r) => [r.Id!, r]));
    // TimestampDescending: the first value is the newest. Age: only if it is recent (5 min).
    const latest = (id: string, maxAgeMs?: number): number | null => {
      const r = byId.get(id);
      const value = r?.Values?.[0];
      const at = r?.Timestamps?.[0];
      if (value === undefined) return null;
      if (maxAgeMs !== undefined && at && end.getTime() - at.getTime() > maxAgeMs) return null;
      return value;
    };
    const total = (id: string): number | null => {
      const r = byId.get(id);
      if (!r) return null;
      return (r.Values ?? []).reduce((a, b) => a + b, 0);
    };
    return Object.fromEntries(
      lanes.map((lane, i) => [lane, { oldestAgeSeconds: latest(`age${i}`, 5 * 60_000), sentLastHour: total(`sent${i}`), failedLastHour: total(`failed${i}`) }]),
    ) as Record<Lane, LaneMetricsSnapshot>;
  }
}
