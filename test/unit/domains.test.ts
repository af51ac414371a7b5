import { describe, expect, it } from 'vitest';
import { MemoryTenantStore } from '#shared/adapters/memory/memory-adapters';
import { MemoryDomainStore } from '#shared/adapters/memory/memory-domain-store';
import type { Principal } from '#shared/domain/api-key';
import { ForbiddenError } from '#shared/domain/errors';
import { parseSendRequest } from '#shared/domain/send-request';
import { domainStatusOf, identityRecords, type DomainRecordStatus } from '#shared/domain/sending-domain';
import { DEFAULT_LIMITS, type Tenant } from '#shared/domain/tenant';
import type { DomainIdentities } from '#shared/ports/domains';
import { assertSenderAllowed } from '#shared/use-cases/accept-email';
import { createDomain, deleteDomain, getDomain } from '#shared/use-cases/domains';

const ADMIN: Principal = { tenantId: 'acme', scopes: ['admin'], keyPrefix: 'mr_admin1' };

/** Identities whose verification the test flips. */
function fakeIdentities() {
  const verified = new Set<string>();
  const state = (name: string) => {
    const s: DomainRecordStatus = verified.has(name) ? 'verified' : 'pending';
    return {
      status: domainStatusOf(s, s),
      records: identityRecords({ region: 'us-east-1', mailFromLabel: 'send', dkimTokens: ['a', 'b', 'c'], dkim: s, mailFrom: s }),
    };
  };
  const identities: DomainIdentities = {
    create: async (name) => state(name),
    check: async (name) => state(name),
    configure: async () => undefined,
    delete: async (name) => void verified.delete(name),
  };
  return { identities, verified };
}

async function setup(allowedSenders: string[] = ['example.com']) {
  const tenants = new MemoryTenantStore();
  const tenant: Tenant = { id: 'acme', allowedSenders, retentionDays: 30, limits: DEFAULT_LIMITS, createdAt: 'x', updatedAt: 'x' };
  await tenants.put(tenant);
  const { identities, verified } = fakeIdentities();
  const deps = { domains: new MemoryDomainStore(), identities, tenants, clock: { now: () => new Date('2026-05-01T10:00:00Z') }, region: 'us-east-1' };
  const canSendFrom = async (from: string) => {
    const request = parseSendRequest({ from, to: 'ada@example.org', subject: 's', text: 't' });
    try {
      assertSenderAllowed(ADMIN, await tenants.get('acme'), request);
      return true;
    } catch (error) {
      if (error instanceof ForbiddenError) return false;
      throw error;
    }
  };
  return { deps, verified, tenants, canSendFrom };
}

describe('domains and the sender check', () => {
  it('lets the tenant send from a domain once it is verified, and no longer once it is removed', async () => {
    const { deps, verified, tenants, canSendFrom } = await setup();
    const created = await createDomain(deps, ADMIN, { name: 'mail.acme.com' });
    expect(created.status).toBe('pending');
    expect(await canSendFrom('hi@mail.acme.com')).toBe(false);

    verified.add('mail.acme.com');
    expect((await getDomain(deps, ADMIN, created.id)).status).toBe('verified');
    expect((await tenants.get('acme'))?.verifiedDomains).toEqual(['mail.acme.com']);
    expect(await canSendFrom('hi@mail.acme.com')).toBe(true);
    expect(await canSendFrom('hi@example.com')).toBe(true);

    await deleteDomain(deps, ADMIN, created.id);
    expect((await tenants.get('acme'))?.verifiedDomains).toEqual([]);
    expect(await canSendFrom('hi@mail.acme.com')).toBe(false);
  });

  it('narrows a tenant without an allow-list to its verified domains', async () => {
    const { deps, verified, canSendFrom } = await setup([]);
    expect(await canSendFrom('hi@anything.example')).toBe(true);
    const created = await createDomain(deps, ADMIN, { name: 'acme.com' });
    verified.add('acme.com');
    await getDomain(deps, ADMIN, created.id);
    expect(await canSendFrom('hi@acme.com')).toBe(true);
    expect(await canSendFrom('hi@anything.example')).toBe(false);
  });
});
