import { setTimeout as sleep } from 'node:timers/promises';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { Resend } from 'resend';
import { describe, expect, it } from 'vitest';
import { DynamoLocalScheduler, scheduleKey, startLocalSchedulerLoop } from '#shared/adapters/dynamodb-local-scheduler';
import { SqsLaneQueue } from '#shared/adapters/sqs-lane-queue';
import { api, sesInbox, useLocalStack, waitFor, waitForStatus } from '#test/support/local-stack';

const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
const unique = (label: string) => `${label} ${Math.random().toString(36).slice(2, 10)}`;
const inboxCount = async (s: Parameters<typeof sesInbox>[0], subject: string) => (await sesInbox(s)).filter((m) => m.subject === subject).length;

describe('scheduling, cancel/reschedule and batches on the emulators', () => {
  const stack = useLocalStack();

  it('sends an email scheduled 2 s ahead after its time, not before, once', async () => {
    const s = stack();
    const subject = unique('Two seconds');
    const at = inMs(2000);
    const res = await api(s, 'POST', '/emails', { from: s.from, to: 'ada@example.org', subject, text: 'later', scheduled_at: at });
    expect(res.status).toBe(200);
    const before = (await api(s, 'GET', `/emails/${res.body.id}`)).body;
    const inboxBefore = await inboxCount(s, subject);
    expect(before.scheduled_at).toBe(new Date(at).toISOString());
    // On a loaded machine the request itself may take seconds; "not before" is only checkable while it is before.
    if (Date.now() < Date.parse(at) - 200) {
      expect(before.status).toBe('scheduled');
      expect(inboxBefore).toBe(0);
    }
    const email = await waitForStatus(s, res.body.id, ['sent']);
    expect(Date.parse(email.sent_at)).toBeGreaterThanOrEqual(Date.parse(at));
    expect(await inboxCount(s, subject)).toBe(1);
  });

  it('never sends a canceled email (resend.emails.cancel)', async () => {
    const s = stack();
    const resend = new Resend(s.apiKey, { baseUrl: s.apiUrl });
    const subject = unique('Canceled');
    const sent = await resend.emails.send({ from: s.from, to: ['ada@example.org'], subject, text: 'x', scheduledAt: inMs(1500) });
    const canceled = await resend.emails.cancel(sent.data!.id);
    expect(canceled.error).toBeNull();
    expect(canceled.data).toEqual({ object: 'email', id: sent.data!.id });
    // Twice the original delay: a send the cancel failed to stop would have landed by now.
    await sleep(3000);
    expect((await api(s, 'GET', `/emails/${sent.data!.id}`)).body.status).toBe('canceled');
    expect(await inboxCount(s, subject)).toBe(0);
    const again = await resend.emails.cancel(sent.data!.id);
    expect(again.error).toMatchObject({ statusCode: 409, name: 'validation_error' });
  });

  it('reschedules later and earlier (resend.emails.update): sent once, at the new time', async () => {
    const s = stack();
    const resend = new Resend(s.apiKey, { baseUrl: s.apiUrl });
    const laterSubject = unique('Moved later');
    const earlierSubject = unique('Moved earlier');
    const later = await resend.emails.send({ from: s.from, to: ['ada@example.org'], subject: laterSubject, text: 'x', scheduledAt: inMs(4000) });
    // 20 minutes ahead goes to the (local) scheduler, not an SQS delay.
    const earlier = await resend.emails.send({ from: s.from, to: ['ada@example.org'], subject: earlierSubject, text: 'x', scheduledAt: inMs(20 * 60_000) });
    const newLater = inMs(7000);
    const newEarlier = inMs(2500);
    expect((await resend.emails.update({ id: later.data!.id, scheduledAt: newLater })).data).toEqual({ object: 'email', id: later.data!.id });
    expect((await resend.emails.update({ id: earlier.data!.id, scheduledAt: newEarlier })).error).toBeNull();

    await sleep(4500);
    // Past the original time: only checkable while the new time is still ahead (loaded machines).
    if (Date.now() < Date.parse(newLater) - 300) expect(await inboxCount(s, laterSubject)).toBe(0);
    const movedEarlier = await waitForStatus(s, earlier.data!.id, ['sent']);
    expect(Date.parse(movedEarlier.sent_at)).toBeGreaterThanOrEqual(Date.parse(newEarlier));
    const movedLater = await waitForStatus(s, later.data!.id, ['sent']);
    expect(Date.parse(movedLater.sent_at)).toBeGreaterThanOrEqual(Date.parse(newLater));
    await sleep(1000); // a stale message would have fired by now
    expect(await inboxCount(s, laterSubject)).toBe(1);
    expect(await inboxCount(s, earlierSubject)).toBe(1);
    // The old schedule of the email moved earlier is gone.
    expect((await s.doc.send(new GetCommand({ TableName: s.names.table, Key: scheduleKey(earlier.data!.id) }))).Item).toBeUndefined();
  });

  it('never sends an email whose cancel races its firing, and sends once one whose firing won', async () => {
    const s = stack();
    const subjects = Array.from({ length: 6 }, (_, i) => unique(`Race ${i}`));
    const at = Date.now() + 1500;
    const ids = await Promise.all(
      subjects.map(
        async (subject) =>
          (await api(s, 'POST', '/emails', { from: s.from, to: 'ada@example.org', subject, text: 'x', scheduled_at: new Date(at).toISOString() })).body
            .id as string,
      ),
    );
    await sleep(Math.max(0, at - Date.now() - 100));
    // Spread the cancels around the firing time.
    const cancels = await Promise.all(ids.map(async (id, i) => (await sleep(i * 60), (await api(s, 'POST', `/emails/${id}/cancel`)).status)));
    for (const status of cancels) expect([200, 409]).toContain(status);
    if (process.env.MAILROOM_TEST_VERBOSE) console.log('race cancels', cancels);
    // Past the firing time plus a lane round trip: a send that escaped its cancel would show by now.
    await sleep(2500);
    for (const [i, id] of ids.entries()) {
      const email = (await api(s, 'GET', `/emails/${id}`)).body;
      const count = await inboxCount(s, subjects[i]!);
      if (cancels[i] === 200) {
        expect(email.status).toBe('canceled');
        expect(count).toBe(0);
      } else {
        expect(email.status).toBe('sent');
        expect(count).toBe(1);
      }
    }
  });

  it('fires pending schedules after the scheduler restarts over the same DynamoDB, including those that fell due while it was down', async () => {
    const s = stack();
    await s.scheduler!.stop();
    const local = new DynamoLocalScheduler(s.doc, s.names.table);
    const subject = unique('Survives restart');
    const res = await api(s, 'POST', '/emails', { from: s.from, to: 'ada@example.org', subject, text: 'x', scheduled_at: inMs(20 * 60_000) });
    const id = res.body.id as string;
    const item = (await s.doc.send(new GetCommand({ TableName: s.names.table, Key: scheduleKey(id) }))).Item;
    expect(item).toMatchObject({ emailId: id, lane: 'transactional', message: { emailId: id, scheduleVersion: 0 } });
    // Let the schedule fall due while no scheduler runs (instead of waiting 20 minutes).
    await local.reschedule({ emailId: id, lane: 'transactional', at: new Date(Date.now() + 300), message: item!.message });
    // The schedule falls due during this pause; with no scheduler running, nothing may send it.
    await sleep(1200);
    expect((await api(s, 'GET', `/emails/${id}`)).body.status).toBe('scheduled');
    const restarted = startLocalSchedulerLoop({ scheduler: local, queue: new SqsLaneQueue(s.sqs, s.queues.queueUrls) });
    try {
      await waitForStatus(s, id, ['sent']);
      expect(restarted.fired).toBeGreaterThanOrEqual(1);
      expect((await s.doc.send(new GetCommand({ TableName: s.names.table, Key: scheduleKey(id) }))).Item).toBeUndefined();
      expect(await inboxCount(s, subject)).toBe(1);
    } finally {
      await restarted.stop();
    }
  });

  it('accepts a batch of 100 and sends each exactly once', async () => {
    const s = stack();
    const tag = unique('Batch');
    const res = await api(
      s,
      'POST',
      '/emails/batch',
      Array.from({ length: 100 }, (_, i) => ({ from: s.from, to: `user${i}@example.org`, subject: `${tag} #${i}`, text: `n${i}` })),
    );
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(100);
    expect(new Set(res.body.data.map((d: { id: string }) => d.id)).size).toBe(100);
    await waitFor(async () => (await sesInbox(s)).filter((m) => String(m.subject).startsWith(`${tag} #`)).length >= 100, {
      timeoutMs: 30_000,
      what: '100 batch emails in the SES inbox',
    });
    // All 100 arrived; a duplicate of any of them would arrive within this grace period.
    await sleep(500);
    const inbox = (await sesInbox(s)).filter((m) => String(m.subject).startsWith(`${tag} #`));
    expect(inbox).toHaveLength(100);
    expect(new Set(inbox.map((m) => m.subject)).size).toBe(100);
  });

  it('permissive batch through the resend SDK: 97 accepted, 3 precise errors', async () => {
    const s = stack();
    const resend = new Resend(s.apiKey, { baseUrl: s.apiUrl });
    const tag = unique('Permissive');
    const emails = Array.from({ length: 100 }, (_, i) => ({ from: s.from, to: [`user${i}@example.org`], subject: `${tag} #${i}`, text: 'x' }));
    emails[7] = { ...emails[7]!, to: ['broken'] };
    emails[42] = { ...emails[42]!, from: 'nobody' };
    (emails[88] as Record<string, unknown>).scheduledAt = 'in 400 days';
    const res = await resend.batch.send(emails, { batchValidation: 'permissive' });
    expect(res.error).toBeNull();
    const body = res.data as unknown as { data: { id: string }[]; errors: { index: number; message: string }[] };
    expect(body.data).toHaveLength(97);
    expect(body.errors.map((e) => e.index)).toEqual([7, 42, 88]);
    expect(body.errors[0]!.message).toMatch(/`to\[0\]`/);
    expect(body.errors[1]!.message).toMatch(/`from`/);
    expect(body.errors[2]!.message).toMatch(/at most 30 days/);
  });
});
