import { describe, expect, it } from 'vitest';
import { MemoryLaneQueue, MemorySendScheduler } from '#shared/adapters/memory/memory-adapters';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import type { Lane } from '#shared/config/lanes';
import type { EmailRecord } from '#shared/domain/email';
import type { Status } from '#shared/domain/status';
import { MIN_STUCK_SECONDS, reconcileBackoffSeconds, SENDING_STUCK_AFTER_LEASE_SECONDS, stuckFrom, stuckGraceSeconds } from '#shared/domain/stuck';
import { reconcileEmails } from '#shared/use-cases/reconcile-emails';
import { emailRecord } from '#test/support/emails';

const T0 = Date.parse('2026-12-01T08:00:00Z');

function email(id: string, status: Status, extra: Partial<EmailRecord> = {}, lane: Lane = 'critical'): EmailRecord {
  const at = new Date(T0).toISOString();
  return emailRecord({
    id,
    tenantId: 't1',
    lane,
    status,
    lastEvent: status,
    from: 'a@example.com',
    to: ['b@example.org'],
    subject: undefined,
    createdAt: at,
    updatedAt: at,
    expiresAt: T0 / 1000 + 86_400,
    ...extra,
  });
}

function setup(now = T0) {
  const store = new MemoryEmailStore();
  const queue = new MemoryLaneQueue();
  const scheduler = new MemorySendScheduler();
  const clock = { t: now, now: () => new Date(clock.t) };
  const errors: string[] = [];
  const deps = { stuck: store, queue, scheduler, clock, onError: (e: { id: string }) => errors.push(e.id) };
  return { store, queue, scheduler, clock, deps, errors };
}

describe('when an email counts as stuck', () => {
  it('gives a queued email its lane age threshold, at least two minutes', () => {
    const at = new Date(T0);
    expect(stuckFrom({ status: 'queued', lane: 'critical' }, at)?.getTime()).toBe(T0 + MIN_STUCK_SECONDS * 1000);
    expect(stuckFrom({ status: 'queued', lane: 'bulk' }, at)?.getTime()).toBe(T0 + 3600_000);
    expect(stuckGraceSeconds()).toBe(3600);
  });

  it('counts a scheduled email from its due time and a sending one from its lease end', () => {
    const due = new Date(T0 + 600_000).toISOString();
    expect(stuckFrom({ status: 'scheduled', lane: 'critical', scheduledAt: due }, new Date(T0))?.toISOString()).toBe(
      new Date(T0 + 600_000 + MIN_STUCK_SECONDS * 1000).toISOString(),
    );
    expect(stuckFrom({ status: 'sending', leaseUntil: T0 / 1000 + 60 }, new Date(T0))?.getTime()).toBe(T0 + (60 + SENDING_STUCK_AFTER_LEASE_SECONDS) * 1000);
  });

  it('never counts finished or failed emails', () => {
    for (const status of ['sent', 'delivered', 'failed', 'canceled', 'suppressed'] as const) expect(stuckFrom({ status }, new Date(T0))).toBeUndefined();
  });

  it('backs off re-enqueues of the same email, doubling up to an hour', () => {
    expect([1, 2, 3, 10].map((n) => reconcileBackoffSeconds('critical', n))).toEqual([120, 240, 480, 3600]);
  });
});

describe('reconcileEmails', () => {
  it('re-enqueues a queued email once it is overdue, not before', async () => {
    const { store, queue, clock, deps } = setup();
    await store.create(email('e1', 'queued'));
    clock.t = T0 + (MIN_STUCK_SECONDS - 1) * 1000;
    expect(await reconcileEmails(deps)).toMatchObject({ stuck: 0, reenqueued: 0 });
    clock.t = T0 + MIN_STUCK_SECONDS * 1000;
    expect(await reconcileEmails(deps)).toMatchObject({ stuck: 1, reenqueued: 1 });
    expect(queue.sent).toEqual([{ lane: 'critical', message: { emailId: 'e1', tenantId: 't1', scheduleVersion: 0 } }]);
  });

  it('does not re-enqueue the same email every run while it stays stuck, but keeps counting it', async () => {
    const { store, queue, clock, deps } = setup();
    await store.create(email('e1', 'queued'));
    clock.t = T0 + 200_000;
    await reconcileEmails(deps);
    clock.t += 60_000;
    expect(await reconcileEmails(deps)).toMatchObject({ stuck: 1, reenqueued: 0 });
    clock.t += reconcileBackoffSeconds('critical', 1) * 1000;
    expect(await reconcileEmails(deps)).toMatchObject({ stuck: 1, reenqueued: 1 });
    expect(queue.sent).toHaveLength(2);
  });

  it('leaves sent, failed and canceled emails alone', async () => {
    const { store, queue, clock, deps } = setup();
    for (const [i, status] of (['sent', 'failed', 'canceled', 'delivered'] as const).entries()) await store.create(email(`e${i}`, status));
    clock.t = T0 + 86_400_000;
    expect(await reconcileEmails(deps)).toMatchObject({ stuck: 0, reenqueued: 0 });
    expect(queue.sent).toEqual([]);
  });

  it('re-enqueues a scheduled email past due with its schedule version, and a sending one whose lease expired', async () => {
    const { store, queue, clock, deps } = setup();
    await store.create(email('s1', 'scheduled', { scheduledAt: new Date(T0 + 60_000).toISOString(), scheduleVersion: 3 }));
    await store.create(email('h1', 'sending', { leaseUntil: T0 / 1000 + 60, claimToken: 'dead' }));
    clock.t = T0 + (60 + SENDING_STUCK_AFTER_LEASE_SECONDS) * 1000;
    expect(await reconcileEmails(deps)).toMatchObject({ stuck: 2, reenqueued: 2 });
    expect(queue.sent.map((s) => [s.message.emailId, s.message.scheduleVersion, s.delaySeconds])).toEqual(
      expect.arrayContaining([
        ['s1', 3, undefined],
        ['h1', 0, undefined],
      ]),
    );
  });

  it('skips an email that moved on between the read and the write', async () => {
    const { store, queue, clock, deps } = setup();
    await store.create(email('e1', 'queued'));
    clock.t = T0 + 200_000;
    const racing = {
      ...store,
      findStuck: async (before: Date, limit: number, options?: { all?: boolean }) => {
        const found = await store.findStuck(before, limit, options);
        store.items.get('e1')!.status = 'sent'; // the sender finished it meanwhile
        return found;
      },
      countStuck: (at: Date, max: number) => store.countStuck(at, max),
      markReconciled: store.markReconciled.bind(store),
    };
    expect(await reconcileEmails({ ...deps, stuck: racing })).toMatchObject({ reenqueued: 0, raced: 1 });
    expect(queue.sent).toEqual([]);
  });

  it('reports an email it could not re-enqueue and tries it again on a later run', async () => {
    const { store, queue, clock, deps, errors } = setup();
    await store.create(email('e1', 'queued'));
    clock.t = T0 + 200_000;
    queue.failNext = 1;
    expect(await reconcileEmails(deps)).toMatchObject({ stuck: 1, reenqueued: 0, failed: 1 });
    expect(errors).toEqual(['e1']);
    clock.t += reconcileBackoffSeconds('critical', 1) * 1000;
    expect(await reconcileEmails(deps)).toMatchObject({ reenqueued: 1, failed: 0 });
  });

  it('sweeps every pending email with the delay it still has (local mode start)', async () => {
    const { store, queue, scheduler, deps } = setup();
    await store.create(email('q', 'queued'));
    await store.create(email('soon', 'scheduled', { scheduledAt: new Date(T0 + 30_000).toISOString() }));
    await store.create(email('later', 'scheduled', { scheduledAt: new Date(T0 + 7_200_000).toISOString() }));
    await store.create(email('held', 'sending', { leaseUntil: T0 / 1000 + 10 }));
    await store.create(email('done', 'sent'));
    const result = await reconcileEmails(deps, { sweepUntil: new Date('9999-01-01T00:00:00Z') });
    expect(result).toMatchObject({ stuck: 4, reenqueued: 4 });
    expect(Object.fromEntries(queue.sent.map((s) => [s.message.emailId, s.delaySeconds ?? 0]))).toEqual({ q: 0, soon: 30, held: 11 });
    expect(scheduler.schedules.get('later')?.at.getTime()).toBe(T0 + 7_200_000);
  });
});
