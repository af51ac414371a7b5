/**
 * `npm run smoke -- --api <url> --key <key>` | `--stack <name>` | (nothing: the local stack):
 * sends one email through a Mailroom deployment, follows it to `sent`, and prints PASS or FAIL with
 * timings. Exit codes: 0 pass, 1 fail, 2 bad usage. In AWS it mails SES's mailbox simulator, so
 * nothing reaches a person and nothing counts against the account's reputation.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, CommanderError } from 'commander';
import { CliError, LOCAL_INFO, resolveTarget } from './target';

export const SES_SIMULATOR_SUCCESS = 'success@simulator.amazonses.com';
export const LOCAL_SMOKE_RECIPIENT = 'smoke@example.org';
const DONE = ['sent', 'delivered', 'opened', 'clicked'];
const GAVE_UP = ['failed', 'bounced', 'complained', 'suppressed', 'canceled'];

interface SmokeOptions {
  api?: string;
  key?: string;
  stack?: string;
  localInfo?: string;
  from?: string;
  to?: string;
  timeout: string;
  lane?: string;
}

const isLocalUrl = (url: string) => /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/i.test(url);

async function resolve(opts: SmokeOptions): Promise<{ apiUrl: string; key: string; from: string; to: string; where: string }> {
  let apiUrl = opts.api;
  let key = opts.key ?? (process.env.MAILROOM_API_KEY || undefined);
  let from = opts.from ?? (process.env.MAILROOM_SMOKE_FROM || undefined);
  let where: string;
  if (apiUrl) {
    where = apiUrl;
  } else if (opts.stack) {
    apiUrl = (await resolveTarget({ stack: opts.stack })).apiUrl;
    where = `stack ${opts.stack}`;
  } else {
    const path = opts.localInfo ?? LOCAL_INFO;
    if (!existsSync(path))
      throw new CliError(`Say where to test: --api <url> --key <key>, --stack <name>, or start the local stack (\`npm start\`) first (${path} is missing).`, 2);
    const info = JSON.parse(readFileSync(path, 'utf8')) as { apiUrl: string; apiKey: string; from?: string };
    apiUrl = info.apiUrl;
    key ??= info.apiKey;
    from ??= info.from;
    where = `the local stack (${path})`;
  }
  if (!key) throw new CliError('No API key: pass --key <key> or set MAILROOM_API_KEY.', 2);
  const local = isLocalUrl(apiUrl!);
  if (!from && local && existsSync(opts.localInfo ?? LOCAL_INFO))
    from = (JSON.parse(readFileSync(opts.localInfo ?? LOCAL_INFO, 'utf8')) as { from?: string }).from;
  if (!from) throw new CliError('No sender: pass --from <address on a verified SES identity> (or set MAILROOM_SMOKE_FROM).', 2);
  return { apiUrl: apiUrl!.replace(/\/+$/, ''), key, from, to: opts.to ?? (local ? LOCAL_SMOKE_RECIPIENT : SES_SIMULATOR_SUCCESS), where };
}

async function call(url: string, init: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

async function smoke(opts: SmokeOptions): Promise<boolean> {
  const timeoutMs = Number(opts.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new CliError('--timeout must be a positive number of seconds.', 2);
  const t = await resolve(opts);
  const fail = (why: string) => {
    console.log(`\nFAIL  ${why}`);
    return false;
  };
  console.log(`Mailroom smoke test against ${t.where}\n  API  ${t.apiUrl}\n  from ${t.from}\n  to   ${t.to}`);

  const health = await call(`${t.apiUrl}/health`, { method: 'GET' }).catch((e: Error) => ({ status: 0, body: e.message }));
  console.log(`  health: ${health.status === 0 ? `unreachable (${health.body})` : `${health.status} ${health.body?.status ?? ''}`}`);

  const started = performance.now();
  const headers: Record<string, string> = { authorization: `Bearer ${t.key}`, 'content-type': 'application/json', 'idempotency-key': `smoke-${randomUUID()}` };
  if (opts.lane) headers['mailroom-lane'] = opts.lane;
  let accepted: { status: number; body: any };
  try {
    accepted = await call(`${t.apiUrl}/emails`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        from: t.from,
        to: t.to,
        subject: `Mailroom smoke test ${new Date().toISOString()}`,
        text: 'Sent by `npm run smoke`. Nothing to do.',
        tags: [{ name: 'smoke', value: 'true' }],
      }),
    });
  } catch (error) {
    return fail(`POST /emails did not answer: ${(error as Error).message}`);
  }
  const acceptMs = performance.now() - started;
  if (accepted.status !== 200 || typeof accepted.body?.id !== 'string') {
    return fail(`POST /emails answered ${accepted.status}: ${typeof accepted.body === 'string' ? accepted.body.slice(0, 200) : JSON.stringify(accepted.body)}`);
  }
  const id = accepted.body.id as string;
  console.log(`  accepted as ${id} in ${acceptMs.toFixed(0)} ms`);

  let last = '';
  let email: any;
  while (performance.now() - started < timeoutMs) {
    const res = await call(`${t.apiUrl}/emails/${id}`, { method: 'GET', headers: { authorization: `Bearer ${t.key}` } }).catch(() => undefined);
    if (res?.status === 200) {
      email = res.body;
      if (email.status !== last) {
        last = email.status;
        console.log(`  ${((performance.now() - started) / 1000).toFixed(2).padStart(6)} s  ${last}`);
      }
      if (DONE.includes(email.status)) {
        const total = performance.now() - started;
        console.log(
          `\nPASS  ${id} ${email.status} via ${email.provider ?? '?'} in ${(total / 1000).toFixed(2)} s (accepted ${acceptMs.toFixed(0)} ms, attempts ${email.attempts})`,
        );
        return true;
      }
      if (GAVE_UP.includes(email.status)) {
        const err = email.last_error ? ` — ${email.last_error.code}: ${email.last_error.message}` : '';
        return fail(`${id} ended ${email.status}${err}`);
      }
    }
    await sleep(250);
  }
  return fail(
    `${id} did not reach sent within ${opts.timeout} s (last status: ${last || 'unknown'}). Check \`npm run mailroom -- status ${id}\` and \`npm run mailroom -- lanes\`.`,
  );
}

const program = new Command('smoke')
  .description('Send one email through a Mailroom deployment and follow it to `sent`')
  .option('--api <url>', 'API base URL')
  .option('--key <key>', "API key (default: $MAILROOM_API_KEY, or the local stack's)")
  .option('--stack <name>', 'a deployed stack: the API URL comes from its ApiUrl output')
  .option('--local-info <path>', `local stack info file (default: ${LOCAL_INFO})`)
  .option('--from <address>', "sender (default: the local stack's; required for AWS: a verified identity)")
  .option('--to <address>', `recipient (default: ${SES_SIMULATOR_SUCCESS} in AWS, ${LOCAL_SMOKE_RECIPIENT} locally)`)
  .option('--lane <lane>', 'Mailroom-Lane header')
  .option('--timeout <seconds>', 'give up after this long', '60')
  .exitOverride();

try {
  await program.parseAsync(process.argv);
  process.exit((await smoke(program.opts<SmokeOptions>())) ? 0 : 1);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  if (error instanceof CliError) {
    console.error(error.message);
    process.exit(error.exitCode);
  }
  console.log(`\nFAIL  ${(error as Error).message}`);
  process.exit(1);
}
