import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterQueue } from './lanes';
import { MailroomFunction } from './mailroom-function';

export interface TrackingProps {
  readonly table: ITable;
  /** Mailroom's bus, where tracking publishes "Email Delivered", "Email Bounced", … */
  readonly bus: events.IEventBus;
  /** Only SES events of this configuration set are Mailroom's. */
  readonly configurationSetName: string;
}

/**
 * Delivery tracking: SES publishes events of the configuration set to the default bus (the only
 * bus SES can target); a rule there hands them to the tracking function.
 */
export class Tracking extends Construct {
  public readonly fn: MailroomFunction;
  public readonly rule: events.Rule;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: TrackingProps) {
    super(scope, id);

    this.fn = new MailroomFunction(this, 'Function', { name: 'tracking', description: 'Mailroom: records SES delivery events', timeout: Duration.seconds(30) });
    this.fn.bindTable(props.table, 'readwrite').bindEventBus(props.bus);

    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', 'the SES tracking rule target');

    // No eventBus → the account's default bus.
    this.rule = new events.Rule(this, 'SesEventsRule', {
      description: 'Mailroom: SES events of the Mailroom configuration set → tracking function',
      eventPattern: {
        source: ['aws.ses'],
        // SES tags every event with its configuration set; other SES users of the account are not ours.
        detail: { mail: { tags: { 'ses:configuration-set': [props.configurationSetName] } } },
      },
      targets: [
        new targets.LambdaFunction(this.fn, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });
  }
}
