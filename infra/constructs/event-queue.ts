import { Duration, Stack } from 'aws-cdk-lib';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterQueue, HARDENED_QUEUE, visibilityFor } from './lanes';
import type { MailroomFunction } from './mailroom-function';

/** Receives of one event before its DLQ: with the handlers' backoff (30 s doubling to 15 min) about an hour. */
export const EVENT_QUEUE_MAX_RECEIVE_COUNT = 10;

export interface EventQueueProps {
  /** The function that consumes the queue (its handler uses shared/http/queued-events.ts). */
  readonly fn: MailroomFunction;
  /** Who the queue is for: names the queue (`<stack>-<name>-events`) and the DLQ's nag reason. */
  readonly name: string;
  readonly batchSize?: number;
  /** Event source mapping MaximumConcurrency (2..1000). */
  readonly maxConcurrency?: number;
  readonly maxBatchingWindow?: Duration;
}

/**
 * EventBridge rule → SQS queue → event source mapping → function, so no event is lost once it
 * is accepted: a failed record is reported as a batch item failure, backed off by the handler
 * (ChangeMessageVisibility), redelivered, and after EVENT_QUEUE_MAX_RECEIVE_COUNT receives moved
 * to the DLQ, which also takes events the rule could not put into the queue. (A Lambda target
 * instead gets two asynchronous retries and then drops the event.)
 */
export class EventQueue extends Construct {
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  /** The rule target: into the queue, with the DLQ for events EventBridge could not deliver. */
  public readonly target: targets.SqsQueue;

  constructor(scope: Construct, id: string, props: EventQueueProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const timeout = props.fn.timeout ?? Duration.seconds(3);
    // Named after the stack so the DLQ's redrive-allow policy can name it without a reference cycle.
    const queueName = `${stack.stackName}-${props.name}-events`;
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', `the ${props.name} event queue and its rule target`, [
      stack.formatArn({ service: 'sqs', resource: queueName }),
    ]);
    this.queue = new sqs.Queue(this, 'Queue', {
      ...HARDENED_QUEUE,
      queueName,
      visibilityTimeout: visibilityFor(timeout, props.maxBatchingWindow),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: EVENT_QUEUE_MAX_RECEIVE_COUNT },
    });
    props.fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: props.batchSize ?? 10,
        ...(props.maxBatchingWindow ? { maxBatchingWindow: props.maxBatchingWindow } : {}),
        ...(props.maxConcurrency ? { maxConcurrency: props.maxConcurrency } : {}),
        reportBatchItemFailures: true,
      }),
    );
    this.target = new targets.SqsQueue(this.queue, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 185,
      maxEventAge: Duration.hours(24),
    });
  }
}
