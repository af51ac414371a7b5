/**
 * The SMTP fallback behind a TCP proxy that is killed (connections reset, port closed) mid-drain
 * and restored. SES is down for the whole run (a dead port: every attempt definitely refused), so
 * the breaker opens and the mail goes to SMTP. A cut session is ambiguous — nodemailer cannot say
 * at which stage it broke, so the sink may have the message — and that email stays with SMTP (it
 * never goes back to SES); a refused connection is definite and simply retried. SMTP has no acceptance event to
 * settle an ambiguous attempt, so after the hold it is sent again through SMTP with the same
 * Message-ID (which receiving servers that de-duplicate by Message-ID drop): the only duplicates
 * this scenario allows are those, and it counts them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#shared/config/env';
import type { SendEmailDeps } from '#shared/use-cases/send-email';
import { freePort } from '#infra/local/emulators';
import { startLocalStack, type LocalStack } from '#infra/local/stack';
import { waitFor } from '#test/support/local-stack';
import { startTcpFaultProxy, type TcpFaultProxy } from '#test/support/tcp-fault-proxy';
import { deliveries, drainAll, inboxCounts, landed, sendTokens, writeResult } from './support';

const EMAILS = 300;
const KILL_AFTER_LANDED = 60;
const PREFIX = 'smtp-kill';

describe('chaos: the SMTP fallback killed mid-drain and restored (SES down throughout)', () => {
  let s: LocalStack;
  let proxy: TcpFaultProxy;

  beforeAll(async () => {
    proxy = await startTcpFaultProxy();
    const deadSes = await freePort();
    s = await startLocalStack({
      apiPort: 0,
      ports: { dynamodb: 0, sqs: 0, ses: 0, smtp: 0, smtpWeb: 0 },
      logLevel: 'CRITICAL',
      sesEndpoint: `http://127.0.0.1:${deadSes}`,
      workers: 4,
      laneVisibilitySeconds: 8,
      env: {
        [ENV.SMTP_URL]: `smtp://${proxy.host}`,
        [ENV.CLAIM_LEASE_SECONDS]: '6',
        [ENV.SES_TIMEOUT_MS]: '2000',
        [ENV.BREAKER_FAILURE_THRESHOLD]: '3',
        [ENV.BREAKER_OPEN_SECONDS]: '60',
        [ENV.BREAKER_CACHE_MS]: '0',
        [ENV.AMBIGUOUS_HOLD_SECONDS]: '3',
        [ENV.AMBIGUOUS_DEADLINE_SECONDS]: '120',
      },
      // Fixed 1 s backoffs, and room for the retries of a few seconds of outage on both providers.
      senderOverrides: (deps: SendEmailDeps) => ({ ...deps, random: () => 0, lane: { ...deps.lane, maxAttempts: 20 } }),
    });
    proxy.target = `127.0.0.1:${s.emulators.smtpPort}`;
  });
  afterAll(async () => {
    await s?.stop();
    await proxy?.stop();
  });

  it(`delivers ${EMAILS} of ${EMAILS}; an email the sink may have stays with SMTP`, async () => {
    const started = Date.now();
    const ids = await sendTokens(s, PREFIX, EMAILS);
    await waitFor(async () => landed(await inboxCounts(s, PREFIX)) >= KILL_AFTER_LANDED, {
      intervalMs: 20,
      timeoutMs: 60_000,
      what: `${KILL_AFTER_LANDED} landed`,
    });
    await proxy.kill();
    const killedAt = Date.now();
    // SMTP stays down for 3 s: sends in that window are refused and retried.
    await waitFor(async () => Date.now() - killedAt > 3_000, { intervalMs: 100, what: 'the outage to last 3 s' });
    await proxy.restore();

    const final = await drainAll(s, ids, ['sent', 'failed'], 150_000);
    const drainSeconds = (Date.now() - started) / 1000;
    const counts = await inboxCounts(s, PREFIX);
    const tokens = [...ids.keys()];
    const lost = tokens.filter((t) => deliveries(counts, t) === 0);
    const duplicated = tokens.filter((t) => deliveries(counts, t) > 1);
    const ambiguous = new Set(final.filter((e) => (e.providerAttempts ?? []).some((a) => a.o === 'maybe' && a.p === 'smtp')).map((e) => e.subject!));
    writeResult({
      scenario: 'smtp-killed-mid-drain',
      description: 'SES down throughout; TCP proxy in front of the SMTP sink killed after 60 landed, restored 3 s later',
      emails: EMAILS,
      faults: `SES refused throughout, 1 SMTP kill, ${proxy.resets} connections reset, ${ambiguous.size} ambiguous SMTP attempts`,
      lost: lost.length,
      duplicated: duplicated.length,
      heldAmbiguous: ambiguous.size,
      duplicatedAfterAmbiguity: duplicated.filter((t) => ambiguous.has(t)).length,
      drainSeconds,
    });

    expect(final.filter((e) => e.status !== 'sent').map((e) => `${e.id}:${e.status}`)).toEqual([]);
    expect(lost).toEqual([]);
    // Nothing went through SES (it was down), and nothing the sink may have had went anywhere but SMTP.
    expect([...counts.ses.values()].reduce((a, b) => a + b, 0)).toBe(0);
    for (const email of final.filter((e) => ambiguous.has(e.subject!))) expect(email.provider, email.id).toBe('smtp');
    // The only duplicates: an ambiguous SMTP attempt the sink had taken, sent again through SMTP.
    expect(duplicated.filter((t) => !ambiguous.has(t))).toEqual([]);
  }, 240_000);
});
