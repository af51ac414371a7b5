import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ENV, loadEnv } from '#shared/config/env';
import { webhookFanoutEnvSchema } from '#shared/config/account-env';
import { createDocumentClient, createSqsClient } from '#shared/adapters/aws-clients';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { DynamoTenantStore } from '#shared/adapters/dynamodb-tenant-store';
import { DynamoWebhookEventLog, DynamoWebhookStore } from '#shared/adapters/dynamodb-webhooks';
import { SqsWebhookQueue } from '#shared/adapters/sqs-webhook-queue';
import { withPowertools } from '#shared/http/middy';
import { logger } from '#shared/observability/logger';
import { systemClock } from '#shared/ports/index';
import { type BusEvent, type FanOutDeps, fanOutEvent } from '#shared/use-cases/webhook-delivery';
import { DynamoActivityLog } from '#shared/adapters/dynamodb-activity-log';
import type { ActivityLog } from '#shared/ports/activity';
import { recordEmailActivity } from '#shared/use-cases/activity';

/** The fan-out's use cases' ports: webhooks, and the tenant's activity log (the same stream, read once). */
export type WebhookFanoutDeps = FanOutDeps & { readonly activity: ActivityLog };

/** The email store for one record: both use cases ask for the event's email, DynamoDB is asked once. */
function readOnce(emails: FanOutDeps['emails']): FanOutDeps['emails'] {
  const read = new Map<string, ReturnType<FanOutDeps['emails']['get']>>();
  return {
    get(id) {
      const known = read.get(id);
      if (known) return known;
      const email = emails.get(id);
      read.set(id, email);
      return email;
    },
  };
}

function parseBusEvent(record: SQSRecord): BusEvent | undefined {
  try {
    const body = JSON.parse(record.body) as Partial<BusEvent>;
    if (typeof body.id === 'string' && typeof body['detail-type'] === 'string' && body.detail && typeof body.detail === 'object') return body as BusEvent;
  } catch {
    // fall through
  }
  return undefined;
}

/**
 * Webhook fan-out: outbound "Email …" events (an EventBridge rule's SQS target as deployed, the local
 * publisher's copy in local mode) → one logged event and one delivery message per subscribed
 * webhook, and one activity-log item per notable event (bounced, complained, failed, delayed,
 * suppressed). A failed record is retried by the queue; what was already written is recognised by id.
 */
export const makeWebhookFanoutHandler = (deps: WebhookFanoutDeps) => {
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord) => {
    const event = parseBusEvent(record);
    // A malformed record can never succeed: logged and dropped, not retried.
    if (!event) return logger.error('Malformed bus event on the webhook fan-out queue; dropped', { messageId: record.messageId });
    const perRecord = { ...deps, emails: readOnce(deps.emails) };
    if (await recordEmailActivity(perRecord, event)) logger.debug('Activity recorded', { eventId: event.id, detailType: event['detail-type'] });
    const queued = await fanOutEvent(perRecord, event);
    if (queued) logger.debug('Webhook deliveries queued', { eventId: event.id, detailType: event['detail-type'], queued });
  };
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => processPartialResponse(event, recordHandler, processor, { context });
};

export function createWebhookFanoutDeps(env: Record<string, string | undefined>): WebhookFanoutDeps {
  const config = loadEnv(webhookFanoutEnvSchema, env);
  const doc = createDocumentClient();
  return {
    webhooks: new DynamoWebhookStore(doc, config[ENV.TABLE_NAME]),
    log: new DynamoWebhookEventLog(doc, config[ENV.TABLE_NAME]),
    queue: new SqsWebhookQueue(createSqsClient(), config[ENV.WEBHOOK_QUEUE_URL], config[ENV.WEBHOOK_DLQ_URL]),
    emails: new DynamoEmailStore(doc, config[ENV.TABLE_NAME]),
    activity: new DynamoActivityLog(doc, config[ENV.TABLE_NAME]),
    tenants: new DynamoTenantStore(doc, config[ENV.TABLE_NAME]),
    clock: systemClock,
  };
}

export const createWebhookFanoutHandler = (env: Record<string, string | undefined>) => withPowertools(makeWebhookFanoutHandler(createWebhookFanoutDeps(env)));
