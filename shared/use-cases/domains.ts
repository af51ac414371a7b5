/**
 * `/domains` in Resend's shape, over email identities.
 *
 * Primary course: a full-access key adds a domain; the identity provider (SES v2 with Easy DKIM
 * and a custom MAIL FROM as deployed, a table-backed stand-in locally) answers the DNS records to
 * publish; `GET` and `POST /verify` re-check the provider and store what it says. A verified domain
 * joins the tenant's `verifiedDomains`, which the sender check treats like allowed senders; removing
 * the domain (or it failing verification) takes it out again. A name belongs to one tenant only.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { Principal } from '#shared/domain/api-key';
import { ConflictError, MailroomError, NotFoundError, ValidationError } from '#shared/domain/errors';
import { deliveryOf, isDomainName, isSendable, type SendingDomain } from '#shared/domain/sending-domain';
import type { Clock, TenantStore } from '#shared/ports/index';
import type { DomainIdentities, DomainStore, IdentityOptions } from '#shared/ports/domains';
import { requireFullAccess } from './api-keys-resource';
import { pageByAfterBefore, zodMessage } from './resource-paging';

export interface DomainsDeps {
  readonly domains: DomainStore;
  readonly identities: DomainIdentities;
  readonly tenants: TenantStore;
  readonly clock: Clock;
  /** The AWS region identities are created in (Resend's `region`). */
  readonly region: string;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

const createBody = z
  .object({
    name: z.string().trim().toLowerCase().max(253),
    region: z.string().optional(),
    custom_return_path: z.string().trim().toLowerCase().regex(LABEL, 'one DNS label, e.g. "send"').optional(),
    capabilities: z
      .object({ sending: z.enum(['enabled', 'disabled']).optional(), receiving: z.enum(['enabled', 'disabled']).optional() })
      .strict()
      .optional(),
    open_tracking: z.boolean().optional(),
    click_tracking: z.boolean().optional(),
    tls: z.enum(['enforced', 'opportunistic']).optional(),
    tracking_subdomain: z.string().optional(),
  })
  .strict();

const updateBody = createBody.pick({ open_tracking: true, click_tracking: true, tls: true, capabilities: true, tracking_subdomain: true }).strict();

/** Errors the provider answers that are the caller's to fix (e.g. an identity another AWS account owns) stay 4xx. */
class InvalidRegionError extends MailroomError {
  constructor(message: string) {
    super(message, 422, 'invalid_region');
    this.name = 'InvalidRegionError';
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const missing = parsed.error.issues.some((i) => i.code === 'invalid_type' && i.input === undefined);
    throw new ValidationError(zodMessage(parsed.error), missing ? 'missing_required_field' : 'validation_error');
  }
  return parsed.data;
}

function assertSupported(input: { capabilities?: { receiving?: string } | undefined; tracking_subdomain?: string | undefined }): void {
  if (input.capabilities?.receiving === 'enabled') throw new ValidationError('Mailroom sends only: `capabilities.receiving` cannot be enabled.');
  if (input.tracking_subdomain !== undefined) {
    throw new ValidationError(
      '`tracking_subdomain` is not supported: open and click tracking use the tracking domain of the stack (CDK context `trackingDomain`).',
    );
  }
}

const optionsOf = (d: SendingDomain): IdentityOptions => ({
  customReturnPath: d.customReturnPath,
  openTracking: d.openTracking,
  clickTracking: d.clickTracking,
  tls: d.tls,
});

function view(d: SendingDomain) {
  return {
    object: 'domain' as const,
    id: d.id,
    name: d.name,
    status: d.status,
    created_at: d.createdAt,
    region: d.region,
    capabilities: { sending: 'enabled' as const, receiving: 'disabled' as const },
    open_tracking: d.openTracking,
    click_tracking: d.clickTracking,
    tls: d.tls,
    records: d.records,
  };
}

/**
 * Adds or removes the domain in the tenant's verifiedDomains and its tracking/TLS in
 * domainDelivery (read, then written back whole), so the senders' cached tenant carries both.
 */
async function syncTenant(deps: DomainsDeps, domain: SendingDomain, verified: boolean): Promise<void> {
  const tenant = await deps.tenants.get(domain.tenantId);
  if (!tenant) return;
  const name = domain.name;
  const current = tenant.verifiedDomains ?? [];
  const { [name]: had, ...others } = tenant.domainDelivery ?? {};
  const delivery = deliveryOf(domain);
  if (current.includes(name) === verified && (verified ? JSON.stringify(had) === JSON.stringify(delivery) : had === undefined)) return;
  const verifiedDomains = verified ? [...new Set([...current, name])].sort() : current.filter((d) => d !== name);
  const domainDelivery = verified ? { ...others, [name]: delivery } : others;
  await deps.tenants.put({ ...tenant, verifiedDomains, domainDelivery, updatedAt: deps.clock.now().toISOString() });
}

async function load(deps: DomainsDeps, principal: Principal, id: string): Promise<SendingDomain> {
  const domain = await deps.domains.get(principal.tenantId, id);
  if (!domain) throw new NotFoundError(`Domain ${id.slice(0, 64)} not found.`);
  return domain;
}

/**
 * Re-checks the provider; stores a changed status and propagates it to the tenant. A sendable
 * domain's options are re-synced too (no write when the tenant's copy is current), which backfills
 * domains verified before the tenant record carried them.
 */
async function refresh(deps: DomainsDeps, domain: SendingDomain): Promise<SendingDomain> {
  const state = await deps.identities.check(domain.name);
  const unchanged = state.status === domain.status && JSON.stringify(state.records) === JSON.stringify(domain.records);
  const next: SendingDomain = unchanged ? domain : { ...domain, status: state.status, records: state.records, updatedAt: deps.clock.now().toISOString() };
  if (!unchanged) await deps.domains.update(next);
  if (isSendable(next.status) || isSendable(domain.status)) await syncTenant(deps, next, isSendable(next.status));
  return next;
}

export async function createDomain(deps: DomainsDeps, principal: Principal, body: unknown) {
  requireFullAccess(principal, 'domains');
  const input = parse(createBody, body);
  if (!isDomainName(input.name)) throw new ValidationError(`"${input.name.slice(0, 80)}" is not a domain name (e.g. mail.example.com).`);
  if (input.region && input.region !== deps.region) {
    throw new InvalidRegionError(`This Mailroom sends from ${deps.region}; a domain cannot be created in ${input.region.slice(0, 40)}.`);
  }
  assertSupported(input);
  const now = deps.clock.now().toISOString();
  const options: IdentityOptions = {
    customReturnPath: input.custom_return_path ?? 'send',
    openTracking: input.open_tracking ?? false,
    clickTracking: input.click_tracking ?? false,
    tls: input.tls ?? 'opportunistic',
  };
  if ((await deps.domains.list(principal.tenantId)).some((d) => d.name === input.name))
    throw new ConflictError(`The domain ${input.name} is already registered.`);
  const draft: SendingDomain = {
    id: randomUUID(),
    tenantId: principal.tenantId,
    name: input.name,
    region: deps.region,
    status: 'not_started',
    records: [],
    ...options,
    createdAt: now,
    updatedAt: now,
  };
  // Claim the name first (one owner across tenants), then create the identity.
  await deps.domains.create(draft);
  let state: Awaited<ReturnType<DomainIdentities['create']>>;
  try {
    state = await deps.identities.create(draft.name, options);
  } catch (error) {
    await deps.domains.delete(draft.tenantId, draft.id);
    throw error;
  }
  const domain: SendingDomain = { ...draft, status: state.status, records: state.records };
  await deps.domains.update(domain);
  if (isSendable(domain.status)) await syncTenant(deps, domain, true);
  const { object: _object, ...created } = view(domain);
  return created;
}

export async function getDomain(deps: DomainsDeps, principal: Principal, id: string) {
  requireFullAccess(principal, 'domains');
  return view(await refresh(deps, await load(deps, principal, id)));
}

export async function listDomains(deps: DomainsDeps, principal: Principal, query: Record<string, string | undefined>) {
  requireFullAccess(principal, 'domains');
  const all = (await deps.domains.list(principal.tenantId)).sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  const page = pageByAfterBefore(all, (d) => d.id, query);
  return {
    object: 'list' as const,
    has_more: page.hasMore,
    data: page.items.map((d) => {
      const { records: _records, object: _object, tls: _tls, ...rest } = view(d);
      return rest;
    }),
  };
}

/** `POST /domains/{id}/verify`: asks the provider again (SES re-checks DNS on its own schedule too). */
export async function verifyDomain(deps: DomainsDeps, principal: Principal, id: string) {
  requireFullAccess(principal, 'domains');
  await refresh(deps, await load(deps, principal, id));
  return { object: 'domain' as const, id };
}

/** PATCH: open/click tracking and TLS, applied to the identity's configuration. */
export async function updateDomain(deps: DomainsDeps, principal: Principal, id: string, body: unknown) {
  requireFullAccess(principal, 'domains');
  const input = parse(updateBody, body);
  assertSupported(input);
  const domain = await load(deps, principal, id);
  const next: SendingDomain = {
    ...domain,
    ...(input.open_tracking !== undefined ? { openTracking: input.open_tracking } : {}),
    ...(input.click_tracking !== undefined ? { clickTracking: input.click_tracking } : {}),
    ...(input.tls !== undefined ? { tls: input.tls } : {}),
    updatedAt: deps.clock.now().toISOString(),
  };
  await deps.identities.configure(next.name, optionsOf(next));
  await deps.domains.update(next);
  // The senders pick the configuration set by the tenant's copy (within their tenant cache TTL).
  if (isSendable(next.status)) await syncTenant(deps, next, true);
  return { object: 'domain' as const, id };
}

export async function deleteDomain(deps: DomainsDeps, principal: Principal, id: string) {
  requireFullAccess(principal, 'domains');
  const domain = await load(deps, principal, id);
  await syncTenant(deps, domain, false);
  await deps.identities.delete(domain.name);
  if (!(await deps.domains.delete(domain.tenantId, domain.id))) throw new NotFoundError(`Domain ${id.slice(0, 64)} not found.`);
  return { object: 'domain' as const, id, deleted: true };
}

/** Re-checks the domain registered under `name`, whoever's it is (the local CLI after `domains verify`). */
export async function refreshDomainByName(deps: DomainsDeps, name: string): Promise<SendingDomain | undefined> {
  const domain = await deps.domains.findByName(name.toLowerCase());
  return domain ? refresh(deps, domain) : undefined;
}
