/**
 * One-click unsubscribe tokens (RFC 8058 links): `<payload>.<signature>`, both base64url. The
 * payload names the tenant, the address, the scope it unsubscribes from and an expiry; the
 * signature is HMAC-SHA256 over the payload part, compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { MailroomError } from './errors';

/** Days an unsubscribe link keeps working (CAN-SPAM asks for at least 30 after the send). */
export const UNSUBSCRIBE_TOKEN_DAYS = 90;

export interface UnsubscribeClaims {
  readonly tenantId: string;
  /** Bare, lower-cased address. */
  readonly address: string;
  /** What the link unsubscribes from; transactional and critical mail is never blocked by it. */
  readonly scope: 'marketing';
  /** The email that carried the link (for the suppression's source). */
  readonly emailId?: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

const payloadSchema = z.object({
  v: z.literal(1),
  t: z.string().min(1),
  a: z.string().min(3),
  s: z.literal('marketing'),
  e: z.number().int(),
  m: z.string().optional(),
});

/** A token that is malformed, tampered with, signed with another key or expired. */
export class InvalidUnsubscribeTokenError extends MailroomError {
  constructor(message = 'This unsubscribe link is invalid or has expired.') {
    super(message, 403, 'invalid_access');
    this.name = 'InvalidUnsubscribeTokenError';
  }
}

const sign = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

export function createUnsubscribeToken(key: string | Buffer, claims: UnsubscribeClaims): string {
  const payload = Buffer.from(
    JSON.stringify({
      v: 1,
      t: claims.tenantId,
      a: claims.address.toLowerCase(),
      s: claims.scope,
      e: claims.expiresAt,
      ...(claims.emailId ? { m: claims.emailId } : {}),
    }),
    'utf8',
  ).toString('base64url');
  return `${payload}.${sign(key, payload).toString('base64url')}`;
}

/** Verifies signature and expiry; throws InvalidUnsubscribeTokenError (403). */
export function verifyUnsubscribeToken(key: string | Buffer, token: string, now: Date): UnsubscribeClaims {
  const match = /^([A-Za-z0-9_-]{1,2048})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) throw new InvalidUnsubscribeTokenError();
  const [, payload, signature] = match as unknown as [string, string, string];
  const expected = sign(key, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidUnsubscribeTokenError();
  let parsed: z.infer<typeof payloadSchema>;
  try {
    parsed = payloadSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch (error) {
    throw Object.assign(new InvalidUnsubscribeTokenError(), { cause: error });
  }
  if (parsed.e * 1000 <= now.getTime()) throw new InvalidUnsubscribeTokenError('This unsubscribe link has expired.');
  return { tenantId: parsed.t, address: parsed.a, scope: parsed.s, expiresAt: parsed.e, ...(parsed.m ? { emailId: parsed.m } : {}) };
}
