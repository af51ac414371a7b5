import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { COUNTED_METRICS, hourOf, type EmailMetricsCounter, type EmailMetricsReader, type HourCounts, type MetricCounts } from '#shared/ports/email-metrics';
import { KEYS } from './dynamodb-keys';

/** Buckets are kept 400 days (DynamoDB TTL), enough for a year of monthly metrics. */
const KEEP_SECONDS = 400 * 86_400;

export const metricsKey = KEYS.metricsHour;

/**
 * Email counters on the main table: one item per tenant and UTC hour (`METRICS#<tenant>` /
 * `HOUR#2026-12-01T08`), one `UpdateItem … ADD` per event (no read, no condition: concurrent
 * writers add up), read back with one Query over the sort-key range.
 */
export class DynamoEmailMetrics implements EmailMetricsCounter, EmailMetricsReader {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async add(tenantId: string, counts: MetricCounts, at: Date): Promise<void> {
    const entries = Object.entries(counts).filter(([, n]) => typeof n === 'number' && n !== 0);
    if (!entries.length) return;
    const names: Record<string, string> = { '#ttl': 'expiresAt' };
    const values: Record<string, unknown> = { ':ttl': Math.floor(at.getTime() / 1000) + KEEP_SECONDS };
    const adds = entries.map(([metric, n], i) => {
      names[`#m${i}`] = metric;
      values[`:n${i}`] = n;
      return `#m${i} :n${i}`;
    });
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: metricsKey(tenantId, hourOf(at)),
        UpdateExpression: `ADD ${adds.join(', ')} SET #ttl = :ttl`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async hours(tenantId: string, from: Date, to: Date): Promise<HourCounts[]> {
    const out: HourCounts[] = [];
    let start: Record<string, unknown> | undefined;
    // `to` is exclusive: the last hour read is the one before it.
    const last = hourOf(new Date(to.getTime() - 1));
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': `METRICS#${tenantId}`, ':from': `HOUR#${hourOf(from)}`, ':to': `HOUR#${last}` },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const counts: MetricCounts = {};
        for (const m of COUNTED_METRICS) if (typeof item[m] === 'number') counts[m] = item[m] as number;
        out.push({ hour: String(item.sk).slice('HOUR#'.length), counts });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }
}
