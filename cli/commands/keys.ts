import type { Command } from 'commander';
import { createDocumentClient } from '#shared/adapters/aws-clients';
import { DynamoApiKeyStore } from '#shared/adapters/dynamodb-tenant-store';
import { isLane } from '#shared/config/lanes';
import { SCOPES, type Scope } from '#shared/domain/api-key';
import { systemClock } from '#shared/ports/index';
import { createApiKey } from '#shared/use-cases/api-keys';
import { CliError, resolveTarget } from '../target';

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('manage API keys');
  keys
    .command('create')
    .description('create an API key for a tenant (printed once; only its hash is stored)')
    .requiredOption('--tenant <id>', 'tenant the key belongs to')
    .option('--scopes <list>', `comma-separated: ${SCOPES.join(', ')}`, 'emails:send,emails:read')
    .option('--name <name>', 'a label for listings')
    .option('--lane <lane>', 'default lane for this key')
    .option('--sender-domain <domain>', 'only allow sending from this domain')
    .option('--stack <name>', 'a deployed stack (default: the local stack)')
    .option('--json', 'print JSON')
    .action(async (opts: { tenant: string; scopes: string; name?: string; lane?: string; senderDomain?: string; stack?: string; json?: boolean }) => {
      const scopes = opts.scopes.split(',').map((s) => s.trim()).filter(Boolean);
      const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
      if (bad.length) throw new CliError(`Unknown scope(s): ${bad.join(', ')}. Valid: ${SCOPES.join(', ')}.`, 2);
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
      else console.log(`Created key for tenant ${record.tenantId} (scopes: ${record.scopes.join(', ')}).\n\n  ${key}\n\nStore it now: Mailroom keeps only its hash.`);
    });
}
