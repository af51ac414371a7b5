import { describe, expect, it } from 'vitest';
import { ProviderError } from '#shared/domain/errors';
import { classifySesError } from '#shared/adapters/ses-mail-provider';
import { classifySmtpError } from '#shared/adapters/smtp-mail-provider';
import { allowsFailover } from '#shared/domain/failure-classification';

/** An error shaped like the SES v2 SDK's service exceptions. */
const sesError = (name: string, status?: number, message = `${name} happened`) =>
  Object.assign(new Error(message), { name, ...(status !== undefined ? { $metadata: { httpStatusCode: status } } : {}) });

/** Node's socket errors. */
const netError = (code: string, syscall = 'connect') => Object.assign(new Error(`${syscall} ${code} 127.0.0.1:1`), { code, syscall });

/** nodemailer's SMTP errors. */
const smtpError = (fields: { code?: string; responseCode?: number; message?: string; errno?: number }) =>
  Object.assign(new Error(fields.message ?? 'smtp failed'), fields);

describe('SES error classification', () => {
  it.each([
    ['TooManyRequestsException', 'throttled'],
    ['ThrottlingException', 'throttled'],
    ['SendingPausedException', 'paused'],
    ['MessageRejected', 'permanent'],
    ['MailFromDomainNotVerifiedException', 'permanent'],
    ['BadRequestException', 'permanent'],
    ['NotFoundException', 'permanent'],
    ['AccountSuspendedException', 'permanent'],
  ] as const)('classifies %s as %s, keeping the name as code and the cause', (name, failureClass) => {
    const original = sesError(name, 400);
    const classified = classifySesError(original);
    expect(classified).toBeInstanceOf(ProviderError);
    expect(classified.provider).toBe('ses');
    expect(classified.failureClass).toBe(failureClass);
    expect(classified.code).toBe(name);
    expect(classified.ambiguous).toBe(false);
    expect(classified.cause).toBe(original);
  });

  it('classifies an unknown 429 as throttled', () => {
    expect(classifySesError(sesError('SomethingNew', 429)).failureClass).toBe('throttled');
  });

  it.each([500, 502, 504])('classifies an unknown %i as transient and ambiguous: SES may have read the request', (status) => {
    const c = classifySesError(sesError('InternalServerError', status));
    expect(c.failureClass).toBe('transient');
    expect(c.ambiguous).toBe(true);
  });

  it('classifies 503 ServiceUnavailable as transient and definite: SES refused the request', () => {
    expect(classifySesError(sesError('ServiceUnavailable', 503))).toMatchObject({ failureClass: 'transient', ambiguous: false });
    expect(classifySesError(sesError('SomethingNew', 503))).toMatchObject({ failureClass: 'transient', ambiguous: false });
  });

  it('classifies InternalFailure (500) as ambiguous', () => {
    expect(classifySesError(sesError('InternalFailure', 500))).toMatchObject({ failureClass: 'transient', ambiguous: true });
  });

  it.each([400, 403, 404, 413])('classifies an unknown %i as permanent', (status) => {
    expect(classifySesError(sesError('SomethingNew', status)).failureClass).toBe('permanent');
  });

  it('treats a refused connection as transient and certain (SES never saw the request)', () => {
    const c = classifySesError(netError('ECONNREFUSED'));
    expect(c).toMatchObject({ failureClass: 'transient', code: 'ECONNREFUSED', ambiguous: false });
  });

  it('treats a DNS failure as transient and certain', () => {
    expect(classifySesError(netError('ENOTFOUND', 'getaddrinfo'))).toMatchObject({ failureClass: 'transient', ambiguous: false });
  });

  it('treats a request timeout as transient but ambiguous (SES may have taken the message)', () => {
    const timeout = Object.assign(new Error('a request has exceeded the configured 1000 ms requestTimeout.'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
    expect(classifySesError(timeout)).toMatchObject({ failureClass: 'transient', ambiguous: true });
  });

  it('treats a connection reset after sending as ambiguous', () => {
    expect(classifySesError(netError('ECONNRESET', 'read'))).toMatchObject({ failureClass: 'transient', ambiguous: true });
  });

  it('treats a connect timeout (no connection was made) as certain', () => {
    const connectTimeout = Object.assign(new Error('Socket timed out without establishing a connection within 2000 ms'), { name: 'TimeoutError' });
    expect(classifySesError(connectTimeout)).toMatchObject({ failureClass: 'transient', code: 'ConnectTimeout', ambiguous: false });
  });

  it('finds a network code on a wrapped cause', () => {
    const wrapped = new Error('request failed', { cause: netError('ECONNREFUSED') });
    expect(classifySesError(wrapped)).toMatchObject({ failureClass: 'transient', code: 'ECONNREFUSED', ambiguous: false });
  });
});

describe('SMTP error classification', () => {
  it.each([450, 451])('classifies response %i as transient', (responseCode) => {
    expect(classifySmtpError(smtpError({ code: 'EMESSAGE', responseCode }))).toMatchObject({
      provider: 'smtp',
      failureClass: 'transient',
      code: `SMTP${responseCode}`,
    });
  });

  it.each([421, 452])('classifies response %i (too busy / too many) as throttled', (responseCode) => {
    expect(classifySmtpError(smtpError({ responseCode })).failureClass).toBe('throttled');
  });

  it.each([500, 550, 552, 554])('classifies response %i as permanent', (responseCode) => {
    expect(classifySmtpError(smtpError({ code: 'EENVELOPE', responseCode })).failureClass).toBe('permanent');
  });

  it("classifies nodemailer's refused connection (ESOCKET wrapping ECONNREFUSED) as transient and certain", () => {
    const c = classifySmtpError(smtpError({ code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:1', errno: -111 }));
    expect(c).toMatchObject({ failureClass: 'transient', code: 'ECONNREFUSED', ambiguous: false });
  });

  it('classifies ECONNECTION as transient', () => {
    expect(classifySmtpError(smtpError({ code: 'ECONNECTION', message: 'Connection closed' })).failureClass).toBe('transient');
    // nodemailer does not say at which stage the session was cut: the server may have the message.
    expect(classifySmtpError(smtpError({ code: 'ECONNECTION', message: 'Connection closed unexpectedly' }))).toMatchObject({
      failureClass: 'transient',
      ambiguous: true,
    });
  });

  it('classifies a socket error mid-conversation as transient and ambiguous', () => {
    expect(classifySmtpError(smtpError({ code: 'ETIMEDOUT', message: 'Timeout' }))).toMatchObject({ failureClass: 'transient', ambiguous: true });
  });

  it('classifies failed authentication as permanent', () => {
    expect(classifySmtpError(smtpError({ code: 'EAUTH', message: 'Invalid login' })).failureClass).toBe('permanent');
  });
});

describe('failover rule', () => {
  const opts = { throttleCount: 1, throttleFailoverAfter: 3 };
  const err = (failureClass: 'transient' | 'throttled' | 'paused' | 'permanent', ambiguous = false) =>
    new ProviderError('ses', failureClass, 'X', 'x', { ambiguous });

  it('fails over when SES definitely did not take the message', () => {
    expect(allowsFailover(err('transient'), opts)).toBe(true);
    expect(allowsFailover(err('paused'), opts)).toBe(true);
  });

  it('never fails over after an ambiguous outcome', () => {
    expect(allowsFailover(err('transient', true), opts)).toBe(false);
  });

  it('never fails over a permanent rejection', () => {
    expect(allowsFailover(err('permanent'), opts)).toBe(false);
  });

  it('fails over a throttled message only from the threshold on', () => {
    expect(allowsFailover(err('throttled'), { throttleCount: 2, throttleFailoverAfter: 3 })).toBe(false);
    expect(allowsFailover(err('throttled'), { throttleCount: 3, throttleFailoverAfter: 3 })).toBe(true);
  });
});
