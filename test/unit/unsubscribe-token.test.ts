import { describe, expect, it } from 'vitest';
import { createUnsubscribeToken, InvalidUnsubscribeTokenError, verifyUnsubscribeToken } from '#shared/domain/unsubscribe-token';

const KEY = 'test-signing-key-0123456789';
const now = new Date('2024-05-01T00:00:00Z');
const claims = { tenantId: 'acme', address: 'Ada@Example.org', scope: 'marketing' as const, emailId: 'em_1', expiresAt: now.getTime() / 1000 + 3600 };

describe('unsubscribe tokens', () => {
  it('round-trips tenant, lower-cased address, scope, email and expiry', () => {
    const token = createUnsubscribeToken(KEY, claims);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyUnsubscribeToken(KEY, token, now)).toEqual({ ...claims, address: 'ada@example.org' });
  });

  it('rejects a token whose payload was changed (another address)', () => {
    const [, sig] = createUnsubscribeToken(KEY, claims).split('.');
    const forged = Buffer.from(JSON.stringify({ v: 1, t: 'acme', a: 'eve@example.org', s: 'marketing', e: claims.expiresAt })).toString('base64url');
    expect(() => verifyUnsubscribeToken(KEY, `${forged}.${sig}`, now)).toThrow(InvalidUnsubscribeTokenError);
  });

  it('rejects a token with a flipped signature character', () => {
    const token = createUnsubscribeToken(KEY, claims);
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    expect(() => verifyUnsubscribeToken(KEY, `${token.slice(0, -2)}${last}${token.at(-1)}`, now)).toThrow(InvalidUnsubscribeTokenError);
  });

  it('rejects a token signed with another key', () => {
    expect(() => verifyUnsubscribeToken(KEY, createUnsubscribeToken('another-key-0123456789', claims), now)).toThrow(InvalidUnsubscribeTokenError);
  });

  it('rejects an expired token and accepts it just before expiry', () => {
    const token = createUnsubscribeToken(KEY, claims);
    expect(() => verifyUnsubscribeToken(KEY, token, new Date(claims.expiresAt * 1000))).toThrow(/expired/);
    expect(verifyUnsubscribeToken(KEY, token, new Date(claims.expiresAt * 1000 - 1000)).tenantId).toBe('acme');
  });

  it.each(['', 'abc', 'a.b', `${'x'.repeat(10)}.${'y'.repeat(43)}`, '../../etc/passwd'])('rejects garbage %j with a 403 error', (token) => {
    const error = (() => {
      try {
        verifyUnsubscribeToken(KEY, token, now);
      } catch (e) {
        return e as InvalidUnsubscribeTokenError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidUnsubscribeTokenError);
    expect(error?.statusCode).toBe(403);
  });
});
