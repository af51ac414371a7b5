import { describe, expect, it } from 'vitest';
import { InvalidIdempotencyKeyError, MalformedRequestError, PayloadTooLargeError } from '#shared/domain/errors';
import { idempotencyKeyOf, jsonBody, MAX_JSON_DEPTH } from '#shared/http/api';

const body = (text: string, isBase64Encoded = false) => ({ body: isBase64Encoded ? Buffer.from(text).toString('base64') : text, isBase64Encoded });

describe('jsonBody', () => {
  it('parses JSON, plain or base64-encoded', () => {
    expect(jsonBody(body('{"a":1}'), 100)).toEqual({ a: 1 });
    expect(jsonBody(body('{"a":"é"}', true), 100)).toEqual({ a: 'é' });
  });

  it('refuses an oversize body with 413, before decoding a base64 one', () => {
    expect(() => jsonBody(body(`"${'x'.repeat(200)}"`), 100)).toThrow(PayloadTooLargeError);
    expect(() => jsonBody({ body: 'A'.repeat(1_000), isBase64Encoded: true }, 100)).toThrow(PayloadTooLargeError);
    expect(() => jsonBody(body('"éééé"'), 9)).toThrow(PayloadTooLargeError);
  });

  it('refuses bytes that are not UTF-8 with 400', () => {
    const bad = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]).toString('base64');
    expect(() => jsonBody({ body: bad, isBase64Encoded: true }, 100)).toThrow(/not valid UTF-8/);
  });

  it('refuses unpaired surrogate escapes in values and keys', () => {
    expect(() => jsonBody(body('{"a":"\\ud800"}'), 100)).toThrow(MalformedRequestError);
    expect(() => jsonBody(body('{"\\udc00":1}'), 100)).toThrow(MalformedRequestError);
    expect(jsonBody(body('{"a":"\\ud83d\\udc8c"}'), 100)).toEqual({ a: '💌' });
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH} levels without overflowing the stack`, () => {
    const ok = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    expect(() => jsonBody(body(ok), 1e6)).not.toThrow();
    const deep = `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`;
    expect(() => jsonBody(body(deep), 1e6)).toThrow(/nested more than/);
    const hostile = `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`;
    expect(() => jsonBody(body(hostile), 1e6)).toThrow(MalformedRequestError);
  });

  it('keeps `__proto__` as a plain key and never pollutes prototypes', () => {
    const parsed = jsonBody(body('{"__proto__":{"polluted":true}}'), 100) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses empty and malformed bodies with 400', () => {
    expect(() => jsonBody({ body: '', isBase64Encoded: false }, 100)).toThrow(MalformedRequestError);
    expect(() => jsonBody(body('{"a":'), 100)).toThrow(MalformedRequestError);
  });
});

describe('idempotencyKeyOf', () => {
  it('accepts 1-256 printable ASCII characters in any header casing', () => {
    expect(idempotencyKeyOf({ headers: { 'Idempotency-Key': 'order-42' } })).toBe('order-42');
    expect(idempotencyKeyOf({ headers: {} })).toBeUndefined();
  });

  it('refuses long or non-ASCII keys with 400 invalid_idempotency_key', () => {
    for (const key of ['k'.repeat(257), 'ключ', 'a\u0000b']) {
      expect(() => idempotencyKeyOf({ headers: { 'idempotency-key': key } })).toThrow(InvalidIdempotencyKeyError);
    }
  });
});
