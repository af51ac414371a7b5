import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EMAIL_REQUESTED } from './events';
import { deadLetterQueue } from './lanes';
import { MailroomFunction, type LaneQueues, type SchedulerBinding } from './mailroom-function';

export interface IntakeProps {
  readonly bus: events.IEventBus;
  readonly table: ITable;
  readonly idempotencyTable: ITable;
  readonly laneQueues: LaneQueues;
  readonly attachmentsBucket: IBucket;
  readonly scheduler: SchedulerBinding;
}

/**
 * EventBridge intake: "Email Requested" events on the Mailroom bus → the intake function, which
 * accepts them exactly like POST /emails. Events that cannot be delivered land in a DLQ.
 */
export class Intake extends Construct {
  public readonly fn: MailroomFunction;
  public readonly rule: events.Rule;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: IntakeProps) {
    super(scope, id);

    this.fn = new MailroomFunction(this, 'Function', {
      name: 'intake',
      description: 'Mailroom: accepts "Email Requested" events',
      timeout: Duration.seconds(30),
    });
    this.fn.bindAcceptEmail(props);

    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', 'the intake rule target');

    this.rule = new events.Rule(this, 'Rule', {
      description: 'Mailroom: "Email Requested" → intake function',
      eventBus: props.bus,
      eventPattern: { detailType: [EMAIL_REQUESTED] },
      targets: [
        new targets.LambdaFunction(this.fn, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });
  }
}
