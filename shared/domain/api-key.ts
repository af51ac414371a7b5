import type { Lane } from '#shared/config/lanes';

/**
 * Tenant scopes (`admin` holds every one of them) plus `operator`, the deployment-level scope of the
 * lane, DLQ and redrive endpoints. Only an operator key holds `operator`: it belongs to the reserved
 * OPERATOR_TENANT, which no tenant can be (tenant ids never contain `@`), and `admin` does not imply it.
 */
export const SCOPES = ['emails:send', 'emails:read', 'templates:write', 'suppressions:write', 'admin', 'operator'] as const;
export type Scope = (typeof SCOPES)[number];

/** The scopes a tenant's key may hold (every scope but `operator`). */
export const TENANT_SCOPES = SCOPES.filter((s) => s !== 'operator') as Exclude<Scope, 'operator'>[];

/** The owner of operator keys: not a tenant (tenant ids are letters, digits, `_`, `.`, `-`), so it has no emails and cannot send. */
export const OPERATOR_TENANT = '@operator';

export interface ApiKeyRecord {
  /** Public id (`/api-keys/{id}`); keys made before ids existed answer to `apiKeyId()`. */
  readonly id?: string;
  /** SHA-256 of the key, hex. The key itself is never stored. */
  readonly hash: string;
  /** First characters of the key, for listing (`mr_AbCd…`). */
  readonly prefix: string;
  readonly tenantId: string;
  readonly scopes: Scope[];
  readonly name?: string;
  readonly defaultLane?: Lane;
  /** When set, the key may only send from this domain. */
  readonly senderDomain?: string;
  readonly createdAt: string;
  revokedAt?: string;
  /** When the authorizer last looked the key up (at most one write per key per authorizer cache period, so up to that much behind). */
  readonly lastUsedAt?: string;
}

/** A key's public id: its own, or (older keys) the first 32 hex characters of its hash. */
export const apiKeyId = (r: Pick<ApiKeyRecord, 'id' | 'hash'>): string => r.id ?? r.hash.slice(0, 32);

/** What the authorizer hands to the API functions (API Gateway `requestContext.authorizer.lambda`). */
export interface Principal {
  readonly tenantId: string;
  readonly scopes: Scope[];
  readonly keyPrefix: string;
  readonly defaultLane?: Lane;
  readonly senderDomain?: string;
}

/** Does the caller hold `scope`? `admin` holds every tenant scope; `operator` only an operator key holds. */
export function hasScope(principal: Principal, scope: Scope): boolean {
  if (scope === 'operator') return isOperator(principal);
  return principal.scopes.includes('admin') || principal.scopes.includes(scope);
}

/** An operator key: scope `operator` on the reserved operator tenant (a tenant's key never passes, whatever its record says). */
export function isOperator(principal: Pick<Principal, 'tenantId' | 'scopes'>): boolean {
  return principal.tenantId === OPERATOR_TENANT && principal.scopes.includes('operator');
}
