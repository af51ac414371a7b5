import { describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/domain/errors';
import { assertSafeHeaders, MAX_CUSTOM_HEADERS } from '#shared/rendering/headers';

describe('custom header hygiene', () => {
  it('accepts ordinary custom headers', () => {
    expect(() => assertSafeHeaders({ 'X-Entity-Ref-ID': '123', 'In-Reply-To': '<a@b>' })).not.toThrow();
  });

  it.each(['Bcc', 'FROM', 'content-type', 'Reply-To', 'X-Mailroom-Email-ID', 'x-ses-configuration-set', 'X-SES-Anything'])(
    'refuses the reserved header %s',
    (name) => {
      expect(() => assertSafeHeaders({ [name]: 'x' })).toThrow(/cannot be set/);
    },
  );

  it('refuses invalid names, injected line breaks and control characters', () => {
    const cases: Record<string, string>[] = [
      { 'X Bad': 'x' },
      { 'X:Bad': 'x' },
      { 'X-Ü': 'x' },
      { '': 'x' },
      { 'X-A': 'a\r\nBcc: evil@example.com' },
      { 'X-A': 'a\u0000b' },
      { 'X-A': 'a\u001bb' },
    ];
    for (const headers of cases) {
      expect(() => assertSafeHeaders(headers), JSON.stringify(headers)).toThrow(ValidationError);
    }
  });

  it('refuses the same header twice in different casing, and too many headers', () => {
    expect(() => assertSafeHeaders({ 'X-A': '1', 'x-a': '2' })).toThrow(/twice/);
    const many = Object.fromEntries(Array.from({ length: MAX_CUSTOM_HEADERS + 1 }, (_, i) => [`X-H${i}`, 'v']));
    expect(() => assertSafeHeaders(many)).toThrow(/Too many/);
  });

  it('refuses a header name over 76 characters and a value over 998', () => {
    expect(() => assertSafeHeaders({ [`X-${'a'.repeat(75)}`]: 'x' })).toThrow(ValidationError);
    expect(() => assertSafeHeaders({ 'X-Long': 'a'.repeat(999) })).toThrow(/998/);
    expect(() => assertSafeHeaders({ 'X-Long': 'a'.repeat(998) })).not.toThrow();
  });

  it('answers a refused header with a 422 validation_error', () => {
    try {
      assertSafeHeaders({ Bcc: 'x@example.org' });
      expect.fail('accepted Bcc');
    } catch (error) {
      expect((error as ValidationError).statusCode).toBe(422);
      expect((error as ValidationError).code).toBe('validation_error');
    }
  });
});
