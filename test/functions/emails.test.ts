import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import type { EmailRecord } from '#shared/domain/email';
import { withApi } from '#shared/http/middy';
import { makeEmailsHandler } from '#functions/emails/app';
import { answer, apiEvent, lambdaContext, TENANT } from '#test/support/api-event';
import { emailRecord } from '#test/support/emails';

function email(id: string, overrides: Partial<EmailRecord> = {}): EmailRecord {
  return emailRecord({
    id,
    status: 'sent',
    lastEvent: 'sent',
    from: '"Acme" <hello@acme.test>',
    to: ['ada@example.org'],
    subject: `Subject ${id}`,
    html: '<p>Hi</p>',
    text: 'Hi',
    tags: [{ name: 'kind', value: 'welcome' }],
    attempts: 1,
    provider: 'ses',
    providerMessageId: 'ses-1',
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:00:01.000Z',
    sentAt: '2030-01-01T00:00:01.000Z',
    expiresAt: 1_900_000_000,
    events: [
      { type: 'queued', at: '2030-01-01T00:00:00.000Z', detail: { lane: 'transactional' } },
      { type: 'sent', at: '2030-01-01T00:00:01.000Z' },
    ],
    ...overrides,
  });
}

describe('GET /emails (emails handler, in-memory ports)', () => {
  let emails: MemoryEmailStore;
  const call = async (routeKey: string, options: Parameters<typeof apiEvent>[1] = {}) =>
    answer(await withApi(makeEmailsHandler({ emails }))(apiEvent(routeKey, options), lambdaContext()));

  beforeEach(() => {
    emails = new MemoryEmailStore();
  });

  it("answers Resend's email object plus the event history", async () => {
    await emails.create(email('e1', { cc: ['cc@example.org'], replyTo: ['support@acme.test'] }));
    const res = await call('GET /emails/{id}', { pathParameters: { id: 'e1' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      object: 'email',
      id: 'e1',
      from: '"Acme" <hello@acme.test>',
      to: ['ada@example.org'],
      cc: ['cc@example.org'],
      bcc: null,
      reply_to: ['support@acme.test'],
      subject: 'Subject e1',
      html: '<p>Hi</p>',
      text: 'Hi',
      created_at: '2030-01-01T00:00:00.000Z',
      scheduled_at: null,
      last_event: 'sent',
      status: 'sent',
      provider_message_id: 'ses-1',
      events: [
        { type: 'queued', at: '2030-01-01T00:00:00.000Z', detail: { lane: 'transactional' } },
        { type: 'sent', at: '2030-01-01T00:00:01.000Z' },
      ],
    });
    for (const field of [
      'object',
      'id',
      'from',
      'to',
      'cc',
      'bcc',
      'reply_to',
      'subject',
      'html',
      'text',
      'created_at',
      'scheduled_at',
      'last_event',
      'events',
    ]) {
      expect(res.body, field).toHaveProperty(field);
    }
  });

  it('never exposes internal fields (claim token, lease, tenant)', async () => {
    await emails.create(email('e1', { claimToken: 'secret-token', leaseUntil: 123 }));
    const res = await call('GET /emails/{id}', { pathParameters: { id: 'e1' } });
    expect(JSON.stringify(res.body)).not.toContain('secret-token');
    expect(res.body).not.toHaveProperty('leaseUntil');
    expect(res.body).not.toHaveProperty('tenantId');
  });

  it("answers 404 for another tenant's email, exactly as for a missing one", async () => {
    await emails.create(email('theirs', { tenantId: 'other' }));
    const theirs = await call('GET /emails/{id}', { pathParameters: { id: 'theirs' } });
    const missing = await call('GET /emails/{id}', { pathParameters: { id: 'nothing' } });
    expect(theirs).toEqual({ status: 404, body: { statusCode: 404, name: 'not_found', message: expect.any(String) } });
    expect(missing).toEqual(theirs);
  });

  it('answers 404 for an id that cannot exist without reading the store', async () => {
    const res = await call('GET /emails/{id}', { pathParameters: { id: '../../etc' } });
    expect(res.status).toBe(404);
    expect(emails.calls.get ?? 0).toBe(0);
  });

  it('answers 401 without an authorizer context', async () => {
    await emails.create(email('e1'));
    const res = await call('GET /emails/{id}', { pathParameters: { id: 'e1' }, principal: null });
    expect(res.status).toBe(401);
    expect(res.body.name).toBe('missing_api_key');
  });

  it("lists the tenant's emails newest first, without bodies, in cursor pages", async () => {
    for (let i = 1; i <= 5; i++) await emails.create(email(`e${i}`, { createdAt: `2030-01-01T00:00:0${i}.000Z` }));
    await emails.create(email('theirs', { tenantId: 'other', createdAt: '2030-01-01T00:00:09.000Z' }));

    const page1 = await call('GET /emails', { query: { limit: '2' } });
    expect(page1.status).toBe(200);
    expect(page1.body).toMatchObject({ object: 'list', has_more: true });
    expect(page1.body.data.map((e: { id: string }) => e.id)).toEqual(['e5', 'e4']);
    expect(page1.body.data[0]).not.toHaveProperty('html');
    expect(page1.body.data[0]).not.toHaveProperty('events');

    const page2 = await call('GET /emails', { query: { limit: '2', after: page1.body.next_cursor } });
    expect(page2.body.data.map((e: { id: string }) => e.id)).toEqual(['e3', 'e2']);
    const page3 = await call('GET /emails', { query: { limit: '2', after: page2.body.next_cursor } });
    expect(page3.body.data.map((e: { id: string }) => e.id)).toEqual(['e1']);
    expect(page3.body.has_more).toBe(false);
    expect(page3.body).not.toHaveProperty('next_cursor');
  });

  it.each(['0', '101', 'ten', '2.5'])('answers 422 for limit=%s', async (limit) => {
    const res = await call('GET /emails', { query: { limit } });
    expect(res.status).toBe(422);
    expect(res.body.name).toBe('validation_error');
  });

  it('answers 401 restricted_api_key (as Resend) for a key without a read or send scope', async () => {
    const res = await call('GET /emails', { principal: { ...TENANT, scopes: ['templates:write'] } });
    expect(res.status).toBe(401);
    expect(res.body.name).toBe('restricted_api_key');
  });
});
