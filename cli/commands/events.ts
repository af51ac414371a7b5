import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { createDocumentClient } from '#shared/adapters/aws-clients';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { createTrackingHandler } from '#functions/tracking/app';
import { createIntakeHandler } from '#functions/intake/app';
import { buildSesEvent, SIMULATED_KINDS, type SimulatedKind } from '../ses-simulator';
import { CliError, resolveTarget } from '../target';

const lambdaContext = (name: string) => ({ functionName: name, awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 30_000 }) as never;

export function registerEvents(program: Command): void {
  const events = program.command('events').description('feed the tracking and intake functions (local stack)');

  events
    .command('simulate')
    .description(`build the SES event SES would publish for an email and run the tracking function on it (${SIMULATED_KINDS.join('|')})`)
    .argument('<email-id>', 'the Mailroom email id')
    .argument('<kind>', SIMULATED_KINDS.join('|'))
    .option('--recipient <address>', 'the recipient the event is about (default: the first)')
    .option('--link <url>', 'the clicked link (click)')
    .option('--json', 'print the SES event and the outcome as JSON')
    .action(async (emailId: string, kind: string, opts: { recipient?: string; link?: string; json?: boolean }) => {
      if (!(SIMULATED_KINDS as readonly string[]).includes(kind)) throw new CliError(`Unknown event kind ${kind}. Use ${SIMULATED_KINDS.join(', ')}.`, 2);
      const target = await resolveTarget({});
      const email = await new DynamoEmailStore(createDocumentClient(), target.tableName).get(emailId);
      if (!email) throw new CliError(`No email ${emailId} in the local stack.`);
      const event = buildSesEvent(email, kind as SimulatedKind, {
        ...(opts.recipient ? { recipient: opts.recipient } : {}),
        ...(opts.link ? { link: opts.link } : {}),
      });
      let outcome: unknown;
      try {
        outcome = await createTrackingHandler(target.env)(event, lambdaContext('tracking'));
      } catch (error) {
        throw new CliError(`Tracking did not apply the event: ${(error as Error).message}`);
      }
      if (opts.json) console.log(JSON.stringify({ event, outcome }, null, 2));
      else console.log(`${event['detail-type']} → ${JSON.stringify(outcome)}`);
    });

  events
    .command('request')
    .description('run the intake function on an "Email Requested" event whose detail is read from a file')
    .requiredOption('--file <path>', 'JSON file: the POST /emails body plus "tenant" (and optional "idempotencyKey", "lane")')
    .option('--event-id <id>', 'EventBridge event id (the idempotency key when the detail has none)')
    .action(async (opts: { file: string; eventId?: string }) => {
      let detail: unknown;
      try {
        detail = JSON.parse(readFileSync(opts.file, 'utf8'));
      } catch (error) {
        throw new CliError(`Could not read ${opts.file}: ${(error as Error).message}`, 2);
      }
      const target = await resolveTarget({});
      const event = {
        version: '0',
        id: opts.eventId ?? randomUUID(),
        'detail-type': 'Email Requested',
        source: 'mailroom.cli',
        account: '000000000000',
        time: new Date().toISOString(),
        region: 'us-east-1',
        resources: [],
        detail,
      };
      const result = (await createIntakeHandler(target.env)(event, lambdaContext('intake'))) as { status: string };
      console.log(JSON.stringify(result));
      if (result.status !== 'accepted') process.exitCode = 1;
    });
}
