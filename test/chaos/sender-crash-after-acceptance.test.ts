/**
 * The one documented duplicate window: the provider took the message and the sender died before
 * writing `sent`. The message is not acknowledged, the claim's lease runs out, the message comes
 * back and the email is sent again. This scenario crashes the `sent` write of 6 of 300 emails and
 * asserts, from both inboxes, that exactly those 6 — and nothing else — arrive twice, and that
 * every email is delivered. With SES's `Send` event flowing (as deployed; local mode has no SES
 * event stream, the feed stands in for it), the event settles the email before the lease expires
 * and the window closes: 0 duplicates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#shared/config/env';
import type { EmailStore } from '#shared/ports/index';
import type { SendEmailDeps } from '#shared/use-cases/send-email';
import { startLocalStack, type LocalStack } from '#infra/local/stack';
import { deliveries, drainAll, inboxCounts, records, sendTokens, startSesEventFeed, writeResult } from './support';

const EMAILS = 300;
/** The n-th `sent` writes that crash (the provider has accepted the message by then). */
const CRASH_AT = new Set([20, 60, 100, 140, 180, 220]);

/** The email store with the `sent` write crashing on cue: the error escapes like a process dying there (the message is not acknowledged). */
function crashingStore(base: EmailStore, crashed: Set<string>, plan: { sentWrites: number }): EmailStore {
  return new Proxy(base, {
    get(target, key) {
      if (key === 'transition') {
        return async (id: string, input: Parameters<EmailStore['transition']>[1]) => {
          if (input.to === 'sent' && CRASH_AT.has(++plan.sentWrites)) {
            crashed.add(id);
            throw new Error('injected crash: the provider accepted, the status was not written');
          }
          return target.transition(id, input);
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('chaos: a sender crash between the provider accepting and the status write', () => {
  let s: LocalStack;
  const crashed = new Set<string>();
  const plan = { sentWrites: 0 };

  beforeAll(async () => {
    s = await startLocalStack({
      apiPort: 0,
      ports: { dynamodb: 0, sqs: 0, ses: 0, smtp: 0, smtpWeb: 0 },
      logLevel: 'CRITICAL',
      workers: 4,
      laneVisibilitySeconds: 21,
      // A generous SES timeout: on a loaded machine a 2 s timeout is an ambiguous attempt of its own,
      // which is not this scenario. The lease (20 s) is what SES's Send event has to beat.
      env: { [ENV.CLAIM_LEASE_SECONDS]: '20', [ENV.SES_TIMEOUT_MS]: '8000', [ENV.AMBIGUOUS_HOLD_SECONDS]: '5' },
      senderOverrides: (deps: SendEmailDeps) => ({ ...deps, random: () => 0, emails: crashingStore(deps.emails, crashed, plan) }),
    });
  });
  afterAll(async () => {
    await s?.stop();
  });

  const drain = (ids: Map<string, string>) => drainAll(s, ids, ['sent'], 180_000);

  it(`sends exactly the ${CRASH_AT.size} crashed emails twice, and every other one of ${EMAILS} once (no SES event stream)`, async () => {
    const started = Date.now();
    const ids = await sendTokens(s, 'crash', EMAILS);
    const final = await drain(ids);
    const drainSeconds = (Date.now() - started) / 1000;
    const counts = await inboxCounts(s, 'crash');
    const tokens = [...ids.keys()];
    const crashedTokens = tokens.filter((t) => crashed.has(ids.get(t)!));
    const duplicated = tokens.filter((t) => deliveries(counts, t) > 1);
    // On a loaded machine an SES call can also time out (ambiguous); without SES events such an
    // email is sent again through SES after the hold — the third window docs/reliability.md names.
    const ambiguous = new Set(final.filter((e) => (e.providerAttempts ?? []).some((a) => a.o === 'maybe')).map((e) => e.subject!));
    writeResult({
      scenario: 'sender-crash-after-acceptance',
      description: 'the sender dies after the provider accepted and before the `sent` write (6 emails); no SES event stream',
      emails: EMAILS,
      faults: `${crashed.size} crashes between acceptance and the status write`,
      lost: tokens.filter((t) => deliveries(counts, t) === 0).length,
      duplicated: duplicated.length,
      duplicatedInCrashWindow: duplicated.filter((t) => crashed.has(ids.get(t)!)).length,
      duplicatedAfterAmbiguity: duplicated.filter((t) => !crashed.has(ids.get(t)!) && ambiguous.has(t)).length,
      drainSeconds,
    });
    expect(crashed.size).toBe(CRASH_AT.size);
    expect(tokens.filter((t) => deliveries(counts, t) === 0)).toEqual([]);
    // The documented windows, and only they: each crashed email exactly twice; any other duplicate
    // had an ambiguous attempt on record (GET /emails/{id} says "ses may have accepted").
    for (const t of crashedTokens.filter((c) => !ambiguous.has(c))) expect(deliveries(counts, t), t).toBe(2);
    expect(crashedTokens.every((t) => duplicated.includes(t))).toBe(true);
    expect(duplicated.filter((t) => !crashed.has(ids.get(t)!) && !ambiguous.has(t))).toEqual([]);
  }, 240_000);

  it(`closes the window when SES's Send event arrives before the lease runs out: ${EMAILS} sent once`, async () => {
    crashed.clear();
    plan.sentWrites = 0;
    const started = Date.now();
    const ids = new Map<string, string>();
    const feed = startSesEventFeed(s, ids);
    await sendTokens(s, 'crash-fed', EMAILS, 'transactional', ids);
    try {
      await drain(ids);
    } finally {
      await feed.stop();
    }
    const drainSeconds = (Date.now() - started) / 1000;
    const counts = await inboxCounts(s, 'crash-fed');
    const tokens = [...ids.keys()];
    const duplicated = tokens.filter((t) => deliveries(counts, t) > 1);
    writeResult({
      scenario: 'sender-crash-after-acceptance-with-ses-events',
      description: 'as above, with SES `Send` events flowing (the sender settles a crashed email from the event instead of sending it again)',
      emails: EMAILS,
      faults: `${crashed.size} crashes between acceptance and the status write`,
      lost: tokens.filter((t) => deliveries(counts, t) === 0).length,
      duplicated: duplicated.length,
      duplicatedInCrashWindow: duplicated.filter((t) => crashed.has(ids.get(t)!)).length,
      drainSeconds,
    });
    expect(crashed.size).toBeGreaterThan(0);
    expect(tokens.filter((t) => deliveries(counts, t) === 0)).toEqual([]);
    const why = await records(
      s,
      duplicated.map((t) => ids.get(t)!),
    );
    expect(duplicated, JSON.stringify(why.map((e) => e.events.map((ev) => `${ev.type}@${ev.at.slice(11, 23)}`)))).toEqual([]);
    const settled = (await records(s, [...crashed])).filter((e) => e.events.some((ev) => ev.type === 'sent' && ev.detail?.settled_by === 'ses_accepted'));
    expect(settled.length).toBe(crashed.size);
  }, 240_000);
});
