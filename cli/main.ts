/**
 * The mailroom CLI: operate Mailroom, locally (after `npm start`) or against a
 * deployed stack (`--stack <name>`). Exit codes: 0 ok, 1 failure, 2 bad usage.
 */
import { Command, CommanderError } from 'commander';
import { registerDlq } from './commands/dlq';
import { registerDomains } from './commands/domains';
import { registerKeys } from './commands/keys';
import { registerLanes } from './commands/lanes';
import { registerReconcile } from './commands/reconcile';
import { registerStatus } from './commands/status';
import { registerEvents } from './commands/events';
import { registerTenants } from './commands/tenants';
import { registerTemplates } from './commands/templates';
import { CliError } from './target';

const program = new Command('mailroom').description('Operate a Mailroom deployment').exitOverride();
registerKeys(program);
registerStatus(program);
registerLanes(program);
registerReconcile(program);
registerEvents(program);
registerDlq(program);
registerTenants(program);
registerTemplates(program);
registerDomains(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  if (error instanceof CliError) {
    console.error(error.message);
    process.exit(error.exitCode);
  }
  console.error(`mailroom: ${(error as Error).message}`);
  process.exit(1);
}
