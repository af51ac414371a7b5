import { ChangeMessageVisibilityCommand, GetQueueAttributesCommand, SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Lane } from '#shared/config/lanes';
import type { LaneMessage } from '#shared/domain/email';
import type { EnqueueOptions, LaneQueue, LaneStats, QueuedMessage } from '#shared/ports/index';
import { withBatchRetry } from './dynamodb-util';

/** The lane queues (SQS). A message body is `{emailId, tenantId, scheduleVersion}`. */
export class SqsLaneQueue implements LaneQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrls: Partial<Record<Lane, string>>,
    private readonly dlqUrls: Partial<Record<Lane, string>> = {},
  ) {}

  private url(lane: Lane, dlq = false): string {
    const url = (dlq ? this.dlqUrls : this.queueUrls)[lane];
    if (!url) throw new Error(`No ${dlq ? 'DLQ' : 'queue'} URL configured for lane ${lane}`);
    return url;
  }

  async enqueue(lane: Lane, message: LaneMessage, options: EnqueueOptions = {}): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.url(lane),
        MessageBody: JSON.stringify(message),
        DelaySeconds: options.delaySeconds,
      }),
    );
  }

  async enqueueMany(lane: Lane, messages: readonly QueuedMessage[]): Promise<{ failedIds: string[] }> {
    const failedIds: string[] = [];
    for (let i = 0; i < messages.length; i += 10) {
      const entries = messages.slice(i, i + 10).map((m, j) => ({
        Id: String(i + j),
        MessageBody: JSON.stringify(m.body),
        DelaySeconds: m.delaySeconds,
      }));
      const failed = await withBatchRetry(entries, async (pending) => {
        const out = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.url(lane), Entries: pending }));
        const failedIds = new Set((out.Failed ?? []).map((f) => f.Id));
        return pending.filter((e) => failedIds.has(e.Id));
      });
      for (const e of failed) failedIds.push((JSON.parse(e.MessageBody) as LaneMessage).emailId);
    }
    return { failedIds };
  }

  async changeVisibility(lane: Lane, receiptHandle: string, seconds: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.url(lane),
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(seconds))),
      }),
    );
  }

  async sendToDlq(lane: Lane, message: LaneMessage, reason: string): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.url(lane, true),
        MessageBody: JSON.stringify(message),
        MessageAttributes: { reason: { DataType: 'String', StringValue: reason.slice(0, 256) } },
      }),
    );
  }

  async stats(lane: Lane): Promise<LaneStats> {
    const attrs = async (url: string) =>
      (
        await this.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
          }),
        )
      ).Attributes ?? {};
    const [queue, dlq] = await Promise.all([
      attrs(this.url(lane)),
      this.dlqUrls[lane] ? attrs(this.url(lane, true)) : Promise.resolve({} as Record<string, string>),
    ]);
    return {
      depth: Number(queue.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(queue.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(queue.ApproximateNumberOfMessagesDelayed ?? 0),
      dlqDepth: Number(dlq.ApproximateNumberOfMessages ?? 0),
    };
  }
}
