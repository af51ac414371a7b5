import { simpleParser, type AddressObject } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildMime, CORRELATION_HEADER, messageIdFor, type MimeInput } from '#shared/rendering/mime';

const input: MimeInput = {
  emailId: '5b0c0b7e-0f8a-4a37-8a61-0c5c3a8f7d11',
  from: '"Acme" <hello@acme.test>',
  to: ['"Ada" <ada@example.org>'],
  cc: ['cc@example.org'],
  replyTo: ['support@acme.test'],
  subject: 'Your order ✓',
  html: '<p>Thanks, <b>Ada</b></p>',
  text: 'Thanks, Ada',
  headers: { 'X-Entity-Ref-ID': 'order-42', 'List-Id': 'Orders <orders.acme.test>' },
  date: new Date('2030-01-02T03:04:05Z'),
};

const addrs = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value.map((v) => v.address));

describe('MIME building', () => {
  it('stamps Message-ID <id@sender-domain>', async () => {
    const { raw, messageId } = await buildMime(input);
    expect(messageId).toBe(`<${input.emailId}@acme.test>`);
    expect((await simpleParser(raw)).messageId).toBe(messageId);
  });

  it('stamps the X-Mailroom-Email-ID correlation header', async () => {
    const parsed = await simpleParser((await buildMime(input)).raw);
    expect(parsed.headers.get(CORRELATION_HEADER.toLowerCase())).toBe(input.emailId);
  });

  it("keeps the caller's headers", async () => {
    const parsed = await simpleParser((await buildMime(input)).raw);
    expect(parsed.headers.get('x-entity-ref-id')).toBe('order-42');
    expect(parsed.headerLines.find((l) => l.key === 'list-id')?.line).toMatch(/^List-Id: Orders <orders.acme.test>$/i);
  });

  it('writes from, to, cc, reply-to, subject and date', async () => {
    const parsed = await simpleParser((await buildMime(input)).raw);
    expect(parsed.from?.value[0]).toMatchObject({ name: 'Acme', address: 'hello@acme.test' });
    expect(addrs(parsed.to)).toEqual(['ada@example.org']);
    expect(addrs(parsed.cc)).toEqual(['cc@example.org']);
    expect(addrs(parsed.replyTo)).toEqual(['support@acme.test']);
    expect(parsed.subject).toBe('Your order ✓');
    expect(parsed.date?.toISOString()).toBe('2030-01-02T03:04:05.000Z');
  });

  it('never writes a Bcc header (Bcc travels in the envelope only)', async () => {
    const { raw } = await buildMime({ ...input, headers: {} });
    expect(raw.toString('utf8')).not.toMatch(/^bcc:/im);
    expect((await simpleParser(raw)).bcc).toBeUndefined();
  });

  it('builds text and html as multipart/alternative', async () => {
    const { raw } = await buildMime(input);
    expect(raw.toString('utf8')).toMatch(/Content-Type: multipart\/alternative/i);
    const parsed = await simpleParser(raw);
    expect(parsed.text?.trim()).toBe('Thanks, Ada');
    expect(parsed.html).toContain('<p>Thanks, <b>Ada</b></p>');
  });

  it('builds an html-only message as a single text/html part', async () => {
    const { text: _t, ...htmlOnly } = input;
    const { raw } = await buildMime(htmlOnly);
    expect(raw.toString('utf8')).not.toMatch(/multipart\/alternative/i);
    expect(raw.toString('utf8')).toMatch(/Content-Type: text\/html/i);
  });

  it('adds attachments as a multipart/mixed message', async () => {
    const { raw } = await buildMime({ ...input, attachments: [{ filename: 'invoice.txt', content: Buffer.from('total: 42'), contentType: 'text/plain' }] });
    const parsed = await simpleParser(raw);
    expect(parsed.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([['invoice.txt', 'total: 42']]);
  });

  it('falls back to mailroom.local when the sender has no domain to borrow', () => {
    expect(messageIdFor('abc', 'nobody')).toBe('<abc@mailroom.local>');
    expect(messageIdFor('abc', 'a@b.example')).toBe('<abc@b.example>');
  });
});
