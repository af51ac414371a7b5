import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '#shared/config/env';
import { EMAIL_REQUESTED, publisherBindings } from './events';
import { EventQueue } from './event-queue';
import { MailroomFunction, type LaneQueues, type SchedulerBinding, type TableSchedulerBinding } from './mailroom-function';
import type { IntakePublisherSetting } from './settings';

export interface IntakeProps {
  readonly bus: events.IEventBus;
  readonly table: ITable;
  readonly idempotencyTable: ITable;
  readonly laneQueues: LaneQueues;
  readonly attachmentsBucket: IBucket;
  readonly scheduler: SchedulerBinding | TableSchedulerBinding;
  /** Who may request mail for which tenants: intake re-checks every event against it. */
  readonly publishers: readonly IntakePublisherSetting[];
}

/**
 * EventBridge intake: "Email Requested" events on the Mailroom bus → the intake queue → the intake
 * function (event source mapping, partial batch failures, backoff, DLQ), which accepts them exactly
 * like POST /emails once the publisher is found bound to the event's tenant.
 */
export class Intake extends Construct {
  public readonly fn: MailroomFunction;
  public readonly rule: events.Rule;
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: IntakeProps) {
    super(scope, id);

    this.fn = new MailroomFunction(this, 'Function', {
      name: 'intake',
      description: 'Mailroom: accepts "Email Requested" events',
      timeout: Duration.seconds(30),
      environment: { [ENV.INTAKE_PUBLISHERS]: JSON.stringify(publisherBindings(props.publishers)) },
    });
    this.fn.bindAcceptEmail(props);

    const delivery = new EventQueue(this, 'Events', { fn: this.fn, name: 'intake', batchSize: 10, maxConcurrency: 5 });
    this.queue = delivery.queue;
    this.deadLetterQueue = delivery.deadLetterQueue;

    this.rule = new events.Rule(this, 'Rule', {
      description: 'Mailroom: "Email Requested" → intake queue → intake function',
      eventBus: props.bus,
      eventPattern: { detailType: [EMAIL_REQUESTED] },
      targets: [delivery.target],
    });
  }
}
