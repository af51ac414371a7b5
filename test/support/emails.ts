import type { EmailRecord } from '#shared/domain/email';

/** A queued email from acme to one recipient, with nothing sent yet: a test passes what its case differs in. */
export const emailRecord = (extra: Partial<EmailRecord> & { id?: string } = {}): EmailRecord => ({
  id: 'em_1',
  tenantId: 'acme',
  lane: 'transactional',
  status: 'queued',
  lastEvent: 'queued',
  from: 'Acme <hello@acme.test>',
  to: ['recipient@example.com'],
  cc: [],
  bcc: [],
  replyTo: [],
  subject: 'Hi',
  headers: {},
  tags: [],
  scheduleVersion: 0,
  attempts: 0,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  expiresAt: 0,
  events: [],
  ...extra,
});
