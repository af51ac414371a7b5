import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { WebhookDeliveryMessage } from '#shared/domain/webhook';
import type { WebhookQueue } from '#shared/ports/webhooks';
import { withBatchRetry } from './dynamodb-util';

/** The webhook delivery queue (SQS) and its DLQ. A message body is `{tenantId, webhookId, eventId}`. */
export class SqsWebhookQueue implements WebhookQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly dlqUrl: string,
  ) {}

  async enqueue(messages: readonly WebhookDeliveryMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const entries = messages.slice(i, i + 10).map((m, j) => ({ Id: String(i + j), MessageBody: JSON.stringify(m) }));
      const failed = await withBatchRetry(entries, async (pending) => {
        const out = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }));
        const ids = new Set((out.Failed ?? []).map((f) => f.Id));
        return pending.filter((e) => ids.has(e.Id));
      });
      // Thrown, so the fan-out record is retried; the events already written are recognised then.
      if (failed.length) throw new Error(`${failed.length} webhook deliveries could not be queued`);
    }
  }

  async changeVisibility(receiptHandle: string, seconds: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(seconds))),
      }),
    );
  }

  async sendToDlq(message: WebhookDeliveryMessage, reason: string): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.dlqUrl,
        MessageBody: JSON.stringify(message),
        MessageAttributes: { reason: { DataType: 'String', StringValue: reason.slice(0, 256) } },
      }),
    );
  }
}
