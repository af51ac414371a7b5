import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { MemoryLaneQueue, MemoryMailProvider } from '#shared/adapters/memory/memory-adapters';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import { LANES } from '#shared/config/lanes';
import type { EmailRecord } from '#shared/domain/email';
import { ProviderError } from '#shared/domain/errors';
import { makeSenderHandler } from '#functions/sender/app';

const NOW = new Date('2030-01-01T12:00:00Z');

const email = (id: string): EmailRecord => ({
  id,
  tenantId: 't1',
  lane: 'critical',
  status: 'queued',
  lastEvent: 'queued',
  from: 'Shop <shop@example.com>',
  to: ['ada@example.org'],
  cc: [],
  bcc: [],
  replyTo: [],
  subject: `Code for ${id}`,
  text: '123456',
  headers: {},
  tags: [],
  scheduleVersion: 0,
  attempts: 0,
  createdAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
  expiresAt: 2_000_000_000,
  events: [],
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
  const handler = makeSenderHandler({ emails, queue, clock: { now: () => NOW }, lane: LANES.critical, primary: ses, leaseSeconds: 60, random: () => 0 });
  return { emails, queue, ses, handler };
}

describe('sender function', () => {
  it('sends every record of a batch and reports no failures', async () => {
    const t = setup();
    for (const id of ['a', 'b']) await t.emails.create(email(id));
    const out = await t.handler({ Records: [record('m1', bodyFor('a')), record('m2', bodyFor('b'))] } as SQSEvent);
    expect(out.batchItemFailures).toEqual([]);
    expect(t.ses.sent.map((m) => m.emailId)).toEqual(['a', 'b']);
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
});
