import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EventQueue } from './event-queue';
import { MailroomFunction } from './mailroom-function';

export interface TrackingProps {
  readonly table: ITable;
  /** Mailroom's bus, where tracking publishes "Email Delivered", "Email Bounced", … */
  readonly bus: events.IEventBus;
  /** Only SES events of these configuration sets are Mailroom's. */
  readonly configurationSetNames: readonly string[];
}

/**
 * Delivery tracking: SES publishes events of the configuration sets to the default bus (the only
 * bus SES can target); a rule there puts them into the tracking queue, whose event source mapping
 * hands them to the tracking function. An event that beats the sender's `sent` write is reported
 * as failed, backed off and redelivered until the write lands (about an hour), then kept in the DLQ.
 */
export class Tracking extends Construct {
  public readonly fn: MailroomFunction;
  public readonly rule: events.Rule;
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: TrackingProps) {
    super(scope, id);

    this.fn = new MailroomFunction(this, 'Function', { name: 'tracking', description: 'Mailroom: records SES delivery events', timeout: Duration.seconds(30) });
    this.fn.bindTable(props.table, 'readwrite').bindEventBus(props.bus);

    // Batches of up to 10 events, gathered for up to 2 s below backlog (one invocation per batch,
    // not per event); at most 10 concurrent batches so a bounce storm cannot eat the table's budget.
    const delivery = new EventQueue(this, 'Events', {
      fn: this.fn,
      name: 'tracking',
      batchSize: 10,
      maxBatchingWindow: Duration.seconds(2),
      maxConcurrency: 10,
    });
    this.queue = delivery.queue;
    this.deadLetterQueue = delivery.deadLetterQueue;

    // No eventBus → the account's default bus.
    this.rule = new events.Rule(this, 'SesEventsRule', {
      description: 'Mailroom: SES events of the Mailroom configuration sets → tracking queue → tracking function',
      eventPattern: {
        source: ['aws.ses'],
        // SES tags every event with its configuration set; other SES users of the account are not ours.
        ...(props.configurationSetNames.length > 0 ? { detail: { mail: { tags: { 'ses:configuration-set': [...props.configurationSetNames] } } } } : {}),
      },
      targets: [delivery.target],
    });
  }
}
