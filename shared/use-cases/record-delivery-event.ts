import { mapSesEvent, type DeliveryEvent, type SesEventBridgeEvent } from '#shared/domain/ses-events';
import type { EmailEvent, EmailRecord } from '#shared/domain/email';
import { SEND_FINISHED, STATUSES, type Status } from '#shared/domain/status';
import { logger } from '#shared/observability/logger';
import { metrics, METRIC } from '#shared/observability/metrics';
import type { Clock, EmailStore, EventPublisher } from '#shared/ports/index';
import type { SuppressionStore } from '#shared/ports/suppression-store';
import type { EmailMetricsCounter } from '#shared/ports/email-metrics';
import type { ProviderEventRecorder } from '#shared/ports/provider-events';
import { countEmailEvent, countsOfDeliveryEvent } from './email-metrics';
import { publishStatusEvent } from './status-events';

export interface RecordDeliveryDeps {
  /** With `recordProviderEvent` (DynamoDB, memory), an event is one conditional write and no read. */
  readonly emails: EmailStore & Partial<ProviderEventRecorder>;
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

/**
 * Statuses in which SES's `Send` event is news: the send is not recorded (it settles an ambiguous
 * attempt, shared/domain/provider-attempts.ts). Once `sent` or later, the history's `sent` entry
 * already says the provider took the message: the event is not written (a read, not a write).
 */
const SEND_EVENT_NEWS: readonly Status[] = STATUSES.filter((s) => !(SEND_FINISHED as readonly Status[]).includes(s) || s === 'canceled' || s === 'suppressed');

async function findEmail(deps: RecordDeliveryDeps, mapped: DeliveryEvent): Promise<EmailRecord | undefined> {
  if (mapped.emailId) {
    const email = await deps.emails.get(mapped.emailId);
    if (email) return email;
  }
  return deps.emails.findByProviderMessageId?.(mapped.providerMessageId);
}

/** The event written (or found written): the email as it stands, with the history before the event. */
type Written = {
  readonly kind: 'written';
  readonly email: EmailRecord;
  readonly earlier: readonly EmailEvent[];
  readonly status: Status;
  readonly changed: boolean;
};

/**
 * Records one SES event against its email.
 *
 * Primary course: map the SES event → one conditional write on the email found by its
 * `mailroom_email_id` tag or `X-Mailroom-Email-ID` header (so an event that beats the sender's `sent`
 * write still finds it): move the status forward where the transition table allows, else only
 * append to the history (late, out-of-order or repeated events never regress it); the event id is
 * recorded with it and the write is refused for an id already recorded (a duplicate) → suppress
 * hard-bounced and complaining addresses → publish "Email …" on the Mailroom bus.
 * An event for an email whose send is not yet recorded is deferred (the caller retries); SES's
 * `Send` event for an email already recorded sent changes nothing and is not written.
 * A store without `recordProviderEvent`, or an event without the email id, reads the email first.
 */
export async function recordDeliveryEvent(deps: RecordDeliveryDeps, event: SesEventBridgeEvent): Promise<RecordOutcome> {
  const mapped = mapSesEvent(event);
  const history: EmailEvent = {
    type: mapped.historyType,
    at: mapped.at,
    detail: { ...mapped.detail, ses_event_id: mapped.eventId, ...(mapped.recipients.length ? { recipients: mapped.recipients } : {}) },
  };
  const written = (await recordWithoutRead(deps, mapped, history)) ?? (await recordAfterRead(deps, mapped, history));
  if (written.kind !== 'written') return written;
  const { email, status, changed } = written;
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
  await countEmailEvent(
    deps.counters,
    email.tenantId,
    countsOfDeliveryEvent(mapped.historyType, mapped.detail.bounce_type, written.earlier),
    new Date(mapped.at),
  );
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

/** One conditional write through the store's `recordProviderEvent`; undefined when it cannot (no such store, no email id, not found by id). */
async function recordWithoutRead(deps: RecordDeliveryDeps, mapped: DeliveryEvent, history: EmailEvent): Promise<Written | RecordOutcome | undefined> {
  if (!deps.emails.recordProviderEvent || !mapped.emailId) return undefined;
  const send = mapped.sesType === 'Send';
  const result = await deps.emails.recordProviderEvent(mapped.emailId, {
    eventId: mapped.eventId,
    event: history,
    ...(mapped.status ? { to: mapped.status } : {}),
    providerMessageId: mapped.providerMessageId,
    deferWhile: send ? [] : NOT_YET_SENT,
    ...(send ? { onlyWhile: SEND_EVENT_NEWS } : {}),
  });
  switch (result.kind) {
    case 'missing':
      return deps.emails.findByProviderMessageId ? undefined : unknownEmail(mapped);
    case 'duplicate':
      return { kind: 'duplicate', emailId: mapped.emailId };
    case 'deferred':
      return { kind: 'deferred', emailId: mapped.emailId, status: result.email.status };
    case 'skipped':
      return { kind: 'recorded', emailId: mapped.emailId, status: result.status, changed: false, suppressed: [] };
    default:
      return { kind: 'written', email: result.email, earlier: result.email.events.slice(0, -1), status: result.email.status, changed: result.kind === 'moved' };
  }
}

/** The read-then-write path: find the email, skip a duplicate, defer an early event, move or append. */
async function recordAfterRead(deps: RecordDeliveryDeps, mapped: DeliveryEvent, history: EmailEvent): Promise<Written | RecordOutcome> {
  const email = await findEmail(deps, mapped);
  if (!email) return unknownEmail(mapped);
  if (email.events.some((e) => e.detail?.ses_event_id === mapped.eventId)) return { kind: 'duplicate', emailId: email.id };
  if (NOT_YET_SENT.includes(email.status) && mapped.sesType !== 'Send') {
    return { kind: 'deferred', emailId: email.id, status: email.status };
  }
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
  return { kind: 'written', email, earlier: email.events, status, changed };
}

function unknownEmail(mapped: DeliveryEvent): RecordOutcome {
  logger.warn('SES event for an unknown email', { sesType: mapped.sesType, providerMessageId: mapped.providerMessageId });
  return { kind: 'unknown_email', providerMessageId: mapped.providerMessageId };
}
