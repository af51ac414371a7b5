import { randomUUID } from 'node:crypto';
import { DEFAULT_LANE, isLane, type Lane } from '#shared/config/lanes';
import { hasScope, type Principal } from '#shared/domain/api-key';
import type { EmailRecord } from '#shared/domain/email';
import { ForbiddenError, InvalidApiKeyError, PayloadTooLargeError, ValidationError } from '#shared/domain/errors';
import { parseSendRequest, type SendEmailRequest } from '#shared/domain/send-request';
import type { Tenant } from '#shared/domain/tenant';
import type { IdempotencyGuard } from '#shared/ports/idempotency';
import type { Clock, EmailStore, EventPublisher, LaneQueue, RateLimiter, SendScheduler, TenantStore } from '#shared/ports/index';
import { abandonUnqueued, dispatchEmail, reportAcceptedEventFailure } from './dispatch-email';
import { resolveSchedule } from './schedule-time';
import { emailEvent } from './email-events';

export interface TemplateInfo {
  readonly id: string;
  readonly version: number | string;
  readonly lane?: Lane;
  /** Throws ValidationError naming a missing or wrong variable. */
  validate(variables: Record<string, unknown>): void;
  /** The template's `from` / `reply_to`, used when the send leaves them out (Resend's templates). */
  readonly defaults?: { readonly from?: string; readonly replyTo?: readonly string[] };
}

/** Finds the template a request names: the tenant's own first, then the repository's. */
export interface TemplateLookup {
  find(tenantId: string, id: string): Promise<TemplateInfo | undefined>;
}

/** Stores attachment bytes (S3) and returns references for the email record. */
export interface AttachmentIntake {
  store(emailId: string, tenantId: string, attachments: SendEmailRequest['attachments'], expiresAt: Date): Promise<NonNullable<EmailRecord['attachments']>>;
}

export interface AcceptEmailDeps {
  readonly emails: EmailStore;
  readonly queue: LaneQueue;
  readonly idempotency: IdempotencyGuard;
  readonly clock: Clock;
  /** Required: a key whose tenant has no record is refused, never let past the sender and rate checks. */
  readonly tenants: TenantStore;
  readonly templates?: TemplateLookup;
  readonly scheduler?: SendScheduler;
  readonly rateLimiter: RateLimiter;
  readonly attachments?: AttachmentIntake;
  readonly events?: EventPublisher;
  readonly newId?: () => string;
  readonly defaultRetentionDays: number;
}

export interface AcceptEmailInput {
  readonly principal: Principal;
  readonly body: unknown;
  /** `Mailroom-Lane` request header. */
  readonly laneHeader?: string;
  /** `Idempotency-Key` header (API) or `detail.idempotencyKey` / event id (EventBridge). */
  readonly idempotencyKey?: string;
}

/** A request that passed every check and is ready to be stored. */
export interface PreparedEmail {
  readonly record: EmailRecord;
  readonly request: SendEmailRequest;
}

/** Checks that `from` is allowed for the tenant and the key. */
export function assertSenderAllowed(principal: Principal, tenant: Tenant | undefined, request: SendEmailRequest): void {
  const domain = request.fromDomain.toLowerCase();
  const address = request.fromAddress.toLowerCase();
  if (principal.senderDomain && principal.senderDomain.toLowerCase() !== domain) {
    throw new ForbiddenError(`This API key may only send from ${principal.senderDomain}.`, 'invalid_from_address');
  }
  // Verified domains (`/domains`) count as allowed senders; an empty list still means any sender.
  const allowed = [...(tenant?.allowedSenders ?? []), ...(tenant?.verifiedDomains ?? [])];
  if (allowed.length > 0 && !allowed.some((a) => (a.includes('@') ? a.toLowerCase() === address : a.toLowerCase() === domain))) {
    throw new ForbiddenError(
      `The \`from\` address ${request.fromAddress} is not one this tenant may send from. Allowed: ${allowed.join(', ')}.`,
      'invalid_from_address',
    );
  }
}

/**
 * The tenant of the caller's key, which must exist: a key whose tenant was never created or was
 * removed is refused (403 invalid_api_key) instead of sending without the tenant's allowed senders,
 * limits and retention (fail closed).
 */
export async function requireTenant(tenants: TenantStore, principal: Principal): Promise<Tenant> {
  const tenant = await tenants.get(principal.tenantId);
  if (!tenant)
    throw new InvalidApiKeyError(
      `API key is invalid: its tenant "${principal.tenantId.slice(0, 64)}" does not exist. Create the tenant (mailroom tenants create) or use a key of an existing tenant.`,
    );
  return tenant;
}

/** Lane: header, else the template's default, else the key's, else the tenant's, else transactional. */
export function chooseLane(laneHeader: string | undefined, template: TemplateInfo | undefined, principal: Principal, tenant: Tenant | undefined): Lane {
  if (laneHeader !== undefined && laneHeader !== '') {
    const lane = laneHeader.trim().toLowerCase();
    if (!isLane(lane))
      throw new ValidationError(`Unknown lane "${laneHeader.slice(0, 40)}" in the Mailroom-Lane header. Use critical, transactional, marketing or bulk.`);
    return lane;
  }
  return template?.lane ?? principal.defaultLane ?? tenant?.defaultLane ?? DEFAULT_LANE;
}

/**
 * Validates and authorises one send request and builds its email record (not yet stored).
 * Shared by single sends, batches and the EventBridge intake.
 */
export async function prepareEmail(
  deps: AcceptEmailDeps,
  input: { principal: Principal; body: unknown; laneHeader?: string; tenant: Tenant; id?: string },
): Promise<PreparedEmail> {
  const { principal } = input;
  if (!hasScope(principal, 'emails:send')) throw new ForbiddenError('This API key is not allowed to send emails (scope `emails:send`).');
  // The template first: its `from` / `reply_to` fill a send that leaves them out (Resend's templates).
  const templateId = templateIdOf(input.body);
  const found = templateId ? await deps.templates?.find(principal.tenantId, templateId) : undefined;
  const request = parseSendRequest(input.body, found?.defaults);
  assertSenderAllowed(principal, input.tenant, request);

  let template: TemplateInfo | undefined;
  if (request.template) {
    template = found;
    if (!template) throw new ValidationError(`Template "${request.template.id}" does not exist.`, 'invalid_template');
    template.validate(request.template.variables);
  }
  const lane = chooseLane(input.laneHeader, template, principal, input.tenant);
  const now = deps.clock.now();
  const scheduledAt = request.scheduledAt !== undefined ? resolveSchedule(request.scheduledAt, now) : undefined;
  const id = input.id ?? (deps.newId ?? randomUUID)();
  const retentionDays = input.tenant.retentionDays ?? deps.defaultRetentionDays;
  const expiresAt = Math.floor(now.getTime() / 1000) + retentionDays * 86_400;
  const status = scheduledAt ? 'scheduled' : 'queued';
  const createdAt = now.toISOString();
  const record: EmailRecord = {
    id,
    tenantId: principal.tenantId,
    lane,
    status,
    lastEvent: status,
    from: request.from,
    ...(request.fromAsSent !== undefined ? { fromAsSent: request.fromAsSent } : {}),
    ...(request.topicId !== undefined ? { topicId: request.topicId } : {}),
    to: request.to,
    cc: request.cc,
    bcc: request.bcc,
    replyTo: request.replyTo,
    ...(request.subject !== undefined ? { subject: request.subject } : {}),
    ...(request.html !== undefined ? { html: request.html } : {}),
    ...(request.text !== undefined ? { text: request.text } : {}),
    headers: request.headers,
    tags: request.tags,
    ...(template && request.template ? { template: { id: template.id, version: template.version, variables: request.template.variables } } : {}),
    ...(scheduledAt ? { scheduledAt: scheduledAt.toISOString() } : {}),
    scheduleVersion: 0,
    attempts: 0,
    createdAt,
    updatedAt: createdAt,
    expiresAt,
    events: [emailEvent(status, now, { lane, ...(scheduledAt ? { scheduled_at: scheduledAt.toISOString() } : {}) })],
  };
  assertStorable(record);
  return { record, request };
}

/**
 * Largest email record (bodies, addresses, headers, template variables) accepted, in bytes of
 * JSON. A DynamoDB item holds 400 KB, and the record keeps room for its `events` history.
 */
export const MAX_EMAIL_RECORD_BYTES = 350_000;

/** Refuses (413) an email whose record could not be stored, instead of failing the write with a 500. */
function assertStorable(record: EmailRecord): void {
  const size = Buffer.byteLength(JSON.stringify(record), 'utf8');
  if (size > MAX_EMAIL_RECORD_BYTES) {
    throw new PayloadTooLargeError(
      `The email is ${size} bytes once stored; at most ${MAX_EMAIL_RECORD_BYTES} bytes of bodies, addresses, headers and template variables are accepted. Send large content as attachments.`,
    );
  }
}

/**
 * Accepts one email.
 *
 * Primary course: validate → authorise sender → (template variables) → choose lane → under
 * the idempotency key: write the record (queued|scheduled), then enqueue or schedule it.
 * If the enqueue fails the request fails, the record is marked failed and the idempotency key
 * is released, so the client's retry is safe.
 */
export async function acceptEmail(deps: AcceptEmailDeps, input: AcceptEmailInput): Promise<{ id: string }> {
  const tenant = await requireTenant(deps.tenants, input.principal);
  const accept = async (): Promise<{ id: string }> => {
    const prepared = await prepareEmail(deps, { ...input, tenant });
    await deps.rateLimiter.consume(tenant.id, 1, tenant.limits, { sender: prepared.request.fromAddress });
    const record = await storeAttachments(deps, prepared);
    await deps.emails.create(record);
    try {
      await dispatchEmail(deps, record);
    } catch (error) {
      await abandonUnqueued(deps, record.id);
      throw error;
    }
    await deps.events
      ?.publish([{ detailType: 'Email Accepted', detail: { id: record.id, tenant: record.tenantId, lane: record.lane, status: record.status } }])
      .catch((error: unknown) => reportAcceptedEventFailure([record.id], error));
    return { id: record.id };
  };
  if (!input.idempotencyKey) return accept();
  // Validation runs before the key is taken, so a 4xx answer is never cached and the
  // client can fix the request and retry with the same key.
  parseSendRequest(input.body, 'deferred');
  return deps.idempotency.run(`${input.principal.tenantId}#emails#${input.idempotencyKey}`, input.body, accept);
}

/** `template.id` of a send body, if it names one (checked properly by parseSendRequest). */
function templateIdOf(body: unknown): string | undefined {
  const template = (body as { template?: { id?: unknown } } | null)?.template;
  const id = template && typeof template === 'object' ? template.id : undefined;
  return typeof id === 'string' && id.length > 0 && id.length <= 128 ? id : undefined;
}

async function storeAttachments(deps: AcceptEmailDeps, prepared: PreparedEmail): Promise<EmailRecord> {
  const { record, request } = prepared;
  if (request.attachments.length === 0) return record;
  if (!deps.attachments) throw new ValidationError('Attachments are not enabled on this deployment.', 'invalid_attachment');
  const refs = await deps.attachments.store(record.id, record.tenantId, request.attachments, new Date(record.expiresAt * 1000));
  return { ...record, attachments: refs };
}
