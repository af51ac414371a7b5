import { describe, expect, it } from 'vitest';
import { MemoryApiKeyStore, MemoryTenantStore } from '#shared/adapters/memory/memory-adapters';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '#shared/domain/errors';
import { requireScope } from '#shared/http/api';
import { authenticate, createApiKey, listApiKeys, revokeApiKey, rotateApiKey } from '#shared/use-cases/api-keys';
import { createTenant, getTenant, updateTenant } from '#shared/use-cases/tenants';

const clock = { now: () => new Date('2030-01-01T00:00:00Z') };

describe('tenants', () => {
  it('creates a tenant with defaults and normalised senders (IDN domains in punycode)', async () => {
    const tenants = new MemoryTenantStore();
    const t = await createTenant({ tenants, clock }, 'acme', {
      allowedSenders: ['Example.COM', 'News@example.org', 'bücher.de'],
      limits: { requestsPerSecond: 5, burst: 20 },
    });
    expect(t.allowedSenders).toEqual(['example.com', 'news@example.org', 'xn--bcher-kva.de']);
    expect(t.retentionDays).toBe(30);
    expect(t.limits).toMatchObject({ requestsPerSecond: 5, burst: 20, emailsPerDay: 100_000 });
    await expect(createTenant({ tenants, clock }, 'acme', {})).rejects.toBeInstanceOf(ConflictError);
  });

  it('updates only the given fields and refuses unknown or invalid ones by name', async () => {
    const tenants = new MemoryTenantStore();
    await createTenant({ tenants, clock }, 'acme', { allowedSenders: ['example.com'] });
    const t = await updateTenant({ tenants, clock }, 'acme', { sesTenantName: 'acme-prod', limits: { emailsPerDay: 10 } });
    expect(t.allowedSenders).toEqual(['example.com']);
    expect(t.sesTenantName).toBe('acme-prod');
    expect(t.limits.emailsPerDay).toBe(10);
    await expect(updateTenant({ tenants, clock }, 'acme', { colour: 'red' })).rejects.toThrow(/colour/);
    await expect(updateTenant({ tenants, clock }, 'acme', { allowedSenders: ['not a domain'] })).rejects.toBeInstanceOf(ValidationError);
    await expect(updateTenant({ tenants, clock }, 'acme', { limits: { requestsPerSecond: 100, burst: 10 } })).rejects.toThrow(/burst/);
    await expect(getTenant({ tenants }, 'nobody')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('API keys', () => {
  it('lists keys by prefix only, never the hash', async () => {
    const keys = new MemoryApiKeyStore();
    const { key } = await createApiKey({ keys, clock }, { tenantId: 'acme', name: 'ci', scopes: ['emails:send'] });
    const views = await listApiKeys({ keys }, 'acme');
    expect(views).toHaveLength(1);
    expect(views[0]).toMatchObject({ prefix: key.slice(0, 9), name: 'ci', scopes: ['emails:send'] });
    expect(JSON.stringify(views)).not.toContain(key);
    expect(Object.keys(views[0]!)).not.toContain('hash');
  });

  it('revokes a key by prefix so it no longer authenticates, and only within its tenant', async () => {
    const keys = new MemoryApiKeyStore();
    const { key, record } = await createApiKey({ keys, clock }, { tenantId: 'acme' });
    await expect(revokeApiKey({ keys, clock }, { tenantId: 'other', key: record.prefix })).rejects.toBeInstanceOf(NotFoundError);
    expect(await authenticate({ keys }, `Bearer ${key}`)).toBeDefined();
    const view = await revokeApiKey({ keys, clock }, { tenantId: 'acme', key: record.prefix });
    expect(view.revokedAt).toBe('2030-01-01T00:00:00.000Z');
    expect(await authenticate({ keys }, `Bearer ${key}`)).toBeUndefined();
    await expect(revokeApiKey({ keys, clock }, { tenantId: 'acme', key: record.hash })).rejects.toBeInstanceOf(ConflictError);
  });

  it('rotates a key: a new key with the same settings, the old one revoked', async () => {
    const keys = new MemoryApiKeyStore();
    const old = await createApiKey(
      { keys, clock },
      { tenantId: 'acme', scopes: ['emails:send'], senderDomain: 'example.com', defaultLane: 'bulk', name: 'news' },
    );
    const rotated = await rotateApiKey({ keys, clock }, { tenantId: 'acme', key: old.record.prefix });
    expect(rotated.key).not.toBe(old.key);
    expect(await authenticate({ keys }, `Bearer ${old.key}`)).toBeUndefined();
    expect(await authenticate({ keys }, `Bearer ${rotated.key}`)).toEqual({
      tenantId: 'acme',
      scopes: ['emails:send'],
      keyPrefix: rotated.record.prefix,
      defaultLane: 'bulk',
      senderDomain: 'example.com',
    });
  });

  it('requireScope refuses a key without the scope and lets admin through', () => {
    const p = { tenantId: 't', keyPrefix: 'mr_x', scopes: ['emails:send' as const] };
    expect(() => requireScope(p, 'emails:read')).toThrow(ForbiddenError);
    expect(requireScope(p, 'emails:send')).toBe(p);
    expect(requireScope({ ...p, scopes: ['admin'] }, 'templates:write').tenantId).toBe('t');
  });
});
