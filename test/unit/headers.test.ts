import { describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/domain/errors';
import { assertSafeHeaders, hasLineBreak, RESERVED_HEADERS } from '#shared/rendering/headers';

describe('header hygiene', () => {
  it('accepts ordinary custom headers', () => {
    expect(() => assertSafeHeaders({ 'X-Entity-Ref-ID': 'abc', 'List-Id': 'News <news.example.org>', 'X-Priority': '1' })).not.toThrow();
  });

  it.each([...RESERVED_HEADERS])('refuses the reserved header %s in any case', (name) => {
    expect(() => assertSafeHeaders({ [name]: 'x' })).toThrow(ValidationError);
    expect(() => assertSafeHeaders({ [name.toUpperCase()]: 'x' })).toThrow(ValidationError);
  });

  it('reserves the headers that decide recipients, sender, identity and tracking', () => {
    for (const name of ['bcc', 'to', 'cc', 'from', 'sender', 'reply-to', 'message-id', 'x-mailroom-email-id', 'x-ses-configuration-set', 'content-type']) {
      expect(RESERVED_HEADERS.has(name), name).toBe(true);
    }
  });

  it.each([
    ['a colon', 'X-Bad:Name'],
    ['a space', 'X Bad'],
    ['a line feed', 'X-Bad\nBcc'],
    ['a non-ASCII character', 'X-Naïve'],
    ['nothing', ''],
    ['77 characters', `X-${'a'.repeat(75)}`],
  ])('refuses a header name with %s', (_what, name) => {
    expect(() => assertSafeHeaders({ [name]: 'x' })).toThrow(/not a valid header field name/);
  });

  it.each(['a\r\nBcc: victim@example.org', 'a\nb', 'a\rb'])('refuses a value with a line break (%j)', (value) => {
    expect(() => assertSafeHeaders({ 'X-Campaign': value })).toThrow(/line break/);
  });

  it('refuses a value longer than 998 characters', () => {
    expect(() => assertSafeHeaders({ 'X-Long': 'a'.repeat(999) })).toThrow(/998/);
    expect(() => assertSafeHeaders({ 'X-Long': 'a'.repeat(998) })).not.toThrow();
  });

  it('answers with a 422 validation_error', () => {
    try {
      assertSafeHeaders({ Bcc: 'x@example.org' });
      expect.fail('accepted Bcc');
    } catch (error) {
      expect((error as ValidationError).statusCode).toBe(422);
      expect((error as ValidationError).code).toBe('validation_error');
    }
  });

  it('detects CR and LF', () => {
    expect(hasLineBreak('a\rb')).toBe(true);
    expect(hasLineBreak('a\nb')).toBe(true);
    expect(hasLineBreak('a b\t')).toBe(false);
  });
});
