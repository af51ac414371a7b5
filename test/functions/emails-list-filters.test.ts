import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import type { EmailRecord } from '#shared/domain/email';
import { withApi } from '#shared/http/middy';
import { makeEmailsHandler } from '#functions/emails/app';
import { answer, apiEvent, lambdaContext } from '#test/support/api-event';
import { emailRecord } from '#test/support/emails';

function email(n: number, overrides: Partial<EmailRecord> = {}): EmailRecord {
  const createdAt = new Date(Date.UTC(2030, 0, 1, 0, 0, n)).toISOString();
  return emailRecord({
    id: `e${String(n).padStart(3, '0')}`,
    status: 'sent',
    lastEvent: 'sent',
    from: 'hello@acme.test',
    to: [`user${n}@example.org`],
    subject: `Subject ${n}`,
    attempts: 1,
    createdAt,
    updatedAt: createdAt,
    expiresAt: 1_900_000_000,
    ...overrides,
  });
}

describe('GET /emails filters (status, lane, recipient)', () => {
  let emails: MemoryEmailStore;
  const list = async (query: Record<string, string>) =>
    answer(await withApi(makeEmailsHandler({ emails }))(apiEvent('GET /emails', { query }), lambdaContext()));

  beforeEach(async () => {
    emails = new MemoryEmailStore();
    for (let n = 1; n <= 12; n++) {
      await emails.create(
        email(n, {
          status: n % 3 === 0 ? 'scheduled' : n % 3 === 1 ? 'sent' : 'failed',
          lane: n % 2 === 0 ? 'marketing' : 'transactional',
          ...(n === 7 ? { to: ['Grace Hopper <Grace@Navy.example>'] } : {}),
          ...(n === 8 ? { cc: ['grace@navy.example'] } : {}),
        }),
      );
    }
    await emails.create(email(99, { tenantId: 'other', status: 'scheduled' }));
  });

  it('lists only the emails in the asked status, newest first', async () => {
    const res = await list({ status: 'scheduled' });
    expect(res.status).toBe(200);
    expect(res.body.data.map((e: { id: string }) => e.id)).toEqual(['e012', 'e009', 'e006', 'e003']);
    expect(res.body.data.every((e: { status: string }) => e.status === 'scheduled')).toBe(true);
  });

  it('combines status and lane', async () => {
    const res = await list({ status: 'sent', lane: 'marketing' });
    expect(res.body.data.map((e: { id: string }) => e.id)).toEqual(['e010', 'e004']);
  });

  it('matches a recipient substring in to or cc, ignoring case', async () => {
    const res = await list({ to: 'GRACE@navy' });
    expect(res.body.data.map((e: { id: string }) => e.id)).toEqual(['e008', 'e007']);
  });

  it('pages through filtered results with the cursor without skipping or repeating', async () => {
    const first = await list({ lane: 'transactional', limit: '2' });
    expect(first.body.has_more).toBe(true);
    const second = await list({ lane: 'transactional', limit: '2', after: first.body.next_cursor });
    const third = await list({ lane: 'transactional', limit: '2', after: second.body.next_cursor });
    const ids = [...first.body.data, ...second.body.data, ...third.body.data].map((e: { id: string }) => e.id);
    expect(ids).toEqual(['e011', 'e009', 'e007', 'e005', 'e003', 'e001']);
    expect(third.body.has_more).toBe(false);
  });

  it('refuses an unknown status or lane with a 422 validation_error', async () => {
    const badStatus = await list({ status: 'lost' });
    expect(badStatus.status).toBe(422);
    expect(badStatus.body).toMatchObject({ name: 'validation_error' });
    const badLane = await list({ lane: 'express' });
    expect(badLane.status).toBe(422);
    expect(badLane.body.message).toMatch(/lane/);
  });
});
