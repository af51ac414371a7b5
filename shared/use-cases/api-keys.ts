import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Lane } from '#shared/config/lanes';
import type { ApiKeyRecord, Principal, Scope } from '#shared/domain/api-key';
import type { ApiKeyStore, Clock } from '#shared/ports/index';

export const API_KEY_PREFIX = 'mr_';
const KEY_SHAPE = /^mr_[A-Za-z0-9_-]{43}$/;

export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** Creates a key (`mr_` + 32 random bytes, base64url); only its SHA-256 hash is stored. */
export async function createApiKey(
  deps: { keys: ApiKeyStore; clock: Clock },
  input: { tenantId: string; scopes?: Scope[]; name?: string; defaultLane?: Lane; senderDomain?: string },
): Promise<{ key: string; record: ApiKeyRecord }> {
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  const record: ApiKeyRecord = {
    hash: hashApiKey(key),
    prefix: key.slice(0, 9),
    tenantId: input.tenantId,
    scopes: input.scopes ?? ['emails:send', 'emails:read'],
    createdAt: deps.clock.now().toISOString(),
    ...(input.name ? { name: input.name } : {}),
    ...(input.defaultLane ? { defaultLane: input.defaultLane } : {}),
    ...(input.senderDomain ? { senderDomain: input.senderDomain.toLowerCase() } : {}),
  };
  await deps.keys.put(record);
  return { key, record };
}

/**
 * Resolves a bearer key to its principal, or undefined for a missing, malformed, unknown or
 * revoked key. The lookup is by hash, and the stored hash is compared in constant time.
 */
export async function authenticate(deps: { keys: ApiKeyStore }, authorization: string | undefined): Promise<Principal | undefined> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  const key = match?.[1];
  if (!key || !KEY_SHAPE.test(key)) return undefined;
  const hash = hashApiKey(key);
  const record = await deps.keys.getByHash(hash);
  if (!record || record.revokedAt) return undefined;
  if (!timingSafeEqual(Buffer.from(record.hash, 'hex'), Buffer.from(hash, 'hex'))) return undefined;
  return {
    tenantId: record.tenantId,
    scopes: record.scopes,
    keyPrefix: record.prefix,
    ...(record.defaultLane ? { defaultLane: record.defaultLane } : {}),
    ...(record.senderDomain ? { senderDomain: record.senderDomain } : {}),
  };
}
