import type { Lane } from '#shared/config/lanes';

export const SCOPES = ['emails:send', 'emails:read', 'templates:write', 'suppressions:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

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

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes('admin') || principal.scopes.includes(scope);
}
