/**
 * The README's start command, run the way a newcomer runs it: in a fresh `git clone` of HEAD, with no
 * MAILROOM_* variables but ports, then one email through the official `resend` SDK, `npm run smoke`
 * and one CLI command, then Ctrl-C — and nothing of ours left running. This is the check that would
 * have caught a relative data folder handed to DynamoDB Local (which runs inside its package folder).
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Resend } from 'resend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sesInbox, waitFor } from '#test/support/local-stack';
import { startWebhookReceiver } from '#test/support/webhook-receiver';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** The first shell block under "Run it locally" in the README, e.g. `npm ci && npm start`. */
function readmeStartCommand(): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Run it locally'));
  const block = /```sh\n([^`]+?)\n```/.exec(section);
  if (!block?.[1]) throw new Error('README.md has no sh block under "## Run it locally"');
  return block[1].trim();
}

/** The environment a newcomer has: ours, minus every MAILROOM_* variable, plus free ports. */
function newcomerEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MAILROOM_') && !k.startsWith('VITEST') && k !== 'NODE_ENV'));
  for (const name of ['API', 'DYNAMODB', 'SQS', 'SES', 'SMTP', 'SMTP_WEB']) env[`MAILROOM_${name}_PORT`] = '0';
  return env;
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface LocalInfo {
  apiUrl: string;
  apiKey: string;
  from: string;
  sesInboxUrl: string;
  pids: { mailroom: number; dynamodb?: number };
}

describe('a fresh clone, started the way the README says', { timeout: 300_000 }, () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let output = '';
  let exitCode: number | null | undefined;
  let info: LocalInfo;
  const exited = () =>
    new Promise<void>((resolve) => (child?.exitCode !== null || child?.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

  beforeAll(async () => {
    const command = readmeStartCommand();
    expect(command).toBe('npm ci && npm start');
    dir = mkdtempSync(path.join(tmpdir(), 'mailroom-fresh-clone-'));
    execFileSync('git', ['clone', '--quiet', ROOT, dir]);
    // `npm ci` is the README's first half; the installed node_modules stands in for it (same lockfile).
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const start = command.replace(/^npm ci && /, '');
    // Own process group, so Ctrl-C reaches npm, tsx and Mailroom together, as in a terminal.
    child = spawn('sh', ['-c', start], { cwd: dir, env: newcomerEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.once('exit', (code) => {
      exitCode = code;
    });
    await waitFor(
      async () => {
        if (exitCode !== undefined) throw new Error(`npm start exited (${exitCode}) before it was ready:\n${output}`);
        return output.includes('Press Ctrl-C to stop.') ? true : undefined;
      },
      { what: `npm start to print its URLs (so far:\n${output})`, timeoutMs: 240_000, intervalMs: 250 },
    );
    info = JSON.parse(readFileSync(path.join(dir, '.mailroom', 'local.json'), 'utf8')) as LocalInfo;
  });

  afterAll(async () => {
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid, 'SIGKILL');
      await exited();
    }
    if (info?.pids?.dynamodb && alive(info.pids.dynamodb)) process.kill(info.pids.dynamodb, 'SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('starts with nothing set, prints its URLs and keeps data in .mailroom/data', () => {
    expect(output).toMatch(/Mailroom is running locally\./);
    expect(output).toContain(`API           ${info.apiUrl}`);
    expect(output).toContain(`SES inbox     ${info.sesInboxUrl}`);
    expect(existsSync(path.join(dir, '.mailroom', 'data', 'dynamodb'))).toBe(true);
    expect(info.pids.dynamodb).toBeGreaterThan(0);
  });

  let emailId = '';
  it('sends an email through the official resend SDK and it lands in the SES inbox', async () => {
    const resend = new Resend(info.apiKey, { baseUrl: info.apiUrl });
    const subject = `Fresh clone ${Date.now()}`;
    const { data, error } = await resend.emails.send({ from: info.from, to: ['newcomer@example.org'], subject, html: '<p>First five minutes</p>' });
    expect(error).toBeNull();
    emailId = data!.id;
    const delivered = await waitFor(
      async () => {
        const found = (await sesInbox(info)).filter((m) => m.subject === subject);
        return found.length ? found : undefined;
      },
      { what: 'the email in the SES inbox', timeoutMs: 60_000 },
    );
    expect(delivered).toHaveLength(1);
  });

  it('delivers signed webhooks to a receiver on 127.0.0.1 registered just after a send (tenant cached)', async () => {
    // The send above left the tenant in the publishers' caches; a webhook created now must still get
    // the next email's events (local mode caches tenants for 2 s, not AWS's 30 s).
    const receiver = await startWebhookReceiver();
    try {
      const resend = new Resend(info.apiKey, { baseUrl: info.apiUrl });
      const created = await resend.webhooks.create({ endpoint: receiver.url, events: ['email.sent'] });
      expect(created.error).toBeNull();
      const secret = created.data!.signing_secret;
      await new Promise((r) => setTimeout(r, 2_500)); // past local mode's 2 s tenant cache (LOCAL_TENANT_CACHE_SECONDS)
      const { data } = await resend.emails.send({ from: info.from, to: ['hooked@example.org'], subject: 'Webhook check', html: '<p>hook</p>' });
      const hit = await waitFor(
        async () => receiver.received.find((r) => (JSON.parse(r.body) as { data?: { email_id?: string } }).data?.email_id === data!.id),
        { what: 'the email.sent webhook at the receiver', timeoutMs: 60_000 },
      );
      const headers = {
        id: String(hit.headers['svix-id']),
        timestamp: String(hit.headers['svix-timestamp']),
        signature: String(hit.headers['svix-signature']),
      };
      const verified = resend.webhooks.verify({ payload: hit.body, headers, webhookSecret: secret }) as { type: string };
      expect(verified.type).toBe('email.sent');
    } finally {
      await receiver.stop();
    }
  });

  it('npm run smoke passes against it, and the CLI reports the email', async () => {
    const env = newcomerEnv();
    const smoke = await run('npm', ['run', '--silent', 'smoke', '--', '--timeout', '60'], { cwd: dir, env, timeout: 120_000 });
    expect(smoke.stdout).toMatch(/^PASS {2}\S+ sent via ses/m);
    const status = await run('npm', ['run', '--silent', 'mailroom', '--', 'status', emailId], { cwd: dir, env, timeout: 60_000 });
    expect(status.stdout).toContain(`Email ${emailId}: SENT`);
  });

  it('stops every process it started on Ctrl-C (no stray JVM)', async () => {
    process.kill(-child!.pid!, 'SIGINT');
    await exited();
    await waitFor(async () => (alive(info.pids.dynamodb) || alive(info.pids.mailroom) ? undefined : true), {
      what: 'Mailroom and DynamoDB Local to exit',
      timeoutMs: 20_000,
    });
    expect(alive(info.pids.dynamodb)).toBe(false);
    expect(output).toContain('Stopping Mailroom');
  });
});
