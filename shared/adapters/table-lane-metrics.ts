import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Lane } from '#shared/config/lanes';
import type { LaneMetrics, LaneMetricsSnapshot } from '#shared/ports/operations';

/**
 * Local stand-in for CloudWatch lane metrics: sent/failed in the last hour per lane counted from
 * the email records with a filtered Scan. Local data is small; never use this against AWS, where
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
          FilterExpression: 'sk = :email AND (sentAt >= :since OR (#status = :failed AND updatedAt >= :since))',
          ExpressionAttributeNames: { '#status': 'status', '#lane': 'lane' },
          ExpressionAttributeValues: { ':email': 'EMAIL', ':since': since, ':failed': 'failed' },
          ProjectionExpression: '#lane, #status, sentAt, updatedAt',
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const c = counts.get(item.lane as Lane);
        if (!c) continue;
        if (item.status === 'failed') c.failed++;
        else if (typeof item.sentAt === 'string' && item.sentAt >= since) c.sent++;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return Object.fromEntries(
      lanes.map((l) => [l, { oldestAgeSeconds: null, sentLastHour: counts.get(l)!.sent, failedLastHour: counts.get(l)!.failed }]),
    ) as Record<Lane, LaneMetricsSnapshot>;
  }
}
