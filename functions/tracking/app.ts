import { ENV, loadEnv, trackingEnvSchema } from '#shared/config/env';
import { createDocumentClient } from '#shared/adapters/aws-clients';
import { CachedTenantStore } from '#shared/adapters/cached-tenant-store';
import { DynamoTenantStore } from '#shared/adapters/dynamodb-tenant-store';
import { BufferedEmailMetrics } from '#shared/adapters/buffered-email-metrics';
import { DynamoEmailMetrics } from '#shared/adapters/dynamodb-email-metrics';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { DynamoSuppressionStore } from '#shared/adapters/dynamodb-suppression-store';
import { eventPublisherFromEnv } from '#shared/adapters/eventbridge-event-publisher';
import { createSqsMessageRetry } from '#shared/adapters/sqs-message-retry';
import { sesEventBridgeEventSchema } from '#shared/domain/ses-events';
import { withPowertools } from '#shared/http/middy';
import { queuedEventHandler } from '#shared/http/queued-events';
import { logger } from '#shared/observability/logger';
import { metrics, METRIC } from '#shared/observability/metrics';
import { systemClock } from '#shared/ports/index';
import type { MessageRetry } from '#shared/ports/message-retry';
import { recordDeliveryEvent, type RecordDeliveryDeps, type RecordOutcome } from '#shared/use-cases/record-delivery-event';

/**
 * The email's send is not recorded yet. Thrown so the event comes back: the record is reported as
 * a batch item failure, backed off, and redelivered by the tracking queue (maxReceiveCount 10, about
 * an hour of retries) until the sender's `sent` write has landed; after that it sits in the tracking
 * DLQ, whose alarm pages (docs/runbook.md#event-dlq-not-empty).
 */
export class EmailNotSentYetError extends Error {
  constructor(emailId: string, status: string) {
    super(`Email ${emailId} is still ${status}; the SES event will be retried`);
    this.name = 'EmailNotSentYetError';
  }
}

export type TrackingResult = RecordOutcome | { readonly kind: 'invalid'; readonly reason: string };

/**
 * One SES event from the default bus (rule: `source: aws.ses`, our configuration set). A malformed
 * event is logged and dropped (a retry cannot fix it); a dependency failure or an event that beat
 * the `sent` write throws (its queue record is backed off and redelivered, then kept in the DLQ).
 */
export const makeTrackingEventHandler =
  (deps: RecordDeliveryDeps) =>
  async (event: unknown): Promise<TrackingResult> => {
    const parsed = sesEventBridgeEventSchema.safeParse(event);
    if (!parsed.success) {
      const reason = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ');
      logger.error('Unreadable SES event dropped', { reason, id: (event as { id?: unknown })?.id });
      metrics.singleMetric().addDimension('Reason', 'tracking_invalid').addMetric(METRIC.EmailsRejected, 'Count', 1);
      return { kind: 'invalid', reason };
    }
    const outcome = await recordDeliveryEvent(deps, parsed.data);
    logger.info('SES event recorded', {
      sesType: parsed.data.detail.eventType,
      outcome: outcome.kind,
      ...('emailId' in outcome ? { emailId: outcome.emailId } : {}),
    });
    if (outcome.kind === 'deferred') throw new EmailNotSentYetError(outcome.emailId, outcome.status);
    return outcome;
  };

export interface TrackingHandlerDeps extends RecordDeliveryDeps {
  readonly retry?: MessageRetry;
}

/**
 * The tracking function: the SES rule delivers into the tracking queue, whose event source mapping
 * hands batches here (partial batch failures, backoff, DLQ; see shared/http/queued-events.ts).
 * A bare SES event (direct invoke, `mailroom events simulate`) is handled on its own.
 */
export const makeTrackingHandler = (deps: TrackingHandlerDeps) => {
  const options = deps.retry ? { retry: deps.retry } : {};
  if (!deps.counters) return queuedEventHandler(makeTrackingEventHandler(deps), options);
  // Counts are buffered and written after each batch: one write per tenant and hour, not per event.
  // One buffer and one handler per container; a flush takes whatever is pending, so batches that run
  // side by side (local mode) lose nothing — one of them just writes the other's counts too.
  const counters = new BufferedEmailMetrics(deps.counters);
  const handle = queuedEventHandler(makeTrackingEventHandler({ ...deps, counters }), options);
  return async (...args: Parameters<typeof handle>) => {
    try {
      return await handle(...args);
    } finally {
      await counters.flush();
    }
  };
};

export function createTrackingDeps(env: Record<string, string | undefined>): TrackingHandlerDeps {
  const config = loadEnv(trackingEnvSchema, env);
  const doc = createDocumentClient();
  const table = config[ENV.TABLE_NAME];
  const emails = new DynamoEmailStore(doc, table);
  // Which events a webhook of the tenant subscribes to (the fan-out rule forwards only those and the
  // notable types): one GetItem per tenant per MAILROOM_TENANT_CACHE_SECONDS per container.
  const events = eventPublisherFromEnv(config, new CachedTenantStore(new DynamoTenantStore(doc, table), config[ENV.TENANT_CACHE_SECONDS]));
  return {
    emails,
    suppressions: new DynamoSuppressionStore(doc, table),
    counters: new DynamoEmailMetrics(doc, table),
    clock: systemClock,
    retry: createSqsMessageRetry(),
    ...(events ? { events } : {}),
  };
}

export const createTrackingHandler = (env: Record<string, string | undefined>) => withPowertools(makeTrackingHandler(createTrackingDeps(env)));
