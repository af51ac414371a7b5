import type { EmailEvent, EmailRecord } from '#shared/domain/email';
import type { Status } from '#shared/domain/status';

/** A provider's event about an email (an SES event, through tracking), to record in one conditional write. */
export interface ProviderEventInput {
  /** The event's own id: an email records each id once, so a redelivered event changes nothing. */
  readonly eventId: string;
  /** The history entry. */
  readonly event: EmailEvent;
  /** The status it moves the email to where the transition table allows (forward only); otherwise it only joins the history. */
  readonly to?: Status;
  /** Stored as the email's provider message id when the move happens and the email has none. */
  readonly providerMessageId?: string;
  /** While the email is in one of these, nothing is written: `deferred` (its send is not recorded yet). */
  readonly deferWhile: readonly Status[];
  /**
   * Recorded only while the email is in one of these; in any other status nothing is written
   * (`skipped`): the event would tell a reader nothing new. Undefined: every status.
   */
  readonly onlyWhile?: readonly Status[];
}

export type ProviderEventResult =
  /** Status moved to `to`; `email` as written. */
  | { readonly kind: 'moved'; readonly email: EmailRecord }
  /** The status could not move (or there was none to move to): the event joined the history. */
  | { readonly kind: 'appended'; readonly email: EmailRecord }
  | { readonly kind: 'duplicate'; readonly email: EmailRecord }
  | { readonly kind: 'deferred'; readonly email: EmailRecord }
  | { readonly kind: 'skipped'; readonly status: Status }
  | { readonly kind: 'missing' };

/** Records provider events without reading the email first (EmailStore adapters that can). */
export interface ProviderEventRecorder {
  recordProviderEvent(id: string, input: ProviderEventInput): Promise<ProviderEventResult>;
}
