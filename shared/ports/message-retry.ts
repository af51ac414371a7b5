/**
 * Puts a queue message back for later: the record stays in its queue and comes back after
 * `seconds` (SQS ChangeMessageVisibility). Used by the queue-fed event handlers (tracking, intake)
 * to back off between redeliveries instead of retrying at the queue's fixed visibility timeout.
 */
export interface MessageRetry {
  retryLater(queueArn: string, receiptHandle: string, seconds: number): Promise<void>;
}
