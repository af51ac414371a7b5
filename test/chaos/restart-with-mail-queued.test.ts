/**
 * Chaos: local mode stopped and started again with mail accepted but not sent (issue 14 §2).
 *
 * fauxqs keeps its queues in memory, so a restart loses every lane message: queued emails,
 * short-delay scheduled sends (an SQS DelaySeconds message) and emails a crashed sender held
 * (`sending`, lease running out). DynamoDB Local keeps the records on the data folder. After the
 * restart the reconciler must find every pending record and put it on its way again, and the
 * claim must keep each email to one send: every email ends `sent` and is in the SES inbox once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV } from '#shared/config/env';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { SqsLaneQueue } from '#shared/adapters/sqs-lane-queue';
import { systemClock } from '#shared/ports/index';
import { reconcileEmails } from '#shared/use-cases/reconcile-emails';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '#infra/local/stack';
import { api, sesInbox, waitFor } from '#test/support/local-stack';
import { writeResult } from './support';

const EMULATOR_PORTS = { dynamodb: 0, sqs: 0, ses: 0, smtp: 0, smtpWeb: 0 };
const BATCHES = 2;
const PER_BATCH = 100;
const SCHEDULED = 10;
/** Emails a "crashed" sender holds when local mode stops (claimed, never finished). */
const HELD = 10;

describe('chaos: local mode restarted with mail queued and short-delay schedules pending', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mailroom-restart-'));
  const run = Date.now().toString(36);
  let stack: LocalStack | undefined;
  const start = async (extra: Partial<LocalStackOptions>) => {
    stack = await startLocalStack({
      apiPort: 0,
      ports: EMULATOR_PORTS,
      logLevel: 'CRITICAL',
      dataDir,
      workers: 4,
      // A duplicate message that finds its email claimed retries once the lease ends: keep that short.
      env: { [ENV.CLAIM_LEASE_SECONDS]: '5' },
      ...extra,
    });
    return stack;
  };

  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends every accepted email exactly once after the restart', async () => {
    // Phase 1: accept mail while nothing drains the lanes (pollLanes: false), then stop.
    const first = await start({ pollLanes: false });
    const ids: string[] = [];
    const subjects = new Set<string>();
    for (let b = 0; b < BATCHES; b++) {
      const items = Array.from({ length: PER_BATCH }, (_, i) => {
        const subject = `restart ${run} b${b} #${i}`;
        subjects.add(subject);
        return { from: first.from, to: 'ada@example.org', subject, text: 'queued before the restart' };
      });
      const res = await api(first, 'POST', '/emails/batch', items);
      expect(res.status).toBe(200);
      ids.push(...res.body.data.map((d: { id: string }) => d.id));
    }
    for (let i = 0; i < SCHEDULED; i++) {
      const subject = `restart ${run} scheduled #${i}`;
      subjects.add(subject);
      // Due shortly: an SQS delayed message, which the restart loses.
      const scheduledAt = new Date(Date.now() + 8_000 + i * 200).toISOString();
      const res = await api(first, 'POST', '/emails', { from: first.from, to: 'ada@example.org', subject, text: 'scheduled', scheduled_at: scheduledAt });
      expect(res.status).toBe(200);
      ids.push(res.body.id);
    }
    // A sender that claimed some emails and died: `sending` with a short lease nobody will finish.
    const store = new DynamoEmailStore(first.doc, first.names.table);
    for (const id of ids.slice(0, HELD)) {
      const claim = await store.claim(id, { token: `crashed-${id}`, now: new Date(), leaseSeconds: 3, scheduleVersion: 0 });
      expect(claim.claimed).toBe(true);
    }
    await first.stop();
    stack = undefined;

    // Phase 2: the same data folder, fresh (empty) queues, lanes draining.
    const restartedAt = Date.now();
    const second = await start({});
    const inbox = await waitFor(
      async () => {
        const mails = await sesInbox(second);
        const ours = mails.filter((m) => subjects.has(m.subject));
        return ours.length >= subjects.size ? mails : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: `${subjects.size} emails in the SES inbox after the restart` },
    );
    const drainSeconds = (Date.now() - restartedAt) / 1000;
    // Duplicates would arrive with the originals (one claim each); nothing else is in flight now.
    const counts = new Map<string, number>();
    for (const m of inbox) if (subjects.has(m.subject)) counts.set(m.subject, (counts.get(m.subject) ?? 0) + 1);
    const duplicated = [...counts.values()].filter((c) => c > 1).length;
    const lost = [...subjects].filter((s) => !counts.has(s)).length;
    const after = new DynamoEmailStore(second.doc, second.names.table);
    // The last `sent` writes land just after SES took the last messages.
    const statuses = await waitFor(
      async () => {
        const all = await Promise.all(ids.map(async (id) => (await after.get(id))?.status));
        return all.every((st) => st === 'sent') ? all : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'every email to be recorded sent' },
    ).catch(async () => Promise.all(ids.map(async (id) => (await after.get(id))?.status)));
    writeResult({
      scenario: 'restart-with-mail-queued',
      description: `local mode stopped with ${BATCHES * PER_BATCH} emails queued, ${SCHEDULED} short-delay schedules pending and ${HELD} held by a dead sender, then started on the same data (the SQS emulator's queues start empty); the reconciler's start-up sweep re-enqueues them (timed from the restart, emulator start included)`,
      emails: subjects.size,
      faults: `1 restart, every lane message lost; ${second.reconciler?.sweep.reenqueued ?? 0} re-enqueued`,
      lost,
      duplicated,
      drainSeconds,
    });
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
    expect(statuses.filter((s) => s !== 'sent')).toEqual([]);
  }, 240_000);

  it('sends once when the reconciler re-enqueues emails whose messages are still alive', async () => {
    const s = stack ?? (await start({}));
    const started = Date.now();
    const store = new DynamoEmailStore(s.doc, s.names.table);
    const deps = { stuck: store, queue: new SqsLaneQueue(s.sqs, s.queues.queueUrls), clock: systemClock };
    const subjects = Array.from({ length: 60 }, (_, i) => `race ${run} #${i}`);
    // Due in a few seconds: each email's own delayed message is alive while the sweeps run.
    const dueAt = new Date(Date.now() + 15_000).toISOString();
    const res = await api(
      s,
      'POST',
      '/emails/batch',
      subjects.map((subject) => ({ from: s.from, to: 'ada@example.org', subject, text: 'raced', scheduled_at: dueAt })),
    );
    expect(res.status).toBe(200);
    // Sweeps re-enqueue every pending email while its original (delayed) message is alive: every
    // re-enqueue is a duplicate message, due at the same moment as the original.
    let duplicates = 0;
    for (let i = 0; i < 2; i++) duplicates += (await reconcileEmails(deps, { sweepUntil: new Date('9999-01-01T00:00:00Z') })).reenqueued;
    const wanted = new Set(subjects);
    const inbox = await waitFor(
      async () => {
        const mails = (await sesInbox(s)).filter((m) => wanted.has(m.subject));
        const statuses = await Promise.all(res.body.data.map(async (d: { id: string }) => (await store.get(d.id))?.status));
        return mails.length >= subjects.length && statuses.every((x) => x === 'sent') ? mails : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'the raced emails to be sent' },
    );
    // At least the first sweep finished before the emails fell due (the second may meet claimed ones).
    expect(duplicates).toBeGreaterThanOrEqual(subjects.length);
    const counts = new Map<string, number>();
    for (const m of inbox) counts.set(m.subject, (counts.get(m.subject) ?? 0) + 1);
    expect([...counts.values()].filter((c) => c > 1)).toEqual([]);
    expect(counts.size).toBe(subjects.length);
    // Every duplicate message was consumed (dropped by the claim) before the lanes went quiet.
    await waitFor(
      async () => {
        const stats = await Promise.all(Object.keys(s.queues.queueUrls).map((lane) => deps.queue.stats(lane as never)));
        return stats.every((st) => st.depth + st.inFlight + st.delayed === 0);
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'the lanes to drain' },
    );
    const final = (await sesInbox(s)).filter((m) => wanted.has(m.subject));
    expect(final).toHaveLength(subjects.length);
    writeResult({
      scenario: 'reconciler-racing-live-messages',
      description: 'the reconciler re-enqueues every pending email twice while its own (delayed) message is alive; both messages race for the claim',
      emails: subjects.length,
      faults: `${duplicates} duplicate lane messages`,
      lost: subjects.length - new Set(final.map((m) => m.subject)).size,
      duplicated: final.length - new Set(final.map((m) => m.subject)).size,
      drainSeconds: (Date.now() - started) / 1000,
    });
  }, 120_000);
});
