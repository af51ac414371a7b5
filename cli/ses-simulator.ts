/**
 * Builds the SES event (EventBridge form, as the configuration set's destination puts it on the
 * default bus) that SES would publish for a Mailroom email: its SES message id, its tags, its
 * correlation header. Used by `mailroom events simulate` and the integration tests.
 */
import { randomUUID } from 'node:crypto';
import { allRecipients, type EmailRecord } from '#shared/domain/email';
import { normalizeAddress } from '#shared/domain/address';

export const SIMULATED_KINDS = ['delivered', 'bounce', 'soft-bounce', 'complaint', 'open', 'click', 'delay', 'reject'] as const;
export type SimulatedKind = (typeof SIMULATED_KINDS)[number];

const DETAIL_TYPES: Record<SimulatedKind, [string, string]> = {
  delivered: ['Email Delivered', 'Delivery'],
  bounce: ['Email Bounced', 'Bounce'],
  'soft-bounce': ['Email Bounced', 'Bounce'],
  complaint: ['Email Complaint Received', 'Complaint'],
  open: ['Email Opened', 'Open'],
  click: ['Email Clicked', 'Click'],
  delay: ['Email Delivery Delayed', 'DeliveryDelay'],
  reject: ['Email Rejected', 'Reject'],
};

export function buildSesEvent(
  email: EmailRecord,
  kind: SimulatedKind,
  options: { now?: Date; recipient?: string; configurationSet?: string; link?: string } = {},
): Record<string, unknown> {
  const now = (options.now ?? new Date()).toISOString();
  const recipients = allRecipients(email).map((r) => normalizeAddress(r) ?? r);
  const recipient = options.recipient ?? recipients[0] ?? 'recipient@example.com';
  const messageId = email.providerMessageId ?? `simulated-${email.id}`;
  const [detailType, eventType] = DETAIL_TYPES[kind];
  const mail = {
    timestamp: email.sentAt ?? now,
    source: email.from,
    sendingAccountId: '000000000000',
    messageId,
    destination: recipients,
    headersTruncated: false,
    headers: [
      { name: 'From', value: email.from },
      { name: 'To', value: email.to.join(', ') },
      { name: 'Subject', value: email.subject ?? '' },
      { name: 'X-Mailroom-Email-ID', value: email.id },
    ],
    commonHeaders: { from: [email.from], to: email.to, messageId, subject: email.subject ?? '' },
    tags: {
      'ses:configuration-set': [options.configurationSet ?? 'mailroom'],
      mailroom_email_id: [email.id],
      mailroom_tenant: [email.tenantId],
      mailroom_lane: [email.lane],
    },
  };
  const specific: Record<SimulatedKind, Record<string, unknown>> = {
    delivered: {
      delivery: {
        timestamp: now,
        processingTimeMillis: 512,
        recipients: [recipient],
        smtpResponse: '250 2.0.0 OK (simulated)',
        reportingMTA: 'simulated.amazonses.com',
      },
    },
    bounce: {
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [{ emailAddress: recipient, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown (simulated)' }],
        timestamp: now,
        feedbackId: randomUUID(),
      },
    },
    'soft-bounce': {
      bounce: {
        bounceType: 'Transient',
        bounceSubType: 'MailboxFull',
        bouncedRecipients: [{ emailAddress: recipient, action: 'failed', status: '4.2.2', diagnosticCode: 'smtp; 452 4.2.2 mailbox full (simulated)' }],
        timestamp: now,
        feedbackId: randomUUID(),
      },
    },
    complaint: { complaint: { complainedRecipients: [{ emailAddress: recipient }], timestamp: now, feedbackId: randomUUID(), complaintFeedbackType: 'abuse' } },
    open: { open: { timestamp: now, ipAddress: '192.0.2.1', userAgent: 'Mozilla/5.0 (simulated)' } },
    click: {
      click: { timestamp: now, ipAddress: '192.0.2.1', userAgent: 'Mozilla/5.0 (simulated)', link: options.link ?? 'https://example.com/', linkTags: {} },
    },
    delay: {
      deliveryDelay: {
        timestamp: now,
        delayType: 'TransientCommunicationFailure',
        expirationTime: new Date(Date.parse(now) + 12 * 3600_000).toISOString(),
        delayedRecipients: [{ emailAddress: recipient, status: '4.4.1', diagnosticCode: 'smtp; 421 4.4.1 (simulated)' }],
      },
    },
    reject: { reject: { reason: 'Bad content' } },
  };
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: 'aws.ses',
    account: '000000000000',
    time: now,
    region: process.env.AWS_REGION ?? 'us-east-1',
    resources: [`arn:aws:ses:us-east-1:000000000000:configuration-set/${options.configurationSet ?? 'mailroom'}`],
    detail: { eventType, mail, ...specific[kind] },
  };
}
