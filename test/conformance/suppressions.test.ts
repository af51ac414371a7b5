/**
 * Resend's Suppressions resource, through the official SDK against local mode.
 * Sources: resend.com/docs/api-reference/suppressions/{add,list,retrieve,remove,batch-add,
 * batch-remove}, and the SDK types `Suppression`, `SuppressionListEntry`, `AddSuppressionOptions`,
 * `BatchRemoveSuppressionsOptions` (node_modules/resend/dist/index.d.mts).
 */
import { Resend } from 'resend';
import { describe, expect, it } from 'vitest';
import { api, useLocalStack } from '#test/support/local-stack';
import { expectResendError, expectResendShape } from './contract';

describe('Resend suppressions (resend.com/docs/api-reference/suppressions)', () => {
  const stack = useLocalStack();
  const sdk = () => new Resend(stack().apiKey, { baseUrl: stack().apiUrl });

  it('adds an address and answers {object, id}; get by id and by email return the entry (Suppression)', async () => {
    const { data, error } = await sdk().suppressions.add({ email: 'Ada@Example.org' });
    expect(error).toBeNull();
    expectResendShape('suppressions/add', data, 201);
    // A documented difference: ids are `sup_` + the address in base64url, not UUIDs.
    expect(data).toMatchObject({ object: 'suppression', id: `sup_${Buffer.from('ada@example.org').toString('base64url')}` });
    const byId = await sdk().suppressions.get(data!.id);
    expect(byId.error).toBeNull();
    expectResendShape('suppressions/get', byId.data);
    expect(byId.data).toMatchObject({
      object: 'suppression',
      id: data!.id,
      email: 'ada@example.org',
      origin: 'manual',
      source_id: null,
      created_at: expect.any(String),
    });
    const byEmail = await sdk().suppressions.get('ada@example.org');
    expect(byEmail.data).toEqual(byId.data);
  });

  it('lists entries in the documented shape, filtered by origin, paged with after (ListSuppressionsOptions)', async () => {
    for (const email of ['b1@example.org', 'b2@example.org', 'b3@example.org']) expect((await sdk().suppressions.add({ email })).error).toBeNull();
    // Mailroom's extension: a reason; a bounce-reason entry shows origin "bounce".
    const bounce = await api(stack(), 'POST', '/suppressions', { email: 'bounced@example.org', reason: 'bounce' });
    expect(bounce.status).toBe(201);
    const { data, error } = await sdk().suppressions.list({ limit: 2 });
    expect(error).toBeNull();
    expectResendShape('suppressions/list', data);
    expect(data!.data).toHaveLength(2);
    expect(data!.has_more).toBe(true);
    const next = await sdk().suppressions.list({ limit: 100, after: data!.data.at(-1)!.id });
    const all = [...data!.data, ...next.data!.data].map((e) => e.email);
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual(['ada@example.org', 'b1@example.org', 'b2@example.org', 'b3@example.org', 'bounced@example.org']);
    expect(next.data!.has_more).toBe(false);
    const bounces = await sdk().suppressions.list({ origin: 'bounce' });
    expect(bounces.data!.data.map((e) => [e.email, e.origin])).toEqual([['bounced@example.org', 'bounce']]);
  });

  it('removes by id or by email ({object, id, deleted}); a second remove is 404 not_found', async () => {
    const { data } = await sdk().suppressions.add({ email: 'gone@example.org' });
    const removed = await sdk().suppressions.remove(data!.id);
    expect(removed.error).toBeNull();
    expectResendShape('suppressions/remove', removed.data);
    expect(removed.data).toMatchObject({ object: 'suppression', id: data!.id, deleted: true });
    expectResendError((await sdk().suppressions.remove('gone@example.org')).error, 404, 'not_found');
    expectResendError((await sdk().suppressions.get(data!.id)).error, 404, 'not_found');
  });

  it('adds and removes in batches, by emails or by ids (batch-add, batch-remove)', async () => {
    const added = await sdk().suppressions.batch.add({ emails: ['x1@example.org', 'x2@example.org', 'x3@example.org'] });
    expect(added.error).toBeNull();
    expectResendShape('suppressions/batch-add', added.data, 201);
    expect(added.data!.data).toHaveLength(3);
    const byIds = await sdk().suppressions.batch.remove({ ids: added.data!.data.slice(0, 2).map((e) => e.id) });
    expectResendShape('suppressions/batch-remove', byIds.data);
    expect(byIds.data!.data.map((e) => e.deleted)).toEqual([true, true]);
    const byEmails = await sdk().suppressions.batch.remove({ emails: ['x3@example.org', 'never@example.org'] });
    expect(byEmails.data!.data.map((e) => e.deleted)).toEqual([true, false]);
    expectResendError((await sdk().suppressions.batch.add({ emails: ['ok@example.org', 'not-an-address'] })).error, 422, 'validation_error');
  });

  it("keeps Mailroom's scopes as an extension: a marketing-only entry", async () => {
    const res = await api(stack(), 'POST', '/suppressions', { email: 'news-only@example.org', scope: 'marketing', reason: 'unsubscribe' });
    expect(res.body).toMatchObject({ object: 'suppression', origin: 'manual', reason: 'unsubscribe', scope: 'marketing' });
  });
});
