/**
 * Local stand-in for the SQS event source mappings. Like Lambda's, each lane long-polls its queue
 * and runs up to min(the lane's MaximumConcurrency, `workers`) sender invocations at once, each
 * with up to the lane's batch size, and receives the next batch while batches are being sent; it
 * deletes the records that succeeded and leaves the reported failures to come back after their
 * visibility timeout.
 *
 * One local concession to a laptop, where every lane shares the same CPU: a lane starts a batch
 * only while no higher-priority lane has one received or in flight, so critical mail drains first.
 * A batch that cannot start within half its visibility timeout (or while paused) is handed back
 * (visibility 0) rather than left to turn visible under the poller's hands.
 */
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { LANES_BY_PRIORITY, type Lane, type LaneSettings } from '#shared/config/lanes';
import { lambdaContext } from './api-server';

type SenderHandler = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse | void>;

/** Default most sender invocations in flight per lane in local mode. */
export const LOCAL_LANE_WORKERS = 4;

/** The event source mapping's long-poll wait (ReceiveMessage WaitTimeSeconds, SQS's maximum). */
const WAIT_TIME_SECONDS = 20;

export interface LanePollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrls: Record<Lane, string>;
  readonly queueArns: Record<Lane, string>;
  readonly senders: Record<Lane, SenderHandler>;
  /** Most sender invocations in flight per lane: min(the lane's maxConcurrency, workers). Default LOCAL_LANE_WORKERS. */
  readonly workers?: number;
  /** ReceiveMessage long-poll wait (default 20 s); stop() cuts it short. */
  readonly waitTimeSeconds?: number;
  /** Pause after a failed ReceiveMessage before the lane polls again (default 1 s). */
  readonly errorBackoffMs?: number;
  /** Visibility timeout to ask for on receive; the queue's own (the lane's) when absent. */
  readonly visibilityTimeoutSeconds?: number;
  readonly onError?: (error: unknown) => void;
}

export interface LanePoller {
  stop(): Promise<void>;
  /** Batches handled so far, per lane (tests and benchmarks). */
  readonly handled: Record<Lane, number>;
  /** Sender invocations each lane may run at once. */
  readonly concurrency: Record<Lane, number>;
  /** No batch starts until resume(); a batch received meanwhile is made visible again at once. */
  pause(): void;
  resume(): void;
}

/** Sender invocations a lane runs at once locally: its MaximumConcurrency, bounded for a laptop. */
export const localLaneConcurrency = (lane: LaneSettings, workers: number = LOCAL_LANE_WORKERS): number =>
  Math.max(1, Math.min(lane.maxConcurrency, Math.floor(workers)));

/** SQS messages as Lambda's event source mapping hands them to a function. */
export function toRecords(messages: readonly Message[], queueArn: string, senderId = 'local'): SQSRecord[] {
  return messages.map((m) => ({
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
      SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
      SenderId: senderId,
      ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  }));
}

export function startLanePoller(options: LanePollerOptions): LanePoller {
  let running = true;
  let paused = false;
  const stopping = new AbortController();
  const lanes = LANES_BY_PRIORITY;
  const handled = Object.fromEntries(lanes.map((l) => [l.name, 0])) as Record<Lane, number>;
  const concurrency = Object.fromEntries(lanes.map((l) => [l.name, localLaneConcurrency(l, options.workers)])) as Record<Lane, number>;
  /** Batches received and not yet finished (waiting to start or being sent), per lane. */
  const held = Object.fromEntries(lanes.map((l) => [l.name, 0])) as Record<Lane, number>;
  /** Sender invocations in flight, per lane. */
  const invoking = Object.fromEntries(lanes.map((l) => [l.name, 0])) as Record<Lane, number>;
  const work = new Set<Promise<void>>();

  // Everyone waiting for a slot, the priority gate or resume() re-checks on every change.
  let wake!: () => void;
  let changed = new Promise<void>((resolve) => (wake = resolve));
  const notify = () => {
    const resolve = wake;
    changed = new Promise<void>((r) => (wake = r));
    resolve();
  };
  /** Waits until `ready()` (true), the deadline (false) or stop() (false). */
  const until = async (ready: () => boolean, deadline = Number.POSITIVE_INFINITY): Promise<boolean> => {
    while (running && !ready()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([changed, ...(Number.isFinite(left) ? [new Promise<void>((resolve) => (timer = setTimeout(resolve, left)))] : [])]);
      clearTimeout(timer);
    }
    return running;
  };
  const higherLanesIdle = (lane: LaneSettings) => lanes.every((l) => l.priority >= lane.priority || held[l.name] === 0);
  const track = (promise: Promise<void>) => {
    work.add(promise);
    void promise.finally(() => work.delete(promise));
  };

  /** Makes messages visible again at once (a batch that may not start: paused, or held too long). */
  async function release(lane: LaneSettings, messages: readonly Message[]): Promise<void> {
    await options.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: options.queueUrls[lane.name],
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
      }),
    );
  }

  async function runBatch(lane: LaneSettings, messages: Message[], receivedAt: number): Promise<void> {
    const records = toRecords(messages, options.queueArns[lane.name]);
    let failed = new Set(records.map((r) => r.messageId));
    // A batch waiting for a slot or for higher lanes must start well before its messages turn visible again.
    const visibilityMs = (options.visibilityTimeoutSeconds ?? lane.visibilityTimeoutSeconds) * 1000;
    let started = false;
    try {
      // The slot is taken in the same synchronous step that finds it free: two waiters woken together cannot both take it.
      await until(
        () => {
          if (paused) return true;
          if (invoking[lane.name] >= concurrency[lane.name] || !higherLanesIdle(lane)) return false;
          invoking[lane.name]++;
          started = true;
          return true;
        },
        receivedAt + visibilityMs / 2,
      );
      // Stopped before it started: the messages come back after their visibility timeout.
      if (!running) return;
      if (!started) {
        await release(lane, messages);
        return;
      }
      try {
        const response = await options.senders[lane.name]({ Records: records }, lambdaContext(`sender-${lane.name}`, lane.senderTimeoutSeconds * 1000));
        failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch (error) {
        options.onError?.(error);
      }
    } finally {
      if (started) invoking[lane.name]--;
      held[lane.name]--;
      notify();
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
  }

  /** The lane's poller: receives while a slot is free, plus one batch ahead so the next is ready. */
  async function poll(lane: LaneSettings): Promise<void> {
    while (running) {
      await until(() => !paused && held[lane.name] < concurrency[lane.name] + 1);
      if (!running) break;
      let messages: Message[];
      try {
        const out = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrls[lane.name],
            MaxNumberOfMessages: lane.batchSize,
            WaitTimeSeconds: options.waitTimeSeconds ?? WAIT_TIME_SECONDS,
            ...(options.visibilityTimeoutSeconds !== undefined ? { VisibilityTimeout: options.visibilityTimeoutSeconds } : {}),
            MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp', 'ApproximateFirstReceiveTimestamp'],
          }),
          { abortSignal: stopping.signal },
        );
        messages = out.Messages ?? [];
      } catch (error) {
        if (!running) break;
        options.onError?.(error);
        await sleep(options.errorBackoffMs ?? 1_000, undefined, { signal: stopping.signal }).catch(() => undefined);
        continue;
      }
      if (messages.length === 0) continue;
      held[lane.name]++;
      track(runBatch(lane, messages, Date.now()).catch((error: unknown) => void (running && options.onError?.(error))));
    }
  }

  const pollers = lanes.map((lane) => poll(lane));
  return {
    handled,
    concurrency,
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
      notify();
    },
    async stop() {
      running = false;
      stopping.abort();
      notify();
      await Promise.all(pollers);
      while (work.size) await Promise.all([...work]);
    },
  };
}
