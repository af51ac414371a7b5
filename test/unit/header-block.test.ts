import { describe, expect, it } from 'vitest';
import { buildMime } from '#shared/rendering/mime';
import { decodeEncodedWords, parseHeaderBlock } from '#shared/rendering/header-block';

describe('the header block shown on the console’s email page', () => {
  it('reads what the sender’s composer writes: folded, encoded, in order, without the body', async () => {
    const { raw } = await buildMime({
      emailId: 'em_1',
      from: 'Zoë Shop <shop@example.com>',
      to: ['Ada <ada@example.org>'],
      cc: [],
      replyTo: [],
      subject: `Grüße — your order${' is ready'.repeat(12)}`,
      html: '<p>Hello</p>',
      text: 'Hello',
      headers: { 'X-Campaign': 'spring' },
      date: new Date('2030-01-01T12:00:00Z'),
    });
    const headers = parseHeaderBlock(raw.toString());
    const get = (name: string) => headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
    expect(get('Subject')).toBe(`Grüße — your order${' is ready'.repeat(12)}`);
    expect(get('From')).toBe('Zoë Shop <shop@example.com>');
    expect(get('Message-ID')).toBe('<em_1@example.com>');
    expect(get('X-Mailroom-Email-ID')).toBe('em_1');
    expect(get('X-Campaign')).toBe('spring');
    expect(get('Date')).toBe('Tue, 01 Jan 2030 12:00:00 +0000');
    expect(headers.some(([n]) => n === 'Hello' || n.startsWith('<p>'))).toBe(false);
  });

  it('decodes B and Q words and leaves a broken one as it is', () => {
    expect(decodeEncodedWords('=?UTF-8?B?R3LDvMOfZQ==?= und =?utf-8?Q?=C3=BC_ber?=')).toBe('Grüße und ü ber');
    expect(decodeEncodedWords('=?nope-charset?Q?x?=')).toBe('=?nope-charset?Q?x?=');
  });
});
