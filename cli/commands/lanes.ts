import type { Command } from 'commander';
import { createSqsClient } from '#shared/adapters/aws-clients';
import { createLaneMetrics } from '#shared/adapters/lane-metrics';
import { SqsLaneQueue } from '#shared/adapters/sqs-lane-queue';
import { systemClock } from '#shared/ports/index';
import { laneStatus, type LaneStatus } from '#shared/use-cases/lane-status';
import { resolveTarget } from '../target';

const n = (v: number | null) => (v === null ? '-' : String(v));

/** One row per lane; an oldest age over the lane's alarm threshold is marked with `!`. */
export function formatLanes(lanes: readonly LaneStatus[]): string {
  const header = ['LANE', 'DEPTH', 'IN FLIGHT', 'DELAYED', 'DLQ', 'OLDEST (s)', 'MAX AGE (s)', 'SENT 1h', 'FAILED 1h'];
  const rows = lanes.map((l) => [
    l.lane,
    String(l.depth),
    String(l.inFlight),
    String(l.delayed),
    String(l.dlqDepth),
    l.oldestAgeSeconds === null ? '-' : `${Math.round(l.oldestAgeSeconds)}${l.oldestAgeSeconds > l.maxAgeSeconds ? ' !' : ''}`,
    String(l.maxAgeSeconds),
    n(l.sentLastHour),
    n(l.failedLastHour),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

export function registerLanes(program: Command): void {
  program
    .command('lanes')
    .description('per lane: depth, in flight, delayed, DLQ depth, oldest message age, sent/failed in the last hour')
    .option('--stack <name>', 'a deployed stack (default: the local stack)')
    .option('--local-info <path>', 'local stack info file (default: .mailroom/local.json)')
    .option('--json', 'print JSON')
    .action(async (opts: { stack?: string; localInfo?: string; json?: boolean }) => {
      const target = await resolveTarget({ ...(opts.stack ? { stack: opts.stack } : {}), ...(opts.localInfo ? { local: opts.localInfo } : {}) });
      // AWS: CloudWatch (SQS age + Mailroom metrics). Local: no CloudWatch, so counts come from the table.
      const laneMetrics = createLaneMetrics(target.kind === 'aws' ? 'cloudwatch' : 'table', { table: target.tableName, queueUrls: target.queueUrls });
      const lanes = await laneStatus({
        queue: new SqsLaneQueue(createSqsClient(), target.queueUrls, target.dlqUrls),
        clock: systemClock,
        ...(laneMetrics ? { laneMetrics } : {}),
      });
      if (opts.json) {
        console.log(JSON.stringify(lanes));
        return;
      }
      console.log(formatLanes(lanes));
      if (target.kind === 'local') console.log('\n(local mode: the SQS emulator does not report message ages; counts come from the table)');
    });
}
