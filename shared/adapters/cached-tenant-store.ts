import type { Tenant } from '#shared/domain/tenant';
import type { TenantStore } from '#shared/ports/index';

/**
 * How long a container trusts a tenant it has read: a tenant change (limits, allowed senders,
 * retention, SES tenant) takes up to this long to reach every running ingest and sender.
 */
export const TENANT_CACHE_SECONDS = 30;

/**
 * A per-container read-through cache over a TenantStore: one GetItem per tenant per
 * `ttlSeconds` instead of one per request and two per send. Concurrent reads of the same
 * tenant share one call. Unknown tenants are not cached (a tenant created a moment ago is seen
 * at once); writes through this store replace the cached copy.
 */
export class CachedTenantStore implements TenantStore {
  private readonly entries = new Map<string, { at: number; tenant: Promise<Tenant | undefined> }>();

  constructor(
    private readonly inner: TenantStore,
    private readonly ttlSeconds: number = TENANT_CACHE_SECONDS,
    private readonly now: () => number = Date.now,
  ) {}

  get(id: string): Promise<Tenant | undefined> {
    const cached = this.entries.get(id);
    if (cached && this.now() - cached.at < this.ttlSeconds * 1000) return cached.tenant;
    const tenant = this.inner.get(id);
    const entry = { at: this.now(), tenant };
    this.entries.set(id, entry);
    // A failed or empty read is not remembered: the next request asks again.
    tenant.then(
      (t) => {
        if (t === undefined && this.entries.get(id) === entry) this.entries.delete(id);
      },
      () => {
        if (this.entries.get(id) === entry) this.entries.delete(id);
      },
    );
    return tenant;
  }

  async put(tenant: Tenant): Promise<void> {
    await this.inner.put(tenant);
    this.entries.set(tenant.id, { at: this.now(), tenant: Promise.resolve(tenant) });
  }

  /** Forgets every cached tenant (tests, or a container told of a change). */
  clear(): void {
    this.entries.clear();
  }
}
