import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAIN_TABLE } from '#infra/definitions';
import type { MailroomStack } from '#infra/mailroom-stack';
import { STUCK_EMAILS_ALARM_MINUTES } from '#infra/constructs/reconciler';
import { ENV } from '#shared/config/env';
import { METRIC_SERVICE } from '#shared/observability/metric-series';
import { logicalId, synthTemplate } from './fixture';

process.env.CDK_VALIDATION = 'false';

type Resource = { Properties: Record<string, any> };

describe('the reconciler (outbox safety net)', () => {
  let stack: MailroomStack;
  let template: Template;
  let resources: Record<string, Resource>;

  beforeAll(() => {
    ({ stack, template } = synthTemplate());
    resources = template.toJSON().Resources;
  });

  it('gives the main table a sparse pending index that projects what re-enqueueing needs', () => {
    const table = resources[logicalId(stack, stack.storage.table)]!;
    const index = table.Properties.GlobalSecondaryIndexes.find((i: { IndexName: string }) => i.IndexName === MAIN_TABLE.pending.name);
    expect(index).toEqual({
      IndexName: MAIN_TABLE.pending.name,
      KeySchema: [
        { AttributeName: MAIN_TABLE.pending.partitionKey, KeyType: 'HASH' },
        { AttributeName: MAIN_TABLE.pending.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...MAIN_TABLE.pending.projection] },
    });
  });

  it('runs the reconciler every minute with the table and the lane queues, and nothing more', () => {
    const fnId = logicalId(stack, stack.reconciler.fn);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: Match.arrayWith([Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } })]),
    });
    const env = resources[fnId]!.Properties.Environment.Variables;
    expect(Object.keys(env)).toEqual(expect.arrayContaining([ENV.TABLE_NAME, ENV.LANE_QUEUE_URLS]));
    expect(Object.keys(env)).not.toContain(ENV.SCHEDULE_GROUP);
    const policies = Object.values(resources).filter(
      (r: any) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((role: any) => role.Ref === logicalId(stack, stack.reconciler.fn.role!)),
    );
    const actions = policies.flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()));
    expect(actions).toEqual(expect.arrayContaining(['sqs:SendMessage', 'dynamodb:Query', 'dynamodb:UpdateItem']));
    expect(actions.filter((a: string) => a.startsWith('scheduler:') || a.startsWith('ses:'))).toEqual([]);
  });

  it('is watched like every function: the account-wide errors and throttles alarms cover it, a missed run is made up a minute later', () => {
    const lambdaAlarms = Object.values(resources).filter(
      (r: any) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.Namespace === 'AWS/Lambda',
    ) as Resource[];
    expect(lambdaAlarms.map((a) => [a.Properties.MetricName, a.Properties.Dimensions ?? []])).toEqual(
      expect.arrayContaining([
        ['Errors', []],
        ['Throttles', []],
      ]),
    );
  });

  it('pages when the reconciler finds stuck emails five minutes in a row', () => {
    const alarm = resources[logicalId(stack, stack.reconciler.stuckAlarm)]!;
    // One exact series (one billed metric), published only in minutes that find stuck emails.
    expect(alarm.Properties).toMatchObject({
      Namespace: 'Mailroom',
      MetricName: 'StuckEmails',
      Dimensions: [{ Name: 'service', Value: METRIC_SERVICE }],
      Statistic: 'Maximum',
      Period: 60,
      TreatMissingData: 'notBreaching',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: STUCK_EMAILS_ALARM_MINUTES,
      DatapointsToAlarm: STUCK_EMAILS_ALARM_MINUTES,
      AlarmActions: [{ Ref: logicalId(stack, stack.observability.pageTopic) }],
    });
    expect(alarm.Properties.AlarmDescription).toContain('docs/runbook.md#emails-stuck');
  });
});
