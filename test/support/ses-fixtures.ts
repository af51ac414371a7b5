import { readFileSync } from 'node:fs';
import type { EmailRecord } from '#shared/domain/email';

export const SES_FIXTURES = [
  'send',
  'delivery',
  'delivery-delay',
  'bounce-permanent',
  'bounce-transient',
  'bounce-undetermined',
  'complaint',
  'reject',
  'rendering-failure',
  'open',
  'click',
  'subscription',
  'delivery-before-message-id',
] as const;
export type SesFixture = (typeof SES_FIXTURES)[number];

/** An SES event as EventBridge delivers it (AWS's documented samples, test/fixtures/ses). */
export function sesFixture(name: SesFixture): any {
  return JSON.parse(readFileSync(new URL(`../fixtures/ses/${name}.json`, import.meta.url), 'utf8'));
}

/** The fixture re-addressed to one email (id tag + correlation header + message id), with a fresh event id. */
export function sesEventFor(
  name: SesFixture,
  email: Pick<EmailRecord, 'id' | 'tenantId'>,
  options: { eventId?: string; messageId?: string; recipient?: string } = {},
): any {
  const event = sesFixture(name);
  event.id = options.eventId ?? `${name}-${email.id}`;
  const mail = event.detail.mail;
  if (mail.tags.mailroom_email_id) mail.tags.mailroom_email_id = [email.id];
  if (mail.tags.mailroom_tenant) mail.tags.mailroom_tenant = [email.tenantId];
  for (const h of mail.headers) if (h.name === 'X-Mailroom-Email-ID') h.value = email.id;
  if (options.messageId) mail.messageId = options.messageId;
  if (options.recipient) {
    const json = JSON.stringify(event.detail).replaceAll('recipient@example.com', options.recipient);
    event.detail = JSON.parse(json);
  }
  return event;
}
