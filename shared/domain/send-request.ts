import * as z from 'zod';
import { parseAddress } from './address';
import { ValidationError } from './errors';
import { assertSafeHeaders, hasLineBreak } from '#shared/rendering/headers';

export const MAX_RECIPIENTS = 50;
const TAG_CHARS = /^[A-Za-z0-9_-]+$/;

const addressList = z.union([z.string(), z.array(z.string()).max(MAX_RECIPIENTS)]);

const attachment = z
  .object({
    filename: z.string().min(1).max(255).optional(),
    content: z.union([z.string(), z.array(z.number().int().min(0).max(255))]).optional(),
    path: z.string().url().optional(),
    content_type: z.string().max(255).optional(),
    content_id: z.string().max(255).optional(),
  })
  .strict();

/** Resend's `POST /emails` body. Unknown top-level fields are rejected by name. */
export const sendEmailSchema = z
  .object({
    from: z.string().max(320),
    to: addressList,
    cc: addressList.optional(),
    bcc: addressList.optional(),
    reply_to: addressList.optional(),
    replyTo: addressList.optional(),
    subject: z.string().max(998).optional(),
    html: z.string().optional(),
    text: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    tags: z
      .array(
        z
          .object({
            name: z.string().min(1).max(256).regex(TAG_CHARS, 'may only contain ASCII letters, numbers, underscores or dashes'),
            value: z.string().min(1).max(256).regex(TAG_CHARS, 'may only contain ASCII letters, numbers, underscores or dashes'),
          })
          .strict(),
      )
      .max(50)
      .optional(),
    attachments: z.array(attachment).max(20).optional(),
    scheduled_at: z.string().max(100).optional(),
    scheduledAt: z.string().max(100).optional(),
    /** Resend's topic (subscription preferences): stored and reported; Mailroom does not act on it yet. */
    topic_id: z.string().max(256).nullable().optional(),
    template: z
      .object({
        id: z.string().min(1).max(128),
        variables: z.record(z.string(), z.unknown()).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type SendEmailBody = z.infer<typeof sendEmailSchema>;

export interface SendEmailRequest {
  /** `from` normalised for the message headers (display name quoted when needed). */
  readonly from: string;
  /** `from` exactly as the client sent it, when that differs from `from` (GET /emails/{id} reports it). */
  readonly fromAsSent?: string;
  readonly fromDomain: string;
  readonly fromAddress: string;
  readonly to: string[];
  readonly cc: string[];
  readonly bcc: string[];
  readonly replyTo: string[];
  readonly subject?: string;
  readonly html?: string;
  readonly text?: string;
  readonly headers: Record<string, string>;
  readonly tags: { name: string; value: string }[];
  readonly attachments: NonNullable<SendEmailBody['attachments']>;
  readonly scheduledAt?: string;
  readonly template?: { id: string; variables: Record<string, unknown> };
  readonly topicId?: string;
}

const REQUIRED = new Set(['from', 'to']);

/**
 * A template's defaults for the fields a send leaves out (Resend: the payload overrides them):
 * `from` and `reply_to`. `'deferred'`: the template is not looked up yet, so a missing `from` is
 * tolerated here and checked once it is (the idempotency pre-check).
 */
export type TemplateDefaults = { readonly from?: string; readonly replyTo?: readonly string[] } | 'deferred';

/** A syntactically valid stand-in for a template's `from` before the template is known. */
const DEFERRED_FROM = 'template-default@mailroom.invalid';

function withTemplateDefaults(body: Record<string, unknown>, defaults: TemplateDefaults | undefined): Record<string, unknown> {
  if (!defaults || body.template === undefined) return body;
  const from = defaults === 'deferred' ? DEFERRED_FROM : defaults.from;
  const replyTo = defaults === 'deferred' ? undefined : defaults.replyTo;
  return {
    ...(body.from === undefined && from ? { from } : {}),
    ...(body.reply_to === undefined && body.replyTo === undefined && replyTo?.length ? { reply_to: [...replyTo] } : {}),
    ...body,
  };
}

/** The value at a zod issue path, or undefined when any step is missing. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * Turns zod issues into one readable sentence with Resend's error name. Pass the parsed `input`
 * so a missing field (`missing_required_field`) is told apart from a wrong one: zod 4 issues
 * do not carry the input unless asked to.
 */
export function toValidationError(error: z.ZodError, what = 'request', input?: unknown): ValidationError {
  const first = error.issues[0]!;
  if (first.code === 'unrecognized_keys') {
    const keys = (first as { keys: string[] }).keys;
    const where = first.path.length ? ` in \`${first.path.join('.')}\`` : '';
    return new ValidationError(`Unknown field${keys.length > 1 ? 's' : ''}${where}: ${keys.map((k) => `\`${k}\``).join(', ')}.`);
  }
  const path = first.path.join('.');
  const absent = input !== undefined ? valueAt(input, first.path) === undefined : 'input' in first && first.input === undefined;
  if ((first.code === 'invalid_type' || first.code === 'invalid_union') && absent && first.path.length >= 1) {
    const top = String(first.path[0]);
    return new ValidationError(`Missing \`${path}\` field.`, REQUIRED.has(top) || first.path.length > 1 ? 'missing_required_field' : 'validation_error');
  }
  return new ValidationError(`Invalid \`${path || what}\`: ${first.message}.`);
}

function addresses(field: string, value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((raw, i) => {
    const parsed = parseAddress(raw);
    if (!parsed) {
      const where = Array.isArray(value) ? `${field}[${i}]` : field;
      throw new ValidationError(
        `Invalid \`${where}\` field. The email address needs to follow the \`email@example.com\` or \`Name <email@example.com>\` format.`,
      );
    }
    return parsed.formatted;
  });
}

/** Keys that name an object's prototype machinery: never a header or a template variable. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Refuses (422) `__proto__`, `constructor` or `prototype` as a key of `headers` or
 * `template.variables`. JSON.parse keeps such a key as a plain own property, but the schema's
 * record parsing would drop `__proto__` silently; the client is told instead (docs/security.md).
 */
function assertNoPrototypeKeys(body: Record<string, unknown>): void {
  const template = body.template;
  const maps: Array<[string, unknown]> = [
    ['headers', body.headers],
    ['template.variables', template && typeof template === 'object' ? (template as Record<string, unknown>).variables : undefined],
  ];
  for (const [field, map] of maps) {
    if (!map || typeof map !== 'object' || Array.isArray(map)) continue;
    const bad = Object.keys(map).find((k) => PROTOTYPE_KEYS.has(k));
    if (bad !== undefined) throw new ValidationError(`Invalid \`${field}\` field: the key "${bad}" is not allowed.`);
  }
}

/**
 * Validates a send request (API body or "Email Requested" event detail) and normalises it.
 * Throws ValidationError (422) naming the field at fault.
 */
export function parseSendRequest(input: unknown, defaults?: TemplateDefaults): SendEmailRequest {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ValidationError('The request body must be a JSON object.');
  }
  assertNoPrototypeKeys(input as Record<string, unknown>);
  const body = withTemplateDefaults(input as Record<string, unknown>, defaults);
  const result = sendEmailSchema.safeParse(body);
  if (!result.success) throw toValidationError(result.error, 'request', body);
  const b = result.data;
  if (hasLineBreak(b.from)) throw new ValidationError('Invalid `from` field: line breaks are not allowed.');
  if (b.subject !== undefined && hasLineBreak(b.subject)) throw new ValidationError('Invalid `subject` field: line breaks are not allowed.');
  const fromParsed = parseAddress(b.from);
  if (!fromParsed) {
    throw new ValidationError('Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.');
  }
  const to = addresses('to', b.to);
  const cc = addresses('cc', b.cc);
  const bcc = addresses('bcc', b.bcc);
  const replyTo = addresses('reply_to', b.reply_to ?? b.replyTo);
  if (to.length === 0) throw new ValidationError('Missing `to` field.', 'missing_required_field');
  const total = to.length + cc.length + bcc.length;
  if (total > MAX_RECIPIENTS) {
    throw new ValidationError(`Too many recipients: ${total}. At most ${MAX_RECIPIENTS} across \`to\`, \`cc\` and \`bcc\`.`);
  }
  const headers = b.headers ?? {};
  assertSafeHeaders(headers);
  if (b.template && (b.html !== undefined || b.text !== undefined)) {
    // Resend: "If you send a template, you cannot send html or text" — the template is the body.
    throw new ValidationError('`template` cannot be combined with `html` or `text`: the template renders the body. Send one or the other.');
  }
  if (!b.template) {
    if (b.subject === undefined) throw new ValidationError('Missing `subject` field.', 'missing_required_field');
    if (b.html === undefined && b.text === undefined) {
      throw new ValidationError('Missing `html` or `text` field.', 'missing_required_field');
    }
  }
  const scheduledAt = b.scheduled_at ?? b.scheduledAt;
  return {
    from: fromParsed.formatted,
    ...(b.from.trim() !== fromParsed.formatted ? { fromAsSent: b.from.trim() } : {}),
    fromAddress: fromParsed.address,
    fromDomain: fromParsed.domain,
    to,
    cc,
    bcc,
    replyTo,
    ...(b.subject !== undefined ? { subject: b.subject } : {}),
    ...(b.html !== undefined ? { html: b.html } : {}),
    ...(b.text !== undefined ? { text: b.text } : {}),
    headers,
    tags: b.tags ?? [],
    attachments: b.attachments ?? [],
    ...(scheduledAt !== undefined ? { scheduledAt } : {}),
    ...(b.template ? { template: { id: b.template.id, variables: b.template.variables ?? {} } } : {}),
    ...(b.topic_id ? { topicId: b.topic_id } : {}),
  };
}
