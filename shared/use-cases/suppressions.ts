import { hasScope, type Principal } from '#shared/domain/api-key';
import { normalizeAddress } from '#shared/domain/address';
import { ForbiddenError, NotFoundError, ValidationError } from '#shared/domain/errors';
import { SUPPRESSION_REASONS, SUPPRESSION_SCOPES, type Suppression } from '#shared/domain/suppression';
import type { Clock } from '#shared/ports/index';
import type { SuppressionStore } from '#shared/ports/suppression-store';
import * as z from 'zod';

export interface SuppressionsDeps {
  readonly suppressions: SuppressionStore;
  readonly clock: Clock;
}

/** The API's view of a suppression. */
export function toSuppressionView(s: Suppression) {
  return {
    object: 'suppression' as const,
    email: s.address,
    reason: s.reason,
    scope: s.scope,
    source_email_id: s.sourceEmailId ?? null,
    created_at: s.createdAt,
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

export async function listSuppressions(deps: SuppressionsDeps, principal: Principal, query: { limit?: string; after?: string }) {
  if (!canRead(principal)) throw new ForbiddenError('This API key is not allowed to read the suppression list.');
  const limit = query.limit === undefined || query.limit === '' ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ValidationError('`limit` must be an integer from 1 to 100.');
  const page = await deps.suppressions.list(principal.tenantId, { limit, ...(query.after ? { cursor: query.after } : {}) });
  return {
    object: 'list' as const,
    has_more: page.cursor !== undefined,
    ...(page.cursor ? { next_cursor: page.cursor } : {}),
    data: page.items.map(toSuppressionView),
  };
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

/** Removes an address (`DELETE /suppressions/{email}`): mail to it is sent again. */
export async function removeSuppression(deps: SuppressionsDeps, principal: Principal, email: string) {
  assertWrite(principal);
  const address = addressOf(email);
  if (!(await deps.suppressions.delete(principal.tenantId, address))) throw new NotFoundError(`${address} is not on the suppression list.`);
  return { object: 'suppression' as const, email: address, deleted: true };
}
