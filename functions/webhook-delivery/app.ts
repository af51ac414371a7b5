import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ENV, loadEnv } from '#shared/config/env';
import { webhookDeliveryEnvSchema } from '#shared/config/account-env';
import { createDocumentClient, createSqsClient } from '#shared/adapters/aws-clients';
import { DynamoEndpointSlots, DynamoWebhookEventLog, DynamoWebhookStore } from '#shared/adapters/dynamodb-webhooks';
import { HttpWebhookTransport } from '#shared/adapters/http-webhook-transport';
import { SqsWebhookQueue } from '#shared/adapters/sqs-webhook-queue';
import { DynamoActivityLog } from '#shared/adapters/dynamodb-activity-log';
import { DynamoTenantStore } from '#shared/adapters/dynamodb-tenant-store';
import type { WebhookDeliveryMessage } from '#shared/domain/webhook';
import { withPowertools } from '#shared/http/middy';
import { logger } from '#shared/observability/logger';
import { systemClock } from '#shared/ports/index';
import { type DeliveryDeps, deliverEvent } from '#shared/use-cases/webhook-delivery';

/** Thrown for a record that must come back later; its visibility already holds the backoff. */
export class DeliverLaterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliverLaterError';
  }
}

function parseMessage(record: SQSRecord): WebhookDeliveryMessage | undefined {
  try {
    const m = JSON.parse(record.body) as Partial<WebhookDeliveryMessage>;
    if (typeof m.tenantId === 'string' && typeof m.webhookId === 'string' && typeof m.eventId === 'string') {
      return { tenantId: m.tenantId, webhookId: m.webhookId, eventId: m.eventId };
    }
  } catch {
    // fall through
  }
  return undefined;
}

/**
 * Webhook delivery: each SQS record is one attempt of one event. A retry (receiver failed) or a
 * busy endpoint (its concurrency cap is reached) hides the message for the backoff with
 * ChangeMessageVisibility and reports it as a batch item failure; everything else is done.
 */
export const makeWebhookDeliveryHandler = (deps: DeliveryDeps) => {
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord) => {
    const message = parseMessage(record);
    if (!message) return logger.error('Malformed webhook delivery message; dropped', { messageId: record.messageId });
    const outcome = await deliverEvent(deps, message);
    if (outcome.kind === 'retry' || outcome.kind === 'busy') {
      await deps.queue.changeVisibility(record.receiptHandle, outcome.afterSeconds);
      throw new DeliverLaterError(`${message.eventId}: ${outcome.kind}, again in ${outcome.afterSeconds} s`);
    }
    if (outcome.kind === 'gave_up') logger.warn('Webhook event failed for good', { ...message, status: outcome.status });
  };
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false });
};

export function createWebhookDeliveryDeps(env: Record<string, string | undefined>): DeliveryDeps {
  const config = loadEnv(webhookDeliveryEnvSchema, env);
  const doc = createDocumentClient();
  return {
    webhooks: new DynamoWebhookStore(doc, config[ENV.TABLE_NAME]),
    log: new DynamoWebhookEventLog(doc, config[ENV.TABLE_NAME]),
    queue: new SqsWebhookQueue(createSqsClient(), config[ENV.WEBHOOK_QUEUE_URL], config[ENV.WEBHOOK_DLQ_URL]),
    slots: new DynamoEndpointSlots(doc, config[ENV.TABLE_NAME]),
    transport: new HttpWebhookTransport({ allowLoopback: config[ENV.WEBHOOK_ALLOW_LOOPBACK] }),
    activity: new DynamoActivityLog(doc, config[ENV.TABLE_NAME]),
    tenants: new DynamoTenantStore(doc, config[ENV.TABLE_NAME]),
    clock: systemClock,
    settings: {
      retrySchedule: config[ENV.WEBHOOK_RETRY_SCHEDULE],
      disableAfter: config[ENV.WEBHOOK_DISABLE_AFTER],
      concurrency: config[ENV.WEBHOOK_CONCURRENCY],
      timeoutMs: config[ENV.WEBHOOK_TIMEOUT_MS],
    },
  };
}

export const createWebhookDeliveryHandler = (env: Record<string, string | undefined>) =>
  withPowertools(makeWebhookDeliveryHandler(createWebhookDeliveryDeps(env)));
