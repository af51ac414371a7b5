import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { LANES_BY_PRIORITY, type Lane } from '#shared/config/lanes';
import { pascal } from './lanes';
import type { LaneQueues, MailroomFunction } from './mailroom-function';

/** Namespace of Mailroom's own (EMF) metrics; the functions set POWERTOOLS_METRICS_NAMESPACE to it. */
export const CUSTOM_NAMESPACE = 'Mailroom';
/** The only dimensions Mailroom's own metrics carry (never email id, tenant or recipient). */
export const CUSTOM_DIMENSIONS = ['Lane', 'Provider', 'Reason'] as const;
type CustomDimension = (typeof CUSTOM_DIMENSIONS)[number];

/** Runbook anchors: every alarm description points operators at docs/runbook.md#<anchor>. */
export const RUNBOOK = {
  laneDlq: 'lane-dlq-not-empty',
  laneAge: 'lane-backlog-too-old',
  functionErrors: 'function-errors',
  functionThrottles: 'function-throttles',
  bounceRate: 'ses-bounce-rate',
  complaintRate: 'ses-complaint-rate',
  providerFallback: 'provider-fallback-in-use',
  breakerOpen: 'circuit-breaker-open',
  emailsFailed: 'emails-failing',
  api5xx: 'api-5xx-rate',
} as const;
const runbook = (anchor: string) => `docs/runbook.md#${anchor}`;

export interface ObservabilityProps {
  readonly laneQueues: LaneQueues;
  readonly laneDlqs: LaneQueues;
  /** Alarm when a lane's oldest message is older than this (seconds). */
  readonly laneMaxAgeSeconds: Readonly<Record<Lane, number>>;
  /** Every function of the stack: each gets an Errors and a Throttles alarm. */
  readonly functions: readonly MailroomFunction[];
  readonly httpApi: HttpApi;
  readonly alarmEmail?: string;
}

/**
 * Aggregate of one of Mailroom's own metrics over every dimension combination, as a CloudWatch
 * Metrics Insights query. Powertools adds a `service` dimension to every EMF metric and the
 * functions choose which of Lane/Provider/Reason to attach, so alarms must not depend on the exact
 * dimension set: the query sums across all of them.
 */
function customTotal(metricName: string, fn: 'SUM' | 'MAX', period: Duration, label: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({ expression: `SELECT ${fn}(${metricName}) FROM ${CUSTOM_NAMESPACE}`, period, label, usingMetrics: {} });
}

/**
 * Every series of a custom metric that carries `by`, via SEARCH (full retention, percentiles),
 * without pinning the rest of the dimension set.
 */
export function customSearch(metricName: string, statistic: string, by: CustomDimension, label?: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SEARCH('Namespace="${CUSTOM_NAMESPACE}" MetricName="${metricName}" ${by}', '${statistic}', 300)`,
    period: Duration.minutes(5),
    ...(label ? { label } : {}),
    usingMetrics: {},
  });
}

/**
 * Alarms (all to one SNS topic, each naming its runbook section) and the `Mailroom` dashboard.
 *
 * Thresholds, and why:
 * - lane DLQ visible > 0 (max over 1 min): any message there is an email that gave up.
 * - lane oldest-message age > the lane's maxAgeSeconds for 2 consecutive minutes: a single late
 *   sample during a burst is normal, two in a row means the lane is not keeping up.
 * - function Errors >= 1 in a 5-minute period: handlers report bad records as partial batch
 *   failures or typed HTTP answers, so an invocation error is always a bug or an outage.
 * - function Throttles >= 1 in 2 of 3 five-minute periods: sustained, not a single burst.
 * - SES Reputation.BounceRate > 4 % and ComplaintRate > 0.08 % (max over 15 min): just below the
 *   levels at which SES puts an account under review (5 % / 0.1 %).
 * - ProviderFallbacks > 0 (5 min): mail is leaving through SMTP, SES is unhealthy.
 * - BreakerOpen max >= 1 (1 min): a provider's circuit breaker is open.
 * - EmailsFailed >= 5 in 15 min: single failures are normal (bad addresses); a cluster is not.
 * - API 5xx > 1 % of requests in 2 consecutive 5-minute periods, counted only from 20 requests up
 *   so one error on a quiet API does not page.
 */
export class Observability extends Construct {
  public readonly topic: sns.Topic;
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);

    // Not KMS-encrypted on purpose: CloudWatch alarms cannot publish to a topic encrypted with the
    // AWS managed key alias/aws/sns, and the topic carries only alarm state changes (no email
    // content or addresses), so a customer managed key would add cost and protect nothing.
    // (cdk-nag 3's AwsSolutions pack has no SNS2 rule any more; SNS3, TLS-only, is met.)
    this.topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Mailroom alarms', enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.topic);

    const alarm = (alarmId: string, alarmProps: cloudwatch.AlarmProps) => {
      const created = new cloudwatch.Alarm(this, alarmId, { treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING, ...alarmProps });
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
      return created;
    };

    for (const lane of LANES_BY_PRIORITY) {
      const name = pascal(lane.name);
      alarm(`${name}DlqNotEmptyAlarm`, {
        alarmDescription: `Mailroom ${lane.name} lane: messages in the DLQ (emails that exhausted their attempts). Runbook: ${runbook(RUNBOOK.laneDlq)}`,
        metric: props.laneDlqs[lane.name].metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
      const maxAge = props.laneMaxAgeSeconds[lane.name];
      alarm(`${name}BacklogAgeAlarm`, {
        alarmDescription: `Mailroom ${lane.name} lane: oldest message older than ${maxAge} s. Runbook: ${runbook(RUNBOOK.laneAge)}`,
        metric: props.laneQueues[lane.name].metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: maxAge,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
      });
    }

    for (const fn of props.functions) {
      const fnId = fn.node.path.split('/').slice(1).join('');
      alarm(`${fnId}ErrorsAlarm`, {
        alarmDescription: `Mailroom function ${fn.node.path} (${fn.mailroomName}): invocation errors. Runbook: ${runbook(RUNBOOK.functionErrors)}`,
        metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
      alarm(`${fnId}ThrottlesAlarm`, {
        alarmDescription: `Mailroom function ${fn.node.path} (${fn.mailroomName}): throttled invocations. Runbook: ${runbook(RUNBOOK.functionThrottles)}`,
        metric: fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      });
    }

    const bounceRate = new cloudwatch.Metric({
      namespace: 'AWS/SES',
      metricName: 'Reputation.BounceRate',
      statistic: 'Maximum',
      period: Duration.minutes(15),
      label: 'Bounce rate',
    });
    const complaintRate = new cloudwatch.Metric({
      namespace: 'AWS/SES',
      metricName: 'Reputation.ComplaintRate',
      statistic: 'Maximum',
      period: Duration.minutes(15),
      label: 'Complaint rate',
    });
    alarm('SesBounceRateAlarm', {
      alarmDescription: `SES account bounce rate above 4 % (review at 5 %). Runbook: ${runbook(RUNBOOK.bounceRate)}`,
      metric: bounceRate,
      threshold: 0.04,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
    alarm('SesComplaintRateAlarm', {
      alarmDescription: `SES account complaint rate above 0.08 % (review at 0.1 %). Runbook: ${runbook(RUNBOOK.complaintRate)}`,
      metric: complaintRate,
      threshold: 0.0008,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });

    alarm('ProviderFallbackAlarm', {
      alarmDescription: `Mailroom is sending through the SMTP fallback (ProviderFallbacks > 0). Runbook: ${runbook(RUNBOOK.providerFallback)}`,
      metric: customTotal('ProviderFallbacks', 'SUM', Duration.minutes(5), 'Provider fallbacks'),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
    alarm('BreakerOpenAlarm', {
      alarmDescription: `A provider circuit breaker is open (BreakerOpen >= 1). Runbook: ${runbook(RUNBOOK.breakerOpen)}`,
      metric: customTotal('BreakerOpen', 'MAX', Duration.minutes(1), 'Breaker open'),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    alarm('EmailsFailedAlarm', {
      alarmDescription: `Emails are failing permanently (EmailsFailed >= 5 in 15 min). Runbook: ${runbook(RUNBOOK.emailsFailed)}`,
      metric: customTotal('EmailsFailed', 'SUM', Duration.minutes(15), 'Emails failed'),
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });

    const apiCount = props.httpApi.metricCount({ period: Duration.minutes(5), statistic: 'Sum', label: 'Requests' });
    const api4xx = props.httpApi.metricClientError({ period: Duration.minutes(5), statistic: 'Sum', label: '4xx' });
    const api5xx = props.httpApi.metricServerError({ period: Duration.minutes(5), statistic: 'Sum', label: '5xx' });
    alarm('Api5xxRateAlarm', {
      alarmDescription: `HTTP API 5xx above 1 % of requests. Runbook: ${runbook(RUNBOOK.api5xx)}`,
      metric: new cloudwatch.MathExpression({
        expression: 'IF(requests >= 20, 100 * errors / requests, 0)',
        usingMetrics: { requests: apiCount, errors: api5xx },
        period: Duration.minutes(5),
        label: '5xx rate (%)',
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
    });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: 'Mailroom', defaultInterval: Duration.hours(6) });
    const lanes = LANES_BY_PRIORITY;
    const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 12, height: 6, ...extra });
    const percentiles = (metricName: string) => ['p50', 'p90', 'p99'].map((p) => customSearch(metricName, p, 'Lane', `${metricName} ${p}`));

    this.dashboard.addWidgets(
      graph(
        'Lane depth (visible messages)',
        lanes.map((l) =>
          props.laneQueues[l.name].metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum', label: l.name }),
        ),
        {
          right: lanes.map((l) =>
            props.laneDlqs[l.name].metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum', label: `${l.name} DLQ` }),
          ),
        },
      ),
      graph(
        'Lane oldest message age (s)',
        lanes.map((l) => props.laneQueues[l.name].metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum', label: l.name })),
      ),
    );
    this.dashboard.addWidgets(
      graph('EmailsSent by lane', [customSearch('EmailsSent', 'Sum', 'Lane')]),
      graph('EmailsFailed by lane', [customSearch('EmailsFailed', 'Sum', 'Lane')]),
    );
    this.dashboard.addWidgets(
      graph('EmailsSent by provider', [customSearch('EmailsSent', 'Sum', 'Provider')]),
      graph('Provider fallbacks by reason', [customSearch('ProviderFallbacks', 'Sum', 'Reason')]),
    );
    this.dashboard.addWidgets(
      graph('SendLatency (ms) p50 / p90 / p99', percentiles('SendLatency')),
      graph('TimeToSend (ms) p50 / p90 / p99', percentiles('TimeToSend')),
    );
    this.dashboard.addWidgets(
      graph('SES reputation', [bounceRate, complaintRate], {
        leftAnnotations: [
          { value: 0.04, label: 'bounce alarm', color: cloudwatch.Color.ORANGE },
          { value: 0.0008, label: 'complaint alarm', color: cloudwatch.Color.RED },
        ],
      }),
      graph('API requests', [apiCount, api4xx, api5xx]),
    );
    this.dashboard.addWidgets(
      graph(
        'API latency (ms)',
        ['p50', 'p90', 'p99'].map((p) => props.httpApi.metricLatency({ period: Duration.minutes(5), statistic: p, label: `Latency ${p}` })),
      ),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 12, height: 6 }),
    );
  }
}
