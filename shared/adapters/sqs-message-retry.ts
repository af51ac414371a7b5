import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { MessageRetry } from '#shared/ports/message-retry';
import { createSqsClient } from './aws-clients';

/**
 * `arn:aws:sqs:<region>:<account>:<name>` → the queue URL. SQS identifies a queue by URL; the
 * client sends to its regional endpoint (`useQueueUrlAsEndpoint: false`), so only the path matters.
 */
export function queueUrlFromArn(arn: string): string {
  const [, partition, service, region, account, name] = arn.split(':');
  if (service !== 'sqs' || !region || !account || !name) throw new Error(`not an SQS queue ARN: ${arn}`);
  const suffix = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sqs.${region}.${suffix}/${account}/${name}`;
}

/** MessageRetry over SQS: the record's visibility is set to the backoff (0..12 h). */
export class SqsMessageRetry implements MessageRetry {
  constructor(private readonly sqs: SQSClient) {}

  async retryLater(queueArn: string, receiptHandle: string, seconds: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrlFromArn(queueArn),
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(seconds))),
      }),
    );
  }
}

export const createSqsMessageRetry = (): MessageRetry => new SqsMessageRetry(createSqsClient());
