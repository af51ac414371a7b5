/**
 * Local stand-in for the SQS event source mappings: receives from the lane queues (critical
 * first, every time), invokes the lane's sender with a real SQS event, deletes the records that
 * succeeded and leaves the reported failures to come back after their visibility timeout.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { LANES_BY_PRIORITY, type Lane } from '#shared/config/lanes';
import { lambdaContext } from './api-server';

type SenderHandler = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse | void>;

export interface LanePollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrls: Record<Lane, string>;
  readonly queueArns: Record<Lane, string>;
  readonly senders: Record<Lane, SenderHandler>;
  /** Parallel workers; each always looks at critical first. */
  readonly workers?: number;
  readonly idleSleepMs?: number;
  /** Visibility timeout to ask for on receive; the queue's own (the lane's) when absent. */
  readonly visibilityTimeoutSeconds?: number;
  readonly onError?: (error: unknown) => void;
}

export interface LanePoller {
  stop(): Promise<void>;
  /** Batches handled so far, per lane (tests and benchmarks). */
  readonly handled: Record<Lane, number>;
  pause(): void;
  resume(): void;
}

export function startLanePoller(options: LanePollerOptions): LanePoller {
  let running = true;
  let paused = false;
  const handled = Object.fromEntries(LANES_BY_PRIORITY.map((l) => [l.name, 0])) as Record<Lane, number>;

  async function pollOnce(): Promise<boolean> {
    for (const lane of LANES_BY_PRIORITY) {
      const out = await options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrls[lane.name],
          MaxNumberOfMessages: lane.batchSize,
          WaitTimeSeconds: 0,
          ...(options.visibilityTimeoutSeconds !== undefined ? { VisibilityTimeout: options.visibilityTimeoutSeconds } : {}),
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp', 'ApproximateFirstReceiveTimestamp'],
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) continue;
      const records: SQSRecord[] = messages.map((m) => ({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body ?? '',
        attributes: {
          ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
          SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: options.queueArns[lane.name],
        awsRegion: 'us-east-1',
      }));
      let failed = new Set(records.map((r) => r.messageId));
      try {
        const response = await options.senders[lane.name]({ Records: records }, lambdaContext(`sender-${lane.name}`, lane.senderTimeoutSeconds * 1000));
        failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch (error) {
        options.onError?.(error);
      }
      const done = records.filter((r) => !failed.has(r.messageId));
      if (done.length) {
        await options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: options.queueUrls[lane.name],
            Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
          }),
        );
      }
      handled[lane.name]++;
      return true;
    }
    return false;
  }

  async function worker(): Promise<void> {
    while (running) {
      if (paused) {
        await sleep(50);
        continue;
      }
      let busy = false;
      try {
        busy = await pollOnce();
      } catch (error) {
        if (running) options.onError?.(error);
      }
      if (!busy) await sleep(options.idleSleepMs ?? 100);
    }
  }

  const workers = Array.from({ length: options.workers ?? 4 }, () => worker());
  return {
    handled,
    pause: () => void (paused = true),
    resume: () => void (paused = false),
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
}
