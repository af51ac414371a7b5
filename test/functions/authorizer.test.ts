import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryApiKeyStore } from '#shared/adapters/memory/memory-adapters';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import { withApi } from '#shared/http/middy';
import { systemClock } from '#shared/ports/index';
import { createApiKey } from '#shared/use-cases/api-keys';
import { makeAuthorizerHandler } from '#functions/authorizer/app';
import { makeEmailsHandler } from '#functions/emails/app';
import { answer, apiEvent, lambdaContext } from '#test/support/api-event';

describe('API key authorizer', () => {
  let keys: MemoryApiKeyStore;
  let authorize: ReturnType<typeof makeAuthorizerHandler>;
  const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

  beforeEach(() => {
    keys = new MemoryApiKeyStore();
    authorize = makeAuthorizerHandler({ keys });
  });

  it('answers a valid key with its tenant and scopes', async () => {
    const { key } = await createApiKey({ keys, clock: systemClock }, { tenantId: 'acme', scopes: ['emails:send', 'emails:read'], defaultLane: 'critical' });
    const result = await authorize(bearer(key));
    expect(result).toEqual({
      isAuthorized: true,
      context: { tenantId: 'acme', scopes: 'emails:send,emails:read', keyPrefix: key.slice(0, 9), defaultLane: 'critical' },
    });
  });

  it('reads the Authorization header case-insensitively by scheme', async () => {
    const { key } = await createApiKey({ keys, clock: systemClock }, { tenantId: 'acme' });
    expect((await authorize({ headers: { authorization: `bearer ${key}` } })).context.tenantId).toBe('acme');
  });

  it.each([
    ['no header', {}, 'missing'],
    ['an empty header', { headers: { authorization: ' ' } }, 'missing'],
    ['an unknown key of the right shape', bearer(`mr_${'A'.repeat(43)}`), 'invalid'],
    ['a malformed key', bearer('mr_short'), 'invalid'],
    ['a key without the prefix', bearer('A'.repeat(46)), 'invalid'],
    ['another scheme', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }, 'invalid'],
  ])('lets %s through with no tenant, saying why (the function answers in Resend shape)', async (_what, event, denied) => {
    await createApiKey({ keys, clock: systemClock }, { tenantId: 'acme' });
    expect(await authorize(event as { headers: Record<string, string> })).toEqual({ isAuthorized: true, context: { tenantId: '', denied } });
  });

  it('caches answers per Authorization header for cacheSeconds (API Gateway caches nothing: no identity source)', async () => {
    let now = 1_000_000;
    let reads = 0;
    const counting = { getByHash: (hash: string) => (reads++, keys.getByHash(hash)), recordUse: async () => {} } as unknown as MemoryApiKeyStore;
    const cached = makeAuthorizerHandler({ keys: counting, cacheSeconds: 300, now: () => now });
    const { key, record } = await createApiKey({ keys, clock: systemClock }, { tenantId: 'acme' });
    expect((await cached(bearer(key))).context.tenantId).toBe('acme');
    await keys.revoke(record.hash, new Date().toISOString());
    // Within the TTL the cached answer stands (a revoked key works up to AUTHORIZER_CACHE_SECONDS).
    expect((await cached(bearer(key))).context.tenantId).toBe('acme');
    expect(reads).toBe(1);
    now += 300_000;
    expect((await cached(bearer(key))).context).toEqual({ tenantId: '', denied: 'invalid' });
    expect(reads).toBe(2);
  });

  it('records a key’s last use on a cache miss, once per key per cache period', async () => {
    let now = Date.parse('2026-12-01T10:00:00Z');
    const writes: string[] = [];
    const recording = Object.assign(Object.create(keys) as MemoryApiKeyStore, {
      recordUse: (hash: string, at: string) => (writes.push(at), keys.recordUse(hash, at)),
    });
    // No answer cache (as the function runs in local mode): the write is still once per AUTHORIZER_CACHE_SECONDS.
    const uncached = makeAuthorizerHandler({ keys: recording, cacheSeconds: 0, now: () => now });
    const { key, record } = await createApiKey({ keys, clock: systemClock }, { tenantId: 'acme' });
    expect(keys.items.get(record.hash)!.lastUsedAt).toBeUndefined();
    await uncached(bearer(key));
    expect(keys.items.get(record.hash)!.lastUsedAt).toBe('2026-12-01T10:00:00.000Z');
    now += 299_000;
    await uncached(bearer(key));
    expect(writes).toHaveLength(1);
    now += 1_000;
    await uncached(bearer(key));
    expect(keys.items.get(record.hash)!.lastUsedAt).toBe('2026-12-01T10:05:00.000Z');
    // Unknown and malformed keys write nothing.
    await uncached(bearer(`mr_${'A'.repeat(43)}`));
    await uncached(bearer('mr_short'));
    expect(writes).toHaveLength(2);
  });

  it('answers even when recording the last use fails, and tries again on the next miss', async () => {
    let failures = 1;
    const flaky = Object.assign(Object.create(keys) as MemoryApiKeyStore, {
      recordUse: async (hash: string, at: string) => {
        if (failures-- > 0) throw new Error('ProvisionedThroughputExceededException');
        await keys.recordUse(hash, at);
      },
    });
    const uncached = makeAuthorizerHandler({ keys: flaky, cacheSeconds: 0 });
    const { key, record } = await createApiKey({ keys, clock: systemClock }, { tenantId: 'acme' });
    expect((await uncached(bearer(key))).context.tenantId).toBe('acme');
    expect(keys.items.get(record.hash)!.lastUsedAt).toBeUndefined();
    expect((await uncached(bearer(key))).context.tenantId).toBe('acme');
    expect(keys.items.get(record.hash)!.lastUsedAt).toEqual(expect.any(String));
  });

  it('gives no tenant for a revoked key', async () => {
    authorize = makeAuthorizerHandler({ keys, cacheSeconds: 0 });
    const { key, record } = await createApiKey({ keys, clock: systemClock }, { tenantId: 'acme' });
    expect((await authorize(bearer(key))).context.tenantId).toBe('acme');
    await keys.revoke(record.hash, new Date().toISOString());
    expect((await authorize(bearer(key))).context.tenantId).toBe('');
  });

  it('makes the route answer 403 invalid_api_key when the authorizer found no such key', async () => {
    const result = await authorize(bearer(`mr_${'A'.repeat(43)}`));
    const event = apiEvent('GET /emails', { principal: null });
    event.requestContext.authorizer = { lambda: result.context as never };
    const res = answer(await withApi(makeEmailsHandler({ emails: new MemoryEmailStore() }))(event, lambdaContext()));
    expect(res).toEqual({ status: 403, body: { statusCode: 403, name: 'invalid_api_key', message: expect.any(String) } });
  });

  it('makes the route answer 401 missing_api_key when there was no Authorization header', async () => {
    const result = await authorize({ headers: {} });
    const event = apiEvent('GET /emails', { principal: null });
    event.requestContext.authorizer = { lambda: result.context as never };
    const res = answer(await withApi(makeEmailsHandler({ emails: new MemoryEmailStore() }))(event, lambdaContext()));
    expect(res).toEqual({ status: 401, body: { statusCode: 401, name: 'missing_api_key', message: expect.any(String) } });
  });

  it('stores only the SHA-256 of the key, never the key', async () => {
    const { key } = await createApiKey({ keys, clock: systemClock }, { tenantId: 'acme' });
    expect(key).toMatch(/^mr_[A-Za-z0-9_-]{43}$/);
    const [stored] = [...keys.items.values()];
    expect(stored!.hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect([...keys.items.keys()]).toEqual([stored!.hash]);
    expect(JSON.stringify(stored)).not.toContain(key.slice(3));
    expect(stored!.prefix).toBe(key.slice(0, 9));
  });

  it('creates a different key every time', async () => {
    const a = await createApiKey({ keys, clock: systemClock }, { tenantId: 'acme' });
    const b = await createApiKey({ keys, clock: systemClock }, { tenantId: 'acme' });
    expect(a.key).not.toBe(b.key);
  });
});
