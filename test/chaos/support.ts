/**
 * Shared pieces of the chaos scenarios: send a few hundred emails with unique tokens through the
 * public API, count every delivery per token in both inboxes (SES emulator and SMTP sink), and
 * write the scenario's figures to test/chaos/results/<scenario>.json, from which
 * `npm run reliability` regenerates the table in docs/reliability.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import type { EmailRecord } from '#shared/domain/email';
import { systemClock } from '#shared/ports/index';
import { recordDeliveryEvent } from '#shared/use-cases/record-delivery-event';
import { sesEventFor } from '#test/support/ses-fixtures';
import type { LocalStack } from '#infra/local/stack';
import { api, sesInbox, smtpInbox, waitFor } from '#test/support/local-stack';

/**
 * Where a scenario writes its figures. `npm test` keeps them out of the tree (.mailroom/chaos-results);
 * `MAILROOM_RECORD_CHAOS=1` writes the committed ones (test/chaos/results) that `npm run reliability`
 * turns into the table in docs/reliability.md.
 */
export const RESULTS_DIR =
  process.env.MAILROOM_RECORD_CHAOS === '1'
    ? join(dirname(fileURLToPath(import.meta.url)), 'results')
    : join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.mailroom', 'chaos-results');

/** Accepts `count` emails (POST /emails/batch, 100 at a time), subject `<prefix>-<n>` — the token. Returns ids by token. */
export async function sendTokens(
  s: LocalStack,
  prefix: string,
  count: number,
  lane = 'transactional',
  ids = new Map<string, string>(),
): Promise<Map<string, string>> {
  for (let start = 0; start < count; start += 100) {
    const tokens = Array.from({ length: Math.min(100, count - start) }, (_, i) => `${prefix}-${String(start + i).padStart(4, '0')}`);
    const send = () =>
      api(
        s,
        'POST',
        '/emails/batch',
        tokens.map((token) => ({ from: s.from, to: `${token}@example.org`, subject: token, text: `token ${token}` })),
        { 'Mailroom-Lane': lane },
      );
    let res = await send();
    // The tenant's burst is 200 emails: like any client, wait as long as the 429 says and send the same batch again.
    for (let tries = 0; res.status === 429 && tries < 20; tries++) {
      await sleep(1_000 * Math.max(1, Number(res.headers.get('retry-after') ?? 1)));
      res = await send();
    }
    if (res.status !== 200) throw new Error(`batch refused: ${res.status} ${JSON.stringify(res.body)}`);
    for (const [i, d] of (res.body.data as { id: string }[]).entries()) ids.set(tokens[i]!, d.id);
  }
  return ids;
}

export interface InboxCounts {
  /** Deliveries per token in the SES emulator. */
  readonly ses: Map<string, number>;
  /** Deliveries per token in the SMTP sink. */
  readonly smtp: Map<string, number>;
}

const countBy = (subjects: string[], prefix: string) => {
  const counts = new Map<string, number>();
  for (const subject of subjects) if (subject?.startsWith(`${prefix}-`)) counts.set(subject, (counts.get(subject) ?? 0) + 1);
  return counts;
};

export async function inboxCounts(s: LocalStack, prefix: string): Promise<InboxCounts> {
  const [ses, smtp] = await Promise.all([sesInbox(s), smtpInbox(s)]);
  return {
    ses: countBy(
      ses.map((m) => m.subject),
      prefix,
    ),
    smtp: countBy(
      smtp.map((m) => m.subject),
      prefix,
    ),
  };
}

/** Deliveries of a token across both inboxes. */
export const deliveries = (counts: InboxCounts, token: string) => (counts.ses.get(token) ?? 0) + (counts.smtp.get(token) ?? 0);

/** Total deliveries landed in both inboxes for this prefix. */
export const landed = (counts: InboxCounts) => [...counts.ses.values(), ...counts.smtp.values()].reduce((a, b) => a + b, 0);

/** Every record of the run, read straight from the table (consistent reads). */
export async function records(s: LocalStack, ids: Iterable<string>): Promise<EmailRecord[]> {
  const store = new DynamoEmailStore(s.doc, s.names.table);
  const all = await Promise.all([...ids].map((id) => store.get(id)));
  return all.filter((e): e is EmailRecord => e !== undefined);
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly description: string;
  readonly emails: number;
  readonly faults: string;
  readonly lost: number;
  readonly duplicated: number;
  /** Duplicates inside the documented crash window (provider accepted, status not written). */
  readonly duplicatedInCrashWindow?: number;
  /** Duplicates of an email with an ambiguous attempt the provider did take, sent again through it after the hold without its acceptance event (SMTP; local mode without SES events). */
  readonly duplicatedAfterAmbiguity?: number;
  /** Emails held for the same provider after an ambiguous attempt (the operator's list when the deadline passes). */
  readonly heldAmbiguous?: number;
  readonly drainSeconds: number;
  readonly measuredAt: string;
}

export function writeResult(result: Omit<ScenarioResult, 'measuredAt'>): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const full: ScenarioResult = { ...result, measuredAt: new Date().toISOString() };
  writeFileSync(join(RESULTS_DIR, `${result.scenario}.json`), `${JSON.stringify(full, null, 2)}\n`);
  console.info(`[chaos] ${result.scenario}: ${JSON.stringify(full)}`);
}

/**
 * SES's event stream, for local mode. In AWS, SES publishes a `Send` event (configuration set →
 * EventBridge → tracking function) for every message it accepted; local mode has no EventBridge
 * emulator, so nothing does. This feed stands in for it: every message the SES emulator stored
 * becomes that `Send` event, recorded by the tracking use case (`ses_accepted` in the history) —
 * which is how the sender learns that SES has an email whose attempt ended without an answer.
 * Start it before the emails are sent, with the map `sendTokens` fills, so it keeps up as they land.
 */
export function startSesEventFeed(s: LocalStack, idsByToken: ReadonlyMap<string, string>, intervalMs = 250): { readonly fed: number; stop(): Promise<void> } {
  const seen = new Set<string>();
  const deps = { emails: new DynamoEmailStore(s.doc, s.names.table), clock: systemClock };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const fresh = (await sesInbox(s).catch(() => [])).filter((m) => idsByToken.has(m.subject) && !seen.has(m.messageId));
      for (const m of fresh) seen.add(m.messageId);
      // All at once, as EventBridge would deliver them: the feed's own lag must stay well under the hold.
      await Promise.all(
        fresh.map((m) => {
          const event = sesEventFor(
            'send',
            { id: idsByToken.get(m.subject)!, tenantId: s.tenantId },
            { messageId: m.messageId, eventId: `send-${m.messageId}` },
          );
          event.time = event.detail.mail.timestamp = new Date().toISOString();
          return recordDeliveryEvent(deps, event).catch((error) => console.error('[ses event feed]', error));
        }),
      );
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    get fed() {
      return seen.size;
    },
    async stop() {
      stopped = true;
      // Bounded: under heavy load a round of event writes can lag; the scenario's counts do not need it.
      await Promise.race([loop, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    },
  };
}

/** Waits until every email of the run is in one of `statuses`; on timeout, says how many are in which status. */
export async function drainAll(s: LocalStack, ids: ReadonlyMap<string, string>, statuses: readonly string[], timeoutMs: number): Promise<EmailRecord[]> {
  let progress = '';
  return waitFor(
    async () => {
      const all = await records(s, ids.values());
      progress = JSON.stringify(all.reduce<Record<string, number>>((n, e) => Object.assign(n, { [e.status]: (n[e.status] ?? 0) + 1 }), {}));
      return all.length === ids.size && all.every((e) => statuses.includes(e.status)) ? all : undefined;
    },
    { timeoutMs, intervalMs: 500, what: `every email to reach ${statuses.join('|')}` },
  ).catch((error: Error) => {
    throw new Error(`${error.message}; statuses now: ${progress}`);
  });
}
