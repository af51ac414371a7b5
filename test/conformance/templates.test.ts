/**
 * Resend's Templates resource, through the official SDK against local mode.
 * Sources: resend.com/docs/api-reference/templates/{create,get,list,update,publish,duplicate,delete},
 * send-email (`template: {id, variables}`), and the SDK types `Template`, `TemplateVariable`,
 * `CreateTemplateOptions` (node_modules/resend/dist/index.d.mts).
 */
import { Resend } from 'resend';
import { describe, expect, it } from 'vitest';
import { api, sesInbox, useLocalStack, waitFor } from '#test/support/local-stack';
import { expectResendError, expectResendShape } from './contract';

describe('Resend templates (resend.com/docs/api-reference/templates)', () => {
  const stack = useLocalStack();
  const sdk = () => new Resend(stack().apiKey, { baseUrl: stack().apiUrl });

  it('creates a template Resend’s way (variables with fallbacks, alias, defaults) and reads it back as a Template', async () => {
    const created = await sdk().templates.create({
      name: 'Order shipped',
      alias: 'order-shipped',
      subject: 'Order {{{ORDER}}} shipped',
      html: '<p>Hi {{{NAME}}}, order {{{ORDER}}} is on its way.</p>',
      from: 'Shop <shop@example.com>',
      replyTo: 'help@example.com',
      variables: [
        { key: 'NAME', type: 'string', fallbackValue: 'there' },
        { key: 'ORDER', type: 'number' },
      ],
    });
    expect(created.error).toBeNull();
    expectResendShape('templates/create', created.data, 201);
    const got = await sdk().templates.get(created.data!.id);
    expect(got.error).toBeNull();
    // SDK `TemplateVariable.fallback_value: string | number | null`; the spec has no null.
    expectResendShape('templates/get', got.data, 200, ['/variables/items/fallback_value']);
    expect(got.data).toMatchObject({
      object: 'template',
      name: 'Order shipped',
      alias: 'order-shipped',
      status: 'draft',
      from: 'Shop <shop@example.com>',
      reply_to: ['help@example.com'],
      published_at: null,
      has_unpublished_versions: true,
      current_version_id: expect.any(String),
      variables: [
        { key: 'NAME', type: 'string', fallback_value: 'there' },
        { key: 'ORDER', type: 'number', fallback_value: null },
      ],
    });
    // By alias too.
    expect((await sdk().templates.get('order-shipped')).data?.id).toBe(created.data!.id);
  });

  it('publishes, then sends by alias with a fallback filling the missing variable; a missing required one is refused at accept time', async () => {
    const published = await sdk().templates.publish('order-shipped');
    expect(published.error).toBeNull();
    expectResendShape('templates/publish', published.data);
    const got = await sdk().templates.get('order-shipped');
    expect(got.data).toMatchObject({ status: 'published', published_at: expect.any(String), has_unpublished_versions: false });

    const sent = await sdk().emails.send({ from: stack().from, to: 'ada@example.org', template: { id: 'order-shipped', variables: { ORDER: 1042 } } });
    expect(sent.error).toBeNull();
    const mail = await waitFor(async () => (await sesInbox(stack())).find((m) => m.subject === 'Order 1042 shipped'), {
      what: 'the template email',
      timeoutMs: 60_000,
    });
    expect(mail.body.html).toContain('Hi there, order 1042 is on its way.');
    // retrieve-email: once sent, subject/html/text are the rendered content (not null).
    const email = await waitFor(
      async () => {
        const got = await sdk().emails.get(sent.data!.id);
        return got.data?.last_event === 'sent' ? got.data : undefined;
      },
      { what: 'the template email to be sent', timeoutMs: 60_000 },
    );
    expectResendShape('emails/get', email);
    expect(email.subject).toBe('Order 1042 shipped');
    expect(email.html).toContain('Hi there, order 1042 is on its way.');
    expect(email.text).toContain('Hi there, order 1042 is on its way.');

    // The template's `from` and `reply_to` fill a send that leaves them out; the payload's win.
    const defaulted = await sdk().emails.send({ to: 'ada@example.org', template: { id: 'order-shipped', variables: { ORDER: 7 } } } as never);
    expect(defaulted.error).toBeNull();
    expect((await sdk().emails.get(defaulted.data!.id)).data).toMatchObject({ from: 'Shop <shop@example.com>', reply_to: ['help@example.com'] });
    const overridden = await sdk().emails.send({
      from: stack().from,
      replyTo: 'other@example.com',
      to: 'ada@example.org',
      template: { id: 'order-shipped', variables: { ORDER: 8 } },
    });
    expect((await sdk().emails.get(overridden.data!.id)).data).toMatchObject({ from: stack().from, reply_to: ['other@example.com'] });

    const refused = await sdk().emails.send({ from: stack().from, to: 'ada@example.org', template: { id: 'order-shipped', variables: { NAME: 'Ada' } } });
    expectResendError(refused.error, 422, 'validation_error');
    expect(refused.error!.message).toMatch(/ORDER/);
  });

  it('lists, updates, duplicates and removes (ListTemplatesResponseSuccess, UpdateTemplateResponseSuccess, …)', async () => {
    const listed = await sdk().templates.list();
    expect(listed.error).toBeNull();
    expectResendShape('templates/list', listed.data);
    expect(listed.data!.data.map((t) => t.alias)).toContain('order-shipped');

    const updated = await sdk().templates.update('order-shipped', { subject: 'Order {{{ORDER}}} is out' });
    expect(updated.error).toBeNull();
    expectResendShape('templates/update', updated.data);
    expect((await sdk().templates.get('order-shipped')).data).toMatchObject({ subject: 'Order {{{ORDER}}} is out', has_unpublished_versions: true });

    const copy = await sdk().templates.duplicate('order-shipped');
    expect(copy.error).toBeNull();
    expectResendShape('templates/duplicate', copy.data);
    const copied = await sdk().templates.get(copy.data!.id);
    expect(copied.data).toMatchObject({ status: 'draft', alias: null, subject: 'Order {{{ORDER}}} is out' });

    const removed = await sdk().templates.remove(copy.data!.id);
    expectResendShape('templates/remove', removed.data);
    expect(removed.data).toMatchObject({ object: 'template', id: copy.data!.id, deleted: true });
    expectResendError((await sdk().templates.get(copy.data!.id)).error, 404, 'not_found');
  });

  it("keeps Mailroom's JSON-Schema templates working beside Resend's: both validate at accept time", async () => {
    const created = await api(stack(), 'POST', '/templates', {
      id: 'receipt',
      subject: 'Receipt {{n}}',
      html: '<p>Receipt {{n}}</p>',
      schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] },
    });
    expect(created.status).toBe(201);
    expect((await sdk().templates.publish('receipt')).error).toBeNull();
    const bad = await sdk().emails.send({ from: stack().from, to: 'ada@example.org', template: { id: 'receipt', variables: { n: 'x' } } });
    expectResendError(bad.error, 422, 'validation_error');
    const ok = await sdk().emails.send({ from: stack().from, to: 'ada@example.org', template: { id: 'receipt', variables: { n: 7 } } });
    expect(ok.error).toBeNull();
    // Both kinds at once is refused.
    const both = await api(stack(), 'POST', '/templates', { html: '<p>x</p>', schema: { type: 'object' }, variables: [{ key: 'A', type: 'string' }] });
    expect(both.body).toMatchObject({ statusCode: 422, name: 'validation_error' });
  });
});
