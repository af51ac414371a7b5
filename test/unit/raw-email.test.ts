import { describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { MemoryLaneQueue, MemoryMailProvider } from '#shared/adapters/memory/memory-adapters';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import { LANES } from '#shared/config/lanes';
import type { Principal } from '#shared/domain/api-key';
import type { EmailRecord } from '#shared/domain/email';
import { NotFoundError } from '#shared/domain/errors';
import type { OutgoingMail, TenantStore } from '#shared/ports/index';
import { getRepositoryTemplate } from '#shared/rendering/template-repository';
import type { SendEmailDeps } from '#shared/use-cases/send-email';
import { createTemplateContentBuilder } from '#shared/use-cases/template-content';
import { rawEmail } from '#shared/use-cases/raw-email';
import { emailRecord as baseEmail } from '#test/support/emails';
import { sendOne } from '#test/support/send-one';

const T0 = Date.parse('2030-01-01T12:00:00Z');

class RecordingProvider extends MemoryMailProvider {
  readonly calls: OutgoingMail[] = [];
  override async send(mail: OutgoingMail) {
    this.calls.push(mail);
    return super.send(mail);
  }
}

const principal = (tenantId: string): Principal => ({ tenantId, scopes: ['emails:read'], keyPrefix: 'mr_test' });

function emailRecord(overrides: Partial<EmailRecord> = {}): EmailRecord {
  return baseEmail({
    id: 'em_raw_1',
    tenantId: 't1',
    from: 'Shop <shop@example.com>',
    to: ['Ada <ada@example.org>', 'blocked@example.org'],
    cc: ['grace@example.org'],
    bcc: ['audit@example.org'],
    replyTo: ['help@example.com'],
    subject: undefined,
    template: { id: 'welcome', version: getRepositoryTemplate('welcome')!.version, variables: { name: 'Ada Lovelace', nickname: 'Ada' } },
    headers: { 'X-Campaign': 'spring' },
    createdAt: new Date(T0 - 60_000).toISOString(),
    updatedAt: new Date(T0 - 60_000).toISOString(),
    expiresAt: 2_000_000_000,
    ...overrides,
  });
}

/** Sends the email through the sender's use case (the clock moves 1.5 s per reading), recording the bytes SES got. */
async function sendThroughSender(email: EmailRecord) {
  const emails = new MemoryEmailStore();
  emails.items.set(email.id, email);
  const ses = new RecordingProvider('ses');
  let ticks = 0;
  const tenants = { get: async () => ({ id: 't1', baseUrl: 'https://app.example.com' }) } as unknown as TenantStore;
  const content = createTemplateContentBuilder({ tenants });
  const deps: SendEmailDeps = {
    emails,
    queue: new MemoryLaneQueue(),
    // Every reading is later than the last: the claim time (the message's Date) differs from sentAt.
    clock: { now: () => new Date(T0 + 1_500 * ticks++) },
    lane: LANES.transactional,
    provider: ses,
    content,
    suppressions: { suppressed: async () => new Set(['blocked@example.org']) },
    leaseSeconds: 60,
    random: () => 0.5,
  };
  const outcome = await sendOne(deps, { message: { emailId: email.id, tenantId: email.tenantId, scheduleVersion: 0 }, receiveCount: 1 });
  expect(outcome, JSON.stringify(emails.items.get(email.id)?.lastError)).toMatchObject({
    kind: 'sent',
  });
  return { emails, sent: ses.calls[0]!.raw, content };
}

/** MIME boundaries are random per build: the one difference a rebuild may have. */
const withoutBoundaries = (raw: Buffer | string) => raw.toString().replace(/--_NmP-[0-9a-f]+-Part_\d+/g, '--BOUNDARY');

describe('GET /emails/{id}/raw: the message rebuilt with the sender’s composer', () => {
  it('equals the bytes the provider got, except the MIME boundaries (template rendered, stored Date and Message-ID, suppressed recipient left out)', async () => {
    const { emails, sent, content } = await sendThroughSender(emailRecord());
    const stored = (await emails.get('em_raw_1'))!;
    expect(stored.messageDate).toBe(new Date(T0).toISOString());
    expect(stored.sentAt).not.toBe(stored.messageDate);
    const { raw, filename } = await rawEmail({ emails, content }, principal('t1'), 'em_raw_1');
    expect(filename).toBe('em_raw_1.eml');
    expect(withoutBoundaries(raw)).toBe(withoutBoundaries(sent));
    const parsed = await simpleParser(raw);
    expect(parsed.messageId).toBe('<em_raw_1@example.com>');
    expect(parsed.headers.get('x-mailroom-email-id')).toBe('em_raw_1');
    expect(parsed.headers.get('x-campaign')).toBe('spring');
    expect(parsed.subject).toContain('Ada');
    expect(parsed.html).toContain('Ada');
    expect(parsed.date?.toISOString()).toBe(new Date(T0).toISOString());
    expect(parsed.to && 'text' in parsed.to ? parsed.to.text : '').not.toContain('blocked@');
    // Bcc travels in the envelope only, as sent.
    expect(raw.toString()).not.toContain('audit@example.org');
  });

  it('is 404 for another tenant’s email and for one that never reached a provider', async () => {
    const { emails, content } = await sendThroughSender(emailRecord());
    await expect(rawEmail({ emails, content }, principal('t2'), 'em_raw_1')).rejects.toBeInstanceOf(NotFoundError);
    emails.items.set('em_queued', emailRecord({ id: 'em_queued' }));
    await expect(rawEmail({ emails, content }, principal('t1'), 'em_queued')).rejects.toThrow(/never reached a provider/);
    // A template that is gone cannot be rebuilt: a 404 that says why, not a 500.
    const gone = { build: async () => Promise.reject(new Error('Template "welcome" is not in this deployment.')) };
    await expect(rawEmail({ emails, content: gone }, principal('t1'), 'em_raw_1')).rejects.toThrow(/can no longer be rebuilt: Template "welcome"/);
  });
});
