import { MemoryTenantStore } from '#shared/adapters/memory/memory-adapters';
import { DEFAULT_LIMITS, type Tenant } from '#shared/domain/tenant';

/** A tenant record with no allow-list and the default limits: what a test's key belongs to. */
export const tenantRecord = (id: string, extra: Partial<Tenant> = {}): Tenant => ({
  id,
  allowedSenders: [],
  retentionDays: 30,
  limits: DEFAULT_LIMITS,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});

/** A tenant store holding these tenants (accepting mail needs the key's tenant to exist). */
export function tenantsWith(...ids: string[]): MemoryTenantStore {
  const store = new MemoryTenantStore();
  for (const id of ids) store.items.set(id, tenantRecord(id));
  return store;
}
