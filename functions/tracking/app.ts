import { ENV, loadEnv, trackingEnvSchema } from '#shared/config/env';
import { createDocumentClient } from '#shared/adapters/aws-clients';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { DynamoSuppressionStore } from '#shared/adapters/dynamodb-suppression-store';
import { createEventPublisher } from '#shared/adapters/eventbridge-event-publisher';
import { sesEventBridgeEventSchema } from '#shared/domain/ses-events';
import { withPowertools } from '#shared/http/middy';
import { logger } from '#shared/observability/logger';
import { metrics, METRIC } from '#shared/observability/metrics';
import { systemClock } from '#shared/ports/index';
import { recordDeliveryEvent, type RecordDeliveryDeps, type RecordOutcome } from '#shared/use-cases/record-delivery-event';

/** The email's send is not recorded yet; thrown so Lambda's async retry brings the event back. */
export class EmailNotSentYetError extends Error {
  constructor(emailId: string, status: string) {
    super(`Email ${emailId} is still ${status}; the SES event will be retried`);
    this.name = 'EmailNotSentYetError';
  }
}

export type TrackingResult = RecordOutcome | { readonly kind: 'invalid'; readonly reason: string };

/**
 * SES events from the default bus (rule: `source: aws.ses`, our configuration set). A malformed
 * event is logged and dropped (a retry cannot fix it); a dependency failure throws (retried, then DLQ).
 */
export const makeTrackingHandler =
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

export function createTrackingDeps(env: Record<string, string | undefined>): RecordDeliveryDeps {
  const config = loadEnv(trackingEnvSchema, env);
  const doc = createDocumentClient();
  const table = config[ENV.TABLE_NAME];
  const emails = new DynamoEmailStore(doc, table);
  const events = createEventPublisher(
    { busName: config[ENV.EVENT_BUS_NAME], mode: config[ENV.EVENT_PUBLISHER], recipientLogging: config[ENV.RECIPIENT_LOGGING] },
    emails,
  );
  return { emails, suppressions: new DynamoSuppressionStore(doc, table), clock: systemClock, ...(events ? { events } : {}) };
}

export const createTrackingHandler = (env: Record<string, string | undefined>) => withPowertools(makeTrackingHandler(createTrackingDeps(env)));
