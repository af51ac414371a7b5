import { describe, expect, it } from 'vitest';
import { emailIdOf, mapSesEvent, sesEventBridgeEventSchema } from '#shared/domain/ses-events';
import { SES_FIXTURES, sesFixture } from '#test/support/ses-fixtures';

const mapped = (name: (typeof SES_FIXTURES)[number]) => mapSesEvent(sesEventBridgeEventSchema.parse(sesFixture(name)));

describe('SES event mapping (AWS sample events as EventBridge delivers them)', () => {
  it.each(SES_FIXTURES)('reads the %s fixture', (name) => {
    const parsed = sesEventBridgeEventSchema.safeParse(sesFixture(name));
    expect(parsed.success).toBe(true);
  });

  it.each([
    ['send', 'Send', undefined, undefined, 'ses_accepted'],
    ['delivery', 'Delivery', 'delivered', 'Email Delivered', 'delivered'],
    ['delivery-delay', 'DeliveryDelay', 'delivery_delayed', 'Email Delivery Delayed', 'delivery_delayed'],
    ['bounce-permanent', 'Bounce', 'bounced', 'Email Bounced', 'bounced'],
    ['bounce-transient', 'Bounce', 'bounced', 'Email Bounced', 'soft_bounced'],
    ['bounce-undetermined', 'Bounce', 'bounced', 'Email Bounced', 'soft_bounced'],
    ['complaint', 'Complaint', 'complained', 'Email Complained', 'complained'],
    ['reject', 'Reject', undefined, 'Email Failed', 'rejected'],
    ['rendering-failure', 'Rendering Failure', undefined, 'Email Failed', 'rendering_failed'],
    ['open', 'Open', 'opened', 'Email Opened', 'opened'],
    ['click', 'Click', 'clicked', 'Email Clicked', 'clicked'],
    ['subscription', 'Subscription', undefined, undefined, 'unsubscribed'],
  ] as const)('maps %s to SES type %s, status %s, outbound %s, history %s', (name, sesType, status, detailType, historyType) => {
    const m = mapped(name);
    expect(m.sesType).toBe(sesType);
    expect(m.status).toBe(status);
    expect(m.detailType).toBe(detailType);
    expect(m.historyType).toBe(historyType);
    expect(m.emailId).toBe('em_fixture_1');
    expect(m.recipients).toEqual(['recipient@example.com']);
  });

  it('suppresses on a permanent bounce and a complaint, for every lane', () => {
    expect(mapped('bounce-permanent').suppress).toEqual({ reason: 'bounce', scope: 'all', addresses: ['recipient@example.com'] });
    expect(mapped('complaint').suppress).toEqual({ reason: 'complaint', scope: 'all', addresses: ['recipient@example.com'] });
  });

  it('never suppresses on a transient or undetermined bounce', () => {
    expect(mapped('bounce-transient').suppress).toBeUndefined();
    expect(mapped('bounce-undetermined').suppress).toBeUndefined();
    expect(mapped('bounce-transient').detail).toMatchObject({ bounce_type: 'transient', bounce_subtype: 'MailboxFull' });
  });

  it('treats an SES unsubscribe-all as a marketing-only suppression', () => {
    expect(mapped('subscription').suppress).toEqual({ reason: 'unsubscribe', scope: 'marketing', addresses: ['recipient@example.com'] });
  });

  it('takes the event time from the type-specific timestamp', () => {
    expect(mapped('delivery').at).toBe('2024-05-01T10:00:01.345Z');
    expect(mapped('click').detail).toMatchObject({ link: 'https://example.com/receipt' });
  });

  it('finds the email of an event that has no Mailroom tags through the X-Mailroom-Email-ID header', () => {
    const event = sesFixture('delivery-before-message-id');
    expect(event.detail.mail.tags.mailroom_email_id).toBeUndefined();
    expect(emailIdOf(sesEventBridgeEventSchema.parse(event).detail)).toBe('em_fixture_1');
  });

  it('prefers the message tag over the header', () => {
    const event = sesFixture('delivery');
    event.detail.mail.tags.mailroom_email_id = ['from-tag'];
    expect(emailIdOf(sesEventBridgeEventSchema.parse(event).detail)).toBe('from-tag');
  });

  it('refuses events that are not from SES', () => {
    expect(sesEventBridgeEventSchema.safeParse({ ...sesFixture('delivery'), source: 'mailroom' }).success).toBe(false);
    expect(sesEventBridgeEventSchema.safeParse({ ...sesFixture('delivery'), detail: { eventType: 'Nope', mail: {} } }).success).toBe(false);
  });
});
