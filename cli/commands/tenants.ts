import type { Command } from 'commander';
import { createDocumentClient } from '#shared/adapters/aws-clients';
import { DynamoTenantStore } from '#shared/adapters/dynamodb-tenant-store';
import { MailroomError, ValidationError } from '#shared/domain/errors';
import type { Tenant } from '#shared/domain/tenant';
import { systemClock } from '#shared/ports/index';
import { createTenant, getTenant, updateTenant, type TenantPatch } from '#shared/use-cases/tenants';
import { CliError, resolveTarget } from '../target';

interface TenantOptions {
  name?: string;
  allowedSenders?: string;
  defaultLane?: string;
  sesTenantName?: string;
  retentionDays?: string;
  rps?: string;
  burst?: string;
  daily?: string;
  hourlyCap?: string;
  baseUrl?: string;
  stack?: string;
  json?: boolean;
}

const num = (flag: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new CliError(`${flag} must be a number, got "${value}".`, 2);
  return n;
};

/** Turns the command-line flags into a tenant patch (only the flags given). */
export function tenantPatchFromOptions(o: TenantOptions): TenantPatch {
  const limits = {
    ...(o.rps !== undefined ? { requestsPerSecond: num('--rps', o.rps)! } : {}),
    ...(o.burst !== undefined ? { burst: num('--burst', o.burst)! } : {}),
    ...(o.daily !== undefined ? { emailsPerDay: num('--daily', o.daily)! } : {}),
    ...(o.hourlyCap !== undefined ? { perSenderHourlyCap: num('--hourly-cap', o.hourlyCap)! } : {}),
  };
  return {
    ...(o.name !== undefined ? { name: o.name } : {}),
    ...(o.allowedSenders !== undefined
      ? {
          allowedSenders: o.allowedSenders
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        }
      : {}),
    ...(o.defaultLane !== undefined ? { defaultLane: o.defaultLane as NonNullable<TenantPatch['defaultLane']> } : {}),
    ...(o.sesTenantName !== undefined ? { sesTenantName: o.sesTenantName } : {}),
    ...(o.retentionDays !== undefined ? { retentionDays: num('--retention-days', o.retentionDays)! } : {}),
    ...(o.baseUrl !== undefined ? { baseUrl: o.baseUrl } : {}),
    ...(Object.keys(limits).length ? { limits } : {}),
  };
}

function print(tenant: Tenant, asJson: boolean | undefined): void {
  if (asJson) {
    console.log(JSON.stringify(tenant, null, 2));
    return;
  }
  const l = tenant.limits;
  console.log(
    [
      `Tenant ${tenant.id}${tenant.name ? ` (${tenant.name})` : ''}`,
      `  allowed senders: ${tenant.allowedSenders.length ? tenant.allowedSenders.join(', ') : 'any'}`,
      `  default lane:    ${tenant.defaultLane ?? '-'}`,
      `  SES tenant:      ${tenant.sesTenantName ?? '-'}`,
      `  retention:       ${tenant.retentionDays} days`,
      `  limits:          ${l.requestsPerSecond}/s, burst ${l.burst}, ${l.emailsPerDay || 'unlimited'}/day, ${l.perSenderHourlyCap || 'no'} per sender per hour`,
      `  base URL:        ${tenant.baseUrl ?? '-'}`,
      `  updated:         ${tenant.updatedAt}`,
    ].join('\n'),
  );
}

/** Typed use-case errors become CLI errors: bad input exits 2, anything else 1. */
export async function cliRun<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof MailroomError) throw new CliError(error.message, error instanceof ValidationError ? 2 : 1);
    throw error;
  }
}

function withTenantOptions(cmd: Command): Command {
  return cmd
    .option('--name <name>', 'display name')
    .option('--allowed-senders <list>', 'comma-separated domains (example.com) or addresses (news@example.com); empty = any')
    .option('--default-lane <lane>', 'critical | transactional | marketing | bulk')
    .option('--ses-tenant-name <name>', 'SES v2 tenant name passed as TenantName on every send')
    .option('--retention-days <n>', 'days an email (body, attachments) is kept')
    .option('--rps <n>', 'sustained requests (emails) per second')
    .option('--burst <n>', 'token bucket size')
    .option('--daily <n>', 'emails per UTC day (0 = unlimited)')
    .option('--hourly-cap <n>', 'emails per sender address per hour (0 = no cap)')
    .option('--base-url <url>', 'base URL for the `url` template helper')
    .option('--stack <name>', 'a deployed stack (default: the local stack)')
    .option('--json', 'print JSON');
}

export function registerTenants(program: Command): void {
  const tenants = program.command('tenants').description('manage tenants (senders, lane, retention, limits)');
  const store = async (opts: { stack?: string }) => new DynamoTenantStore(createDocumentClient(), (await resolveTarget(opts)).tableName);

  withTenantOptions(tenants.command('create <id>').description('create a tenant')).action(async (id: string, opts: TenantOptions) => {
    const patch = tenantPatchFromOptions(opts);
    const tenant = await cliRun(async () => createTenant({ tenants: await store(opts), clock: systemClock }, id, patch));
    print(tenant, opts.json);
  });
  withTenantOptions(tenants.command('update <id>').description('change some settings of a tenant')).action(async (id: string, opts: TenantOptions) => {
    const patch = tenantPatchFromOptions(opts);
    const tenant = await cliRun(async () => updateTenant({ tenants: await store(opts), clock: systemClock }, id, patch));
    print(tenant, opts.json);
  });
  tenants
    .command('show <id>')
    .description('show a tenant')
    .option('--stack <name>', 'a deployed stack (default: the local stack)')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { stack?: string; json?: boolean }) => {
      const tenant = await cliRun(async () => getTenant({ tenants: await store(opts) }, id));
      print(tenant, opts.json);
    });
}
