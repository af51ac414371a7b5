import { mapSesEvent, type DeliveryEvent, type SesEventBridgeEvent } from '#shared/domain/ses-events';
import type { EmailEvent, EmailRecord } from '#shared/domain/email';
import type { Status } from '#shared/domain/status';
import { logger } from '#shared/observability/logger';
import { metrics, METRIC } from '#shared/observability/metrics';
import type { Clock, EmailStore, EventPublisher } from '#shared/ports/index';
import type { SuppressionStore } from '#shared/ports/suppression-store';
import type { EmailMetricsCounter } from '#shared/ports/email-metrics';
import { countEmailEvent, countsOfDeliveryEvent } from './email-metrics';
import { publishStatusEvent } from './status-events';

export interface RecordDeliveryDeps {
  readonly emails: EmailStore;
  readonly suppressions?: SuppressionStore;
  readonly events?: EventPublisher;
  /** The tenant's email counters (`GET /emails/metrics`). */
  readonly counters?: EmailMetricsCounter;
  readonly clock: Clock;
}

export type RecordOutcome =
  | { readonly kind: 'recorded'; readonly emailId: string; readonly status: Status; readonly changed: boolean; readonly suppressed: string[] }
  | { readonly kind: 'duplicate'; readonly emailId: string }
  | { readonly kind: 'unknown_email'; readonly providerMessageId: string }
  /** The sender has not recorded the send yet: nothing written, try again later. */
  | { readonly kind: 'deferred'; readonly emailId: string; readonly status: Status };

/** Statuses in which SES cannot have reported on the email yet, unless the sender's `sent` write is still to come. */
const NOT_YET_SENT: readonly Status[] = ['scheduled', 'queued', 'sending', 'retrying'];

async function findEmail(deps: RecordDeliveryDeps, mapped: DeliveryEvent): Promise<EmailRecord | undefined> {
  if (mapped.emailId) {
    const email = await deps.emails.get(mapped.emailId);
    if (email) return email;
  }
  return deps.emails.findByProviderMessageId?.(mapped.providerMessageId);
}

/**
 * Records one SES event against its email.
 *
 * Primary course: map the SES event → find the email by its `mailroom_email_id` tag or
 * `X-Mailroom-Email-ID` header (so an event that beats the sender's `sent` write still finds it),
 * else by the SES message id → skip a duplicate (same EventBridge event id already in the history)
 * → move the status forward by conditional write, or only append to the history when the table
 * forbids the move (late, out-of-order or repeated events never regress it) → suppress hard-bounced
 * and complaining addresses → publish "Email …" on the Mailroom bus.
 * An event for an email whose send is not yet recorded is deferred (the caller retries).
 */
export async function recordDeliveryEvent(deps: RecordDeliveryDeps, event: SesEventBridgeEvent): Promise<RecordOutcome> {
  const mapped = mapSesEvent(event);
  const email = await findEmail(deps, mapped);
  if (!email) {
    logger.warn('SES event for an unknown email', { sesType: mapped.sesType, providerMessageId: mapped.providerMessageId });
    return { kind: 'unknown_email', providerMessageId: mapped.providerMessageId };
  }
  if (email.events.some((e) => e.detail?.ses_event_id === mapped.eventId)) return { kind: 'duplicate', emailId: email.id };
  if (NOT_YET_SENT.includes(email.status) && mapped.sesType !== 'Send') {
    return { kind: 'deferred', emailId: email.id, status: email.status };
  }

  const history: EmailEvent = {
    type: mapped.historyType,
    at: mapped.at,
    detail: { ...mapped.detail, ses_event_id: mapped.eventId, ...(mapped.recipients.length ? { recipients: mapped.recipients } : {}) },
  };
  let status = email.status;
  let changed = false;
  if (mapped.status) {
    const updated = await deps.emails.transition(email.id, {
      to: mapped.status,
      event: history,
      ...(email.providerMessageId ? {} : { set: { providerMessageId: mapped.providerMessageId } }),
    });
    if (updated) {
      status = updated.status;
      changed = true;
    }
  }
  if (!changed) await deps.emails.appendEvent(email.id, history);

  const suppressed: string[] = [];
  if (mapped.suppress && deps.suppressions) {
    for (const address of mapped.suppress.addresses) {
      await deps.suppressions.put({
        tenantId: email.tenantId,
        address,
        reason: mapped.suppress.reason,
        scope: mapped.suppress.scope,
        sourceEmailId: email.id,
        createdAt: deps.clock.now().toISOString(),
      });
      suppressed.push(address);
    }
  }
  await countEmailEvent(deps.counters, email.tenantId, countsOfDeliveryEvent(mapped.historyType, mapped.detail.bounce_type, email.events), new Date(mapped.at));
  // Totals only (one series each); the console's activity page lists each bounce and complaint.
  if (mapped.sesType === 'Bounce') metrics.addMetric(METRIC.Bounces, 'Count', 1);
  if (mapped.sesType === 'Complaint') metrics.addMetric(METRIC.Complaints, 'Count', 1);

  if (mapped.detailType) {
    await publishStatusEvent(deps.events, email, mapped.detailType, {
      status,
      at: mapped.at,
      recipients: mapped.recipients,
      provider: email.provider ?? 'ses',
      provider_message_id: mapped.providerMessageId,
      ...mapped.detail,
    });
  }
  return { kind: 'recorded', emailId: email.id, status, changed, suppressed };
}
