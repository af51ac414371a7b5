import { describe, expect, it } from 'vitest';
import { CachedTenantStore, TENANT_CACHE_SECONDS } from '#shared/adapters/cached-tenant-store';
import { MemoryTenantStore } from '#shared/adapters/memory/memory-adapters';
import { DEFAULT_LIMITS, type Tenant } from '#shared/domain/tenant';
import type { TenantStore } from '#shared/ports/index';

const tenant = (id: string, emailsPerDay = 100): Tenant => ({
  id,
  allowedSenders: [],
  retentionDays: 30,
  limits: { ...DEFAULT_LIMITS, emailsPerDay },
  createdAt: '2030-01-01T00:00:00Z',
  updatedAt: '2030-01-01T00:00:00Z',
});

/** A store that counts reads (and can fail on cue). */
class CountingStore implements TenantStore {
  reads = 0;
  failNext = false;
  constructor(readonly inner = new MemoryTenantStore()) {}
  async get(id: string) {
    this.reads++;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('ProvisionedThroughputExceeded');
    }
    return this.inner.get(id);
  }
  put(t: Tenant) {
    return this.inner.put(t);
  }
}

describe('CachedTenantStore', () => {
  it('reads a tenant once per TTL, however many requests and sends ask for it', async () => {
    let now = 0;
    const store = new CountingStore();
    await store.inner.put(tenant('acme'));
    const cached = new CachedTenantStore(store, TENANT_CACHE_SECONDS, () => now);
    for (let i = 0; i < 20; i++) expect((await cached.get('acme'))?.id).toBe('acme');
    expect(store.reads).toBe(1);
    now += TENANT_CACHE_SECONDS * 1000 - 1;
    await cached.get('acme');
    expect(store.reads).toBe(1);
    now += 1;
    await cached.get('acme');
    expect(store.reads).toBe(2);
  });

  it('applies a tenant change made elsewhere once the TTL has passed', async () => {
    let now = 0;
    const store = new CountingStore();
    await store.inner.put(tenant('acme', 100));
    const cached = new CachedTenantStore(store, 30, () => now);
    expect((await cached.get('acme'))?.limits.emailsPerDay).toBe(100);
    await store.inner.put(tenant('acme', 5)); // another container (the CLI) changed it
    expect((await cached.get('acme'))?.limits.emailsPerDay).toBe(100);
    now += 30_000;
    expect((await cached.get('acme'))?.limits.emailsPerDay).toBe(5);
  });

  it('shares one read between concurrent requests for the same tenant', async () => {
    const store = new CountingStore();
    await store.inner.put(tenant('acme'));
    const cached = new CachedTenantStore(store);
    const all = await Promise.all(Array.from({ length: 10 }, () => cached.get('acme')));
    expect(all.every((t) => t?.id === 'acme')).toBe(true);
    expect(store.reads).toBe(1);
  });

  it('does not remember an unknown tenant or a failed read', async () => {
    const store = new CountingStore();
    const cached = new CachedTenantStore(store);
    expect(await cached.get('new')).toBeUndefined();
    await store.inner.put(tenant('new'));
    expect((await cached.get('new'))?.id).toBe('new');
    store.failNext = true;
    await expect(cached.get('other')).rejects.toThrow(/Provisioned/);
    await store.inner.put(tenant('other'));
    expect((await cached.get('other'))?.id).toBe('other');
  });

  it('serves a tenant written through it at once', async () => {
    const store = new CountingStore();
    await store.inner.put(tenant('acme', 100));
    const cached = new CachedTenantStore(store);
    await cached.get('acme');
    await cached.put(tenant('acme', 7));
    expect((await cached.get('acme'))?.limits.emailsPerDay).toBe(7);
    expect(store.reads).toBe(1);
  });
});
