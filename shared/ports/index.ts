/**
 * Ports: what the use cases need from the outside world. Adapters in shared/adapters/
 * implement them over AWS (or memory, for tests and benchmarks).
 */
import type { EmailMatch } from '#shared/domain/email-filter';
import type { Lane } from '#shared/config/lanes';
import type { ApiKeyRecord } from '#shared/domain/api-key';
import type { EmailEvent, EmailRecord, LaneMessage, LastError } from '#shared/domain/email';
import type { Status } from '#shared/domain/status';
import type { Tenant } from '#shared/domain/tenant';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Fields a transition may set besides status and history. */
export type TransitionSet = Partial<
  Pick<
    EmailRecord,
    | 'provider'
    | 'providerMessageId'
    | 'messageId'
    | 'messageDate'
    | 'lastError'
    | 'attempts'
    | 'sentAt'
    | 'scheduledAt'
    | 'scheduleVersion'
    | 'leaseUntil'
    | 'claimToken'
    | 'suppressedRecipients'
    | 'providerAttempts'
  >
>;

export interface TransitionInput {
  readonly to: Status;
  readonly event: EmailEvent;
  /** Only if the caller still holds this claim. */
  readonly claimToken?: string;
  /** Only if the email still has this schedule version. */
  readonly scheduleVersion?: number;
  /** Restrict the allowed current statuses further than the transition table does. */
  readonly from?: readonly Status[];
  readonly set?: TransitionSet;
  /** Keep `last_event` unchanged (e.g. internal `sending`). */
  readonly keepLastEvent?: boolean;
}

export type ClaimResult =
  | { readonly claimed: true; readonly email: EmailRecord }
  | { readonly claimed: false; readonly reason: 'missing' | 'finished' | 'leased' | 'stale'; readonly email?: EmailRecord };

export interface ClaimInput {
  readonly token: string;
  readonly now: Date;
  readonly leaseSeconds: number;
  readonly scheduleVersion: number;
}

/** One email of a batch claim: its id and the claim it should get (each its own token). */
export interface ClaimManyInput extends ClaimInput {
  readonly id: string;
}

/** A place in a tenant's newest-first email list: an email's creation time and id. */
export interface EmailListPosition {
  readonly createdAt: string;
  readonly id: string;
}

export interface ListEmailsInput extends EmailMatch {
  readonly tenantId: string;
  readonly limit: number;
  /** Only emails older than this one (Resend's `after`), exclusive. */
  readonly after?: EmailListPosition;
  /** Only emails newer than this one (Resend's `before`), exclusive; never together with `after`. */
  readonly before?: EmailListPosition;
  /** Only emails in this status. */
  readonly status?: string;
  readonly lane?: string;
}

/** A page of emails, newest first. */
export interface EmailListPage {
  readonly emails: EmailRecord[];
  /** More emails lie beyond this page in the direction read (older without `before`, newer with it). */
  readonly hasMore: boolean;
  /** Where the next page in the same direction starts (exclusive); set when `hasMore`. */
  readonly resume?: EmailListPosition;
}

export interface EmailStore {
  /** Writes a new email; fails if the id exists. */
  create(email: EmailRecord): Promise<void>;
  /** Writes many new emails (DynamoDB batches of 25), returning the ids that could not be written. */
  createMany(emails: readonly EmailRecord[]): Promise<{ failedIds: string[] }>;
  get(id: string): Promise<EmailRecord | undefined>;
  /** Claims an email for sending with a lease, by one conditional write. */
  claim(id: string, input: ClaimInput): Promise<ClaimResult>;
  /**
   * Claims several emails at once (a sender's SQS batch) with the same condition as `claim`,
   * answering per input, in order; an entry is rejected only when that email's claim failed
   * (so a batch's failures stay per record). DynamoDB: one PartiQL BatchExecuteStatement per 25
   * and one consistent BatchGetItem, instead of an UpdateItem per email.
   */
  claimMany?(inputs: readonly ClaimManyInput[]): Promise<PromiseSettledResult<ClaimResult>[]>;
  /** Forward-only status change plus a history entry; undefined when the condition did not hold. */
  transition(id: string, input: TransitionInput): Promise<EmailRecord | undefined>;
  /** Appends a history entry without changing status. */
  appendEvent(id: string, event: EmailEvent): Promise<void>;
  listByTenant(input: ListEmailsInput): Promise<EmailListPage>;
  /** Finds an email by the provider's message id (tracking events). */
  findByProviderMessageId?(providerMessageId: string): Promise<EmailRecord | undefined>;
}

export interface ApiKeyStore {
  getByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  put(record: ApiKeyRecord): Promise<void>;
  listByTenant(tenantId: string): Promise<ApiKeyRecord[]>;
  revoke(hash: string, at: string): Promise<boolean>;
  /** Sets the key's `lastUsedAt` to `at` unless it is already later; never creates a key that does not exist. */
  recordUse(hash: string, at: string): Promise<void>;
}

export interface TenantStore {
  get(id: string): Promise<Tenant | undefined>;
  put(tenant: Tenant): Promise<void>;
}

export interface EnqueueOptions {
  readonly delaySeconds?: number;
}

export interface QueuedMessage {
  readonly body: LaneMessage;
  readonly delaySeconds?: number;
}

export interface LaneStats {
  readonly depth: number;
  readonly inFlight: number;
  readonly delayed: number;
  readonly dlqDepth: number;
  readonly oldestAgeSeconds?: number;
}

export interface LaneQueue {
  enqueue(lane: Lane, message: LaneMessage, options?: EnqueueOptions): Promise<void>;
  /** SQS batches of 10; returns the email ids that could not be enqueued. */
  enqueueMany(lane: Lane, messages: readonly QueuedMessage[]): Promise<{ failedIds: string[] }>;
  /** Hides a received message for `seconds` (backoff). */
  changeVisibility(lane: Lane, receiptHandle: string, seconds: number): Promise<void>;
  /** Puts a message on the lane's DLQ. */
  sendToDlq(lane: Lane, message: LaneMessage, reason: string): Promise<void>;
  stats(lane: Lane): Promise<LaneStats>;
}

export interface OutgoingMail {
  readonly emailId: string;
  readonly tenantId: string;
  readonly lane: Lane;
  readonly from: string;
  /** Envelope recipients (to + cc + bcc, minus suppressed). */
  readonly recipients: string[];
  /** The complete MIME message, built once. */
  readonly raw: Buffer;
  readonly sesTenantName?: string;
  /** The SES configuration set to name (the from-domain's tracking/TLS); absent = the provider's default. SMTP ignores it. */
  readonly configurationSet?: string;
  /** The only provider that may be asked: an earlier attempt there was ambiguous (it may have the message). */
  readonly pinnedTo?: string;
  /** Times the queue has delivered this send (SQS ApproximateReceiveCount): throttled sends fail over from a threshold. */
  readonly receiveCount?: number;
}

/** What a provider answers for a message it took. */
export interface SendReceipt {
  readonly messageId: string;
  /** The provider that took it, when the one asked is a composite (failover). */
  readonly provider?: string;
  /** Every provider tried, in order, when the one asked is a composite. */
  readonly attempts?: readonly import('#shared/domain/provider-attempts').ProviderAttempt[];
}

export interface MailProvider {
  readonly name: 'ses' | 'smtp' | (string & {});
  /** Sends the message; throws ProviderError with a failure class (and, from a composite, its attempts). */
  send(mail: OutgoingMail): Promise<SendReceipt>;
}

export type ErrorLike = LastError;

/** Future sends (> 15 minutes ahead): EventBridge Scheduler in AWS, a table-backed scheduler locally. */
export interface SendScheduler {
  /** Creates (idempotently) a one-time schedule that puts `message` on the lane queue at `at`. */
  schedule(input: { emailId: string; lane: Lane; at: Date; message: LaneMessage }): Promise<void>;
  /** Moves an existing schedule to a new time and message (new schedule version). */
  reschedule(input: { emailId: string; lane: Lane; at: Date; message: LaneMessage }): Promise<void>;
  /** Deletes the schedule; a missing schedule is not an error. */
  cancel(emailId: string): Promise<void>;
}

/** Outbound "Email …" events on the Mailroom bus. */
export interface MailroomEvent {
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
}

export interface EventPublisher {
  publish(events: readonly MailroomEvent[]): Promise<void>;
}

/** Per-tenant request rate and daily quota (token bucket in one conditional write). */
export interface RateLimiter {
  /**
   * Takes `count` tokens (a batch counts its emails), then `count` from the daily quota and, with
   * `sender`, from that sender's hourly cap; throws RateLimitError (429) when any is exhausted.
   * Answers the request bucket as this charge left it (what `status` would read next; undefined:
   * no rate limit), so a request that was charged needs no second read for its `ratelimit-*` headers.
   */
  consume(
    tenantId: string,
    count: number,
    limits: import('#shared/domain/tenant').TenantLimits,
    options?: { sender?: string },
  ): Promise<RateLimitStatus | undefined>;
  /** The tenant's request bucket as it stands (undefined: the tenant has no rate limit). */
  status?(tenantId: string, limits: import('#shared/domain/tenant').TenantLimits): Promise<RateLimitStatus | undefined>;
}

/** What the `ratelimit-*` headers say: the bucket size, emails that could go now, seconds until it is full. */
export interface RateLimitStatus {
  readonly limit: number;
  readonly remaining: number;
  readonly resetSeconds: number;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

/** Circuit breaker over a provider, shared by all sender instances. */
export interface CircuitBreaker {
  /** May this call go to the provider? `half_open` lets exactly one probe through. */
  acquire(provider: string): Promise<{ allowed: boolean; state: BreakerState }>;
  recordSuccess(provider: string): Promise<void>;
  /** A failure that says the provider is unavailable; an ambiguous one (timeout, reset) weighs half. */
  recordFailure(provider: string, options?: { ambiguous?: boolean }): Promise<void>;
  state(provider: string): Promise<{ state: BreakerState; openUntil?: string; failures: number }>;
}

/** Rendered content of an email, ready for MIME. */
export interface EmailContent {
  readonly subject: string;
  readonly html?: string;
  readonly text?: string;
  readonly attachments?: import('#shared/rendering/mime').MimeAttachment[];
  /** Extra headers (List-Unsubscribe…). */
  readonly headers?: Record<string, string>;
}

/** Turns a stored email into content: renders its template, fetches attachments. */
export interface ContentBuilder {
  build(email: EmailRecord): Promise<EmailContent>;
}

/** Suppression list lookups at send time. */
export interface SuppressionCheck {
  /** The recipients (bare, lower-cased addresses) that must not be mailed on this lane. */
  suppressed(tenantId: string, recipients: readonly string[], lane: Lane): Promise<Set<string>>;
  /** The same for several emails (any tenants) in as few lookups as the store allows: one set per query, in order. */
  suppressedMany?(queries: readonly SuppressionQuery[]): Promise<Set<string>[]>;
}

export interface SuppressionQuery {
  readonly tenantId: string;
  readonly recipients: readonly string[];
  readonly lane: Lane;
}

/** Tenant-managed templates: a draft per template plus immutable published versions. */
export interface TemplateStore {
  /** Creates the draft; throws ConflictError when the id is taken. */
  create(template: import('#shared/domain/template').TenantTemplate): Promise<void>;
  get(tenantId: string, id: string): Promise<import('#shared/domain/template').TenantTemplate | undefined>;
  list(
    tenantId: string,
    input: { limit: number; cursor?: string },
  ): Promise<{ templates: import('#shared/domain/template').TenantTemplate[]; cursor?: string }>;
  /** Replaces the draft's content; undefined when the template does not exist. */
  updateDraft(
    tenantId: string,
    id: string,
    content: import('#shared/domain/template').TemplateContent,
    updatedAt: string,
  ): Promise<import('#shared/domain/template').TenantTemplate | undefined>;
  /** Removes the template from listings and lookups; published versions stay for emails already accepted. */
  delete(tenantId: string, id: string): Promise<boolean>;
  /**
   * Writes `draft` (as read) as version `draft.lastVersion + 1` and makes it the published one,
   * only if nobody edited or published the template since it was read (else ConflictError).
   */
  publish(draft: import('#shared/domain/template').TenantTemplate, publishedAt: string): Promise<import('#shared/domain/template').TemplateVersion>;
  getVersion(tenantId: string, id: string, version: number): Promise<import('#shared/domain/template').TemplateVersion | undefined>;
  /** Highest version number ever published under this id (survives delete, so numbers never repeat). */
  latestVersionNumber(tenantId: string, id: string): Promise<number>;
}

/** Attachment bytes (S3 in AWS, fauxqs locally). */
export interface AttachmentStore {
  put(key: string, body: Buffer, contentType: string | undefined, expiresAt?: Date): Promise<void>;
  get(key: string): Promise<Buffer>;
  /** A URL that downloads the object for `expiresInSeconds` without credentials (S3: presigned GET). */
  downloadUrl?(key: string, options: { expiresInSeconds: number; filename: string; contentType?: string }): Promise<string>;
}

/** Per-sender hourly send cap, shared by every lane (a `CAP#<sender>#<hour>` counter). */
export interface SenderCap {
  /** Counts one send of the tenant's `sender` in the clock hour of `at`; false (nothing counted) when that hour's cap is reached. */
  take(tenantId: string, sender: string, at: Date, cap: number): Promise<boolean>;
}

/** A pending email that is overdue, as the reconciler sees it (the `pending` index's projection). */
export interface StuckEmail {
  readonly id: string;
  readonly tenantId: string;
  readonly lane: Lane;
  readonly status: Status;
  readonly scheduleVersion: number;
  readonly scheduledAt?: string;
  readonly leaseUntil?: number;
  /** When it counts as stuck from. */
  readonly stuckSince: string;
  /** When the reconciler last re-enqueued it, and how often it did. */
  readonly reconciledAt?: string;
  readonly reconciles?: number;
  /** Not re-enqueued again before this time (the reconciler's backoff). */
  readonly nextReconcileAt?: string;
}

/** The pending emails index: what the reconciler and /health read. */
export interface StuckEmailStore {
  /**
   * Pending emails stuck since `before` or earlier, oldest first, at most `limit`. Unless `all`, only
   * those the reconciler may re-enqueue again by `before` (never reconciled, or past `nextReconcileAt`).
   */
  findStuck(before: Date, limit: number, options?: { all?: boolean }): Promise<StuckEmail[]>;
  /** How many are stuck at `at`, counting at most `max` (a bounded read for /health). */
  countStuck(at: Date, max: number): Promise<number>;
  /**
   * Records a re-enqueue (reconciledAt, nextReconcileAt, reconciles + 1) only if the email is still in
   * the status and schedule version it was found in and nobody reconciled it meanwhile; false otherwise.
   */
  markReconciled(email: StuckEmail, at: Date, next: Date): Promise<boolean>;
}
