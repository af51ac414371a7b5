import type { Context, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { makeWebhookFanoutHandler } from '#functions/webhook-fanout/app';
import { MemoryActivityLog } from '#shared/adapters/memory/memory-activity-log';
import { MemoryTenantStore } from '#shared/adapters/memory/memory-adapters';
import { MemoryWebhookEventLog, MemoryWebhookQueue, MemoryWebhookStore } from '#shared/adapters/memory/memory-webhooks';
import type { EmailRecord } from '#shared/domain/email';
import { newSigningSecret } from '#shared/use-cases/webhooks';

const NOW = new Date('2026-05-01T10:00:00Z');
const email = {
  id: 'em_1',
  tenantId: 'acme',
  from: 'Acme <hello@acme.com>',
  to: ['ada@example.org'],
  subject: 'Receipt',
  createdAt: NOW.toISOString(),
  expiresAt: 2_000_000_000,
} as unknown as EmailRecord;

function setup() {
  const reads: string[] = [];
  const deps = {
    webhooks: new MemoryWebhookStore(),
    log: new MemoryWebhookEventLog(),
    queue: new MemoryWebhookQueue(),
    activity: new MemoryActivityLog(),
    tenants: new MemoryTenantStore(),
    clock: { now: () => NOW },
    emails: {
      get: async (id: string) => {
        reads.push(id);
        return id === email.id ? email : undefined;
      },
    },
  };
  return { deps, reads, handler: makeWebhookFanoutHandler(deps) };
}

const sqs = (bodies: string[]): SQSEvent => ({
  Records: bodies.map((body, i) => ({
    messageId: `m${i}`,
    receiptHandle: `r${i}`,
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:webhook-events',
    awsRegion: 'us-east-1',
  })),
});
const busEvent = (id: string, detailType: string) =>
  JSON.stringify({
    id,
    'detail-type': detailType,
    time: NOW.toISOString(),
    detail: { id: 'em_1', tenant: 'acme', at: NOW.toISOString(), bounce_type: 'permanent' },
  });
const context = { functionName: 'webhook-fanout', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

describe('webhook fan-out function', () => {
  it('writes the activity item and the webhook delivery of a bounce, reading the email once', async () => {
    const { deps, reads, handler } = setup();
    await deps.webhooks.create({
      id: 'wh_1',
      tenantId: 'acme',
      endpoint: 'https://hooks.example.com/in',
      events: ['email.bounced'],
      status: 'enabled',
      secret: newSigningSecret(),
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
    const result = await handler(sqs([busEvent('bus-1', 'Email Bounced'), busEvent('bus-2', 'Email Delivered'), 'not json']), context);
    expect(result.batchItemFailures).toEqual([]);
    expect([...deps.activity.items.values()].map((i) => [i.type, i.emailId])).toEqual([['email.bounced', 'em_1']]);
    expect(deps.queue.messages).toHaveLength(1);
    // The bounce: one read for both use cases. The delivery: nobody subscribed, nothing notable, no read.
    expect(reads).toEqual(['em_1']);
  });

  it('a redelivered batch writes nothing twice', async () => {
    const { deps, handler } = setup();
    await handler(sqs([busEvent('bus-1', 'Email Complained')]), context);
    await handler(sqs([busEvent('bus-1', 'Email Complained')]), context);
    expect(deps.activity.items.size).toBe(1);
  });
});
