import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { LANES_BY_PRIORITY, type Lane } from '#shared/config/lanes';
import { METRIC, type MetricName } from '#shared/observability/metrics';
import { METRIC_SERVICE } from '#shared/observability/metric-series';
import { pascal, UNTRACKED_LANES } from './lanes';
import type { LaneQueues, MailroomFunction } from './mailroom-function';

/** Namespace of Mailroom's own (EMF) metrics; the functions set POWERTOOLS_METRICS_NAMESPACE to it. */
export const CUSTOM_NAMESPACE = 'Mailroom';
/** The only dimensions Mailroom's own metrics carry (never email id, tenant or recipient). */
export const CUSTOM_DIMENSIONS = ['Lane', 'Provider', 'Reason'] as const;
type CustomDimension = (typeof CUSTOM_DIMENSIONS)[number];

/**
 * Runbook anchors: every alarm description points operators at docs/runbook.md#<anchor>. The
 * per-function duration anchor is used only with `-c functionAlarms=function`.
 */
export const RUNBOOK = {
  laneDlq: 'lane-dlq-not-empty',
  laneAge: 'lane-backlog-too-old',
  eventDlq: 'event-dlq-not-empty',
  functionErrors: 'function-errors',
  functionThrottles: 'function-throttles',
  functionDuration: 'function-duration-near-timeout',
  bounceRate: 'ses-bounce-rate',
  complaintRate: 'ses-complaint-rate',
  sendQuota: 'ses-send-quota',
  providerFallback: 'provider-fallback-in-use',
  breakerOpen: 'circuit-breaker-open',
  emailsFailed: 'emails-failing',
  api5xx: 'api-5xx-rate',
  dynamoThrottles: 'dynamodb-throttles',
} as const;
/** Signals that have no alarm of their own any more: the runbook section that says where each went. */
export const FOLDED_RUNBOOK = {
  schedulerFailures: 'scheduler-failures',
  ruleFailures: 'eventbridge-rule-failures',
  dynamoErrors: 'dynamodb-system-errors',
} as const;
const runbook = (anchor: string) => `docs/runbook.md#${anchor}`;

/** Page: someone acts now (mail is stuck, lost or about to be refused). Ticket: someone looks today. */
export type Severity = 'page' | 'ticket';

/**
 * `account` (default): one Errors and one Throttles alarm on the account-wide AWS/Lambda metrics
 * (no FunctionName dimension: 2 billed alarm metrics for all functions; in an account Mailroom
 * shares, other functions' errors count too). `function`: Errors, Throttles and Duration near the
 * timeout of every function (3 per function, 63 metrics for 21 functions).
 */
export const FUNCTION_ALARM_SCOPES = ['account', 'function'] as const;
export type FunctionAlarmScope = (typeof FUNCTION_ALARM_SCOPES)[number];

/** What the alarms need of an API (the HTTP API, or the REST API of the LocalStack profile). */
export interface ApiMetrics {
  metricCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricClientError(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricServerError(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/**
 * SES account thresholds: AWS reviews an account at 5 % bounces / 0.1 % complaints and advises
 * staying under 2 % / 0.1 %. The send-quota alarm pages at 90 % of Max24HourSend.
 */
export const SES_THRESHOLDS = { bounceRate: 0.02, complaintRate: 0.0008, quotaPage: 0.9 } as const;

/** Alarm when a function's slowest invocation in 5 minutes used more than this share of its timeout (`functionAlarms=function`). */
export const DURATION_NEAR_TIMEOUT = 0.8;

export interface ObservabilityProps {
  readonly laneQueues: LaneQueues;
  readonly laneDlqs: LaneQueues;
  /**
   * Lanes with an oldest-message alarm, and its threshold (seconds): the critical lane (pages) and
   * every lane named in `-c laneMaxAgeSeconds` (tickets). The other lanes' backlogs are watched by
   * the reconciler's stuck-emails alarm (an email queued longer than its lane's age threshold is stuck).
   */
  readonly backlogAgeAlarms: Readonly<Partial<Record<Lane, number>>>;
  /** DLQs outside the lanes (intake, tracking, scheduler, webhooks): any message there alarms. */
  readonly eventDlqs: Readonly<Record<string, IQueue>>;
  /** `account` (default) or `function`: see FUNCTION_ALARM_SCOPES. */
  readonly functionAlarms?: FunctionAlarmScope;
  readonly api: ApiMetrics;
  /** The main table: write throttling (a hot tenant partition or index) opens a ticket. */
  readonly table: ITable;
  /** Max24HourSend of the SES account: the quota alarm compares the day's sends with it. */
  readonly sesDailyQuota?: number;
  /** Build the CloudWatch dashboard ($3 a month): `-c dashboard=true`. */
  readonly dashboard?: boolean;
  readonly alarmEmail?: string;
  /** Existing topics (pager, ticketing) that also receive page / ticket alarms. */
  readonly pageTopicArn?: string;
  readonly ticketTopicArn?: string;
}

/**
 * One series of Mailroom's own metrics, with its exact dimensions: `service` (Powertools adds it to
 * every metric) plus `dimensions`. (A label makes CloudFormation render an alarm's metric as a
 * math query: alarms pass none.) shared/observability/metric-series.ts lists every series the
 * functions publish, and test/unit/metric-series.test.ts holds the code to it, so an alarm on an
 * exact series is one billed metric (a Metrics Insights query is billed per series it reads).
 */
export function customMetric(
  metricName: MetricName,
  statistic: string,
  period: Duration,
  dimensions: Readonly<Record<string, string>> = {},
  label?: string,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: CUSTOM_NAMESPACE,
    metricName,
    dimensionsMap: { service: METRIC_SERVICE, ...dimensions },
    statistic,
    period,
    ...(label ? { label } : {}),
  });
}

/**
 * Every series of a custom metric that carries `by`, via SEARCH (dashboard only: alarms cannot use
 * SEARCH), without pinning the rest of the dimension set.
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
 * Alarms, split into two SNS topics — page (act now) and ticket (look today) — each alarm naming
 * its runbook section, and optionally the Mailroom dashboard (name generated, so two stacks never
 * collide).
 *
 * CloudWatch bills an alarm per metric it reads ($0.10 a month each: a math alarm every metric in
 * its expression), so the set is what an operator pages or tickets on, each signal watched once, on
 * the cheapest metric that carries it (docs/runbook.md#alarms says which signals were folded where):
 * - any DLQ visible > 0 (max over 1 min): a message there is an email or an event that gave up.
 *   Lane DLQs of critical/transactional mail, and the intake, tracking and scheduler DLQs, page;
 *   marketing/bulk and webhook DLQs open a ticket. One alarm per DLQ: a math alarm over them
 *   would bill the same metrics and could not say which queue.
 * - the critical lane's oldest message older than its threshold for 2 consecutive minutes (page);
 *   other lanes only when `-c laneMaxAgeSeconds` names them (ticket). The reconciler's
 *   stuck-emails alarm (infra/constructs/reconciler.ts) covers every lane's backlog.
 * - Lambda Errors >= 1 in 5 minutes, account-wide (ticket): handlers report bad records as partial
 *   batch failures or typed HTTP answers, so an invocation error is a bug, an outage or a timeout.
 * - Lambda Throttles >= 1 in 2 of 3 five-minute periods, account-wide: sustained, not a burst (ticket).
 * - SES Reputation.BounceRate > 2 % and ComplaintRate > 0.08 %, max over 15 min: page.
 * - SES sends in the last 24 h above 90 % of the account's Max24HourSend (page).
 * - DynamoDB WriteThrottleEvents of the main table in 2 of 3 five-minute periods (ticket).
 * - ProviderFallbacks > 0 (5 min): mail is leaving through SMTP, SES is unhealthy (ticket).
 * - BreakerOpen >= 1 (1 min): SES's circuit breaker is open (page).
 * - EmailsFailed >= 5 in 15 min: single failures are normal (bad addresses); a cluster is not (ticket).
 * - API 5xx > 1 % of requests in 2 consecutive 5-minute periods, counted only from 20 requests up
 *   so one error on a quiet API does not page.
 */
export class Observability extends Construct {
  public readonly pageTopic: sns.Topic;
  public readonly ticketTopic: sns.Topic;
  public readonly alarms: cloudwatch.Alarm[] = [];
  /** Severity of each alarm (same order as `alarms`). */
  public readonly severities = new Map<cloudwatch.Alarm, Severity>();
  /** The dashboard, when `dashboard` is on. */
  public readonly dashboard?: cloudwatch.Dashboard;
  public readonly functionAlarms: FunctionAlarmScope;
  private readonly alarm: (alarmId: string, severity: Severity, alarmProps: cloudwatch.AlarmProps) => cloudwatch.Alarm;
  private readonly watched = new Set<MailroomFunction>();

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.functionAlarms = props.functionAlarms ?? 'account';

    // Not KMS-encrypted on purpose: CloudWatch alarms cannot publish to a topic encrypted with the
    // AWS managed key alias/aws/sns, and the topics carry only alarm state changes (no email
    // content or addresses), so a customer managed key would add cost and protect nothing.
    // (cdk-nag 3's AwsSolutions pack has no SNS2 rule any more; SNS3, TLS-only, is met.)
    this.pageTopic = new sns.Topic(this, 'PageTopic', { displayName: 'Mailroom: page (act now)', enforceSSL: true });
    this.ticketTopic = new sns.Topic(this, 'TicketTopic', { displayName: 'Mailroom: ticket (look today)', enforceSSL: true });
    if (props.alarmEmail) {
      this.pageTopic.addSubscription(new EmailSubscription(props.alarmEmail));
      this.ticketTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    }
    const actions: Record<Severity, SnsAction[]> = {
      page: [new SnsAction(this.pageTopic)],
      ticket: [new SnsAction(this.ticketTopic)],
    };
    if (props.pageTopicArn) actions.page.push(new SnsAction(sns.Topic.fromTopicArn(this, 'ExternalPageTopic', props.pageTopicArn)));
    if (props.ticketTopicArn) actions.ticket.push(new SnsAction(sns.Topic.fromTopicArn(this, 'ExternalTicketTopic', props.ticketTopicArn)));

    const alarm = (alarmId: string, severity: Severity, alarmProps: cloudwatch.AlarmProps): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...alarmProps,
        alarmDescription: `[${severity}] ${alarmProps.alarmDescription ?? ''}`,
      });
      created.addAlarmAction(...actions[severity]);
      created.addOkAction(...actions[severity]);
      this.alarms.push(created);
      this.severities.set(created, severity);
      return created;
    };
    this.alarm = alarm;
    const dlqAlarm = (alarmId: string, severity: Severity, queue: IQueue, what: string, anchor: string) =>
      alarm(alarmId, severity, {
        alarmDescription: `${what}. Runbook: ${runbook(anchor)}`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });

    for (const lane of LANES_BY_PRIORITY) {
      const name = pascal(lane.name);
      dlqAlarm(
        `${name}DlqNotEmptyAlarm`,
        UNTRACKED_LANES.includes(lane.name) ? 'page' : 'ticket',
        props.laneDlqs[lane.name],
        `Mailroom ${lane.name} lane: messages in the DLQ (emails that exhausted their attempts)`,
        RUNBOOK.laneDlq,
      );
      const maxAge = props.backlogAgeAlarms[lane.name];
      if (maxAge === undefined) continue;
      alarm(`${name}BacklogAgeAlarm`, lane.name === 'critical' ? 'page' : 'ticket', {
        alarmDescription: `Mailroom ${lane.name} lane: oldest message older than ${maxAge} s. Runbook: ${runbook(RUNBOOK.laneAge)}`,
        metric: props.laneQueues[lane.name].metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: maxAge,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
      });
    }

    for (const [name, queue] of Object.entries(props.eventDlqs)) {
      dlqAlarm(
        `${pascal(name)}DlqNotEmptyAlarm`,
        // A tenant's endpoint being down is theirs to fix: look today, do not page.
        name.startsWith('webhook') ? 'ticket' : 'page',
        queue,
        `Mailroom ${name} DLQ: events or schedules that could not be delivered or processed`,
        RUNBOOK.eventDlq,
      );
    }

    if (this.functionAlarms === 'account') {
      alarm('FunctionErrorsAlarm', 'ticket', {
        alarmDescription: `Lambda invocation errors (timeouts included), all functions of the account and region. Runbook: ${runbook(RUNBOOK.functionErrors)}`,
        metric: lambda.Function.metricAllErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
      alarm('FunctionThrottlesAlarm', 'ticket', {
        alarmDescription: `Lambda throttled invocations, all functions of the account and region. Runbook: ${runbook(RUNBOOK.functionThrottles)}`,
        metric: lambda.Function.metricAllThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      });
    }

    alarm('TableWriteThrottlesAlarm', 'ticket', {
      alarmDescription: `DynamoDB table ${props.table.node.path}: throttled writes (a hot partition or index). Runbook: ${runbook(RUNBOOK.dynamoThrottles)}`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/DynamoDB',
        metricName: 'WriteThrottleEvents',
        dimensionsMap: { TableName: props.table.tableName },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });

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
    alarm('SesBounceRateAlarm', 'page', {
      alarmDescription: `SES account bounce rate above ${SES_THRESHOLDS.bounceRate * 100} % (AWS advises staying under 2 %; review at 5 %). Runbook: ${runbook(RUNBOOK.bounceRate)}`,
      metric: bounceRate,
      threshold: SES_THRESHOLDS.bounceRate,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
    alarm('SesComplaintRateAlarm', 'page', {
      alarmDescription: `SES account complaint rate above 0.08 % (review at 0.1 %). Runbook: ${runbook(RUNBOOK.complaintRate)}`,
      metric: complaintRate,
      threshold: SES_THRESHOLDS.complaintRate,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });

    if (props.sesDailyQuota) {
      // Sends (SendEmail calls) over the last 24 h against Max24HourSend. SES counts the quota in
      // recipients, so with several recipients per email the real usage is higher: the margin is wide.
      alarm('SesSendQuotaAlarm', 'page', {
        alarmDescription: `SES sends approaching the account's 24-hour quota (${props.sesDailyQuota}): above ${SES_THRESHOLDS.quotaPage * 100} %. Runbook: ${runbook(RUNBOOK.sendQuota)}`,
        metric: new cloudwatch.MathExpression({
          expression: `100 * (sent24h) / ${props.sesDailyQuota}`,
          usingMetrics: { sent24h: new cloudwatch.Metric({ namespace: 'AWS/SES', metricName: 'Send', statistic: 'Sum', period: Duration.days(1) }) },
          period: Duration.days(1),
          label: 'SES sends in 24 h, % of quota',
        }),
        threshold: SES_THRESHOLDS.quotaPage * 100,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    alarm('ProviderFallbackAlarm', 'ticket', {
      alarmDescription: `Mailroom is sending through the SMTP fallback (ProviderFallbacks > 0). Runbook: ${runbook(RUNBOOK.providerFallback)}`,
      metric: customMetric(METRIC.ProviderFallbacks, 'Sum', Duration.minutes(5)),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
    alarm('BreakerOpenAlarm', 'page', {
      alarmDescription: `The SES circuit breaker is open (BreakerOpen >= 1). Runbook: ${runbook(RUNBOOK.breakerOpen)}`,
      metric: customMetric(METRIC.BreakerOpen, 'Maximum', Duration.minutes(1)),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    alarm('EmailsFailedAlarm', 'ticket', {
      alarmDescription: `Emails are failing permanently (EmailsFailed >= 5 in 15 min). Runbook: ${runbook(RUNBOOK.emailsFailed)}`,
      metric: customMetric(METRIC.EmailsFailed, 'Sum', Duration.minutes(15)),
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });

    const apiCount = props.api.metricCount({ period: Duration.minutes(5), statistic: 'Sum', label: 'Requests' });
    const api5xx = props.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum', label: '5xx' });
    alarm('Api5xxRateAlarm', 'page', {
      alarmDescription: `API 5xx above 1 % of requests. Runbook: ${runbook(RUNBOOK.api5xx)}`,
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

    if (props.dashboard) this.dashboard = this.buildDashboard(props, { bounceRate, complaintRate, apiCount, api5xx });
  }

  /** The Mailroom dashboard (`-c dashboard=true`): lanes, sends, providers, latency, reputation, API, functions, alarms. */
  private buildDashboard(
    props: ObservabilityProps,
    m: { bounceRate: cloudwatch.Metric; complaintRate: cloudwatch.Metric; apiCount: cloudwatch.Metric; api5xx: cloudwatch.Metric },
  ): cloudwatch.Dashboard {
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
    const lanes = LANES_BY_PRIORITY;
    const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 12, height: 6, ...extra });
    const percentiles = (metricName: string, by: CustomDimension) => ['p50', 'p90', 'p99'].map((p) => customSearch(metricName, p, by, `${metricName} ${p}`));
    const api4xx = props.api.metricClientError({ period: Duration.minutes(5), statistic: 'Sum', label: '4xx' });

    dashboard.addWidgets(
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
    dashboard.addWidgets(
      graph('EmailsSent by lane', [customSearch(METRIC.EmailsSent, 'Sum', 'Lane')]),
      graph('EmailsFailed by lane', [customSearch(METRIC.EmailsFailed, 'Sum', 'Lane')]),
    );
    dashboard.addWidgets(
      // One SendLatency sample per provider attempt: the attempts each provider got.
      graph('Send attempts by provider', [customSearch(METRIC.SendLatency, 'SampleCount', 'Provider')]),
      graph('Provider fallbacks', [customMetric(METRIC.ProviderFallbacks, 'Sum', Duration.minutes(5), {}, 'Provider fallbacks')]),
    );
    dashboard.addWidgets(
      graph('SendLatency (ms) p50 / p90 / p99', percentiles(METRIC.SendLatency, 'Provider')),
      graph('TimeToSend (ms) p50 / p90 / p99', percentiles(METRIC.TimeToSend, 'Lane')),
    );
    dashboard.addWidgets(
      graph('SES reputation', [m.bounceRate, m.complaintRate], {
        leftAnnotations: [
          { value: SES_THRESHOLDS.bounceRate, label: 'bounce alarm', color: cloudwatch.Color.ORANGE },
          { value: SES_THRESHOLDS.complaintRate, label: 'complaint alarm', color: cloudwatch.Color.RED },
        ],
      }),
      graph('API requests', [m.apiCount, api4xx, m.api5xx]),
    );
    dashboard.addWidgets(
      graph(
        'API latency (ms)',
        ['p50', 'p90', 'p99'].map((p) => props.api.metricLatency({ period: Duration.minutes(5), statistic: p, label: `Latency ${p}` })),
      ),
      graph('Lambda errors and throttles (account)', [
        lambda.Function.metricAllErrors({ period: Duration.minutes(5), statistic: 'Sum', label: 'Errors' }),
        lambda.Function.metricAllThrottles({ period: Duration.minutes(5), statistic: 'Sum', label: 'Throttles' }),
      ]),
    );
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 6 }));
    return dashboard;
  }

  /**
   * With `functionAlarms: 'function'`: Errors, Throttles and Duration-near-timeout alarms (ticket)
   * for a function, once per function. The stack calls it for every function at the end, so one
   * added later is watched too. With the default `account` scope the account-wide alarms cover it.
   */
  public watchFunction(fn: MailroomFunction): void {
    if (this.functionAlarms !== 'function' || this.watched.has(fn)) return;
    this.watched.add(fn);
    const alarm = this.alarm;
    const fnId = fn.node.path.split('/').slice(1).join('');
    alarm(`${fnId}ErrorsAlarm`, 'ticket', {
      alarmDescription: `Mailroom function ${fn.node.path} (${fn.mailroomName}): invocation errors. Runbook: ${runbook(RUNBOOK.functionErrors)}`,
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    alarm(`${fnId}ThrottlesAlarm`, 'ticket', {
      alarmDescription: `Mailroom function ${fn.node.path} (${fn.mailroomName}): throttled invocations. Runbook: ${runbook(RUNBOOK.functionThrottles)}`,
      metric: fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
    const timeoutMs = (fn.timeout ?? Duration.seconds(3)).toMilliseconds();
    alarm(`${fnId}DurationAlarm`, 'ticket', {
      alarmDescription: `Mailroom function ${fn.node.path} (${fn.mailroomName}): slowest invocation above ${DURATION_NEAR_TIMEOUT * 100} % of its ${timeoutMs / 1000} s timeout. Runbook: ${runbook(RUNBOOK.functionDuration)}`,
      metric: fn.metricDuration({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: Math.round(timeoutMs * DURATION_NEAR_TIMEOUT),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
  }
}
