import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Lane } from '#shared/config/lanes';
import type { LaneMetrics, LaneMetricsSnapshot } from '#shared/ports/operations';

/**
 * Local stand-in for CloudWatch lane metrics: sent/failed in the last hour per lane counted from
 * the email records with a filtered Scan. "Failed" counts `failed` events in the hour (like the
 * `EmailsFailed` metric), so an email that failed and was redriven since still counts, and one that
 * failed earlier and changed for another reason does not. Local data is small; never use this against AWS, where
 * CloudWatchLaneMetrics answers from metrics. The oldest message age is not measurable on the SQS
 * emulator without receiving messages, so it is null.
 */
export class TableLaneMetrics implements LaneMetrics {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async snapshot(lanes: readonly Lane[], now: Date): Promise<Record<Lane, LaneMetricsSnapshot>> {
    const since = new Date(now.getTime() - 3_600_000).toISOString();
    const counts = new Map<Lane, { sent: number; failed: number }>(lanes.map((l) => [l, { sent: 0, failed: 0 }]));
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'sk = :email AND (sentAt >= :since OR updatedAt >= :since)',
          ExpressionAttributeNames: { '#lane': 'lane', '#events': 'events' },
          ExpressionAttributeValues: { ':email': 'EMAIL', ':since': since },
          ProjectionExpression: '#lane, sentAt, #events',
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const c = counts.get(item.lane as Lane);
        if (!c) continue;
        if (typeof item.sentAt === 'string' && item.sentAt >= since) c.sent++;
        const events = Array.isArray(item.events) ? (item.events as Array<{ type?: unknown; at?: unknown }>) : [];
        c.failed += events.filter((e) => e.type === 'failed' && typeof e.at === 'string' && e.at >= since).length;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return Object.fromEntries(
      lanes.map((l) => [l, { oldestAgeSeconds: null, sentLastHour: counts.get(l)!.sent, failedLastHour: counts.get(l)!.failed }]),
    ) as Record<Lane, LaneMetricsSnapshot>;
  }
}
