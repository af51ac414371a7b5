import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { describe, expect, it } from 'vitest';
import { MemoryLaneQueue, MemoryMailProvider, MemoryTenantStore } from '#shared/adapters/memory/memory-adapters';
import { MemoryDomainStore } from '#shared/adapters/memory/memory-domain-store';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import { SesMailProvider } from '#shared/adapters/ses-mail-provider';
import { LANES } from '#shared/config/lanes';
import type { Principal } from '#shared/domain/api-key';
import type { EmailRecord } from '#shared/domain/email';
import {
  CONFIGURATION_SET_VARIANTS,
  type ConfigurationSetNames,
  configurationSetFor,
  configurationSetVariant,
  type DomainDelivery,
  domainStatusOf,
  identityRecords,
} from '#shared/domain/sending-domain';
import { DEFAULT_LIMITS, type Tenant } from '#shared/domain/tenant';
import type { DomainIdentities } from '#shared/ports/domains';
import { createDomain, deleteDomain, getDomain, updateDomain } from '#shared/use-cases/domains';
import type { SendEmailDeps } from '#shared/use-cases/send-email';
import { emailRecord as baseEmail } from '#test/support/emails';
import { sendOne } from '#test/support/send-one';

const SETS: ConfigurationSetNames = Object.fromEntries(CONFIGURATION_SET_VARIANTS.map((v) => [v, `set-${v}`]));
const NONE: DomainDelivery = { openTracking: false, clickTracking: false, tls: 'opportunistic' };

describe('configurationSetFor', () => {
  it('keeps the lane default for a from-domain without its own options', () => {
    expect(configurationSetFor('lane-set', undefined, SETS)).toBe('lane-set');
    expect(configurationSetFor(undefined, undefined, SETS)).toBeUndefined();
  });

  it("names the set of the domain's tracking × TLS", () => {
    expect(configurationSetFor('lane-set', NONE, SETS)).toBe('set-untracked-optional');
    expect(configurationSetFor('lane-set', { ...NONE, openTracking: true }, SETS)).toBe('set-opens-optional');
    expect(configurationSetFor('lane-set', { ...NONE, clickTracking: true, tls: 'enforced' }, SETS)).toBe('set-clicks-tls');
    expect(configurationSetFor('lane-set', { openTracking: true, clickTracking: true, tls: 'enforced' }, SETS)).toBe('set-tracked-tls');
  });

  it('maps every combination onto a distinct variant', () => {
    const seen = new Set<string>();
    for (const openTracking of [false, true])
      for (const clickTracking of [false, true])
        for (const tls of ['enforced', 'opportunistic'] as const) seen.add(configurationSetVariant({ openTracking, clickTracking, tls }));
    expect([...seen].sort()).toEqual([...CONFIGURATION_SET_VARIANTS].sort());
  });

  it('falls back to the lane default when the stack has no set for the variant (local mode, LocalStack)', () => {
    expect(configurationSetFor('lane-set', { ...NONE, tls: 'enforced' }, {})).toBe('lane-set');
  });
});

const NOW = new Date('2030-01-01T12:00:00Z');

function emailRecord(from: string): EmailRecord {
  return baseEmail({
    id: 'e1',
    tenantId: 't1',
    lane: 'marketing',
    from,
    to: ['ada@example.org'],
    subject: 'News',
    text: 'Hello',
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    expiresAt: 2_000_000_000,
  });
}

async function sendFrom(from: string, domainDelivery: Tenant['domainDelivery'], configurationSets: SendEmailDeps['configurationSets']) {
  const emails = new MemoryEmailStore();
  emails.items.set('e1', emailRecord(from));
  const tenants = new MemoryTenantStore();
  await tenants.put({
    id: 't1',
    allowedSenders: [],
    verifiedDomains: Object.keys(domainDelivery ?? {}),
    ...(domainDelivery ? { domainDelivery } : {}),
    retentionDays: 30,
    limits: DEFAULT_LIMITS,
    createdAt: 'x',
    updatedAt: 'x',
  });
  const provider = new MemoryMailProvider('ses');
  const deps: SendEmailDeps = {
    emails,
    queue: new MemoryLaneQueue(),
    clock: { now: () => NOW },
    lane: LANES.marketing,
    provider,
    tenants,
    leaseSeconds: 60,
    ...(configurationSets ? { configurationSets } : {}),
  };
  const outcome = await sendOne(deps, { message: { emailId: 'e1', tenantId: 't1', scheduleVersion: 0 }, receiveCount: 1 });
  expect(outcome.kind).toBe('sent');
  expect(provider.sent).toHaveLength(1);
  return provider.sent[0]!;
}

describe('sender: the configuration set passed to the provider', () => {
  const configured = { laneDefault: 'marketing-set', byDomain: SETS };
  const acme = { 'mail.acme.com': { openTracking: false, clickTracking: false, tls: 'enforced' as const } };

  it("names the from-domain's set when the tenant has options for that domain", async () => {
    expect((await sendFrom('Acme <News@Mail.Acme.com>', acme, configured)).configurationSet).toBe('set-untracked-tls');
  });

  it("names the lane's set for a from-domain without options", async () => {
    expect((await sendFrom('news@other.example', acme, configured)).configurationSet).toBe('marketing-set');
  });

  it("leaves the choice to the provider's default when the stack has no per-domain sets", async () => {
    expect((await sendFrom('news@mail.acme.com', acme, undefined)).configurationSet).toBeUndefined();
  });
});

describe('SES provider', () => {
  const mail = { emailId: 'e1', tenantId: 't1', lane: 'marketing' as const, from: 'a@x.example', recipients: ['b@y.example'], raw: Buffer.from('x') };
  const sent = async (extra: { configurationSet?: string }) => {
    const inputs: Array<{ ConfigurationSetName?: string }> = [];
    const client = { send: async (command: { input: { ConfigurationSetName?: string } }) => (inputs.push(command.input), { MessageId: 'm' }) };
    await new SesMailProvider(client as unknown as SESv2Client, 'lane-set').send({ ...mail, ...extra });
    return inputs[0]!.ConfigurationSetName;
  };

  it("sends with the mail's configuration set, else its own", async () => {
    expect(await sent({ configurationSet: 'set-tracked-tls' })).toBe('set-tracked-tls');
    expect(await sent({})).toBe('lane-set');
  });
});

describe('domains keep the tenant copy of their options in step', () => {
  const ADMIN: Principal = { tenantId: 'acme', scopes: ['admin'], keyPrefix: 'mr_admin1' };

  it('copies a verified domain’s tracking and TLS to the tenant, follows PATCH, and drops them on delete', async () => {
    const tenants = new MemoryTenantStore();
    await tenants.put({ id: 'acme', allowedSenders: [], retentionDays: 30, limits: DEFAULT_LIMITS, createdAt: 'x', updatedAt: 'x' });
    const verified = new Set<string>();
    const state = (name: string) => {
      const s = verified.has(name) ? 'verified' : 'pending';
      return {
        status: domainStatusOf(s, s),
        records: identityRecords({ region: 'us-east-1', mailFromLabel: 'send', dkimTokens: ['a', 'b', 'c'], dkim: s, mailFrom: s }),
      };
    };
    const identities: DomainIdentities = {
      create: async (name) => state(name),
      check: async (name) => state(name),
      configure: async () => undefined,
      delete: async () => undefined,
    };
    const deps = { domains: new MemoryDomainStore(), identities, tenants, clock: { now: () => NOW }, region: 'us-east-1' };
    const created = await createDomain(deps, ADMIN, { name: 'mail.acme.com', open_tracking: true });
    // Not verified yet: the senders do not see it.
    expect((await tenants.get('acme'))?.domainDelivery).toBeUndefined();

    verified.add('mail.acme.com');
    await getDomain(deps, ADMIN, created.id);
    expect((await tenants.get('acme'))?.domainDelivery).toEqual({ 'mail.acme.com': { openTracking: true, clickTracking: false, tls: 'opportunistic' } });

    await updateDomain(deps, ADMIN, created.id, { click_tracking: true, tls: 'enforced' });
    const tenant = await tenants.get('acme');
    expect(tenant?.domainDelivery).toEqual({ 'mail.acme.com': { openTracking: true, clickTracking: true, tls: 'enforced' } });
    expect(tenant?.verifiedDomains).toEqual(['mail.acme.com']);

    // A domain verified before the tenant carried options gets them on its next GET (or verify).
    const before = (await tenants.get('acme'))!;
    await tenants.put({ ...before, domainDelivery: {} });
    await getDomain(deps, ADMIN, created.id);
    expect((await tenants.get('acme'))?.domainDelivery?.['mail.acme.com']?.tls).toBe('enforced');

    await deleteDomain(deps, ADMIN, created.id);
    expect((await tenants.get('acme'))?.domainDelivery).toEqual({});
  });

  it('takes a domain that stops verifying out of the tenant, options included', async () => {
    const tenants = new MemoryTenantStore();
    await tenants.put({ id: 'acme', allowedSenders: [], retentionDays: 30, limits: DEFAULT_LIMITS, createdAt: 'x', updatedAt: 'x' });
    let dkim: 'verified' | 'failed' = 'verified';
    const state = () => ({
      status: domainStatusOf(dkim, dkim),
      records: identityRecords({ region: 'us-east-1', mailFromLabel: 'send', dkimTokens: ['a', 'b', 'c'], dkim, mailFrom: dkim }),
    });
    const identities: DomainIdentities = {
      create: async () => state(),
      check: async () => state(),
      configure: async () => undefined,
      delete: async () => undefined,
    };
    const deps = { domains: new MemoryDomainStore(), identities, tenants, clock: { now: () => NOW }, region: 'us-east-1' };
    const created = await createDomain(deps, ADMIN, { name: 'mail.acme.com', click_tracking: true });
    expect(Object.keys((await tenants.get('acme'))?.domainDelivery ?? {})).toEqual(['mail.acme.com']);
    dkim = 'failed';
    await getDomain(deps, ADMIN, created.id);
    expect((await tenants.get('acme'))?.domainDelivery).toEqual({});
    expect((await tenants.get('acme'))?.verifiedDomains).toEqual([]);
  });
});
