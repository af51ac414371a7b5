import type { Command } from 'commander';
import { createDocumentClient } from '#shared/adapters/aws-clients';
import { DynamoApiKeyStore } from '#shared/adapters/dynamodb-tenant-store';
import { isLane } from '#shared/config/lanes';
import { OPERATOR_TENANT, TENANT_SCOPES, type Scope } from '#shared/domain/api-key';
import { systemClock } from '#shared/ports/index';
import { createApiKey, createOperatorKey, listApiKeys, revokeApiKey, rotateApiKey } from '#shared/use-cases/api-keys';
import { CliError, resolveTarget } from '../target';
import { cliRun } from './tenants';

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('manage API keys');
  keys
    .command('create')
    .description('create an API key for a tenant (printed once; only its hash is stored)')
    .requiredOption('--tenant <id>', 'tenant the key belongs to')
    .option('--scopes <list>', `comma-separated: ${TENANT_SCOPES.join(', ')}`, 'emails:send,emails:read')
    .option('--name <name>', 'a label for listings')
    .option('--lane <lane>', 'default lane for this key')
    .option('--sender-domain <domain>', 'only allow sending from this domain')
    .option('--stack <name>', 'a deployed stack (default: the local stack)')
    .option('--json', 'print JSON')
    .action(async (opts: { tenant: string; scopes: string; name?: string; lane?: string; senderDomain?: string; stack?: string; json?: boolean }) => {
      const scopes = opts.scopes
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const bad = scopes.filter((s) => !(TENANT_SCOPES as readonly string[]).includes(s));
      if (bad.length)
        throw new CliError(
          `Unknown scope(s) for a tenant key: ${bad.join(', ')}. Valid: ${TENANT_SCOPES.join(', ')}.${bad.includes('operator') ? ' For the operator scope use `mailroom keys create-operator`.' : ''}`,
          2,
        );
      if (opts.lane && !isLane(opts.lane)) throw new CliError(`Unknown lane ${opts.lane}.`, 2);
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(opts.tenant)) throw new CliError('Tenant ids are 1-64 letters, digits, `_`, `.` or `-`.', 2);
      const target = await resolveTarget(opts);
      const store = new DynamoApiKeyStore(createDocumentClient(), target.tableName);
      const { key, record } = await createApiKey(
        { keys: store, clock: systemClock },
        {
          tenantId: opts.tenant,
          scopes: scopes as Scope[],
          ...(opts.name ? { name: opts.name } : {}),
          ...(opts.lane && isLane(opts.lane) ? { defaultLane: opts.lane } : {}),
          ...(opts.senderDomain ? { senderDomain: opts.senderDomain } : {}),
        },
      );
      if (opts.json) console.log(JSON.stringify({ key, prefix: record.prefix, tenant: record.tenantId, scopes: record.scopes }));
      else
        console.log(
          `Created key for tenant ${record.tenantId} (scopes: ${record.scopes.join(', ')}).\n\n  ${key}\n\nStore it now: Mailroom keeps only its hash.`,
        );
    });

  keys
    .command('create-operator')
    .description("create a deployment-level operator key: GET /lanes, every tenant's DLQ'd mail, whole-lane redrive (printed once)")
    .option('--name <name>', 'a label for listings', 'operator')
    .option('--stack <name>', 'a deployed stack (default: the local stack)')
    .option('--json', 'print JSON')
    .action(async (opts: { name: string; stack?: string; json?: boolean }) => {
      const target = await resolveTarget(opts);
      const store = new DynamoApiKeyStore(createDocumentClient(), target.tableName);
      const { key, record } = await createOperatorKey({ keys: store, clock: systemClock }, { name: opts.name });
      if (opts.json) console.log(JSON.stringify({ key, prefix: record.prefix, tenant: record.tenantId, scopes: record.scopes }));
      else
        console.log(
          `Created an operator key (scope operator; list or revoke it with --tenant ${OPERATOR_TENANT}).\n\n  ${key}\n\nStore it now: Mailroom keeps only its hash. It sees every tenant's DLQ'd mail; give it to operators only.`,
        );
    });

  const keyStore = async (opts: { stack?: string }) => new DynamoApiKeyStore(createDocumentClient(), (await resolveTarget(opts)).tableName);
  keys
    .command('list')
    .description("list a tenant's keys (prefix, name, scopes, created, last used, revoked; never the key)")
    .requiredOption('--tenant <id>', 'tenant')
    .option('--stack <name>', 'a deployed stack (default: the local stack)')
    .option('--json', 'print JSON')
    .action(async (opts: { tenant: string; stack?: string; json?: boolean }) => {
      const views = await listApiKeys({ keys: await keyStore(opts) }, opts.tenant);
      if (opts.json) return console.log(JSON.stringify(views, null, 2));
      if (views.length === 0) return console.log(`Tenant ${opts.tenant} has no API keys.`);
      const rows = views.map((v) => [
        v.prefix + '…',
        v.name ?? '-',
        v.scopes.join(','),
        v.senderDomain ?? '-',
        v.createdAt,
        v.lastUsedAt ?? '-',
        v.revokedAt ?? '-',
      ]);
      const head = ['PREFIX', 'NAME', 'SCOPES', 'SENDER DOMAIN', 'CREATED', 'LAST USED', 'REVOKED'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      for (const r of [head, ...rows])
        console.log(
          r
            .map((c, i) => c.padEnd(widths[i]!))
            .join('  ')
            .trimEnd(),
        );
    });
  keys
    .command('revoke <prefix-or-hash>')
    .description('revoke a key (refused by the API once the authorizer cache expires)')
    .requiredOption('--tenant <id>', 'tenant the key belongs to')
    .option('--stack <name>', 'a deployed stack (default: the local stack)')
    .action(async (prefixOrHash: string, opts: { tenant: string; stack?: string }) => {
      const store = await keyStore(opts);
      const view = await cliRun(() => revokeApiKey({ keys: store, clock: systemClock }, { tenantId: opts.tenant, key: prefixOrHash }));
      console.log(`Revoked ${view.prefix}… at ${view.revokedAt}. Requests with it stop within the authorizer cache TTL.`);
    });
  keys
    .command('rotate <prefix>')
    .description('issue a new key with the same settings and revoke the old one')
    .requiredOption('--tenant <id>', 'tenant the key belongs to')
    .option('--stack <name>', 'a deployed stack (default: the local stack)')
    .option('--json', 'print JSON')
    .action(async (prefix: string, opts: { tenant: string; stack?: string; json?: boolean }) => {
      const store = await keyStore(opts);
      const { key, record, revoked } = await cliRun(() => rotateApiKey({ keys: store, clock: systemClock }, { tenantId: opts.tenant, key: prefix }));
      if (opts.json)
        return console.log(JSON.stringify({ key, prefix: record.prefix, tenant: record.tenantId, scopes: record.scopes, revoked: revoked.prefix }));
      console.log(
        `Rotated ${revoked.prefix}… → ${record.prefix}… (scopes: ${record.scopes.join(', ')}).\n\n  ${key}\n\nStore it now: Mailroom keeps only its hash. The old key is revoked.`,
      );
    });
}
