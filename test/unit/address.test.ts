import { describe, expect, it } from 'vitest';
import { normalizeAddress, parseAddress } from '#shared/domain/address';

describe('address parsing', () => {
  it('parses a bare address', () => {
    expect(parseAddress('ada@example.org')).toEqual({ address: 'ada@example.org', domain: 'example.org', formatted: 'ada@example.org' });
  });

  it('keeps a display name and quotes it in the formatted form', () => {
    const parsed = parseAddress('Ada Lovelace <ada@example.org>');
    expect(parsed?.name).toBe('Ada Lovelace');
    expect(parsed?.address).toBe('ada@example.org');
    expect(parsed?.formatted).toBe('"Ada Lovelace" <ada@example.org>');
  });

  it('escapes quotes and backslashes inside a quoted display name', () => {
    const parsed = parseAddress('"Ada \\"The Countess\\" L" <ada@example.org>');
    expect(parsed?.name).toBe('Ada "The Countess" L');
    expect(parsed?.formatted).toBe('"Ada \\"The Countess\\" L" <ada@example.org>');
  });

  it('accepts a UTF-8 display name', () => {
    expect(parseAddress('Zoë Ærø <zoe@example.org>')?.name).toBe('Zoë Ærø');
  });

  it('turns an IDN domain into punycode', () => {
    const parsed = parseAddress('Jörg <jorg@bücher.de>');
    expect(parsed?.domain).toBe('xn--bcher-kva.de');
    expect(parsed?.address).toBe('jorg@xn--bcher-kva.de');
  });

  it('lower-cases the domain but keeps the local part', () => {
    expect(parseAddress('Ada.L@Example.ORG')?.address).toBe('Ada.L@example.org');
    expect(normalizeAddress('Ada <Ada.L@Example.ORG>')).toBe('ada.l@example.org');
  });

  it.each([
    ['a list of two', 'a@example.org, b@example.org'],
    ['a group', 'friends: a@example.org, b@example.org;'],
    ['no at sign', 'example.org'],
    ['no domain', 'ada@'],
    ['no local part', '@example.org'],
    ['a dotless domain', 'ada@localhost'],
    ['garbage', '<<<>>>'],
    ['the empty string', ''],
    ['a line feed', 'ada@example.org\nBcc: x@example.org'],
    ['a NUL', 'ada@exa\0mple.org'],
    ['a local part over 64 characters', `${'a'.repeat(65)}@example.org`],
    ['an unterminated angle bracket', 'Ada <ada@example.org'],
  ])('rejects %s', (_what, input) => {
    expect(parseAddress(input)).toBeUndefined();
  });
});
