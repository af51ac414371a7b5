/**
 * `/api-keys` in Resend's shape, over Mailroom's scoped keys.
 *
 * Primary course: a full-access key (scope `admin`) creates a key with `permission`
 * `full_access` (scope `admin`) or `sending_access` (scope `emails:send`, optionally bound to one
 * of the tenant's domains); the token is answered once and only its SHA-256 is stored. Listing
 * shows ids and names; DELETE revokes, and the authorizer refuses the key once API Gateway's cached
 * answer for it expires (AUTHORIZER_CACHE_SECONDS).
 *
 * A key never makes a key with more power than its own: only full-access keys reach these calls,
 * a new key never gets a scope beyond `admin`, and a caller bound to a domain passes that binding on.
 */
import * as z from 'zod';
import { apiKeyId, hasScope, type Principal, type Scope } from '#shared/domain/api-key';
import { ForbiddenError, NotFoundError, ValidationError } from '#shared/domain/errors';
import type { ApiKeyStore, Clock } from '#shared/ports/index';
import type { DomainStore } from '#shared/ports/domains';
import { createApiKey } from './api-keys';
import { pageByAfterBefore, zodMessage } from './resource-paging';

export interface ApiKeysResourceDeps {
  readonly keys: ApiKeyStore;
  readonly domains: DomainStore;
  readonly clock: Clock;
}

/** Resend's permissions mapped onto Mailroom's scopes. */
export const PERMISSION_SCOPES = {
  full_access: ['admin'],
  sending_access: ['emails:send'],
} as const satisfies Record<string, readonly Scope[]>;

/** Only a full-access key manages keys, domains and webhooks (403 `restricted_api_key` otherwise). */
export function requireFullAccess(principal: Principal, what: string): void {
  if (!hasScope(principal, 'admin')) throw new ForbiddenError(`Only a full access API key can manage ${what}; this key has restricted access.`);
}

const createBody = z
  .object({
    name: z.string().trim().min(1).max(50),
    permission: z.enum(['full_access', 'sending_access']).default('full_access'),
    domain_id: z.string().min(1).max(100).optional(),
  })
  .strict();

/** `POST /api-keys` → `{id, token}` (the token is never shown again). */
export async function createApiKeyResource(deps: ApiKeysResourceDeps, principal: Principal, body: unknown): Promise<{ id: string; token: string }> {
  requireFullAccess(principal, 'API keys');
  const parsed = createBody.safeParse(body);
  if (!parsed.success)
    throw new ValidationError(
      zodMessage(parsed.error),
      parsed.error.issues.some((i) => i.code === 'invalid_type' && i.input === undefined) ? 'missing_required_field' : 'validation_error',
    );
  const { name, permission, domain_id } = parsed.data;
  let senderDomain = principal.senderDomain;
  if (domain_id !== undefined) {
    if (permission !== 'sending_access')
      throw new ValidationError('`domain_id` restricts a `sending_access` key; a `full_access` key cannot be bound to a domain.');
    const domain = await deps.domains.get(principal.tenantId, domain_id);
    if (!domain) throw new NotFoundError(`Domain ${domain_id} not found.`);
    if (senderDomain && senderDomain !== domain.name)
      throw new ForbiddenError(`This API key may only use ${senderDomain}; it cannot create a key for ${domain.name}.`);
    senderDomain = domain.name;
  }
  const { key, record } = await createApiKey(deps, {
    tenantId: principal.tenantId,
    scopes: [...PERMISSION_SCOPES[permission]],
    name,
    ...(principal.defaultLane ? { defaultLane: principal.defaultLane } : {}),
    ...(senderDomain ? { senderDomain } : {}),
  });
  return { id: apiKeyId(record), token: key };
}

/** `GET /api-keys`: live keys, newest first, Resend's `after`/`before` paging by id. */
export async function listApiKeyResources(deps: ApiKeysResourceDeps, principal: Principal, query: Record<string, string | undefined>) {
  requireFullAccess(principal, 'API keys');
  const records = (await deps.keys.listByTenant(principal.tenantId)).filter((r) => !r.revokedAt).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const page = pageByAfterBefore(records, apiKeyId, query);
  return {
    object: 'list' as const,
    has_more: page.hasMore,
    data: page.items.map((r) => ({
      id: apiKeyId(r),
      name: r.name ?? r.prefix,
      created_at: r.createdAt,
      last_used_at: r.lastUsedAt ?? null,
      // Mailroom's extensions: which key it is (the token's first characters), its power and its binding.
      prefix: r.prefix,
      permission: permissionOf(r.scopes),
      scopes: r.scopes,
      domain: r.senderDomain ?? null,
    })),
  };
}

/** Resend's name for a key's scopes, or null for a combination only the CLI makes (its `scopes` say what it may do). */
function permissionOf(scopes: readonly Scope[]): keyof typeof PERMISSION_SCOPES | null {
  if (scopes.includes('admin')) return 'full_access';
  return scopes.length === 1 && scopes[0] === 'emails:send' ? 'sending_access' : null;
}

/** `DELETE /api-keys/{id}`: revokes the key (a revoked or unknown id is 404). */
export async function deleteApiKeyResource(deps: ApiKeysResourceDeps, principal: Principal, id: string) {
  requireFullAccess(principal, 'API keys');
  const record = (await deps.keys.listByTenant(principal.tenantId)).find((r) => apiKeyId(r) === id && !r.revokedAt);
  if (!record || !(await deps.keys.revoke(record.hash, deps.clock.now().toISOString()))) throw new NotFoundError(`API key ${id.slice(0, 64)} not found.`);
  return { object: 'api_key' as const, id, deleted: true };
}
