import type { Command } from 'commander';
import { createDocumentClient } from '#shared/adapters/aws-clients';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import type { EmailRecord } from '#shared/domain/email';
import { toEmailView, UUIDISH } from '#shared/use-cases/get-email';
import { CliError, resolveTarget } from '../target';

function detail(d: Record<string, unknown> | undefined): string {
  if (!d) return '';
  return Object.entries(d)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

/** The record and its timeline, for a terminal. */
export function formatStatus(email: EmailRecord): string {
  const lines = [
    `Email ${email.id}: ${email.status.toUpperCase()}  (last event ${email.lastEvent})`,
    `  tenant ${email.tenantId} · lane ${email.lane} · attempts ${email.attempts}${email.provider ? ` · provider ${email.provider}` : ''}`,
    `  from     ${email.from}`,
    `  to       ${[...email.to, ...email.cc, ...email.bcc].join(', ')}`,
    `  subject  ${email.subject ?? (email.template ? `(template ${email.template.id} v${email.template.version})` : '')}`,
    `  created  ${email.createdAt}${email.scheduledAt ? ` · scheduled for ${email.scheduledAt}` : ''}${email.sentAt ? ` · sent ${email.sentAt}` : ''}`,
  ];
  if (email.providerMessageId) lines.push(`  provider message id ${email.providerMessageId}`);
  if (email.lastError) lines.push(`  last error [${email.lastError.class}] ${email.lastError.code}: ${email.lastError.message}`);
  if (email.suppressedRecipients?.length) lines.push(`  suppressed ${email.suppressedRecipients.join(', ')}`);
  lines.push('', 'Timeline:');
  const start = Date.parse(email.createdAt);
  for (const e of email.events) {
    const offset = Date.parse(e.at) - start;
    const plus = Number.isFinite(offset) ? `+${(offset / 1000).toFixed(3)}s` : '';
    lines.push(`  ${e.at}  ${plus.padStart(10)}  ${e.type.padEnd(16)} ${detail(e.detail)}`.trimEnd());
  }
  return lines.join('\n');
}

export function registerStatus(program: Command): void {
  program
    .command('status <email-id>')
    .description('show one email (any tenant): its record and event timeline')
    .option('--stack <name>', 'a deployed stack (default: the local stack)')
    .option('--local-info <path>', 'local stack info file (default: .mailroom/local.json)')
    .option('--json', 'print JSON (the API view of the email, with its events)')
    .action(async (id: string, opts: { stack?: string; localInfo?: string; json?: boolean }) => {
      if (!UUIDISH.test(id)) throw new CliError(`${id} is not an email id.`, 2);
      const target = await resolveTarget({ ...(opts.stack ? { stack: opts.stack } : {}), ...(opts.localInfo ? { local: opts.localInfo } : {}) });
      const email = await new DynamoEmailStore(createDocumentClient(), target.tableName).get(id);
      if (!email) throw new CliError(`Email ${id} not found in ${target.kind === 'local' ? 'the local stack' : `stack ${opts.stack}`}.`, 1);
      console.log(opts.json ? JSON.stringify({ ...toEmailView(email), tenant_id: email.tenantId }) : formatStatus(email));
    });
}
