import type { EmailMatch } from '#shared/domain/email-filter';
import { hasScope, type Principal } from '#shared/domain/api-key';
import type { EmailRecord } from '#shared/domain/email';
import { fromStored } from '#shared/domain/provider-attempts';
import { ForbiddenError, MalformedRequestError, NotFoundError, ValidationError } from '#shared/domain/errors';
import { decodeCursor, encodeCursor, isCursor, isIsoTime, isObjectId } from '#shared/domain/list-cursor';
import { messageIdFor } from '#shared/domain/message-id';
import { attachmentId } from '#shared/domain/attachment-id';
import type { ContentBuilder, EmailListPosition, EmailStore } from '#shared/ports/index';
import { logger } from '#shared/observability/logger';
import { isLane, LANE_NAMES } from '#shared/config/lanes';
import { STATUSES } from '#shared/domain/status';

/** Resend's email object, plus Mailroom's status, lane and event history. */
export function toEmailView(email: EmailRecord) {
  return {
    object: 'email' as const,
    id: email.id,
    // Exactly as sent (Resend); `from` is only normalised for the message headers.
    from: email.fromAsSent ?? email.from,
    // The RFC 5322 Message-ID Mailroom stamps on the message (known from acceptance).
    message_id: email.messageId ?? messageIdFor(email.id, email.from),
    topic_id: email.topicId ?? null,
    to: email.to,
    cc: email.cc.length ? email.cc : null,
    bcc: email.bcc.length ? email.bcc : null,
    reply_to: email.replyTo.length ? email.replyTo : null,
    subject: email.subject ?? null,
    html: email.html ?? null,
    text: email.text ?? null,
    tags: email.tags,
    created_at: email.createdAt,
    scheduled_at: email.scheduledAt ?? null,
    last_event: email.lastEvent,
    status: email.status,
    lane: email.lane,
    template: email.template ? { id: email.template.id, version: email.template.version } : null,
    attempts: email.attempts,
    provider: email.provider ?? null,
    provider_message_id: email.providerMessageId ?? null,
    sent_at: email.sentAt ?? null,
    last_error: email.lastError ?? null,
    // Every provider attempt: `ambiguous` = that provider may have the message (issue 14 §1).
    provider_attempts: (email.providerAttempts ?? []).map(fromStored),
    suppressed_recipients: email.suppressedRecipients ?? [],
    attachments: (email.attachments ?? []).map((a, i) => ({
      id: attachmentId(email.id, i),
      filename: a.filename,
      content_type: a.contentType ?? null,
      size: a.size,
    })),
    events: email.events.map((e) => ({ type: e.type, at: e.at, ...(e.detail ? { detail: e.detail } : {}) })),
  };
}

/** A short list entry (no bodies, no history). */
export function toEmailSummary(email: EmailRecord) {
  const { html: _h, text: _t, events: _e, provider_attempts: _p, ...rest } = toEmailView(email);
  return rest;
}

/** Statuses in which the sender has rendered the email (the provider has, or had, the message). */
const RENDERED: readonly string[] = ['sent', 'delivery_delayed', 'delivered', 'bounced', 'complained', 'opened', 'clicked'];

/**
 * A template email as it was sent: the subject, HTML and text rendered from the template version
 * and variables recorded on it (the same renderer and inputs as the sender; only system
 * variables such as the unsubscribe link are placeholders). Before it is sent, or when the
 * template can no longer render, the email is returned as stored (`subject`/`html`/`text` null).
 */
export async function withRenderedContent(deps: { content?: ContentBuilder }, email: EmailRecord): Promise<EmailRecord> {
  if (!email.template || !deps.content || !RENDERED.includes(email.status)) return email;
  try {
    // Without attachments: the view needs the parts, not the bytes.
    const { attachments: _a, ...bodyOnly } = email;
    const content = await deps.content.build(bodyOnly as EmailRecord);
    return {
      ...email,
      subject: content.subject,
      ...(content.html !== undefined ? { html: content.html } : {}),
      ...(content.text !== undefined ? { text: content.text } : {}),
    };
  } catch (error) {
    logger.warn('Could not render the template email for GET /emails/{id}', { error: error as Error });
    return email;
  }
}

/** An ISO 8601 date-time (or date, meaning its UTC midnight) as a normalised ISO string. */
function isoParam(value: string, param: string): string {
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}($|T)/.test(value) || Number.isNaN(t))
    throw new ValidationError(`\`${param}\` must be an ISO 8601 date-time such as 2026-12-01T09:00:00Z.`);
  return new Date(t).toISOString();
}

/** The query string of `GET /emails`. */
export interface ListEmailsQuery {
  limit?: string;
  after?: string;
  before?: string;
  status?: string;
  lane?: string;
  to?: string;
  subject?: string;
  from?: string;
  tag?: string;
  created_after?: string;
  created_before?: string;
  provider_message_id?: string;
}

/** The search filters of `GET /emails` beyond status, lane and recipient: subject prefix, sender, tag, created-at range. */
function searchFilters(query: Pick<ListEmailsQuery, 'subject' | 'from' | 'tag' | 'created_after' | 'created_before' | 'provider_message_id'>): EmailMatch {
  const subject = query.subject?.trim();
  if (subject !== undefined && subject.length > 200) throw new ValidationError('`subject` must be at most 200 characters.');
  const from = query.from?.trim();
  if (from !== undefined && from.length > 320) throw new ValidationError('`from` must be at most 320 characters.');
  let tag: EmailMatch['tag'];
  if (query.tag) {
    const [name, ...rest] = query.tag.split(':');
    if (!name || name.length > 256) throw new ValidationError('`tag` must be `name` or `name:value`.');
    tag = rest.length ? { name, value: rest.join(':') } : { name };
  }
  const createdAfter = query.created_after ? isoParam(query.created_after, 'created_after') : undefined;
  const createdBefore = query.created_before ? isoParam(query.created_before, 'created_before') : undefined;
  if (createdAfter && createdBefore && createdAfter >= createdBefore) throw new ValidationError('`created_after` must be before `created_before`.');
  const providerMessageId = query.provider_message_id?.trim();
  if (providerMessageId !== undefined && providerMessageId.length > 256) throw new ValidationError('`provider_message_id` must be at most 256 characters.');
  return {
    ...(providerMessageId ? { providerMessageId } : {}),
    ...(subject ? { subject } : {}),
    ...(from ? { from } : {}),
    ...(tag ? { tag } : {}),
    ...(createdAfter ? { createdAfter } : {}),
    ...(createdBefore ? { createdBefore } : {}),
  };
}

export const UUIDISH = /^[A-Za-z0-9_-]{1,64}$/;

/** Loads one of the caller's emails. Another tenant's id is 404, not 403, so ids cannot be probed. */
export async function getEmail(deps: { emails: EmailStore }, principal: Principal, id: string): Promise<EmailRecord> {
  if (!hasScope(principal, 'emails:read') && !hasScope(principal, 'emails:send')) {
    throw new ForbiddenError('This API key is not allowed to read emails (scope `emails:read`).');
  }
  if (!UUIDISH.test(id)) throw new NotFoundError('Email not found.');
  const email = await deps.emails.get(id);
  if (!email || email.tenantId !== principal.tenantId) throw new NotFoundError('Email not found.');
  return email;
}

/** Where `after` / `before` point: an email id of the caller's (Resend), or a `next_cursor` (Mailroom). */
async function positionOf(deps: { emails: EmailStore }, principal: Principal, value: string, param: 'after' | 'before'): Promise<EmailListPosition> {
  if (isCursor(value)) {
    const [createdAt, id] = decodeCursor(value, [isIsoTime, isObjectId], param);
    return { createdAt: createdAt!, id: id! };
  }
  const refused = () => new MalformedRequestError(`\`${param}\` must be the id of one of your emails (or a \`next_cursor\` this API returned).`);
  if (!UUIDISH.test(value)) throw refused();
  const email = await deps.emails.get(value);
  if (!email || email.tenantId !== principal.tenantId) throw refused();
  return { createdAt: email.createdAt, id: email.id };
}

/**
 * `GET /emails`: newest first, `limit` 1-100 (default 20), Resend's `after=<email id>` (older
 * emails) or `before=<email id>` (newer ones), both exclusive; `has_more` says whether more lie
 * beyond the page in that direction. Optionally filtered by `status`, `lane` and recipient (`to`, a
 * substring). `next_cursor` (Mailroom's extra) continues in the same direction when passed to the
 * same parameter: it also moves past emails a filtered page read without returning.
 */
export async function listEmails(deps: { emails: EmailStore }, principal: Principal, query: ListEmailsQuery) {
  if (!hasScope(principal, 'emails:read') && !hasScope(principal, 'emails:send')) {
    throw new ForbiddenError('This API key is not allowed to read emails (scope `emails:read`).');
  }
  const limit = query.limit === undefined || query.limit === '' ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ValidationError('`limit` must be an integer from 1 to 100.');
  if (query.after && query.before) throw new ValidationError('Give `after` or `before`, not both.');
  if (query.status && !(STATUSES as readonly string[]).includes(query.status)) throw new ValidationError(`\`status\` must be one of ${STATUSES.join(', ')}.`);
  if (query.lane && !isLane(query.lane)) throw new ValidationError(`\`lane\` must be one of ${LANE_NAMES.join(', ')}.`);
  const recipient = query.to?.trim().toLowerCase();
  if (recipient !== undefined && recipient.length > 320) throw new ValidationError('`to` must be at most 320 characters.');
  const match = searchFilters(query);
  const after = query.after ? await positionOf(deps, principal, query.after, 'after') : undefined;
  const before = query.before ? await positionOf(deps, principal, query.before, 'before') : undefined;
  const page = await deps.emails.listByTenant({
    tenantId: principal.tenantId,
    limit,
    ...(after ? { after } : {}),
    ...(before ? { before } : {}),
    ...(query.status ? { status: query.status } : {}),
    ...(query.lane ? { lane: query.lane } : {}),
    ...(recipient ? { recipient } : {}),
    ...match,
  });
  return {
    object: 'list' as const,
    has_more: page.hasMore,
    ...(page.hasMore && page.resume ? { next_cursor: encodeCursor([page.resume.createdAt, page.resume.id]) } : {}),
    data: page.emails.map(toEmailSummary),
  };
}
