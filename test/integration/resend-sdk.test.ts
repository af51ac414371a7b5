import { Resend } from 'resend';
import { describe, expect, it } from 'vitest';
import { sesInbox, useLocalStack, waitFor } from '#test/support/local-stack';

describe('the official resend SDK against Mailroom', () => {
  const stack = useLocalStack();

  it('sends an email through new Resend(key, { baseUrl }) and reads it back as sent', async () => {
    const s = stack();
    const resend = new Resend(s.apiKey, { baseUrl: s.apiUrl });

    const { data, error } = await resend.emails.send({
      from: s.from,
      to: ['ada@example.org'],
      subject: 'Sent with the resend SDK',
      html: '<p>Hello from the SDK</p>',
      tags: [{ name: 'source', value: 'sdk' }],
    });
    expect(error).toBeNull();
    expect(data?.id).toMatch(/^[A-Za-z0-9_-]+$/);

    const email = await waitFor(
      async () => {
        const got = await resend.emails.get(data!.id);
        return got.data?.last_event === 'sent' ? got.data : undefined;
      },
      { what: 'the SDK to see last_event sent', timeoutMs: 60_000 },
    );
    expect(email).toMatchObject({ object: 'email', id: data!.id, subject: 'Sent with the resend SDK', to: ['ada@example.org'] });
    expect((await sesInbox(s)).filter((m) => m.subject === 'Sent with the resend SDK')).toHaveLength(1);
  });

  it("surfaces Mailroom's validation errors through the SDK", async () => {
    const s = stack();
    const resend = new Resend(s.apiKey, { baseUrl: s.apiUrl });
    const { data, error } = await resend.emails.send({ from: s.from, to: ['not-an-address'], subject: 'x', text: 'x' });
    expect(data).toBeNull();
    expect(error).toMatchObject({ name: 'validation_error', statusCode: 422 });
  });

  it('is refused with a wrong key', async () => {
    const s = stack();
    const resend = new Resend(`mr_${'z'.repeat(43)}`, { baseUrl: s.apiUrl });
    const { data, error } = await resend.emails.send({ from: s.from, to: ['ada@example.org'], subject: 'x', text: 'x' });
    expect(data).toBeNull();
    expect(error).toMatchObject({ name: 'invalid_api_key', statusCode: 403 });
  });
});
