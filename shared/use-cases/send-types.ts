import type { ConfigurationSetNames } from '#shared/domain/sending-domain';
/** The sender's types: its dependencies, a delivery, an outcome, a claimed email. */
import type { LaneSettings } from '#shared/config/lanes';
import type { EmailRecord, LaneMessage, LastError } from '#shared/domain/email';
import type { AmbiguitySettings } from '#shared/domain/provider-attempts';
import type { EmailMetricsCounter } from '#shared/ports/email-metrics';
import type { Clock, ContentBuilder, EmailStore, EventPublisher, LaneQueue, MailProvider, SuppressionCheck, SenderCap, TenantStore } from '#shared/ports/index';

export interface SendEmailDeps {
  readonly emails: EmailStore;
  readonly queue: LaneQueue;
  readonly clock: Clock;
  readonly lane: LaneSettings;
  /** The one provider the sender sees: in production SES with its breaker and the SMTP fallback (FailoverMailProvider). */
  readonly provider: MailProvider;
  readonly content?: ContentBuilder;
  readonly suppressions?: SuppressionCheck;
  readonly events?: EventPublisher;
  /** The tenant's email counters (`GET /emails/metrics`): one ADD per sent or failed email. */
  readonly counters?: EmailMetricsCounter;
  readonly tenants?: TenantStore;
  /** Per-sender hourly caps (tenant limits `perSenderHourlyCap`): an email over the cap waits for the next hour. */
  readonly senderCap?: SenderCap;
  /**
   * SES configuration sets: the lane's, and one per tracking × TLS variant, picked by the
   * from-domain's options on the (cached) tenant record. Absent = the provider's own default.
   */
  readonly configurationSets?: { readonly laneDefault?: string | undefined; readonly byDomain: ConfigurationSetNames };
  /** Seconds a claim lasts: longer than a provider call, shorter than the visibility timeout. */
  readonly leaseSeconds: number;
  /** How long an email a provider may have waits for that provider's word, and when an operator decides. */
  readonly ambiguity?: AmbiguitySettings;
  /** SQS maxReceiveCount of the lane queue: a throttled message is re-queued fresh before it. */
  readonly maxReceiveCount?: number;
  readonly newToken?: () => string;
  readonly random?: () => number;
}

export interface LaneDelivery {
  readonly message: LaneMessage;
  /** SQS ApproximateReceiveCount. */
  readonly receiveCount: number;
}

export type SendOutcome =
  | { kind: 'sent'; provider: string; providerMessageId: string }
  | { kind: 'dropped'; reason: 'missing' | 'finished' | 'stale' }
  | { kind: 'suppressed' }
  | { kind: 'failed'; error: LastError; toDlq: boolean }
  | { kind: 'retry'; delaySeconds: number; throttled: boolean; reason: string }
  /** A throttled message near SQS's receive limit was re-queued as a fresh message. */
  | { kind: 'requeued'; delaySeconds: number };

/** An email this sender holds the claim of, ready to be sent. */
export interface ClaimedEmail {
  readonly kind: 'claimed';
  readonly email: EmailRecord;
  readonly token: string;
  /** When the claim was taken. */
  readonly now: Date;
  /** Suppressed recipients looked up ahead (a batch's one lookup); undefined = look them up now. */
  readonly suppressed?: Set<string>;
}
