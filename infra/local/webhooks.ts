/**
 * Webhooks in local mode: the fan-out and delivery queues in fauxqs, and pollers that invoke the
 * real fan-out and delivery handlers the way their event source mappings do as deployed. The local
 * event publisher copies every outbound event onto the fan-out queue (the EventBridge rule's job as
 * deployed), so `npm start` plus a receiver on 127.0.0.1 sees signed deliveries.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { ENV } from '#shared/config/env';
import { createWebhookDeliveryHandler } from '#functions/webhook-delivery/app';
import { createWebhookFanoutHandler } from '#functions/webhook-fanout/app';
import { lambdaContext } from './api-server';
import { toRecords } from './lane-poller';

export interface LocalWebhookQueues {
  readonly eventsUrl: string;
  readonly eventsArn: string;
  readonly deliveriesUrl: string;
  readonly deliveriesArn: string;
  readonly dlqUrl: string;
}

async function queue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<{ url: string; arn: string }> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  return { url, arn };
}

/** The fan-out queue, the delivery queue and the delivery DLQ (same names as the CDK app gives them a role for). */
export async function createWebhookQueues(sqs: SQSClient, prefix: string): Promise<LocalWebhookQueues> {
  const dlq = await queue(sqs, `${prefix}-webhook-deliveries-dlq`, { MessageRetentionPeriod: '1209600' });
  const events = await queue(sqs, `${prefix}-webhook-events`, { VisibilityTimeout: '60' });
  const deliveries = await queue(sqs, `${prefix}-webhook-deliveries`, {
    VisibilityTimeout: '60',
    MessageRetentionPeriod: '1209600',
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 1000 }),
  });
  return { eventsUrl: events.url, eventsArn: events.arn, deliveriesUrl: deliveries.url, deliveriesArn: deliveries.arn, dlqUrl: dlq.url };
}

/** The environment entries the webhook functions (and the local event publisher) read. */
export function webhookEnv(queues: LocalWebhookQueues): Record<string, string> {
  return {
    [ENV.WEBHOOK_QUEUE_URL]: queues.deliveriesUrl,
    [ENV.WEBHOOK_DLQ_URL]: queues.dlqUrl,
    [ENV.WEBHOOK_EVENT_QUEUE_URL]: queues.eventsUrl,
    // A developer's receiver runs on 127.0.0.1; as deployed, loopback and private addresses are refused.
    [ENV.WEBHOOK_ALLOW_LOOPBACK]: 'true',
  };
}

type SqsHandler = (event: { Records: ReturnType<typeof toRecords> }, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse | undefined>;

/** One receive → invoke → delete loop, like an event source mapping with ReportBatchItemFailures. */
async function pollLoop(sqs: SQSClient, url: string, arn: string, name: string, handler: SqsHandler, running: () => boolean, onError: (e: unknown) => void) {
  while (running()) {
    try {
      const out = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) continue;
      const result = await handler({ Records: toRecords(messages, arn) }, lambdaContext(name));
      const failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      const done = messages.filter((m) => !failed.has(m.MessageId!));
      if (done.length) {
        await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
      }
    } catch (error) {
      if (!running()) return;
      onError(error);
      // Pause before polling again so a broken dependency is not hammered (not a wait for an outcome).
      await sleep(500);
    }
  }
}

export interface LocalWebhookWorkers {
  stop(): Promise<void>;
}

/** Starts the fan-out poller and `deliveryWorkers` delivery pollers (a slow receiver holds only its own). */
export function startWebhookWorkers(options: {
  sqs: SQSClient;
  queues: LocalWebhookQueues;
  env: Record<string, string>;
  deliveryWorkers?: number;
  onError: (e: unknown) => void;
}): LocalWebhookWorkers {
  let running = true;
  const fanout = createWebhookFanoutHandler(options.env) as unknown as SqsHandler;
  const delivery = createWebhookDeliveryHandler(options.env) as unknown as SqsHandler;
  const { sqs, queues, onError } = options;
  const loops = [
    pollLoop(sqs, queues.eventsUrl, queues.eventsArn, 'webhook-fanout', fanout, () => running, onError),
    ...Array.from({ length: options.deliveryWorkers ?? 4 }, () =>
      pollLoop(sqs, queues.deliveriesUrl, queues.deliveriesArn, 'webhook-delivery', delivery, () => running, onError),
    ),
  ];
  return {
    async stop() {
      running = false;
      await Promise.allSettled(loops);
    },
  };
}
