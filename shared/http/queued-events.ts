import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '#shared/observability/logger';
import type { MessageRetry } from '#shared/ports/message-retry';

/** Where a queued event came from; absent when the event was handed over directly. */
export interface QueuedDelivery {
  readonly messageId: string;
  /** SQS ApproximateReceiveCount: 1 on the first delivery. */
  readonly receiveCount: number;
}

export interface QueuedEventOptions {
  /** Backs a failed record off before its next delivery; without it, the queue's visibility timeout decides. */
  readonly retry?: MessageRetry;
  /** Seconds before the next delivery after `receiveCount` failed ones (default: `eventBackoffSeconds`). */
  readonly backoffSeconds?: (receiveCount: number) => number;
}

/**
 * Exponential backoff with full jitter, 30 s doubling up to 15 min: with the queue's
 * maxReceiveCount of 10 an event keeps coming back for about an hour before its DLQ.
 */
export function eventBackoffSeconds(receiveCount: number, random: () => number = Math.random): number {
  const ceiling = Math.min(900, 30 * 2 ** Math.max(0, receiveCount - 1));
  return Math.max(1, Math.round(ceiling * (0.5 + random() / 2)));
}

export function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown } | null | undefined)?.Records;
  return Array.isArray(records) && records.length > 0 && records.every((r) => (r as { eventSource?: unknown })?.eventSource === 'aws:sqs');
}

function bodyOf(record: SQSRecord): unknown {
  try {
    return JSON.parse(record.body) as unknown;
  } catch {
    // Unreadable: the per-event handler's validation refuses it (a retry cannot fix it).
    return record.body;
  }
}

/**
 * EventBridge → SQS → Lambda: an EventBridge rule delivers each event into a queue, an event
 * source mapping hands the function batches, and every record's body is the EventBridge event.
 * `handleOne` handles one event and throws when it should come back later; that record (only)
 * is backed off and reported as a batch item failure, so SQS redelivers it and, after the queue's
 * maxReceiveCount, moves it to the DLQ, where an alarm hears it. Nothing is lost once accepted.
 *
 * A bare EventBridge event (a direct invoke: `mailroom events …`, tests) goes straight to
 * `handleOne`, whose error then reaches the caller.
 */
export function queuedEventHandler<R>(
  handleOne: (event: unknown, delivery: QueuedDelivery | undefined, context: Context | undefined) => Promise<R>,
  options: QueuedEventOptions = {},
) {
  const backoff = options.backoffSeconds ?? ((n: number) => eventBackoffSeconds(n));
  const recordHandler = async (record: SQSRecord, context: Context | undefined): Promise<R> => {
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? 1);
    try {
      return await handleOne(bodyOf(record), { messageId: record.messageId, receiveCount }, context);
    } catch (error) {
      if (options.retry && record.eventSourceARN) {
        const seconds = backoff(receiveCount);
        try {
          await options.retry.retryLater(record.eventSourceARN, record.receiptHandle, seconds);
        } catch (cause) {
          // The queue's visibility timeout brings it back instead.
          logger.warn('Could not back the record off', { messageId: record.messageId, error: (cause as Error).message });
        }
      }
      throw error;
    }
  };
  return async (event: unknown, context?: Context): Promise<SQSBatchResponse | R> => {
    if (!isSqsEvent(event)) return handleOne(event, undefined, context);
    return processPartialResponse(event, (record: SQSRecord) => recordHandler(record, context), new BatchProcessor(EventType.SQS), {
      ...(context ? { context } : {}),
      // A batch whose every record is deferred is not a function error (no Errors alarm, no Lambda retry):
      // each record is reported and comes back on its own schedule.
      throwOnFullBatchFailure: false,
    });
  };
}
