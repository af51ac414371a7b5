import type { Command } from 'commander';
import { createDomainsDeps } from '#functions/domains/app';
import { createDocumentClient } from '#shared/adapters/aws-clients';
import { LocalDomainIdentities } from '#shared/adapters/local-domain-identities';
import { ENV } from '#shared/config/env';
import type { SendingDomain } from '#shared/domain/sending-domain';
import { refreshDomainByName } from '#shared/use-cases/domains';
import { CliError, resolveTarget } from '../target';

/**
 * Local mode's stand-in for publishing the DNS records: marks the identity verified, then re-checks
 * the domain as `POST /domains/{id}/verify` does (status, records, the tenant's verified domains).
 */
export async function verifyLocalDomain(env: Record<string, string>, name: string): Promise<SendingDomain> {
  if (env[ENV.IDENTITIES] !== 'local')
    throw new CliError('`domains verify` works in local mode only: as deployed, SES verifies a domain once its DNS records are published.', 2);
  const domainName = name.trim().toLowerCase();
  const identities = new LocalDomainIdentities(createDocumentClient(), env[ENV.TABLE_NAME]!, process.env.AWS_REGION ?? 'us-east-1');
  if (!(await identities.markVerified(domainName))) throw new CliError(`No domain ${domainName}: add it first (resend.domains.create or POST /domains).`, 1);
  const domain = await refreshDomainByName(createDomainsDeps(env), domainName);
  if (!domain) throw new CliError(`No domain ${domainName}: add it first (resend.domains.create or POST /domains).`, 1);
  return domain;
}

export function registerDomains(program: Command): void {
  const domains = program.command('domains').description('sending domains (local mode: mark them verified)');
  domains
    .command('verify <name>')
    .description('local mode: mark a domain added with POST /domains as verified (what publishing its DNS records does with SES)')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const target = await resolveTarget({});
      const domain = await verifyLocalDomain(target.env, name);
      if (opts.json) console.log(JSON.stringify({ id: domain.id, name: domain.name, status: domain.status, tenant: domain.tenantId }));
      else console.log(`Domain ${domain.name} (tenant ${domain.tenantId}) is ${domain.status}; it may be used in \`from\` now.`);
    });
}
