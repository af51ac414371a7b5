import type { Command } from 'commander';
import { createDocumentClient, createSqsClient } from '#shared/adapters/aws-clients';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { SqsLaneQueue } from '#shared/adapters/sqs-lane-queue';
import { systemClock } from '#shared/ports/index';
import { reconcileEmails } from '#shared/use-cases/reconcile-emails';
import { resolveTarget } from '../target';

export function registerReconcile(program: Command): void {
  program
    .command('reconcile')
    .description('re-enqueue emails stuck on their way now, as the reconciler does every minute (docs/runbook.md#the-reconciler)')
    .option('--backfill', 'first give emails written before the pending and emailList indexes existed their keys of them (table Scans; once, after upgrading)')
    .option('--stack <name>', 'a deployed stack (default: the local stack)')
    .option('--json', 'print JSON')
    .action(async (opts: { backfill?: boolean; stack?: string; json?: boolean }) => {
      const target = await resolveTarget(opts);
      const store = new DynamoEmailStore(createDocumentClient(), target.tableName);
      const backfilled = opts.backfill ? await store.backfillPendingIndex() : undefined;
      const listed = opts.backfill ? await store.backfillEmailList() : undefined;
      const failures: string[] = [];
      const result = await reconcileEmails({
        stuck: store,
        queue: new SqsLaneQueue(createSqsClient(), target.queueUrls),
        clock: systemClock,
        onError: (email, error) => failures.push(`${email.id} (${email.lane}): ${(error as Error).message}`),
      });
      if (opts.json) console.log(JSON.stringify({ ...(backfilled !== undefined ? { backfilled, listed } : {}), ...result, failures }));
      else {
        if (backfilled !== undefined) console.log(`Indexed ${backfilled} pending email(s) written before the reconciler existed.`);
        if (listed !== undefined) console.log(`Moved ${listed} email(s) written before the emailList index existed onto it (GET /emails lists them).`);
        console.log(
          `Stuck: ${result.stuck}. Re-enqueued: ${result.reenqueued}. Moved on meanwhile: ${result.raced}. Failed: ${result.failed}.` +
            (result.stuck > result.reenqueued + result.raced + result.failed ? ' The rest were re-enqueued recently and wait for their backoff.' : ''),
        );
        for (const f of failures) console.error(`  could not re-enqueue ${f}`);
      }
      if (result.failed > 0) process.exitCode = 1;
    });
}
