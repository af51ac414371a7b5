import { describe, expect, it } from 'vitest';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import type { Principal } from '#shared/domain/api-key';
import type { EmailRecord } from '#shared/domain/email';
import { ValidationError } from '#shared/domain/errors';
import { listEmails } from '#shared/use-cases/get-email';
import { emailRecord } from '#test/support/emails';

const principal: Principal = { tenantId: 't1', scopes: ['emails:read'], keyPrefix: 'mr_abc' };

function email(id: string, createdAt: string, over: Partial<EmailRecord> = {}): EmailRecord {
  return emailRecord({
    id,
    tenantId: 't1',
    status: 'sent',
    lastEvent: 'sent',
    from: 'Billing <billing@example.com>',
    to: ['ada@example.org'],
    subject: 'Your invoice',
    attempts: 1,
    createdAt,
    updatedAt: createdAt,
    ...over,
  });
}

async function store() {
  const emails = new MemoryEmailStore();
  await emails.create(
    email('e1', '2026-11-29T10:00:00.000Z', { subject: 'Welcome aboard', from: 'hello@example.com', tags: [{ name: 'campaign', value: 'onboarding' }] }),
  );
  await emails.create(email('e2', '2026-11-30T10:00:00.000Z', { tags: [{ name: 'campaign', value: 'billing' }] }));
  await emails.create(email('e3', '2026-12-01T10:00:00.000Z', { subject: 'Your invoice is overdue' }));
  await emails.create(email('other', '2026-12-01T11:00:00.000Z', { tenantId: 't2' }));
  return { emails };
}

const ids = (page: { data: Array<{ id: string }> }) => page.data.map((e) => e.id);

describe('GET /emails search filters', () => {
  it('filters by subject prefix, sender, tag and created-at range, newest first, in the caller’s tenant only', async () => {
    const deps = await store();
    expect(ids(await listEmails(deps, principal, { subject: 'your INVOICE' }))).toEqual(['e3', 'e2']);
    expect(ids(await listEmails(deps, principal, { subject: 'invoice' }))).toEqual([]);
    expect(ids(await listEmails(deps, principal, { from: 'hello@' }))).toEqual(['e1']);
    expect(ids(await listEmails(deps, principal, { tag: 'campaign' }))).toEqual(['e2', 'e1']);
    expect(ids(await listEmails(deps, principal, { tag: 'campaign:billing' }))).toEqual(['e2']);
    expect(ids(await listEmails(deps, principal, { created_after: '2026-11-30T00:00:00Z', created_before: '2026-12-01T00:00:00Z' }))).toEqual(['e2']);
    expect(ids(await listEmails(deps, principal, { created_after: '2026-11-30' }))).toEqual(['e3', 'e2']);
    expect(ids(await listEmails(deps, principal, { subject: 'Your', created_before: '2026-12-01T00:00:00Z' }))).toEqual(['e2']);
  });

  it('refuses malformed search values with a 4xx that names the parameter', async () => {
    const deps = await store();
    for (const query of [
      { created_after: 'yesterday' },
      { created_after: '2026-12-02', created_before: '2026-12-01' },
      { tag: ':x' },
      { subject: 'x'.repeat(201) },
    ]) {
      const error = await listEmails(deps, principal, query).catch((e: Error) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(String(error)).toMatch(Object.keys(query)[0]!.replace('created_before', 'created_after'));
    }
  });
});

describe('GET /emails by provider message id', () => {
  it('finds the caller’s email with that SES message id, and nothing for another tenant’s', async () => {
    const deps = await store();
    await deps.emails.create(email('e4', '2026-12-01T12:00:00.000Z', { providerMessageId: '0100018c-aaaa-000000' }));
    await deps.emails.create(email('e5', '2026-12-01T12:30:00.000Z', { tenantId: 't2', providerMessageId: '0100018c-bbbb-000000' }));
    expect(ids(await listEmails(deps, principal, { provider_message_id: '0100018c-aaaa-000000' }))).toEqual(['e4']);
    expect(ids(await listEmails(deps, principal, { provider_message_id: '0100018c-bbbb-000000' }))).toEqual([]);
  });
});
