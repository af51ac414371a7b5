import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryEventPublisher } from '#shared/adapters/memory/memory-adapters';
import { MemoryEmailMetrics } from '#shared/adapters/memory/memory-email-metrics';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import { MemorySuppressionStore } from '#shared/adapters/memory/memory-suppression-store';
import type { EmailRecord } from '#shared/domain/email';
import type { Status } from '#shared/domain/status';
import { systemClock } from '#shared/ports/index';
import { EmailNotSentYetError, makeTrackingHandler } from '#functions/tracking/app';
import { emailRecord } from '#test/support/emails';
import { sesEventFor, type SesFixture } from '#test/support/ses-fixtures';

function email(id: string, status: Status, extra: Partial<EmailRecord> = {}): EmailRecord {
  const now = '2024-05-01T10:00:00.000Z';
  return emailRecord({
    id,
    status,
    lastEvent: status,
    attempts: 1,
    createdAt: now,
    updatedAt: now,
    events: [{ type: status, at: now }],
    ...(status === 'sent' ? { provider: 'ses', providerMessageId: '010001234567abcd-11111111-2222-3333-4444-555555555555-000000' } : {}),
    ...extra,
  });
}

describe('tracking handler (SES events → status, history, suppression, outbound events)', () => {
  let emails: MemoryEmailStore;
  let suppressions: MemorySuppressionStore;
  let events: MemoryEventPublisher;
  let track: ReturnType<typeof makeTrackingHandler>;
  const feed = (name: SesFixture, id = 'em1', eventId?: string) => track(sesEventFor(name, { id, tenantId: 'acme' }, eventId ? { eventId } : {}));

  beforeEach(async () => {
    emails = new MemoryEmailStore();
    suppressions = new MemorySuppressionStore();
    events = new MemoryEventPublisher();
    track = makeTrackingHandler({ emails, suppressions, events, clock: systemClock });
    await emails.create(email('em1', 'sent'));
  });

  it('moves a sent email to delivered, appends the event and publishes "Email Delivered"', async () => {
    expect(await feed('delivery')).toMatchObject({ kind: 'recorded', status: 'delivered', changed: true });
    const e = (await emails.get('em1'))!;
    expect(e.status).toBe('delivered');
    expect(e.lastEvent).toBe('delivered');
    expect(e.events.at(-1)).toMatchObject({ type: 'delivered', detail: { ses_event_id: 'delivery-em1' } });
    expect(events.events).toEqual([
      expect.objectContaining({
        detailType: 'Email Delivered',
        detail: expect.objectContaining({ id: 'em1', tenant: 'acme', status: 'delivered', recipients: ['recipient@example.com'] }),
      }),
    ]);
  });

  it('never regresses: a late Delivery after a Click only adds history', async () => {
    await feed('click');
    const out = await feed('delivery');
    expect(out).toMatchObject({ kind: 'recorded', status: 'clicked', changed: false });
    const e = (await emails.get('em1'))!;
    expect(e.status).toBe('clicked');
    expect(e.events.map((x) => x.type)).toEqual(['sent', 'clicked', 'delivered']);
  });

  it('never regresses: an Open after a Click keeps clicked', async () => {
    await feed('delivery');
    await feed('click');
    await feed('open');
    expect((await emails.get('em1'))!.status).toBe('clicked');
  });

  it('ignores a duplicate delivery of the same event (no second history entry, no second outbound event)', async () => {
    await feed('delivery');
    expect(await feed('delivery')).toMatchObject({ kind: 'duplicate' });
    const e = (await emails.get('em1'))!;
    expect(e.events.filter((x) => x.type === 'delivered')).toHaveLength(1);
    expect(events.events).toHaveLength(1);
  });

  it('suppresses a hard-bounced address with reason and source email, and marks the email bounced', async () => {
    await feed('bounce-permanent');
    expect((await emails.get('em1'))!.status).toBe('bounced');
    expect(await suppressions.get('acme', 'recipient@example.com')).toMatchObject({ reason: 'bounce', scope: 'all', sourceEmailId: 'em1' });
    expect(await suppressions.suppressed('acme', ['recipient@example.com'], 'critical')).toEqual(new Set(['recipient@example.com']));
  });

  it('does not suppress on a transient bounce', async () => {
    await feed('bounce-transient');
    expect((await emails.get('em1'))!.status).toBe('bounced');
    expect(await suppressions.get('acme', 'recipient@example.com')).toBeUndefined();
  });

  it('suppresses a complaining address and lets a complaint follow a bounce', async () => {
    await feed('bounce-permanent');
    await feed('complaint');
    expect((await emails.get('em1'))!.status).toBe('complained');
    expect(await suppressions.get('acme', 'recipient@example.com')).toMatchObject({ reason: 'complaint' });
  });

  it('records a Reject in the history and publishes "Email Failed" without moving a post-send status back', async () => {
    await feed('reject');
    const e = (await emails.get('em1'))!;
    expect(e.status).toBe('sent');
    expect(e.events.at(-1)?.type).toBe('rejected');
    expect(events.events[0]).toMatchObject({ detailType: 'Email Failed', detail: { reason: 'rejected' } });
  });

  it('defers an event that arrives before the sender recorded the send, found through the correlation header, and applies it on the retry', async () => {
    await emails.create(email('early', 'sending'));
    const event = sesEventFor('delivery-before-message-id', { id: 'early', tenantId: 'acme' });
    expect(event.detail.mail.tags.mailroom_email_id).toBeUndefined();
    await expect(track(event)).rejects.toBeInstanceOf(EmailNotSentYetError);
    expect((await emails.get('early'))!.events).toHaveLength(1);
    // The sender records the send; the retried event now applies.
    await emails.transition('early', { to: 'sent', event: { type: 'sent', at: new Date().toISOString() } });
    expect(await track(event)).toMatchObject({ kind: 'recorded', status: 'delivered' });
  });

  it('stores the SES message id from the event when the email has none yet', async () => {
    await emails.create(email('noid', 'sent', { providerMessageId: undefined as never }));
    delete (emails.items.get('noid') as Partial<EmailRecord>).providerMessageId;
    await track(sesEventFor('delivery', { id: 'noid', tenantId: 'acme' }));
    expect((await emails.get('noid'))!.providerMessageId).toBe('010001234567abcd-11111111-2222-3333-4444-555555555555-000000');
  });

  it('drops an unreadable event without throwing (a retry cannot fix it)', async () => {
    expect(await track({ source: 'aws.ses', detail: { nope: true } })).toMatchObject({ kind: 'invalid' });
  });

  it("counts a queue batch's events with one counter write per tenant and hour, after the batch", async () => {
    const counters = new MemoryEmailMetrics();
    const adds: number[] = [];
    const counting = { add: async (...a: Parameters<MemoryEmailMetrics['add']>) => (adds.push(1), counters.add(...a)) };
    const batched = makeTrackingHandler({ emails, suppressions, events, counters: counting, clock: systemClock });
    await emails.create(email('em2', 'sent'));
    const records = ['em1', 'em2'].map((id, i) => ({
      messageId: `m${i}`,
      receiptHandle: `r${i}`,
      body: JSON.stringify(sesEventFor('delivery', { id, tenantId: 'acme' })),
      attributes: { ApproximateReceiveCount: '1' },
      eventSource: 'aws:sqs',
    }));
    expect(await batched({ Records: records } as never)).toEqual({ batchItemFailures: [] });
    expect(adds).toHaveLength(1);
    expect((await counters.hours('acme', new Date(0), new Date('2100-01-01T00:00:00Z'))).map((h) => h.counts)).toEqual([{ delivered: 2 }]);
  });

  it('reports an event for an unknown email without throwing', async () => {
    expect(await feed('delivery', 'missing')).toMatchObject({ kind: 'unknown_email' });
  });
});
