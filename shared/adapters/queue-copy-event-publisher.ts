import { randomUUID } from 'node:crypto';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { RecipientLogging } from '#shared/observability/redact';
import { reachesFanOut } from '#shared/domain/outbound-events';
import type { EventPublisher, MailroomEvent } from '#shared/ports/index';
import { EVENT_SOURCE, outboundDetail } from './eventbridge-event-publisher';

/**
 * Local mode's stand-in for the EventBridge rule that feeds the webhook fan-out queue: publishes
 * through `inner`, then puts each event on the queue in the shape an EventBridge SQS target
 * delivers (`{id, source, detail-type, time, detail}`), so the fan-out runs the same code in both.
 * Like the rule, it copies only what the fan-out listens to: a type the activity log records, or an
 * event marked `webhook_subscribed` (reachesFanOut).
 */
export class QueueCopyEventPublisher implements EventPublisher {
  constructor(
    private readonly inner: EventPublisher,
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly recipientLogging: RecipientLogging = 'mask',
  ) {}

  async publish(events: readonly MailroomEvent[]): Promise<void> {
    await this.inner.publish(events);
    const copied = events.filter(reachesFanOut);
    for (let i = 0; i < copied.length; i += 10) {
      const entries = copied.slice(i, i + 10).map((e, j) => {
        const detail = outboundDetail(e.detail, this.recipientLogging);
        const body = { version: '0', id: randomUUID(), source: EVENT_SOURCE, 'detail-type': e.detailType, time: String(detail.at), detail };
        return { Id: String(j), MessageBody: JSON.stringify(body) };
      });
      await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
    }
  }
}
