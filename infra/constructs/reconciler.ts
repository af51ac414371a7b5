import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRIC } from '#shared/observability/metrics';
import { type LaneQueues, MailroomFunction } from './mailroom-function';
import { customMetric } from './observability';

export interface ReconcilerProps {
  readonly table: ITable;
  readonly laneQueues: LaneQueues;
  /** Where the stuck-emails alarm goes (the page topic); none in profiles without alarms. */
  readonly alarmTopic?: ITopic;
}

/** Runbook anchor of the stuck-emails alarm. */
export const STUCK_EMAILS_RUNBOOK = 'docs/runbook.md#emails-stuck';

/** Consecutive one-minute runs that must find stuck emails before the alarm fires. */
export const STUCK_EMAILS_ALARM_MINUTES = 5;

/**
 * The outbox's safety net: an EventBridge rule runs the reconciler every minute; it reads the
 * table's sparse `pending` index and re-enqueues emails stuck on their way (shared/use-cases/
 * reconcile-emails.ts). It only reads that index and sends lane messages, so it needs the table and
 * SendMessage on the lane queues, nothing else (an email stuck `scheduled` is past due: it goes
 * straight to its lane, never through Scheduler).
 *
 * The alarm: `StuckEmails` (max of the reconciler's one-minute runs) >= 1 for 5 minutes in a row.
 * A lost message is fixed on the next run, so one stuck minute is the safety net working; five mean
 * re-enqueueing does not help (a lane that cannot keep up, a sender that keeps crashing). It also
 * stands for the signals folded into it (docs/runbook.md#alarms): the backlog age of every lane
 * without its own age alarm (a queued email counts as stuck after its lane's age threshold), lost
 * or failed Scheduler invocations (a scheduled email past due is stuck), and DynamoDB system errors
 * on the send path.
 */
export class Reconciler extends Construct {
  public readonly fn: MailroomFunction;
  public readonly rule: events.Rule;
  public readonly stuckAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ReconcilerProps) {
    super(scope, id);
    this.fn = new MailroomFunction(this, 'Function', {
      name: 'reconciler',
      description: 'Mailroom: re-enqueues emails stuck on their way (every minute)',
      timeout: Duration.seconds(60),
    });
    this.fn.bindTable(props.table, 'readwrite').bindLaneQueues(props.laneQueues, { send: true });

    this.rule = new events.Rule(this, 'EveryMinute', {
      description: 'Mailroom: run the reconciler every minute',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      // A missed run is made up by the next one a minute later: no retries, no DLQ to watch.
      targets: [new targets.LambdaFunction(this.fn, { retryAttempts: 0, maxEventAge: Duration.minutes(1) })],
    });

    // The exact series the reconciler publishes ({service}, only in minutes that find stuck emails):
    // one billed alarm metric (a Metrics Insights query is billed per series it reads).
    const stuck = customMetric(METRIC.StuckEmails, 'Maximum', Duration.minutes(1));
    this.stuckAlarm = new cloudwatch.Alarm(this, 'StuckEmailsAlarm', {
      alarmDescription: `[page] Emails stuck on their way (queued, scheduled past due, sending with an expired lease) that the reconciler could not move for ${STUCK_EMAILS_ALARM_MINUTES} minutes. See ${STUCK_EMAILS_RUNBOOK}`,
      metric: stuck,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: STUCK_EMAILS_ALARM_MINUTES,
      datapointsToAlarm: STUCK_EMAILS_ALARM_MINUTES,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) this.notify(props.alarmTopic);
  }

  /** Sends the stuck-emails alarm (and its recovery) to `topic`: the page topic. */
  public notify(topic: ITopic): void {
    this.stuckAlarm.addAlarmAction(new SnsAction(topic));
    this.stuckAlarm.addOkAction(new SnsAction(topic));
  }
}
