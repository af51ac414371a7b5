import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeEventPublisher, EVENT_SOURCE, LocalEventPublisher } from '#shared/adapters/eventbridge-event-publisher';
import { LocalEventLog } from '#shared/adapters/local-event-log';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import { MemoryLaneQueue, MemoryMailProvider } from '#shared/adapters/memory/memory-adapters';
import { MemorySuppressionStore } from '#shared/adapters/memory/memory-suppression-store';
import { createMemoryIdempotency } from '#shared/adapters/powertools-idempotency';
import { LANES } from '#shared/config/lanes';
import type { EventPublisher, MailroomEvent } from '#shared/ports/index';
import { systemClock } from '#shared/ports/index';
import { acceptEmail } from '#shared/use-cases/accept-email';
import { recordDeliveryEvent } from '#shared/use-cases/record-delivery-event';
import { sendOne } from '#test/support/send-one';
import { sesEventBridgeEventSchema } from '#shared/domain/ses-events';
import { sesEventFor, type SesFixture } from '#test/support/ses-fixtures';
import { MemoryRateLimiter } from '#shared/adapters/memory/memory-rate-limiter';
import { tenantsWith } from '#test/support/tenants';

const schema = JSON.parse(readFileSync(new URL('../../docs/events.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat('date-time', { validate: (s: string) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d\d-\d\dT/.test(s) });
ajv.addSchema(schema, 'events');
const validatorFor = (detailType: string) =>
  ajv.getSchema(`events#/detailTypes/${encodeURIComponent(detailType).replace(/%20/g, ' ')}`) ??
  ajv.compile({ $ref: `events#/detailTypes/${detailType.replace(/ /g, '%20')}` });

const eb = mockClient(EventBridgeClient);

describe('EventBridge event publisher', () => {
  beforeEach(() => {
    eb.reset();
    eb.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })),
    }));
  });

  it('puts events on the configured bus with source mailroom, in batches of 10', async () => {
    const publisher = new EventBridgeEventPublisher(new EventBridgeClient({ region: 'us-east-1' }), 'mailroom-bus');
    const events: MailroomEvent[] = Array.from({ length: 23 }, (_, i) => ({
      detailType: 'Email Sent',
      detail: { id: `e${i}`, tenant: 't', lane: 'bulk', provider: 'ses' },
    }));
    await publisher.publish(events);
    const calls = eb.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries!.length)).toEqual([10, 10, 3]);
    const entry = calls[0]!.args[0].input.Entries![0]!;
    expect(entry).toMatchObject({ EventBusName: 'mailroom-bus', Source: EVENT_SOURCE, DetailType: 'Email Sent' });
  });

  it.each([
    ['mask', 'j***@example.com'],
    ['hash', /^[0-9a-f]{16}$/],
    ['full', 'jane@example.com'],
  ] as const)('writes recipients in %s form', async (mode, expected) => {
    await new EventBridgeEventPublisher(new EventBridgeClient({ region: 'us-east-1' }), 'bus', mode).publish([
      { detailType: 'Email Delivered', detail: { id: 'x', tenant: 't', lane: 'critical', recipients: ['jane@example.com'] } },
    ]);
    const detail = JSON.parse(eb.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!.Detail!);
    expect(detail.recipients[0]).toEqual(typeof expected === 'string' ? expected : expect.stringMatching(expected));
  });

  it('retries failed entries once and then reports them', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException' }] });
    const publisher = new EventBridgeEventPublisher(new EventBridgeClient({ region: 'us-east-1' }), 'bus');
    await expect(publisher.publish([{ detailType: 'Email Sent', detail: { id: 'x', tenant: 't', lane: 'bulk' } }])).rejects.toThrow(/could not be put/);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  it('every event the pipeline emits matches docs/events.schema.json', async () => {
    const publisher = new EventBridgeEventPublisher(new EventBridgeClient({ region: 'us-east-1' }), 'bus', 'hash');
    const emails = new MemoryEmailStore();
    const tenants = tenantsWith('acme');
    const queue = new MemoryLaneQueue();
    const suppressions = new MemorySuppressionStore();
    const events: EventPublisher = publisher;
    const principal = { tenantId: 'acme', scopes: ['emails:send' as const], keyPrefix: 'mr_x' };
    const accept = (to: string) =>
      acceptEmail(
        {
          emails,
          queue,
          tenants,
          rateLimiter: new MemoryRateLimiter(),
          events,
          idempotency: createMemoryIdempotency(),
          clock: systemClock,
          defaultRetentionDays: 1,
        },
        { principal, body: { from: 'a@acme.test', to, subject: 's', text: 't' } },
      );
    const send = (id: string) =>
      sendOne(
        { emails, queue, clock: systemClock, lane: LANES.transactional, provider: new MemoryMailProvider(), suppressions, events, leaseSeconds: 30 },
        { message: { emailId: id, tenantId: 'acme', scheduleVersion: 0 }, receiveCount: 1 },
      );

    const { id } = await accept('ada@example.org');
    await send(id);
    for (const name of ['delivery-delay', 'delivery', 'open', 'click', 'bounce-permanent', 'complaint', 'reject'] as SesFixture[]) {
      await recordDeliveryEvent(
        { emails, suppressions, events, clock: systemClock },
        sesEventBridgeEventSchema.parse(sesEventFor(name, { id, tenantId: 'acme' })),
      );
    }
    const { id: second } = await accept('recipient@example.com');
    await send(second); // suppressed by the bounce above

    const entries = eb.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries!);
    const types = entries.map((e) => e.DetailType);
    expect(new Set(types)).toEqual(
      new Set([
        'Email Accepted',
        'Email Sent',
        'Email Delivery Delayed',
        'Email Delivered',
        'Email Opened',
        'Email Clicked',
        'Email Bounced',
        'Email Complained',
        'Email Failed',
        'Email Suppressed',
      ]),
    );
    for (const entry of entries) {
      const validate = validatorFor(entry.DetailType!);
      const detail = JSON.parse(entry.Detail!);
      expect(validate(detail), `${entry.DetailType}: ${JSON.stringify(validate.errors)}`).toBe(true);
      for (const r of detail.recipients ?? []) expect(r).toMatch(/^[0-9a-f]{16}$/);
    }
  });

  it('the schema rejects an event without its tenant or with a bad lane', () => {
    const validate = validatorFor('Email Delivered');
    expect(validate({ id: 'x', lane: 'critical', at: new Date().toISOString() })).toBe(false);
    expect(validate({ id: 'x', tenant: 't', lane: 'nope', at: new Date().toISOString() })).toBe(false);
  });
});

describe('local event publisher', () => {
  it('prints each event and appends it to the event log, writing nothing to the email', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailroom-events-'));
    try {
      const log = new LocalEventLog();
      log.writeTo(join(dir, 'nested', 'events.log'));
      const lines: string[] = [];
      const publisher = new LocalEventPublisher(log, 'mask', (l) => lines.push(l));
      await publisher.publish([
        { detailType: 'Email Delivered', detail: { id: 'em1', tenant: 't', lane: 'bulk', recipients: ['jane@example.com'] } },
        { detailType: 'Email Sent', detail: { id: 'em2', tenant: 't', lane: 'bulk' } },
      ]);
      expect(lines[0]).toMatch(/Email Delivered .*j\*\*\*@example.com/);
      expect(publisher.published).toHaveLength(2);
      expect(log.forEmail('em1')).toEqual([expect.objectContaining({ detailType: 'Email Delivered', time: expect.any(String) })]);
      const file = readFileSync(join(dir, 'nested', 'events.log'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(file.map((e) => [e.detailType, e.detail.id])).toEqual([
        ['Email Delivered', 'em1'],
        ['Email Sent', 'em2'],
      ]);
      expect(file[0].detail.recipients).toEqual(['j***@example.com']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps only the newest events in memory', async () => {
    const log = new LocalEventLog(2);
    const publisher = new LocalEventPublisher(log, 'mask', () => {});
    for (const id of ['a', 'b', 'c']) await publisher.publish([{ detailType: 'Email Sent', detail: { id, tenant: 't', lane: 'bulk' } }]);
    expect(log.all().map((e) => e.detail.id)).toEqual(['b', 'c']);
  });
});
