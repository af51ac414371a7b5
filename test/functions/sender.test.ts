import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { MemoryLaneQueue, MemoryMailProvider } from '#shared/adapters/memory/memory-adapters';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import { LANES } from '#shared/config/lanes';
import type { EmailRecord } from '#shared/domain/email';
import { ProviderError } from '#shared/domain/errors';
import { makeSenderHandler } from '#functions/sender/app';
import { emailRecord } from '#test/support/emails';
import { sendOne } from '#test/support/send-one';
import type { EventPublisher, MailroomEvent, SuppressionCheck, SuppressionQuery } from '#shared/ports/index';

const NOW = new Date('2030-01-01T12:00:00Z');

const email = (id: string): EmailRecord =>
  emailRecord({
    id,
    tenantId: 't1',
    lane: 'critical',
    from: 'Shop <shop@example.com>',
    to: ['ada@example.org'],
    subject: `Code for ${id}`,
    text: '123456',
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    expiresAt: 2_000_000_000,
  });

const record = (messageId: string, body: string, receiveCount = 1): SQSRecord => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body,
  attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:mailroom-critical',
  awsRegion: 'us-east-1',
});

const bodyFor = (id: string) => JSON.stringify({ emailId: id, tenantId: 't1', scheduleVersion: 0 });

function setup() {
  const emails = new MemoryEmailStore();
  const queue = new MemoryLaneQueue();
  const ses = new MemoryMailProvider('ses');
  const handler = makeSenderHandler({ emails, queue, clock: { now: () => NOW }, lane: LANES.critical, provider: ses, leaseSeconds: 60, random: () => 0 });
  return { emails, queue, ses, handler };
}

describe('sender function', () => {
  it('sends every record of a batch and reports no failures', async () => {
    const t = setup();
    for (const id of ['a', 'b']) await t.emails.create(email(id));
    const out = await t.handler({ Records: [record('m1', bodyFor('a')), record('m2', bodyFor('b'))] } as SQSEvent);
    expect(out.batchItemFailures).toEqual([]);
    expect(t.ses.sent.map((m) => m.emailId)).toEqual(['a', 'b']);
    // The claim is over once sent, and the Message-ID is the derived one: neither is stored (bytes on every later write).
    const stored = t.emails.items.get('a')!;
    expect(stored).toMatchObject({ status: 'sent', messageDate: expect.any(String) });
    expect(stored).not.toHaveProperty('claimToken');
    expect(stored).not.toHaveProperty('messageId');
  });

  it("counts a batch's sent emails with one counter write, after the batch", async () => {
    const t = setup();
    const adds: Array<{ tenantId: string; counts: unknown }> = [];
    const handler = makeSenderHandler({
      emails: t.emails,
      queue: t.queue,
      clock: { now: () => NOW },
      lane: LANES.critical,
      provider: t.ses,
      leaseSeconds: 60,
      random: () => 0,
      counters: { add: async (tenantId, counts) => void adds.push({ tenantId, counts }) },
    });
    for (const id of ['c1', 'c2', 'c3']) await t.emails.create(email(id));
    const out = await handler({ Records: ['c1', 'c2', 'c3'].map((id, i) => record(`m${i}`, bodyFor(id))) } as SQSEvent);
    expect(out.batchItemFailures).toEqual([]);
    expect(adds).toEqual([{ tenantId: email('c1').tenantId, counts: { sent: 3 } }]);
  });

  it('reports only the record to retry as a batch item failure, after setting its visibility to the backoff', async () => {
    const t = setup();
    for (const id of ['a', 'b']) await t.emails.create(email(id));
    t.ses.failWith(new ProviderError('ses', 'transient', 'ECONNREFUSED', 'refused'));
    const out = await t.handler({ Records: [record('m1', bodyFor('a')), record('m2', bodyFor('b'))] } as SQSEvent);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(t.queue.visibility).toEqual([{ lane: 'critical', receiptHandle: 'rh-m1', seconds: 1 }]);
    expect(t.ses.sent.map((m) => m.emailId)).toEqual(['b']);
  });

  it('moves a malformed message to the DLQ and acknowledges it', async () => {
    const t = setup();
    const out = await t.handler({ Records: [record('m1', 'not json')] } as SQSEvent);
    expect(out.batchItemFailures).toEqual([]);
    expect(t.queue.dlq).toHaveLength(1);
    expect(t.queue.dlq[0]!.reason).toMatch(/malformed/);
  });

  it('acknowledges a redelivered message for an email already sent, without sending again', async () => {
    const t = setup();
    await t.emails.create(email('a'));
    await t.handler({ Records: [record('m1', bodyFor('a'))] } as SQSEvent);
    const again = await t.handler({ Records: [record('m1', bodyFor('a'), 2)] } as SQSEvent);
    expect(again.batchItemFailures).toEqual([]);
    expect(t.ses.sent).toHaveLength(1);
  });

  it('puts a spent email on the DLQ itself and acknowledges the original message', async () => {
    const t = setup();
    await t.emails.create({ ...email('a'), attempts: LANES.critical.maxAttempts - 1, status: 'retrying' });
    t.ses.failWith(new ProviderError('ses', 'transient', 'ECONNREFUSED', 'refused'));
    const out = await t.handler({ Records: [record('m1', bodyFor('a'), 9)] } as SQSEvent);
    expect(out.batchItemFailures).toEqual([]);
    expect(t.queue.dlq.map((d) => d.message.emailId)).toEqual(['a']);
    expect(t.emails.items.get('a')!.status).toBe('failed');
  });

  describe('per SQS batch, not per email', () => {
    /** A suppression list that counts its lookups; `ada@example.org` is suppressed for t1. */
    function countingSuppressions(failMany = false) {
      const calls = { many: 0, single: 0, queries: [] as SuppressionQuery[] };
      const hit = (tenantId: string, recipients: readonly string[]) => new Set(recipients.filter((r) => tenantId === 't1' && r === 'ada@example.org'));
      const check: SuppressionCheck = {
        suppressed: async (tenantId, recipients) => (calls.single++, hit(tenantId, recipients)),
        suppressedMany: async (queries) => {
          calls.many++;
          calls.queries.push(...queries);
          if (failMany) throw new Error('ProvisionedThroughputExceededException');
          return queries.map((q) => hit(q.tenantId, q.recipients));
        },
      };
      return { check, calls };
    }

    function batchSetup(suppressions: SuppressionCheck) {
      const emails = new MemoryEmailStore();
      const queue = new MemoryLaneQueue();
      const ses = new MemoryMailProvider('ses');
      const published: MailroomEvent[][] = [];
      const events: EventPublisher = { publish: async (e) => void published.push([...e]) };
      const handler = makeSenderHandler({
        emails,
        queue,
        clock: { now: () => NOW },
        lane: LANES.transactional,
        provider: ses,
        leaseSeconds: 60,
        random: () => 0,
        suppressions,
        events,
      });
      return { emails, queue, ses, handler, published };
    }

    const withRecipient = (id: string, to: string): EmailRecord => ({ ...email(id), lane: 'transactional', to: [to] });

    it('looks up the suppressions of every email of the batch in one call and still drops a suppressed recipient', async () => {
      const { check, calls } = countingSuppressions();
      const t = batchSetup(check);
      await t.emails.create(withRecipient('a', 'Bob <bob@example.org>'));
      await t.emails.create(withRecipient('b', 'Ada <ADA@example.org>'));
      await t.emails.create(withRecipient('c', 'cy@example.org'));
      const out = await t.handler({ Records: ['a', 'b', 'c'].map((id, i) => record(`m${i}`, bodyFor(id))) } as SQSEvent);
      expect(out.batchItemFailures).toEqual([]);
      expect(calls).toMatchObject({ many: 1, single: 0 });
      expect(calls.queries.map((q) => q.recipients)).toEqual([['bob@example.org'], ['ada@example.org'], ['cy@example.org']]);
      expect(t.ses.sent.map((m) => m.emailId)).toEqual(['a', 'c']);
      expect(t.emails.items.get('b')!.status).toBe('suppressed');
    });

    it('checks each email on its own when the batch lookup fails, never sending unchecked', async () => {
      const { check, calls } = countingSuppressions(true);
      const t = batchSetup(check);
      await t.emails.create(withRecipient('a', 'bob@example.org'));
      await t.emails.create(withRecipient('b', 'ada@example.org'));
      const out = await t.handler({ Records: [record('m1', bodyFor('a')), record('m2', bodyFor('b'))] } as SQSEvent);
      expect(out.batchItemFailures).toEqual([]);
      expect(calls).toMatchObject({ many: 1, single: 2 });
      expect(t.ses.sent.map((m) => m.emailId)).toEqual(['a']);
      expect(t.emails.items.get('b')!.status).toBe('suppressed');
    });

    it("publishes the batch's events together once the batch is done", async () => {
      const t = batchSetup(countingSuppressions().check);
      for (const id of ['a', 'b', 'c']) await t.emails.create(withRecipient(id, `${id}@example.org`));
      await t.handler({ Records: ['a', 'b', 'c'].map((id, i) => record(`m${i}`, bodyFor(id))) } as SQSEvent);
      expect(t.published).toHaveLength(1);
      expect(t.published[0]!.map((e) => [e.detailType, e.detail.id])).toEqual([
        ['Email Sent', 'a'],
        ['Email Sent', 'b'],
        ['Email Sent', 'c'],
      ]);
    });

    it('claims the whole batch with one claimMany when the store offers it, and handles each answer like claim()', async () => {
      const t = batchSetup(countingSuppressions().check);
      for (const id of ['a', 'b', 'c']) await t.emails.create(withRecipient(id, `${id}@example.org`));
      await t.emails.create({ ...withRecipient('done', 'd@example.org'), status: 'sent' });
      await t.emails.create({
        ...withRecipient('busy', 'e@example.org'),
        status: 'sending',
        leaseUntil: Math.floor(NOW.getTime() / 1000) + 20,
        claimToken: 'other',
      });
      const ids = ['a', 'done', 'b', 'busy', 'c'];
      const out = await t.handler({ Records: ids.map((id, i) => record(`m${i}`, bodyFor(id))) } as SQSEvent);
      expect(t.emails.calls).toMatchObject({ claimMany: 1 });
      expect(t.emails.calls.claim).toBeUndefined();
      expect(t.ses.sent.map((m) => m.emailId)).toEqual(['a', 'b', 'c']);
      expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm3' }]);
      expect(t.queue.visibility).toEqual([{ lane: 'transactional', receiptHandle: 'rh-m3', seconds: 21 }]);
      expect(t.emails.items.get('done')!.status).toBe('sent');
      expect(t.emails.items.get('busy')!.claimToken).toBe('other');
    });

    it('claims a single-record batch with one claim (critical lane, batch size 1)', async () => {
      const t = batchSetup(countingSuppressions().check);
      await t.emails.create(withRecipient('a', 'a@example.org'));
      await t.handler({ Records: [record('m0', bodyFor('a'))] } as SQSEvent);
      expect(t.emails.calls).toMatchObject({ claim: 1 });
      expect(t.emails.calls.claimMany).toBeUndefined();
      expect(t.ses.sent.map((m) => m.emailId)).toEqual(['a']);
    });

    it('claims each email on its own when the store has no claimMany', async () => {
      const t = batchSetup(countingSuppressions().check);
      Object.assign(t.emails, { claimMany: undefined });
      for (const id of ['a', 'b', 'c']) await t.emails.create(withRecipient(id, `${id}@example.org`));
      const out = await t.handler({ Records: ['a', 'b', 'c'].map((id, i) => record(`m${i}`, bodyFor(id))) } as SQSEvent);
      expect(out.batchItemFailures).toEqual([]);
      expect(t.emails.calls).toMatchObject({ claim: 3 });
      expect(t.ses.sent.map((m) => m.emailId)).toEqual(['a', 'b', 'c']);
    });

    it('fails only the record whose batch claim failed, and sends the rest', async () => {
      const t = batchSetup(countingSuppressions().check);
      for (const id of ['a', 'b', 'c']) await t.emails.create(withRecipient(id, `${id}@example.org`));
      const claimMany = t.emails.claimMany.bind(t.emails);
      t.emails.claimMany = async (inputs) => {
        const settled = await claimMany(inputs.filter((i) => i.id !== 'b'));
        return inputs.map((i) => (i.id === 'b' ? { status: 'rejected', reason: new Error('ProvisionedThroughputExceededException') } : settled.shift()!));
      };
      const out = await t.handler({ Records: ['a', 'b', 'c'].map((id, i) => record(`m${i}`, bodyFor(id))) } as SQSEvent);
      expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
      expect(t.ses.sent.map((m) => m.emailId)).toEqual(['a', 'c']);
      expect(t.emails.items.get('b')!.status).toBe('queued');
    });

    it('fails the whole batch and sends nothing when the batch claim throws', async () => {
      const t = batchSetup(countingSuppressions().check);
      for (const id of ['a', 'b']) await t.emails.create(withRecipient(id, `${id}@example.org`));
      t.emails.claimMany = async () => {
        throw new Error('ServiceUnavailable');
      };
      // Every record failed: the batch processor fails the invocation, and SQS delivers the batch again.
      await expect(t.handler({ Records: ['a', 'b'].map((id, i) => record(`m${i}`, bodyFor(id))) } as SQSEvent)).rejects.toThrow(/All records failed/);
      expect(t.ses.sent).toHaveLength(0);
      expect(t.emails.items.get('a')!.status).toBe('queued');
    });

    it('fails only the record whose claim could not be written, and sends the rest (store without claimMany)', async () => {
      const t = batchSetup(countingSuppressions().check);
      Object.assign(t.emails, { claimMany: undefined });
      for (const id of ['a', 'b', 'c']) await t.emails.create(withRecipient(id, `${id}@example.org`));
      const claim = t.emails.claim.bind(t.emails);
      t.emails.claim = async (id, input) => {
        if (id === 'b') throw new Error('ProvisionedThroughputExceededException');
        return claim(id, input);
      };
      const out = await t.handler({ Records: ['a', 'b', 'c'].map((id, i) => record(`m${i}`, bodyFor(id))) } as SQSEvent);
      expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
      expect(t.ses.sent.map((m) => m.emailId)).toEqual(['a', 'c']);
      expect(t.emails.items.get('b')!.status).toBe('queued');
    });

    it('does not start a send on a claim more than half spent; the message comes back after the lease', async () => {
      const emails = new MemoryEmailStore();
      const ses = new MemoryMailProvider('ses');
      await emails.create(withRecipient('a', 'a@example.org'));
      // The claim is taken at T-31 s (the batch's claims come first); the send starts at T.
      const times = [new Date(NOW.getTime() - 31_000)];
      const clock = { now: () => times.shift() ?? NOW };
      const deps = { emails, queue: new MemoryLaneQueue(), clock, lane: LANES.transactional, provider: ses, leaseSeconds: 60 };
      const outcome = await sendOne(deps, { message: { emailId: 'a', tenantId: 't1', scheduleVersion: 0 }, receiveCount: 1 });
      expect(outcome).toEqual({ kind: 'retry', delaySeconds: 30, throttled: true, reason: 'claim lease too short to send' });
      expect(ses.sent).toHaveLength(0);
    });
  });
});
