/**
 * Resend's Emails resource, through the official SDK against local mode.
 * Sources: resend.com/docs/api-reference/emails/{send-email,retrieve-email,list-emails,update-email,
 * cancel-email}, /pagination, and the SDK types `ListEmailsResponseSuccess`, `GetEmailResponseSuccess`,
 * `PaginationOptions` (node_modules/resend/dist/index.d.mts).
 */
import { Resend } from 'resend';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalStack, waitFor } from '#test/support/local-stack';
import { expectResendError, expectResendShape } from './contract';

describe('Resend emails (resend.com/docs/api-reference/emails)', () => {
  const stack = useLocalStack();
  const sdk = () => new Resend(stack().apiKey, { baseUrl: stack().apiUrl });
  /** Seven emails, oldest first. */
  const ids: string[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 7; i++) {
      const { data, error } = await sdk().emails.send({ from: stack().from, to: `page${i}@example.org`, subject: `Page ${i}`, text: `Email ${i}` });
      expect(error).toBeNull();
      ids.push(data!.id);
    }
  });

  describe('list-emails: pagination (resend.com/docs/api-reference/pagination)', () => {
    const newestFirst = () => [...ids].reverse();

    it('lists newest first in the documented shape, limit default 20', async () => {
      const { data, error } = await sdk().emails.list();
      expect(error).toBeNull();
      expectResendShape('emails/list', data);
      expect(data!.object).toBe('list');
      expect(data!.data.map((e) => e.id)).toEqual(newestFirst());
      expect(data!.has_more).toBe(false);
    });

    it('pages with after=<last id of the page> (exclusive) until has_more is false, an exactly full last page included', async () => {
      const seen: string[] = [];
      const hasMore: boolean[] = [];
      let after: string | undefined;
      for (let i = 0; i < 10; i++) {
        const { data, error } = await sdk().emails.list({ limit: 7 - 3 * Math.min(i, 1), ...(after ? { after } : {}) });
        expect(error).toBeNull();
        seen.push(...data!.data.map((e) => e.id));
        hasMore.push(data!.has_more);
        if (!data!.has_more) break;
        after = data!.data.at(-1)!.id;
      }
      // limit 7 of 7: exactly full and nothing beyond — has_more false on the first page.
      expect(hasMore).toEqual([false]);
      expect(seen).toEqual(newestFirst());
      const two: string[] = [];
      after = undefined;
      const more: boolean[] = [];
      for (let i = 0; i < 10; i++) {
        const { data } = await sdk().emails.list({ limit: 2, ...(after ? { after } : {}) });
        two.push(...data!.data.map((e) => e.id));
        more.push(data!.has_more);
        if (!data!.has_more) break;
        after = data!.data.at(-1)!.id;
      }
      expect(two).toEqual(newestFirst());
      expect(more).toEqual([true, true, true, false]);
    });

    it('pages with before=<first id of the page> towards newer emails, has_more right in that direction', async () => {
      const { data, error } = await sdk().emails.list({ limit: 2, before: ids[2]! });
      expect(error).toBeNull();
      expect(data!.data.map((e) => e.id)).toEqual([ids[4], ids[3]]);
      expect(data!.has_more).toBe(true);
      const { data: newest } = await sdk().emails.list({ limit: 2, before: ids[4]! });
      expect(newest!.data.map((e) => e.id)).toEqual([ids[6], ids[5]]);
      expect(newest!.has_more).toBe(false);
    });

    it('accepts limit 1-100 and refuses others; after with before is refused', async () => {
      expect((await sdk().emails.list({ limit: 100 })).error).toBeNull();
      expectResendError((await sdk().emails.list({ limit: 0 })).error, 422, 'validation_error');
      expectResendError((await sdk().emails.list({ limit: 101 })).error, 422, 'validation_error');
      const both = await sdk().emails.list({ after: ids[0], before: ids[1] } as never);
      expectResendError(both.error, 422, 'validation_error');
    });

    it('refuses an after/before that is not one of the caller’s emails with 400 validation_error', async () => {
      expectResendError((await sdk().emails.list({ after: 'no-such-email' })).error, 400, 'validation_error');
      expectResendError((await sdk().emails.list({ before: 'c1.forged' })).error, 400, 'validation_error');
    });

    it('keeps next_cursor as an extra that continues the same way', async () => {
      const first = await sdk().emails.list({ limit: 3 });
      const cursor = (first.data as unknown as { next_cursor: string }).next_cursor;
      expect(cursor).toMatch(/^c1\./);
      const next = await sdk().emails.list({ limit: 3, after: cursor });
      expect(next.data!.data.map((e) => e.id)).toEqual(newestFirst().slice(3, 6));
    });
  });

  describe('retrieve-email and send-email fields', () => {
    it('returns `from` exactly as sent, the Message-ID, and topic_id (GetEmailResponseSuccess)', async () => {
      const { data: sent } = await sdk().emails.send({
        from: stack().from,
        to: 'fields@example.org',
        subject: 'Fields',
        html: '<p>Fields</p>',
        topicId: 'topic_1',
      });
      const email = await waitFor(
        async () => {
          const got = await sdk().emails.get(sent!.id);
          return got.data?.last_event === 'sent' ? got.data : undefined;
        },
        { what: 'the email to be sent', timeoutMs: 60_000 },
      );
      expectResendShape('emails/get', email);
      expect(email.from).toBe(stack().from);
      expect(email).toMatchObject({ message_id: expect.stringMatching(/^<.+@example\.com>$/), topic_id: 'topic_1' });
    });

    it('takes up to 50 `to` recipients, and at most 50 across to/cc/bcc (a documented difference: SES’s per-message limit)', async () => {
      const addresses = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}@example.org`);
      expect((await sdk().emails.send({ from: stack().from, to: addresses(50, 't'), subject: 'Fifty', text: 'x' })).error).toBeNull();
      expectResendError((await sdk().emails.send({ from: stack().from, to: addresses(51, 't'), subject: 'x', text: 'x' })).error, 422, 'validation_error');
      const mixed = await sdk().emails.send({ from: stack().from, to: addresses(30, 't'), cc: addresses(21, 'c'), subject: 'x', text: 'x' });
      expectResendError(mixed.error, 422, 'validation_error');
    });

    it('returns `to` normalised (display names quoted) — a documented difference; `from` stays as sent', async () => {
      const { data } = await sdk().emails.send({ from: stack().from, to: 'Ada Lovelace <ada@example.org>', subject: 'Names', text: 'x' });
      const got = await sdk().emails.get(data!.id);
      expect(got.data).toMatchObject({ from: stack().from, to: ['"Ada Lovelace" <ada@example.org>'] });
    });

    it('refuses `template` together with `html` (send-email: template)', async () => {
      const { error } = await sdk().emails.send({ from: stack().from, to: 'x@example.org', html: '<p>x</p>', template: { id: 'welcome' } } as never);
      expectResendError(error, 422, 'validation_error');
      expect(error!.message).toMatch(/template/);
    });
  });

  describe('batch, update and cancel (send-batch-emails, update-email, cancel-email)', () => {
    it('sends a batch and answers {data: [{id}]} (CreateBatchSuccessResponse)', async () => {
      const { data, error } = await sdk().batch.send([
        { from: stack().from, to: 'b1@example.org', subject: 'Batch 1', text: 'one' },
        { from: stack().from, to: 'b2@example.org', subject: 'Batch 2', text: 'two' },
      ]);
      expect(error).toBeNull();
      expectResendShape('emails/send-batch', data);
      expect(data!.data).toHaveLength(2);
    });

    it('reschedules with update and cancels with cancel ({object: "email", id}: UpdateEmailResponseSuccess, CancelEmailResponseSuccess)', async () => {
      const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
      const { data: sent } = await sdk().emails.send({ from: stack().from, to: 'later@example.org', subject: 'Later', text: 'x', scheduledAt: inAnHour });
      const later = new Date(Date.now() + 7_200_000).toISOString();
      const updated = await sdk().emails.update({ id: sent!.id, scheduledAt: later });
      expect(updated.error).toBeNull();
      expect(updated.data).toMatchObject({ object: 'email', id: sent!.id });
      expect((await sdk().emails.get(sent!.id)).data).toMatchObject({ scheduled_at: later, last_event: 'scheduled' });
      const canceled = await sdk().emails.cancel(sent!.id);
      expect(canceled.error).toBeNull();
      expect(canceled.data).toMatchObject({ object: 'email', id: sent!.id });
      expect((await sdk().emails.get(sent!.id)).data).toMatchObject({ last_event: 'canceled' });
    });
  });
});
