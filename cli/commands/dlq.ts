import type { Command } from 'commander';
import { createDocumentClient, createSqsClient } from '#shared/adapters/aws-clients';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { SqsDlqAdmin } from '#shared/adapters/sqs-dlq-admin';
import { isLane, LANE_NAMES } from '#shared/config/lanes';
import { systemClock } from '#shared/ports/index';
import { listDlq, MAX_DLQ_LIST, redriveDlq } from '#shared/use-cases/redrive-dlq';
import { CliError, resolveTarget, type Target } from '../target';

interface CommonOptions {
  lane: string;
  stack?: string;
  localInfo?: string;
  json?: boolean;
}

function checkLane(lane: string): void {
  if (!isLane(lane)) throw new CliError(`Unknown lane ${lane}. Lanes: ${LANE_NAMES.join(', ')}.`, 2);
}

function dlqAdmin(target: Target): SqsDlqAdmin {
  // fauxqs has no message move tasks; a deployed stack (AWS or LocalStack) does.
  return new SqsDlqAdmin(createSqsClient(), target.queueUrls, target.dlqUrls, target.kind === 'local' ? 'move-loop' : 'auto');
}

function age(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3_600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

export function registerDlq(program: Command): void {
  const dlq = program.command('dlq').description("inspect and redrive a lane's dead-letter queue");
  const common = (cmd: Command) =>
    cmd
      .requiredOption('--lane <lane>', LANE_NAMES.join(' | '))
      .option('--stack <name>', 'a deployed stack (default: the local stack)')
      .option('--local-info <path>', 'local stack info file (default: .mailroom/local.json)')
      .option('--json', 'print JSON');

  common(dlq.command('list').description('show the emails in a lane DLQ: id, tenant, status, age, reason'))
    .option('--max <n>', `at most this many (≤ ${MAX_DLQ_LIST})`, '20')
    .action(async (opts: CommonOptions & { max: string }) => {
      checkLane(opts.lane);
      const max = Number(opts.max);
      if (!Number.isInteger(max) || max < 1) throw new CliError('--max must be a positive whole number.', 2);
      const target = await resolveTarget({ ...(opts.stack ? { stack: opts.stack } : {}), ...(opts.localInfo ? { local: opts.localInfo } : {}) });
      const listing = await listDlq(
        { dlq: dlqAdmin(target), clock: systemClock, emails: new DynamoEmailStore(createDocumentClient(), target.tableName) },
        { lane: opts.lane, max },
      );
      if (opts.json) {
        console.log(JSON.stringify(listing));
        return;
      }
      if (listing.messages.length === 0) {
        console.log(`The ${listing.lane} DLQ is empty.`);
        return;
      }
      const rows = listing.messages.map((m) => [
        m.emailId || '(malformed)',
        m.tenantId,
        m.status ?? '-',
        age(m.ageSeconds),
        m.reason ?? '(moved by SQS after too many receives)',
      ]);
      const header = ['EMAIL ID', 'TENANT', 'STATUS', 'AGE', 'REASON'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      for (const row of [header, ...rows]) console.log(row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
      console.log(`\n${listing.messages.length} message(s) shown. Send them again with: npm run mailroom -- dlq redrive --lane ${listing.lane}`);
    });

  common(dlq.command('redrive').description('move every message of a lane DLQ back to the lane queue (each email is sent again once)')).action(
    async (opts: CommonOptions) => {
      checkLane(opts.lane);
      const target = await resolveTarget({ ...(opts.stack ? { stack: opts.stack } : {}), ...(opts.localInfo ? { local: opts.localInfo } : {}) });
      const result = await redriveDlq({ dlq: dlqAdmin(target) }, { lane: opts.lane });
      if (opts.json) console.log(JSON.stringify(result));
      else if (result.kind === 'move_task')
        console.log(`Started an SQS message move task for the ${result.lane} DLQ (task ${result.taskHandle}). SQS moves the messages in the background.`);
      else console.log(`Moved ${result.moved} message(s) from the ${result.lane} DLQ back to the ${result.lane} queue.`);
    },
  );
}
