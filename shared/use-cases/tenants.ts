import * as z from 'zod';
import { LANE_NAMES } from '#shared/config/lanes';
import { parseAddress } from '#shared/domain/address';
import { ConflictError, NotFoundError, ValidationError } from '#shared/domain/errors';
import { DEFAULT_LIMITS, type Tenant, type TenantLimits } from '#shared/domain/tenant';
import type { Clock, TenantStore } from '#shared/ports/index';
import { domainToASCII } from 'node:url';

export const TENANT_ID = /^[A-Za-z0-9_.-]{1,64}$/;
export const DEFAULT_TENANT_RETENTION_DAYS = 30;

/** A domain (`example.com`, IDN allowed) or a full address; stored lower-case, domains in punycode. */
function normalizeSender(raw: string): string | undefined {
  const value = raw.trim();
  if (value.includes('@')) return parseAddress(value)?.address.toLowerCase();
  const ascii = domainToASCII(value.toLowerCase());
  return ascii && ascii.includes('.') && /^[a-z0-9.-]+$/.test(ascii) && ascii.length <= 253 ? ascii : undefined;
}

const limitsPatch = z
  .object({
    requestsPerSecond: z.number().min(0).max(100_000),
    burst: z.number().int().min(0).max(1_000_000),
    emailsPerDay: z.number().int().min(0).max(1_000_000_000),
    perSenderHourlyCap: z.number().int().min(0).max(100_000_000),
  })
  .partial()
  .strict();

/** What `tenants create|update` may set. Every field optional; unknown fields are refused by name. */
export const tenantPatchSchema = z
  .object({
    name: z.string().min(1).max(200),
    allowedSenders: z.array(z.string().min(1).max(320)).max(200),
    defaultLane: z.enum(LANE_NAMES),
    /** SES v2 tenant (SendEmail `TenantName`): letters, digits, `-`, `_`, up to 64. */
    sesTenantName: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, `-` or `_`'),
    retentionDays: z.number().int().min(1).max(3650),
    limits: limitsPatch,
    baseUrl: z
      .string()
      .url()
      .max(2048)
      .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL'),
  })
  .partial()
  .strict();

export type TenantPatch = z.infer<typeof tenantPatchSchema>;

function parsePatch(input: unknown): TenantPatch {
  const parsed = tenantPatchSchema.safeParse(input);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    if (first.code === 'unrecognized_keys') throw new ValidationError(`Unknown tenant field(s): ${(first as { keys: string[] }).keys.join(', ')}.`);
    throw new ValidationError(`Invalid tenant \`${first.path.join('.')}\`: ${first.message}.`);
  }
  const patch = parsed.data;
  if (patch.allowedSenders) {
    const normalized = patch.allowedSenders.map((s) => {
      const n = normalizeSender(s);
      if (!n) throw new ValidationError(`Invalid allowed sender "${s.slice(0, 80)}": use a domain (example.com) or an address (news@example.com).`);
      return n;
    });
    return { ...patch, allowedSenders: [...new Set(normalized)] };
  }
  return patch;
}

function mergeLimits(base: TenantLimits, patch: TenantPatch['limits']): TenantLimits {
  const merged = { ...base, ...(patch ?? {}) } as TenantLimits;
  if (merged.requestsPerSecond > 0 && merged.burst > 0 && merged.burst < merged.requestsPerSecond) {
    // With a bucket smaller than a second's worth of requests the sustained rate could never be reached.
    throw new ValidationError(`Invalid tenant limits: burst (${merged.burst}) must be at least requestsPerSecond (${merged.requestsPerSecond}).`);
  }
  return merged;
}

/** Creates a tenant; 409 when the id is taken. Unset fields get the defaults (DEFAULT_LIMITS, 30 days). */
export async function createTenant(deps: { tenants: TenantStore; clock: Clock }, id: string, input: unknown): Promise<Tenant> {
  if (!TENANT_ID.test(id)) throw new ValidationError('Tenant ids are 1-64 letters, digits, `_`, `.` or `-`.');
  const patch = parsePatch(input);
  if (await deps.tenants.get(id)) throw new ConflictError(`Tenant ${id} already exists; use update.`);
  const now = deps.clock.now().toISOString();
  const { limits, ...rest } = patch;
  const tenant: Tenant = {
    id,
    allowedSenders: [],
    retentionDays: DEFAULT_TENANT_RETENTION_DAYS,
    // A new tenant has no webhooks: its sent/delivered/opened/clicked events skip the fan-out from the start.
    webhookEvents: [],
    ...rest,
    limits: mergeLimits(DEFAULT_LIMITS, limits),
    createdAt: now,
    updatedAt: now,
  };
  await deps.tenants.put(tenant);
  return tenant;
}

/** Changes some fields of a tenant; 404 when it does not exist. */
export async function updateTenant(deps: { tenants: TenantStore; clock: Clock }, id: string, input: unknown): Promise<Tenant> {
  const existing = await getTenant(deps, id);
  const patch = parsePatch(input);
  const { limits, ...rest } = patch;
  const tenant: Tenant = { ...existing, ...rest, limits: mergeLimits(existing.limits, limits), updatedAt: deps.clock.now().toISOString() };
  await deps.tenants.put(tenant);
  return tenant;
}

export async function getTenant(deps: { tenants: TenantStore }, id: string): Promise<Tenant> {
  const tenant = TENANT_ID.test(id) ? await deps.tenants.get(id) : undefined;
  if (!tenant) throw new NotFoundError(`Tenant ${id.slice(0, 64)} not found.`);
  return tenant;
}
