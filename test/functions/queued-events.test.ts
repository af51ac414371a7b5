import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryEventPublisher, MemoryLaneQueue, MemoryTenantStore } from '#shared/adapters/memory/memory-adapters';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import { MemorySuppressionStore } from '#shared/adapters/memory/memory-suppression-store';
import { createMemoryIdempotency } from '#shared/adapters/powertools-idempotency';
import { queueUrlFromArn, SqsMessageRetry } from '#shared/adapters/sqs-message-retry';
import type { EmailRecord } from '#shared/domain/email';
import { DEFAULT_LIMITS } from '#shared/domain/tenant';
import { eventBackoffSeconds } from '#shared/http/queued-events';
import { systemClock } from '#shared/ports/index';
import type { MessageRetry } from '#shared/ports/message-retry';
import { makeTrackingHandler } from '#functions/tracking/app';
import { makeIntakeHandler, type IntakeDeps } from '#functions/intake/app';
import { lambdaContext } from '#test/support/api-event';
import { emailRecord } from '#test/support/emails';
import { sesEventFor } from '#test/support/ses-fixtures';
import { MemoryRateLimiter } from '#shared/adapters/memory/memory-rate-limiter';

const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:Mailroom-TrackingQueue-abc';

/** The SQS batch the event source mapping hands the function: each body is the EventBridge event. */
function batch(events: Array<{ event: unknown; receiveCount?: number; id?: string }>): SQSEvent {
  return {
    Records: events.map(({ event, receiveCount = 1, id }, i) => ({
      messageId: id ?? `m${i}`,
      receiptHandle: `rh-${id ?? i}-${receiveCount}`,
      body: JSON.stringify(event),
      attributes: { ApproximateReceiveCount: String(receiveCount) } as never,
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: QUEUE_ARN,
      awsRegion: 'eu-west-1',
    })),
  };
}

class RecordingRetry implements MessageRetry {
  readonly calls: Array<{ queueArn: string; receiptHandle: string; seconds: number }> = [];
  async retryLater(queueArn: string, receiptHandle: string, seconds: number): Promise<void> {
    this.calls.push({ queueArn, receiptHandle, seconds });
  }
}

function email(id: string, status: EmailRecord['status']): EmailRecord {
  const now = '2024-05-01T10:00:00.000Z';
  return emailRecord({ id, status, lastEvent: status, attempts: 1, createdAt: now, updatedAt: now, events: [{ type: status, at: now }] });
}

describe('tracking through its queue (EventBridge → SQS → event source mapping)', () => {
  let emails: MemoryEmailStore;
  let suppressions: MemorySuppressionStore;
  let retry: RecordingRetry;

  beforeEach(() => {
    emails = new MemoryEmailStore();
    suppressions = new MemorySuppressionStore();
    retry = new RecordingRetry();
  });

  it('records an SES bounce that arrived before the `sent` write once the write lands, minutes later (reported failed → backed off → redelivered)', async () => {
    // Prepare: the sender has claimed the email but not yet written `sent`.
    await emails.create(email('early', 'sending'));
    await emails.create({ ...email('done', 'sent'), providerMessageId: 'x' });
    const track = makeTrackingHandler({ emails, suppressions, events: new MemoryEventPublisher(), clock: systemClock, retry });
    const bounce = sesEventFor('bounce-permanent', { id: 'early', tenantId: 'acme' });
    const delivery = sesEventFor('delivery', { id: 'done', tenantId: 'acme' });

    // Act 1: the bounce beats the `sent` write; the other record of the batch is unaffected.
    const first = (await track(
      batch([
        { event: bounce, id: 'bounce' },
        { event: delivery, id: 'delivery' },
      ]),
      lambdaContext(),
    )) as SQSBatchResponse;

    // Assess 1: only the early event is reported as failed, backed off, and nothing was written for it.
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'bounce' }]);
    expect(retry.calls).toEqual([{ queueArn: QUEUE_ARN, receiptHandle: 'rh-bounce-1', seconds: expect.any(Number) }]);
    expect(retry.calls[0]!.seconds).toBeGreaterThanOrEqual(15);
    expect((await emails.get('early'))!.status).toBe('sending');
    expect((await emails.get('done'))!.status).toBe('delivered');
    expect(await suppressions.get('acme', 'recipient@example.com')).toBeUndefined();

    // Act 2: minutes later the sender's `sent` write lands; SQS redelivers the same record.
    await emails.transition('early', { to: 'sent', event: { type: 'sent', at: new Date().toISOString() } });
    const second = (await track(batch([{ event: bounce, id: 'bounce', receiveCount: 2 }]), lambdaContext())) as SQSBatchResponse;

    // Assess 2: recorded, and the hard-bounced address is suppressed.
    expect(second.batchItemFailures).toEqual([]);
    expect((await emails.get('early'))!.status).toBe('bounced');
    expect(await suppressions.get('acme', 'recipient@example.com')).toMatchObject({ reason: 'bounce', sourceEmailId: 'early' });
  });

  it('reports a batch whose every record is deferred without failing the invocation (no Errors alarm, no Lambda retry)', async () => {
    await emails.create(email('e1', 'queued'));
    const track = makeTrackingHandler({ emails, clock: systemClock, retry });
    const out = (await track(batch([{ event: sesEventFor('delivery', { id: 'e1', tenantId: 'acme' }) }]))) as SQSBatchResponse;
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm0' }]);
  });

  it('drops an unreadable record body instead of retrying it', async () => {
    const track = makeTrackingHandler({ emails, clock: systemClock, retry });
    const event = batch([{ event: {} }]);
    event.Records[0]!.body = 'not json';
    expect(((await track(event)) as SQSBatchResponse).batchItemFailures).toEqual([]);
    expect(retry.calls).toEqual([]);
  });
});

describe('event backoff', () => {
  it('doubles from 30 s with full jitter and never exceeds 15 minutes', () => {
    expect(eventBackoffSeconds(1, () => 0.999)).toBe(30);
    expect(eventBackoffSeconds(3, () => 0.999)).toBe(120);
    expect(eventBackoffSeconds(20, () => 0.999)).toBe(900);
    expect(eventBackoffSeconds(1, () => 0)).toBe(15);
  });

  it('sets the visibility through SQS with the queue URL derived from the record ARN', async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    await new SqsMessageRetry(sqs as unknown as SQSClient).retryLater(QUEUE_ARN, 'rh', 120.4);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]!.args[0].input).toEqual({
      QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/Mailroom-TrackingQueue-abc',
      ReceiptHandle: 'rh',
      VisibilityTimeout: 120,
    });
    expect(queueUrlFromArn('arn:aws-cn:sqs:cn-north-1:123456789012:q')).toBe('https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q');
    expect(() => queueUrlFromArn('arn:aws:sns:eu-west-1:123456789012:t')).toThrow(/not an SQS queue ARN/);
  });
});

describe('intake through its queue, bound to publishers', () => {
  let deps: IntakeDeps & { emails: MemoryEmailStore; queue: MemoryLaneQueue };
  const requested = (tenant: string, account: string, source: string, id: string) => ({
    version: '0',
    id,
    'detail-type': 'Email Requested',
    source,
    account,
    time: '2024-05-01T10:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: { tenant, from: `Acme <hello@${tenant}.test>`, to: 'ada@example.org', subject: 'Invoice', text: 'Hi' },
  });

  beforeEach(async () => {
    const tenants = new MemoryTenantStore();
    const now = new Date().toISOString();
    for (const id of ['acme', 'globex']) {
      await tenants.put({ id, allowedSenders: [`${id}.test`], retentionDays: 30, limits: DEFAULT_LIMITS, createdAt: now, updatedAt: now });
    }
    let ids = 0;
    deps = {
      emails: new MemoryEmailStore(),
      queue: new MemoryLaneQueue(),
      events: new MemoryEventPublisher(),
      tenants,
      rateLimiter: new MemoryRateLimiter(),
      idempotency: createMemoryIdempotency(),
      clock: systemClock,
      newId: () => `email-${++ids}`,
      defaultRetentionDays: 30,
      retry: new RecordingRetry(),
      publishers: [{ account: '111111111111', source: 'billing', tenants: ['acme'] }],
    };
  });

  it('accepts an event from a publisher bound to the tenant', async () => {
    const out = (await makeIntakeHandler(deps)(batch([{ event: requested('acme', '111111111111', 'billing', 'e1') }]), lambdaContext())) as SQSBatchResponse;
    expect(out.batchItemFailures).toEqual([]);
    expect(deps.emails.items.size).toBe(1);
  });

  it('refuses, without retrying, a publisher sending for a tenant it is not bound to, from another account, or under another source', async () => {
    const handler = makeIntakeHandler(deps);
    for (const event of [
      requested('globex', '111111111111', 'billing', 'e2'),
      requested('acme', '222222222222', 'billing', 'e3'),
      requested('acme', '111111111111', 'mailroom', 'e4'),
    ]) {
      expect(await handler(event, lambdaContext())).toMatchObject({
        status: 'rejected',
        name: 'restricted_api_key',
        message: expect.stringMatching(/bound to tenant/),
      });
    }
    const out = (await handler(batch([{ event: requested('globex', '111111111111', 'billing', 'e5') }]), lambdaContext())) as SQSBatchResponse;
    expect(out.batchItemFailures).toEqual([]);
    expect(deps.emails.items.size).toBe(0);
    expect(deps.queue.sent).toHaveLength(0);
  });

  it('refuses every event when no publisher is bound at all (secure default of the CDK app)', async () => {
    expect(await makeIntakeHandler({ ...deps, publishers: [] })(requested('acme', '111111111111', 'billing', 'e6'), lambdaContext())).toMatchObject({
      status: 'rejected',
    });
  });

  it('reports a record whose dependency failed as a batch item failure and backs it off', async () => {
    deps.queue.failNext = 1;
    const out = (await makeIntakeHandler(deps)(batch([{ event: requested('acme', '111111111111', 'billing', 'e7') }]), lambdaContext())) as SQSBatchResponse;
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm0' }]);
    expect((deps.retry as RecordingRetry).calls).toHaveLength(1);
  });
});
