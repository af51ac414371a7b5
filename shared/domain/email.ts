import type { Lane } from '#shared/config/lanes';
import type { FailureClass } from './errors';
import type { StoredAttempt } from './provider-attempts';
import type { Status } from './status';

/** One entry of an email's append-only history. */
export interface EmailEvent {
  /** e.g. queued, scheduled, sending, sent, retrying, failed, delivered, bounced, opened… */
  readonly type: string;
  /** ISO 8601 timestamp. */
  readonly at: string;
  readonly detail?: Record<string, unknown>;
}

export interface Tag {
  readonly name: string;
  readonly value: string;
}

export interface AttachmentRef {
  readonly filename: string;
  readonly contentType?: string;
  readonly contentId?: string;
  /** S3 object key of the bytes. */
  readonly key: string;
  readonly size: number;
}

export interface TemplateRef {
  readonly id: string;
  readonly version: number | string;
  readonly variables: Record<string, unknown>;
}

export interface LastError {
  readonly class: FailureClass | 'unknown';
  readonly code: string;
  readonly message: string;
  readonly provider?: string;
}

/** The stored email. Addresses are plain `Name <addr>` strings as the client gave them. */
export interface EmailRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly lane: Lane;
  status: Status;
  lastEvent: string;
  readonly from: string;
  /** `from` exactly as the client sent it, when it differs from the normalised `from`. */
  readonly fromAsSent?: string;
  /** Resend's `topic_id`: stored and reported, not acted on yet. */
  readonly topicId?: string;
  readonly to: string[];
  readonly cc: string[];
  readonly bcc: string[];
  readonly replyTo: string[];
  readonly subject?: string;
  readonly html?: string;
  readonly text?: string;
  readonly headers: Record<string, string>;
  readonly tags: Tag[];
  readonly template?: TemplateRef;
  readonly attachments?: AttachmentRef[];
  scheduledAt?: string;
  /** Bumped by every cancel/reschedule; a lane message with another version is stale. */
  scheduleVersion: number;
  attempts: number;
  leaseUntil?: number;
  claimToken?: string;
  provider?: string;
  providerMessageId?: string;
  /** RFC 5322 Message-ID stamped on the MIME message. */
  messageId?: string;
  /** The MIME message's Date header (ISO) as sent, so `GET /emails/{id}/raw` rebuilds it unchanged. */
  messageDate?: string;
  lastError?: LastError;
  /** Every provider attempt, compactly (see provider-attempts.ts): an ambiguous one pins the email to its provider. */
  providerAttempts?: StoredAttempt[];
  /** Recipients dropped because they are suppressed. */
  suppressedRecipients?: string[];
  readonly createdAt: string;
  updatedAt: string;
  sentAt?: string;
  /** Epoch seconds: DynamoDB TTL (tenant retention). */
  readonly expiresAt: number;
  events: EmailEvent[];
}

/** Body of a lane queue message: tiny, the email itself lives in the table. */
export interface LaneMessage {
  readonly emailId: string;
  readonly tenantId: string;
  readonly scheduleVersion: number;
}

export function allRecipients(email: Pick<EmailRecord, 'to' | 'cc' | 'bcc'>): string[] {
  return [...email.to, ...email.cc, ...email.bcc];
}
