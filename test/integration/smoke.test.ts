import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { writeLocalInfo } from '#infra/local/stack';
import { useLocalStack } from '#test/support/local-stack';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

/** Runs a CLI script as a child process; resolves with its exit code and output, never throws. */
async function cli(script: string, args: string[]): Promise<{ code: number; out: string; stdout: string }> {
  try {
    const { stdout, stderr } = await run(TSX, [script, ...args], { cwd: ROOT, timeout: 60_000, env: { ...process.env, MAILROOM_API_KEY: '' } });
    return { code: 0, out: stdout + stderr, stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}`, stdout: e.stdout ?? '' };
  }
}

describe('smoke test and operator CLI against a local stack', () => {
  const stack = useLocalStack();

  it('npm run smoke -- --api <url> --key <key> passes: one email followed to sent, exit code 0', async () => {
    const s = stack();
    const { code, out } = await cli('cli/smoke.ts', ['--api', s.apiUrl, '--key', s.apiKey, '--from', s.from, '--timeout', '30']);
    expect(out).toMatch(/^PASS {2}\S+ sent via ses in [\d.]+ s/m);
    expect(out).toContain('to   smoke@example.org');
    expect(out).toMatch(/health: 200 ok/);
    expect(code).toBe(0);
  });

  it('fails with exit code 1 and FAIL for a wrong key', async () => {
    const s = stack();
    const { code, out } = await cli('cli/smoke.ts', ['--api', s.apiUrl, '--key', 'mr_not_a_real_key', '--from', s.from, '--timeout', '10']);
    expect(out).toMatch(/^FAIL {2}POST \/emails answered 403: .*invalid_api_key/m);
    expect(code).toBe(1);
  });

  it('exits 2 when it is not told where to test', async () => {
    const { code, out } = await cli('cli/smoke.ts', ['--local-info', '/nonexistent/local.json']);
    expect(out).toMatch(/Say where to test/);
    expect(code).toBe(2);
  });

  it('mailroom status shows the record and the event timeline; lanes shows the counters', async () => {
    const s = stack();
    const info = path.join(mkdtempSync(path.join(tmpdir(), 'mailroom-cli-')), 'local.json');
    writeLocalInfo(info, s);
    const smoke = await cli('cli/smoke.ts', ['--local-info', info, '--timeout', '30']);
    expect(smoke.code, smoke.out).toBe(0);
    const id = /PASS {2}(\S+)/.exec(smoke.out)![1]!;

    const human = await cli('cli/mailroom.ts', ['status', id, '--local-info', info]);
    expect(human.code).toBe(0);
    expect(human.out).toContain(`Email ${id}: SENT`);
    expect(human.out).toMatch(/Timeline:\n.*queued[\s\S]*sent\s+provider=ses/);

    const json = await cli('cli/mailroom.ts', ['status', id, '--local-info', info, '--json']);
    const view = JSON.parse(json.stdout);
    expect(view).toMatchObject({ id, status: 'sent', provider: 'ses', tenant_id: s.tenantId });
    expect(view.events.map((e: any) => e.type)).toEqual(expect.arrayContaining(['queued', 'sent']));

    const missing = await cli('cli/mailroom.ts', ['status', 'no-such-email', '--local-info', info]);
    expect(missing.code).toBe(1);
    expect(missing.out).toMatch(/not found/);

    const lanes = await cli('cli/mailroom.ts', ['lanes', '--local-info', info, '--json']);
    expect(lanes.code).toBe(0);
    const rows = JSON.parse(lanes.stdout);
    expect(rows.map((r: any) => r.lane)).toEqual(['critical', 'transactional', 'marketing', 'bulk']);
    // The smoke emails of this file went through the transactional lane and are counted from the table.
    const transactional = rows.find((r: any) => r.lane === 'transactional');
    expect(transactional).toMatchObject({ depth: 0, dlqDepth: 0, failedLastHour: 0, oldestAgeSeconds: null });
    expect(transactional.sentLastHour).toBeGreaterThanOrEqual(1);
    const table = await cli('cli/mailroom.ts', ['lanes', '--local-info', info]);
    expect(table.out).toMatch(/^LANE\s+DEPTH\s+IN FLIGHT\s+DELAYED\s+DLQ\s+OLDEST \(s\)/m);
    expect(table.out).toMatch(new RegExp(`^transactional\\s+0\\s+0\\s+0\\s+0\\s+-\\s+300\\s+${transactional.sentLastHour}\\s+0$`, 'm'));
  });
});
