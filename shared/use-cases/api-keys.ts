import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Lane } from '#shared/config/lanes';
import { OPERATOR_TENANT, type ApiKeyRecord, type Principal, type Scope } from '#shared/domain/api-key';
import { ConflictError, NotFoundError, ValidationError } from '#shared/domain/errors';
import type { ApiKeyStore, Clock } from '#shared/ports/index';

export const API_KEY_PREFIX = 'mr_';
const KEY_SHAPE = /^mr_[A-Za-z0-9_-]{43}$/;

export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** Creates a key (`mr_` + 32 random bytes, base64url); only its SHA-256 hash is stored. */
export async function createApiKey(
  deps: { keys: ApiKeyStore; clock: Clock },
  input: { tenantId: string; scopes?: Scope[]; name?: string; defaultLane?: Lane; senderDomain?: string },
): Promise<{ key: string; record: ApiKeyRecord }> {
  const operator = input.tenantId === OPERATOR_TENANT;
  if (!operator && input.scopes?.includes('operator'))
    throw new ValidationError('A tenant key cannot hold the `operator` scope; create an operator key instead (mailroom keys create-operator).');
  if (operator && (input.scopes?.length !== 1 || input.scopes[0] !== 'operator'))
    throw new ValidationError(`Keys of ${OPERATOR_TENANT} hold the \`operator\` scope only.`);
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  const record: ApiKeyRecord = {
    id: randomUUID(),
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
 * Creates a deployment-level operator key (scope `operator`, tenant OPERATOR_TENANT): lanes, every
 * tenant's DLQ'd mail and whole-lane redrive. Only whoever can write the table (the CLI) mints one.
 */
export function createOperatorKey(deps: { keys: ApiKeyStore; clock: Clock }, input: { name?: string } = {}): Promise<{ key: string; record: ApiKeyRecord }> {
  return createApiKey(deps, { tenantId: OPERATOR_TENANT, scopes: ['operator'], name: input.name ?? 'operator' });
}

/** The SHA-256 of the key in `Authorization: Bearer mr_…`, or undefined when there is no well-formed key. */
function bearerKeyHash(authorization: string | undefined): string | undefined {
  const key = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  return key && KEY_SHAPE.test(key) ? hashApiKey(key) : undefined;
}

/**
 * Resolves a bearer key to its principal, or undefined for a missing, malformed, unknown or
 * revoked key. The lookup is by hash, and the stored hash is compared in constant time.
 */
export async function authenticate(deps: { keys: ApiKeyStore }, authorization: string | undefined): Promise<Principal | undefined> {
  const hash = bearerKeyHash(authorization);
  if (!hash) return undefined;
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

/** Keys remembered per process by keyUseRecorder: a client sending many keys must not grow it without bound. */
const RECORDED_KEYS = 10_000;

/**
 * Records when keys are used (`lastUsedAt`), cheaply: at most one write per key per `intervalSeconds`
 * from this process. The authorizer calls it when its answer cache misses (an authenticated key), so
 * `last_used_at` trails the real last use by up to one cache period. A failed write goes to `onError`
 * and is retried on a later miss; it never fails the request.
 */
export function keyUseRecorder(deps: { keys: ApiKeyStore; clock: Clock }, options: { intervalSeconds: number; onError: (error: unknown) => void }) {
  const written = new Map<string, number>();
  return async (authorization: string): Promise<void> => {
    const hash = bearerKeyHash(authorization);
    if (!hash) return;
    const now = deps.clock.now();
    const last = written.get(hash);
    if (last !== undefined && now.getTime() - last < options.intervalSeconds * 1000) return;
    written.delete(hash);
    written.set(hash, now.getTime());
    if (written.size > RECORDED_KEYS) written.delete(written.keys().next().value!);
    try {
      await deps.keys.recordUse(hash, now.toISOString());
    } catch (error) {
      if (written.get(hash) === now.getTime()) written.delete(hash);
      options.onError(error);
    }
  };
}

/** What a key listing shows: never the hash or the key, only its prefix. */
export interface ApiKeyView {
  readonly prefix: string;
  readonly name?: string;
  readonly scopes: Scope[];
  readonly defaultLane?: Lane;
  readonly senderDomain?: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
  readonly lastUsedAt?: string;
}

const toView = (r: ApiKeyRecord): ApiKeyView => ({
  prefix: r.prefix,
  ...(r.name ? { name: r.name } : {}),
  scopes: r.scopes,
  ...(r.defaultLane ? { defaultLane: r.defaultLane } : {}),
  ...(r.senderDomain ? { senderDomain: r.senderDomain } : {}),
  createdAt: r.createdAt,
  ...(r.revokedAt ? { revokedAt: r.revokedAt } : {}),
  ...(r.lastUsedAt ? { lastUsedAt: r.lastUsedAt } : {}),
});

/** A tenant's keys, newest first, by prefix only. */
export async function listApiKeys(deps: { keys: ApiKeyStore }, tenantId: string): Promise<ApiKeyView[]> {
  const records = await deps.keys.listByTenant(tenantId);
  return records.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map(toView);
}

/** Finds one of the tenant's keys by its prefix (`mr_AbCdEf`) or its full SHA-256 hash. */
async function findKey(deps: { keys: ApiKeyStore }, tenantId: string, prefixOrHash: string): Promise<ApiKeyRecord> {
  const wanted = prefixOrHash.trim();
  const records = await deps.keys.listByTenant(tenantId);
  const matches = /^[0-9a-f]{64}$/.test(wanted)
    ? records.filter((r) => r.hash === wanted)
    : records.filter((r) => wanted.length >= 4 && r.prefix.startsWith(wanted));
  if (matches.length === 0) throw new NotFoundError(`Tenant ${tenantId} has no API key ${wanted.slice(0, 16)}.`);
  if (matches.length > 1) {
    const live = matches.filter((r) => !r.revokedAt);
    if (live.length === 1) return live[0]!;
    throw new ConflictError(`Prefix ${wanted} matches ${matches.length} keys; give the full hash.`);
  }
  return matches[0]!;
}

/** Revokes a key. The authorizer refuses it from the next uncached request (AUTHORIZER_CACHE_SECONDS). */
export async function revokeApiKey(deps: { keys: ApiKeyStore; clock: Clock }, input: { tenantId: string; key: string }): Promise<ApiKeyView> {
  const record = await findKey(deps, input.tenantId, input.key);
  if (record.revokedAt) throw new ConflictError(`Key ${record.prefix} was already revoked at ${record.revokedAt}.`);
  const at = deps.clock.now().toISOString();
  if (!(await deps.keys.revoke(record.hash, at))) throw new ConflictError(`Key ${record.prefix} was already revoked.`);
  return toView({ ...record, revokedAt: at });
}

/** Issues a new key with the old one's tenant, scopes, name, lane and sender domain, then revokes the old one. */
export async function rotateApiKey(
  deps: { keys: ApiKeyStore; clock: Clock },
  input: { tenantId: string; key: string },
): Promise<{ key: string; record: ApiKeyRecord; revoked: ApiKeyView }> {
  const old = await findKey(deps, input.tenantId, input.key);
  if (old.revokedAt) throw new ConflictError(`Key ${old.prefix} is revoked; create a new key instead.`);
  const created = await createApiKey(deps, {
    tenantId: old.tenantId,
    scopes: old.scopes,
    ...(old.name ? { name: old.name } : {}),
    ...(old.defaultLane ? { defaultLane: old.defaultLane } : {}),
    ...(old.senderDomain ? { senderDomain: old.senderDomain } : {}),
  });
  const revoked = await revokeApiKey(deps, { tenantId: old.tenantId, key: old.hash });
  return { ...created, revoked };
}
