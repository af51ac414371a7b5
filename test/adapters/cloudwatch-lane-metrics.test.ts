import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchLaneMetrics, queueNameOf } from '#shared/adapters/cloudwatch-lane-metrics';

const cw = mockClient(CloudWatchClient);
const urls = {
  critical: 'https://sqs.eu-west-1.amazonaws.com/123456789012/Mailroom-LanesCriticalQueue-AbC',
  bulk: 'https://sqs.eu-west-1.amazonaws.com/123456789012/Mailroom-LanesBulkQueue-XyZ',
};
const now = new Date('2030-01-01T12:00:30Z');

describe('CloudWatch lane metrics', () => {
  beforeEach(() => cw.reset());

  it("asks for every lane's age, sent and failed in one GetMetricData call", async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    await new CloudWatchLaneMetrics(new CloudWatchClient({ region: 'eu-west-1' }), urls).snapshot(['critical', 'bulk'], now);
    const calls = cw.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.EndTime).toEqual(new Date('2030-01-01T12:00:00Z'));
    expect(input.StartTime).toEqual(new Date('2030-01-01T11:00:00Z'));
    const queries = input.MetricDataQueries!;
    expect(queries).toHaveLength(6);
    expect(queries[0]).toMatchObject({
      MetricStat: {
        Metric: {
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateAgeOfOldestMessage',
          Dimensions: [{ Name: 'QueueName', Value: 'Mailroom-LanesCriticalQueue-AbC' }],
        },
        Stat: 'Maximum',
        Period: 60,
      },
    });
    expect(queries.map((q) => q.Expression).filter(Boolean)).toEqual([
      `SUM(SEARCH('Namespace="Mailroom" MetricName="EmailsSent" Lane="critical"', 'Sum', 3600))`,
      `SUM(SEARCH('Namespace="Mailroom" MetricName="EmailsFailed" Lane="critical"', 'Sum', 3600))`,
      `SUM(SEARCH('Namespace="Mailroom" MetricName="EmailsSent" Lane="bulk"', 'Sum', 3600))`,
      `SUM(SEARCH('Namespace="Mailroom" MetricName="EmailsFailed" Lane="bulk"', 'Sum', 3600))`,
    ]);
    expect(new Set(queries.map((q) => q.Id)).size).toBe(queries.length);
  });

  it('maps results: newest recent age, summed counts, null where CloudWatch has nothing', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'age0', Values: [42, 10], Timestamps: [new Date('2030-01-01T11:59:00Z'), new Date('2030-01-01T11:58:00Z')] },
        { Id: 'sent0', Values: [120], Timestamps: [new Date('2030-01-01T11:00:00Z')] },
        { Id: 'failed0', Values: [], Timestamps: [] },
        // A stale age (20 minutes old) is not the current age.
        { Id: 'age1', Values: [900], Timestamps: [new Date('2030-01-01T11:40:00Z')] },
      ],
    });
    const snap = await new CloudWatchLaneMetrics(new CloudWatchClient({ region: 'eu-west-1' }), urls).snapshot(['critical', 'bulk'], now);
    expect(snap.critical).toEqual({ oldestAgeSeconds: 42, sentLastHour: 120, failedLastHour: 0 });
    expect(snap.bulk).toEqual({ oldestAgeSeconds: null, sentLastHour: null, failedLastHour: null });
  });

  it('takes the queue name from its URL', () => {
    expect(queueNameOf(urls.bulk)).toBe('Mailroom-LanesBulkQueue-XyZ');
  });
});
