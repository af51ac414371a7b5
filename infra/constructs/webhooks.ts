import { Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '#shared/config/env';
import { ACTIVITY_DETAIL_TYPES } from '#shared/domain/activity';
import { WEBHOOK_SUBSCRIBED_FIELD } from '#shared/domain/outbound-events';
import { EventQueue } from './event-queue';
import { EMAIL_REQUESTED, MAILROOM_EVENT_SOURCE } from './events';
import { deadLetterQueue, HARDENED_QUEUE, visibilityFor } from './lanes';
import { MailroomFunction } from './mailroom-function';

/**
 * Receives of one delivery message before SQS itself dead-letters it. Retries (up to 8 attempts
 * over ~27 h) and "endpoint busy" returns are counted by the function, which parks a spent event on
 * the DLQ itself; this bound only catches a message that crashes the function every time.
 */
export const WEBHOOK_DELIVERY_MAX_RECEIVES = 1_000;

/** Batching window of the fan-out queue's event source mapping (seconds). */
export const WEBHOOK_FANOUT_WINDOW_SECONDS = 5;

export interface WebhooksProps {
  readonly table: ITable;
  /** The Mailroom bus whose "Email …" events are fanned out to webhooks. */
  readonly bus: events.IEventBus;
  /** The `/webhooks…` API function: replay puts deliveries on the queue. */
  readonly apiFunction: MailroomFunction;
  /** Deliveries in flight per endpoint across all workers. @default 4 */
  readonly perEndpointConcurrency?: number;
}

/**
 * The fan-out rule's pattern: Mailroom's own events (source mailroom, this account) that someone
 * there listens to — a type the activity log records, or an event its publisher marked because a
 * webhook of the email's tenant subscribes to it (shared/domain/outbound-events.ts reachesFanOut).
 * A tenant without webhooks costs the fan-out nothing for its sent, delivered, opened and clicked mail.
 */
export function fanOutEventPattern(account: string): events.EventPattern {
  return {
    source: [MAILROOM_EVENT_SOURCE],
    account: [account],
    // EventBridge's $or (not in the CDK's EventPattern type): either branch admits the event.
    ...({
      $or: [
        { 'detail-type': [...ACTIVITY_DETAIL_TYPES] },
        { 'detail-type': events.Match.anythingBut(EMAIL_REQUESTED), detail: { [WEBHOOK_SUBSCRIBED_FIELD]: [true] } },
      ],
    } as events.EventPattern),
  };
}

/**
 * Webhook delivery, one consumer of the bus among others: a rule puts the outbound "Email …"
 * events someone listens to on the fan-out queue (fanOutEventPattern); the fan-out function writes one logged event per subscribed webhook
 * and queues one delivery each; the delivery function signs and posts, hiding a failed message for
 * the retry delay (ChangeMessageVisibility) and parking it on the delivery DLQ when the budget is
 * spent. Both DLQs are alarmed by Observability (`eventDlqs`).
 */
export class Webhooks extends Construct {
  public readonly eventQueue: sqs.Queue;
  public readonly eventDeadLetterQueue: sqs.Queue;
  public readonly deliveryQueue: sqs.Queue;
  public readonly deliveryDeadLetterQueue: sqs.Queue;
  public readonly fanoutFn: MailroomFunction;
  public readonly deliveryFn: MailroomFunction;
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: WebhooksProps) {
    super(scope, id);

    this.fanoutFn = new MailroomFunction(this, 'FanoutFunction', {
      name: 'webhook-fanout',
      description: 'Mailroom: outbound events → one webhook delivery per subscribed endpoint',
      timeout: Duration.seconds(30),
    });
    this.deliveryFn = new MailroomFunction(this, 'DeliveryFunction', {
      name: 'webhook-delivery',
      description: 'Mailroom: signs and posts webhook events, with retries and a delivery log',
      // A batch of 10 posts in parallel, each with a 10 s receiver timeout, with room to spare.
      timeout: Duration.seconds(60),
      environment: { [ENV.WEBHOOK_CONCURRENCY]: String(props.perEndpointConcurrency ?? 4) },
    });

    // Notable events and those a webhook subscribes to come through here: a 5 s batching window makes batches
    // of up to 10 below a backlog (a receive, a delete and an invocation per batch, not per event),
    // at the price of up to 5 s before a webhook is queued or an activity item written.
    const fanout = new EventQueue(this, 'Events', {
      fn: this.fanoutFn,
      name: 'webhook',
      batchSize: 10,
      maxConcurrency: 5,
      maxBatchingWindow: Duration.seconds(WEBHOOK_FANOUT_WINDOW_SECONDS),
    });
    this.eventQueue = fanout.queue;
    this.eventDeadLetterQueue = fanout.deadLetterQueue;
    this.rule = new events.Rule(this, 'Rule', {
      description: 'Mailroom: outbound "Email …" events a webhook or the activity log listens to → webhook fan-out queue',
      eventBus: props.bus,
      // Only what Mailroom itself reported (source mailroom, this account): a publisher's event never reaches a webhook.
      eventPattern: fanOutEventPattern(Stack.of(this).account),
      targets: [fanout.target],
    });

    // Named after the stack so the DLQ's redrive-allow policy can name it without a reference cycle.
    const stack = Stack.of(this);
    const deliveryQueueName = `${stack.stackName}-webhook-deliveries`;
    this.deliveryDeadLetterQueue = deadLetterQueue(this, 'DeliveryDeadLetterQueue', 'the webhook delivery queue', [
      stack.formatArn({ service: 'sqs', resource: deliveryQueueName }),
    ]);
    this.deliveryQueue = new sqs.Queue(this, 'DeliveryQueue', {
      ...HARDENED_QUEUE,
      queueName: deliveryQueueName,
      visibilityTimeout: visibilityFor(this.deliveryFn.timeout!),
      deadLetterQueue: { queue: this.deliveryDeadLetterQueue, maxReceiveCount: WEBHOOK_DELIVERY_MAX_RECEIVES },
    });
    // MaximumConcurrency bounds all deliveries; the per-endpoint cap (DynamoDB leases) keeps one slow receiver from taking them all.
    this.deliveryFn.addEventSource(new SqsEventSource(this.deliveryQueue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 20 }));

    for (const fn of [this.fanoutFn, this.deliveryFn, props.apiFunction]) this.bindQueues(fn);
    this.fanoutFn.bindTable(props.table, 'readwrite');
    this.deliveryFn.bindTable(props.table, 'readwrite');
  }

  /** ENV.WEBHOOK_QUEUE_URL / WEBHOOK_DLQ_URL plus sqs:SendMessage on both (queue deliveries, park spent ones). */
  private bindQueues(fn: MailroomFunction): void {
    fn.addEnvironment(ENV.WEBHOOK_QUEUE_URL, this.deliveryQueue.queueUrl);
    fn.addEnvironment(ENV.WEBHOOK_DLQ_URL, this.deliveryDeadLetterQueue.queueUrl);
    this.deliveryQueue.grantSendMessages(fn);
    this.deliveryDeadLetterQueue.grantSendMessages(fn);
  }
}
