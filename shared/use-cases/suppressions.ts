import { hasScope, type Principal } from '#shared/domain/api-key';
import { normalizeAddress } from '#shared/domain/address';
import { ForbiddenError, MalformedRequestError, NotFoundError, ValidationError } from '#shared/domain/errors';
import { encodeCursor, isCursor } from '#shared/domain/list-cursor';
import { SUPPRESSION_REASONS, SUPPRESSION_SCOPES, type Suppression, type SuppressionReason } from '#shared/domain/suppression';
import type { Clock } from '#shared/ports/index';
import type { SuppressionStore } from '#shared/ports/suppression-store';
import * as z from 'zod';

export interface SuppressionsDeps {
  readonly suppressions: SuppressionStore;
  readonly clock: Clock;
}

/** Resend's `origin`: how the address got on the list (Mailroom's `reason` says it more precisely). */
export type SuppressionOrigin = 'bounce' | 'complaint' | 'manual';
const originOf = (reason: SuppressionReason): SuppressionOrigin => (reason === 'bounce' || reason === 'complaint' ? reason : 'manual');

const ID_PREFIX = 'sup_';
/**
 * A suppression's id: `sup_` + the address in base64url. One id per entry, stable, and turned back
 * into the address without an index (the caller owns the address, so nothing is revealed).
 */
export const suppressionId = (address: string): string => ID_PREFIX + Buffer.from(address, 'utf8').toString('base64url');

/** The address an `{id_or_email}` path names (undefined: neither a suppression id nor an address). */
export function addressFromIdOrEmail(idOrEmail: string): string | undefined {
  if (idOrEmail.startsWith(ID_PREFIX)) {
    const encoded = idOrEmail.slice(ID_PREFIX.length);
    if (!/^[A-Za-z0-9_-]{1,600}$/.test(encoded)) return undefined;
    const address = Buffer.from(encoded, 'base64url').toString('utf8');
    return normalizeAddress(address) === address ? address : undefined;
  }
  return normalizeAddress(idOrEmail);
}

/** The API's view of a suppression: Resend's fields (`id`, `email`, `origin`, `source_id`, `created_at`) and Mailroom's `reason` and `scope`. */
export function toSuppressionView(s: Suppression) {
  return {
    object: 'suppression' as const,
    id: suppressionId(s.address),
    email: s.address,
    origin: originOf(s.reason),
    source_id: s.sourceEmailId ?? null,
    created_at: s.createdAt,
    reason: s.reason,
    scope: s.scope,
    source_email_id: s.sourceEmailId ?? null,
  };
}

const canRead = (p: Principal) => hasScope(p, 'suppressions:write') || hasScope(p, 'emails:read') || hasScope(p, 'emails:send');
const assertWrite = (p: Principal) => {
  if (!hasScope(p, 'suppressions:write')) throw new ForbiddenError('This API key is not allowed to change the suppression list (scope `suppressions:write`).');
};

function addressOf(input: unknown): string {
  const address = typeof input === 'string' ? normalizeAddress(input) : undefined;
  if (!address) throw new ValidationError('`email` must be one email address.');
  return address;
}

export async function listSuppressions(deps: SuppressionsDeps, principal: Principal, query: { limit?: string; after?: string; origin?: string }) {
  if (!canRead(principal)) throw new ForbiddenError('This API key is not allowed to read the suppression list.');
  const limit = query.limit === undefined || query.limit === '' ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ValidationError('`limit` must be an integer from 1 to 100.');
  const origin = query.origin;
  if (origin !== undefined && !ORIGINS.includes(origin as SuppressionOrigin)) throw new ValidationError(`\`origin\` must be one of ${ORIGINS.join(', ')}.`);
  const reasons = origin ? SUPPRESSION_REASONS.filter((r) => originOf(r) === origin) : undefined;
  // Resend's `after=<suppression id>` (or an address), or Mailroom's `next_cursor`; the store validates cursors.
  const after = query.after ? (isCursor(query.after) ? query.after : cursorAt(query.after)) : undefined;
  const page = await deps.suppressions.list(principal.tenantId, { limit, ...(after ? { cursor: after } : {}), ...(reasons ? { reasons } : {}) });
  return {
    object: 'list' as const,
    has_more: page.cursor !== undefined,
    ...(page.cursor ? { next_cursor: page.cursor } : {}),
    data: page.items.map(toSuppressionView),
  };
}

const ORIGINS: readonly SuppressionOrigin[] = ['bounce', 'complaint', 'manual'];

function cursorAt(idOrEmail: string): string {
  const address = addressFromIdOrEmail(idOrEmail);
  if (!address) throw new MalformedRequestError('`after` must be a suppression id, an address or a `next_cursor` this API returned.');
  return encodeCursor([address]);
}

/** `GET /suppressions/{id_or_email}`. */
export async function getSuppression(deps: SuppressionsDeps, principal: Principal, idOrEmail: string) {
  if (!canRead(principal)) throw new ForbiddenError('This API key is not allowed to read the suppression list.');
  const address = addressFromIdOrEmail(idOrEmail);
  const found = address ? await deps.suppressions.get(principal.tenantId, address) : undefined;
  if (!found) throw new NotFoundError('Suppression not found.');
  return toSuppressionView(found);
}

const addBody = z.object({
  email: z.string(),
  reason: z.enum(SUPPRESSION_REASONS).default('manual'),
  scope: z.enum(SUPPRESSION_SCOPES).default('all'),
});

/** Adds an address by hand (`POST /suppressions`). */
export async function addSuppression(deps: SuppressionsDeps, principal: Principal, body: unknown) {
  assertWrite(principal);
  const parsed = addBody.safeParse(body);
  if (!parsed.success) throw new ValidationError(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  const stored = await deps.suppressions.put({
    tenantId: principal.tenantId,
    address: addressOf(parsed.data.email),
    reason: parsed.data.reason,
    scope: parsed.data.scope,
    createdAt: deps.clock.now().toISOString(),
  });
  return toSuppressionView(stored);
}

/** Removes an address (`DELETE /suppressions/{id_or_email}`): mail to it is sent again. */
export async function removeSuppression(deps: SuppressionsDeps, principal: Principal, idOrEmail: string) {
  assertWrite(principal);
  const address = addressFromIdOrEmail(idOrEmail);
  if (!address) throw new ValidationError('The path must name a suppression id or one email address.');
  if (!(await deps.suppressions.delete(principal.tenantId, address))) throw new NotFoundError(`${address} is not on the suppression list.`);
  return { object: 'suppression' as const, id: suppressionId(address), email: address, deleted: true };
}

/** Most addresses one batch call takes. */
export const MAX_SUPPRESSION_BATCH = 100;

const batchAddBody = z.object({
  emails: z.array(z.string()).min(1).max(MAX_SUPPRESSION_BATCH),
  reason: z.enum(SUPPRESSION_REASONS).default('manual'),
  scope: z.enum(SUPPRESSION_SCOPES).default('all'),
});

/** `POST /suppressions/batch/add`: up to 100 addresses, all or none (every address is checked first). */
export async function addSuppressions(deps: SuppressionsDeps, principal: Principal, body: unknown) {
  assertWrite(principal);
  const parsed = batchAddBody.safeParse(body);
  if (!parsed.success) throw new ValidationError(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  const addresses = parsed.data.emails.map((email, i) => {
    const address = typeof email === 'string' ? normalizeAddress(email) : undefined;
    if (!address) throw new ValidationError(`\`emails[${i}]\` must be one email address.`);
    return address;
  });
  const createdAt = deps.clock.now().toISOString();
  const data = [];
  for (const address of new Set(addresses)) {
    await deps.suppressions.put({ tenantId: principal.tenantId, address, reason: parsed.data.reason, scope: parsed.data.scope, createdAt });
    data.push({ object: 'suppression' as const, id: suppressionId(address), email: address });
  }
  return { data };
}

const batchRemoveBody = z.union([
  z.object({ emails: z.array(z.string()).min(1).max(MAX_SUPPRESSION_BATCH) }).strict(),
  z.object({ ids: z.array(z.string()).min(1).max(MAX_SUPPRESSION_BATCH) }).strict(),
]);

/** `POST /suppressions/batch/remove`: `{emails}` or `{ids}`; `deleted: false` for one that was not listed. */
export async function removeSuppressions(deps: SuppressionsDeps, principal: Principal, body: unknown) {
  assertWrite(principal);
  const parsed = batchRemoveBody.safeParse(body);
  if (!parsed.success) throw new ValidationError('Send `{"emails": [...]}` or `{"ids": [...]}` with 1-100 entries.');
  const given = 'emails' in parsed.data ? parsed.data.emails : parsed.data.ids;
  const addresses = given.map((value, i) => {
    const address = addressFromIdOrEmail(value);
    if (!address) throw new ValidationError(`\`${'emails' in parsed.data ? 'emails' : 'ids'}[${i}]\` is neither a suppression id nor an email address.`);
    return address;
  });
  const data = [];
  for (const address of new Set(addresses)) {
    const deleted = await deps.suppressions.delete(principal.tenantId, address);
    data.push({ object: 'suppression' as const, id: suppressionId(address), email: address, deleted });
  }
  return { data };
}
