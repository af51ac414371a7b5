import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { LANES_BY_PRIORITY, type Lane } from '#shared/config/lanes';
import { pascal, UNTRACKED_LANES } from './lanes';
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
  schedulerFailures: 'scheduler-failures',
  ruleFailures: 'eventbridge-rule-failures',
  dynamoThrottles: 'dynamodb-throttles',
  dynamoErrors: 'dynamodb-system-errors',
} as const;
const runbook = (anchor: string) => `docs/runbook.md#${anchor}`;

/** Page: someone acts now (mail is stuck, lost or about to be refused). Ticket: someone looks today. */
export type Severity = 'page' | 'ticket';

/** What the alarms need of an API (the HTTP API, or the REST API of the LocalStack profile). */
export interface ApiMetrics {
  metricCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricClientError(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricServerError(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/** SES account thresholds: AWS reviews an account at 5 % bounces / 0.1 % complaints and advises staying under 2 % / 0.1 %. */
export const SES_THRESHOLDS = { bounceRate: 0.02, complaintRate: 0.0008, quotaTicket: 0.8, quotaPage: 0.95 } as const;

/** Alarm when a function's slowest invocation in 5 minutes used more than this share of its timeout. */
export const DURATION_NEAR_TIMEOUT = 0.8;

export interface ObservabilityProps {
  readonly laneQueues: LaneQueues;
  readonly laneDlqs: LaneQueues;
  /** Alarm when a lane's oldest message is older than this (seconds). */
  readonly laneMaxAgeSeconds: Readonly<Record<Lane, number>>;
  /** DLQs outside the lanes (intake, tracking, scheduler, webhooks): any message there pages. */
  readonly eventDlqs: Readonly<Record<string, IQueue>>;
  /** Every function of the stack: Errors, Throttles and Duration-near-timeout alarms each. */
  readonly functions: readonly MailroomFunction[];
  readonly api: ApiMetrics;
  /** EventBridge rules whose target failures (FailedInvocations, DLQ write failures) page. */
  readonly rules: readonly events.IRule[];
  /** EventBridge Scheduler group (absent when the stack does not use Scheduler). */
  readonly scheduleGroupName?: string;
  /** DynamoDB tables: throttled requests (ticket) and system errors (page). */
  readonly tables: readonly ITable[];
  /** Max24HourSend of the SES account: the quota alarms compare the day's sends with it. */
  readonly sesDailyQuota?: number;
  readonly alarmEmail?: string;
  /** Existing topics (pager, ticketing) that also receive page / ticket alarms. */
  readonly pageTopicArn?: string;
  readonly ticketTopicArn?: string;
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
 * Alarms, split into two SNS topics — page (act now) and ticket (look today) — each alarm naming
 * its runbook section, and the Mailroom dashboard (name generated, so two stacks never collide).
 *
 * Thresholds, and why:
 * - any DLQ visible > 0 (max over 1 min): a message there is an email or an event that gave up.
 *   Lane DLQs of critical/transactional mail, and the intake, tracking and scheduler DLQs, page;
 *   marketing/bulk and webhook DLQs open a ticket.
 * - lane oldest-message age > the lane's maxAgeSeconds for 2 consecutive minutes: a single late
 *   sample during a burst is normal, two in a row means the lane is not keeping up (critical pages).
 * - function Errors >= 1 in a 5-minute period: handlers report bad records as partial batch
 *   failures or typed HTTP answers, so an invocation error is always a bug or an outage (ticket).
 * - function Throttles >= 1 in 2 of 3 five-minute periods: sustained, not a single burst (ticket).
 * - function Duration (max) above 80 % of its timeout in 2 of 3 five-minute periods (ticket): the
 *   SDK timeouts, claim lease and visibility timeout are all derived from the function timeout.
 * - SES Reputation.BounceRate > 2 % (AWS advises staying under 2 %; review at 5 %) and
 *   ComplaintRate > 0.08 % (review at 0.1 %), max over 15 min: page.
 * - SES sends in the last 24 h above 80 % (ticket) / 95 % (page) of the account's Max24HourSend.
 * - Scheduler: any target error, dropped invocation or failed DLQ write in the group (page).
 * - EventBridge rules: any FailedInvocations or InvocationsFailedToBeSentToDlq (page).
 * - DynamoDB: SystemErrors > 0 (page); ThrottledRequests > 0 in 2 of 3 five-minute periods (ticket).
 * - ProviderFallbacks > 0 (5 min): mail is leaving through SMTP, SES is unhealthy (ticket).
 * - BreakerOpen max >= 1 (1 min): a provider's circuit breaker is open (page).
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
  public readonly dashboard: cloudwatch.Dashboard;
  private readonly alarm: (alarmId: string, severity: Severity, alarmProps: cloudwatch.AlarmProps) => cloudwatch.Alarm;
  private readonly watched = new Set<MailroomFunction>();

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);

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
    const anyOf = (alarmId: string, severity: Severity, description: string, metrics: Record<string, cloudwatch.IMetric>, anchor: string) =>
      alarm(alarmId, severity, {
        alarmDescription: `${description}. Runbook: ${runbook(anchor)}`,
        metric: new cloudwatch.MathExpression({
          expression: Object.keys(metrics).join(' + '),
          usingMetrics: metrics,
          period: Duration.minutes(5),
          label: description,
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });

    for (const lane of LANES_BY_PRIORITY) {
      const name = pascal(lane.name);
      const urgent = UNTRACKED_LANES.includes(lane.name);
      dlqAlarm(
        `${name}DlqNotEmptyAlarm`,
        urgent ? 'page' : 'ticket',
        props.laneDlqs[lane.name],
        `Mailroom ${lane.name} lane: messages in the DLQ (emails that exhausted their attempts)`,
        RUNBOOK.laneDlq,
      );
      const maxAge = props.laneMaxAgeSeconds[lane.name];
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

    for (const fn of props.functions) this.watchFunction(fn);

    if (props.scheduleGroupName) {
      const scheduler = (metricName: string) =>
        new cloudwatch.Metric({
          namespace: 'AWS/Scheduler',
          metricName,
          dimensionsMap: { ScheduleGroup: props.scheduleGroupName! },
          statistic: 'Sum',
          period: Duration.minutes(5),
        });
      anyOf(
        'SchedulerFailuresAlarm',
        'page',
        'EventBridge Scheduler could not deliver scheduled sends (target errors, dropped invocations or failed DLQ writes)',
        {
          targetErrors: scheduler('TargetErrorCount'),
          dropped: scheduler('InvocationDroppedCount'),
          dlqFailed: scheduler('InvocationsFailedToBeSentToDeadLetterCount'),
        },
        RUNBOOK.schedulerFailures,
      );
    }

    props.rules.forEach((rule, i) => {
      const metric = (metricName: string) =>
        new cloudwatch.Metric({
          namespace: 'AWS/Events',
          metricName,
          dimensionsMap: { RuleName: rule.ruleName },
          statistic: 'Sum',
          period: Duration.minutes(5),
        });
      anyOf(
        `RuleFailures${i}Alarm`,
        'page',
        `EventBridge rule ${rule.node.path}: target invocations failed or could not be written to its DLQ`,
        { failed: metric('FailedInvocations'), dlqFailed: metric('InvocationsFailedToBeSentToDlq') },
        RUNBOOK.ruleFailures,
      );
    });

    props.tables.forEach((table) => {
      const tableId = pascal(table.node.id);
      const operations = [
        dynamodb.Operation.GET_ITEM,
        dynamodb.Operation.PUT_ITEM,
        dynamodb.Operation.UPDATE_ITEM,
        dynamodb.Operation.DELETE_ITEM,
        dynamodb.Operation.QUERY,
        dynamodb.Operation.BATCH_GET_ITEM,
        dynamodb.Operation.BATCH_WRITE_ITEM,
        dynamodb.Operation.TRANSACT_WRITE_ITEMS,
        dynamodb.Operation.EXECUTE_STATEMENT,
        dynamodb.Operation.BATCH_EXECUTE_STATEMENT,
      ];
      alarm(`${tableId}SystemErrorsAlarm`, 'page', {
        alarmDescription: `DynamoDB table ${table.node.path}: system errors (HTTP 500 from DynamoDB). Runbook: ${runbook(RUNBOOK.dynamoErrors)}`,
        metric: table.metricSystemErrorsForOperations({ operations, period: Duration.minutes(5) }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
      alarm(`${tableId}ThrottlesAlarm`, 'ticket', {
        alarmDescription: `DynamoDB table ${table.node.path}: throttled requests. Runbook: ${runbook(RUNBOOK.dynamoThrottles)}`,
        metric: table.metricThrottledRequestsForOperations({ operations, period: Duration.minutes(5) }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      });
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
      // recipients, so with several recipients per email the real usage is higher: the margins are wide.
      for (const [severity, share] of [
        ['ticket', SES_THRESHOLDS.quotaTicket],
        ['page', SES_THRESHOLDS.quotaPage],
      ] as const) {
        alarm(`SesSendQuota${pascal(severity)}Alarm`, severity, {
          alarmDescription: `SES sends approaching the account's 24-hour quota (${props.sesDailyQuota}): above ${share * 100} %. Runbook: ${runbook(RUNBOOK.sendQuota)}`,
          metric: new cloudwatch.MathExpression({
            expression: `100 * (sent24h) / ${props.sesDailyQuota}`,
            usingMetrics: { sent24h: new cloudwatch.Metric({ namespace: 'AWS/SES', metricName: 'Send', statistic: 'Sum', period: Duration.days(1) }) },
            period: Duration.days(1),
            label: 'SES sends in 24 h, % of quota',
          }),
          threshold: share * 100,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
        });
      }
    }

    alarm('ProviderFallbackAlarm', 'ticket', {
      alarmDescription: `Mailroom is sending through the SMTP fallback (ProviderFallbacks > 0). Runbook: ${runbook(RUNBOOK.providerFallback)}`,
      metric: customTotal('ProviderFallbacks', 'SUM', Duration.minutes(5), 'Provider fallbacks'),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
    alarm('BreakerOpenAlarm', 'page', {
      alarmDescription: `A provider circuit breaker is open (BreakerOpen >= 1). Runbook: ${runbook(RUNBOOK.breakerOpen)}`,
      metric: customTotal('BreakerOpen', 'MAX', Duration.minutes(1), 'Breaker open'),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    alarm('EmailsFailedAlarm', 'ticket', {
      alarmDescription: `Emails are failing permanently (EmailsFailed >= 5 in 15 min). Runbook: ${runbook(RUNBOOK.emailsFailed)}`,
      metric: customTotal('EmailsFailed', 'SUM', Duration.minutes(15), 'Emails failed'),
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });

    const apiCount = props.api.metricCount({ period: Duration.minutes(5), statistic: 'Sum', label: 'Requests' });
    const api4xx = props.api.metricClientError({ period: Duration.minutes(5), statistic: 'Sum', label: '4xx' });
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

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
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
          { value: SES_THRESHOLDS.bounceRate, label: 'bounce alarm', color: cloudwatch.Color.ORANGE },
          { value: 0.0008, label: 'complaint alarm', color: cloudwatch.Color.RED },
        ],
      }),
      graph('API requests', [apiCount, api4xx, api5xx]),
    );
    this.dashboard.addWidgets(
      graph(
        'API latency (ms)',
        ['p50', 'p90', 'p99'].map((p) => props.api.metricLatency({ period: Duration.minutes(5), statistic: p, label: `Latency ${p}` })),
      ),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 12, height: 6 }),
    );
  }

  /**
   * Errors, Throttles and Duration-near-timeout alarms (ticket) for a function; once per function.
   * The stack calls it again at the end for every function, so one added later is watched too.
   */
  public watchFunction(fn: MailroomFunction): void {
    if (this.watched.has(fn)) return;
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
