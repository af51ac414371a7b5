/**
 * Issue 14 §1, reproduced the way it was found: a TCP proxy in front of the SES emulator, 300
 * emails in flight, the proxy killed (every connection reset, the port closed) once 40 have landed,
 * then restored. Requests cut mid-flight are ambiguous — SES may have the message — and must never
 * be handed to SMTP; requests refused at connect are definite and fail over. Counted per token in
 * both inboxes: every email delivered once, none twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#shared/config/env';
import type { SendEmailDeps } from '#shared/use-cases/send-email';
import { startLocalStack, type LocalStack } from '#infra/local/stack';
import { api, waitFor } from '#test/support/local-stack';
import { startTcpFaultProxy, type TcpFaultProxy } from '#test/support/tcp-fault-proxy';
import { deliveries, inboxCounts, records, sendTokens, startSesEventFeed, writeResult } from './support';

const EMAILS = 300;
const KILL_AFTER_LANDED = 40;
const PREFIX = 'ses-kill';

describe('chaos: the SES endpoint killed mid-drain and restored', () => {
  let s: LocalStack;
  let proxy: TcpFaultProxy;

  beforeAll(async () => {
    // 20 ms of answer latency: requests that reached SES but whose answer had not come back yet
    // are the ambiguous ones; without latency the window is a few microseconds on loopback.
    proxy = await startTcpFaultProxy({ answerDelayMs: 20 });
    s = await startLocalStack({
      apiPort: 0,
      ports: { dynamodb: 0, sqs: 0, ses: 0, smtp: 0, smtpWeb: 0 },
      logLevel: 'CRITICAL',
      sesEndpoint: `http://${proxy.host}`,
      workers: 4,
      laneVisibilitySeconds: 6,
      env: {
        [ENV.CLAIM_LEASE_SECONDS]: '5',
        [ENV.SES_TIMEOUT_MS]: '2000',
        [ENV.BREAKER_FAILURE_THRESHOLD]: '3',
        [ENV.BREAKER_OPEN_SECONDS]: '3',
        [ENV.BREAKER_CACHE_MS]: '0',
        // Short hold, still well over the lag of SES's Send event (the feed below: ~250 ms) that settles an ambiguous attempt.
        [ENV.AMBIGUOUS_HOLD_SECONDS]: '5',
        [ENV.AMBIGUOUS_DEADLINE_SECONDS]: '120',
      },
      // Fixed jitter: every backoff is 1 s, so the run stays short.
      senderOverrides: (deps: SendEmailDeps) => ({ ...deps, random: () => 0 }),
    });
    proxy.target = new URL(s.emulators.sesEndpoint).host;
  });
  afterAll(async () => {
    await s?.stop();
    await proxy?.stop();
  });

  it(`delivers ${EMAILS} of ${EMAILS} exactly once when the SES connection is reset mid-drain`, async () => {
    const started = Date.now();
    // Killed the moment SES answers its 40th send, before that answer is passed on; the other requests in flight are cut too.
    const killed = proxy.killOnAnswer(KILL_AFTER_LANDED);
    const ids = new Map<string, string>();
    const feed = startSesEventFeed(s, ids);
    await sendTokens(s, PREFIX, EMAILS, 'transactional', ids);
    await killed;
    console.info(`[chaos] killed after ${(Date.now() - started) / 1000} s`);
    const killedAt = Date.now();
    // SES stays down long enough for the breaker to open and for retries to come back while it is open.
    await waitFor(async () => Date.now() - killedAt > 4_000, { intervalMs: 200, what: 'the outage to last 4 s' });
    await proxy.restore();

    const terminal = ['sent', 'failed', 'canceled', 'suppressed'];
    let progress = '';
    const final = await waitFor(
      async () => {
        const all = await records(s, ids.values());
        progress = JSON.stringify(all.reduce<Record<string, number>>((n, e) => ({ ...n, [e.status]: (n[e.status] ?? 0) + 1 }), {}));
        return all.length === EMAILS && all.every((e) => terminal.includes(e.status)) ? all : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 500, what: 'every email to finish' },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; statuses: ${progress}; feed ${feed.fed}`);
    });
    const drainSeconds = (Date.now() - started) / 1000;
    await feed.stop();
    const counts = await inboxCounts(s, PREFIX);
    const tokens = [...ids.keys()];
    const lost = tokens.filter((t) => deliveries(counts, t) === 0);
    const duplicated = tokens.filter((t) => deliveries(counts, t) > 1);
    const ambiguous = final.filter((e) => (e.providerAttempts ?? []).some((a) => a.o === 'maybe'));
    writeResult({
      scenario: 'ses-killed-mid-drain',
      description: 'TCP proxy in front of SES killed (connections reset, port closed) on its 40th answer, restored 4 s later; SES Send events fed',
      emails: EMAILS,
      faults: `1 kill, ${proxy.resets} connections reset, ${ambiguous.length} ambiguous attempts`,
      lost: lost.length,
      duplicated: duplicated.length,
      heldAmbiguous: 0,
      drainSeconds,
    });

    expect(proxy.resets).toBeGreaterThan(0);
    expect(final.filter((e) => e.status !== 'sent').map((e) => `${e.id}:${e.status}`)).toEqual([]);
    expect(duplicated.map((t) => `${t}: ses ${counts.ses.get(t) ?? 0}, smtp ${counts.smtp.get(t) ?? 0}`)).toEqual([]);
    expect(lost).toEqual([]);
    // The fault hit requests in flight, and each of those stayed with SES.
    expect(ambiguous.length).toBeGreaterThan(0);
    for (const email of ambiguous) expect(email.provider, email.id).toBe('ses');
    for (const email of ambiguous) expect(counts.smtp.get(email.subject!) ?? 0, email.id).toBe(0);
    // The operator sees every attempt: "SES may have it", then the send that went through.
    const view = (await api(s, 'GET', `/emails/${ambiguous[0]!.id}`)).body;
    expect(view.provider_attempts[0]).toMatchObject({ provider: 'ses', outcome: 'ambiguous', note: expect.stringMatching(/ses may have accepted/) });
    // Settled either by SES's Send event (no second attempt) or by a second attempt through SES.
    expect(view.provider_attempts.slice(1).every((a: { provider: string }) => a.provider === 'ses')).toBe(true);
  }, 240_000);
});
