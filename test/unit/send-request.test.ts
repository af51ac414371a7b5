import { describe, expect, it } from 'vitest';
import { MalformedRequestError, PayloadTooLargeError, ValidationError } from '#shared/domain/errors';
import { MAX_RECIPIENTS, parseSendRequest } from '#shared/domain/send-request';
import { jsonBody } from '#shared/http/api';

const valid = { from: 'Acme <hello@acme.test>', to: 'ada@example.org', subject: 'Hi', html: '<p>Hi</p>' };

/** The ValidationError a body is refused with (fails the test if it is accepted). */
function refusal(body: unknown): ValidationError {
  try {
    parseSendRequest(body);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('the request was accepted');
}

const addresses = (n: number) => Array.from({ length: n }, (_, i) => `r${i}@example.org`);

describe('send request validation', () => {
  it("accepts Resend's body and normalises addresses", () => {
    const req = parseSendRequest({
      ...valid,
      to: ['Ada <ada@example.org>'],
      cc: 'c@example.org',
      reply_to: 'r@example.org',
      tags: [{ name: 'kind', value: 'welcome-1' }],
    });
    expect(req.from).toBe('"Acme" <hello@acme.test>');
    expect(req.fromDomain).toBe('acme.test');
    expect(req.to).toEqual(['"Ada" <ada@example.org>']);
    expect(req.cc).toEqual(['c@example.org']);
    expect(req.replyTo).toEqual(['r@example.org']);
    expect(req.tags).toEqual([{ name: 'kind', value: 'welcome-1' }]);
  });

  it.each([
    ['from', { to: valid.to, subject: 'Hi', html: 'x' }],
    ['to', { from: valid.from, subject: 'Hi', html: 'x' }],
    ['to (empty list)', { ...valid, to: [] }],
    ['subject', { from: valid.from, to: valid.to, html: 'x' }],
    ['html and text', { from: valid.from, to: valid.to, subject: 'Hi' }],
  ])('answers 422 missing_required_field when %s is missing', (_field, body) => {
    const error = refusal(body);
    expect(error.statusCode).toBe(422);
    expect(error.code).toBe('missing_required_field');
  });

  it('names the missing field in the message', () => {
    expect(refusal({ to: valid.to, subject: 'x', text: 'x' }).message).toContain('`from`');
    expect(refusal({ from: valid.from, to: valid.to, subject: 'Hi' }).message).toMatch(/html.*text/);
  });

  it('accepts text without html', () => {
    expect(parseSendRequest({ from: valid.from, to: valid.to, subject: 'Hi', text: 'plain' }).text).toBe('plain');
  });

  it.each([
    ['a number as to', { ...valid, to: 5 }],
    ['a bad to address', { ...valid, to: 'not-an-address' }],
    ['a bad from address', { ...valid, from: 'nobody' }],
    ['a bad cc in a list', { ...valid, cc: ['ok@example.org', 'nope'] }],
    ['subject of the wrong type', { ...valid, subject: 42 }],
    ['headers that are not strings', { ...valid, headers: { 'X-A': 1 } }],
  ])('answers 422 validation_error for %s', (_what, body) => {
    const error = refusal(body);
    expect(error.statusCode).toBe(422);
    expect(error.code).toBe('validation_error');
  });

  it('does not call a field of the wrong type missing', () => {
    const wrongFrom = refusal({ ...valid, from: 5 });
    expect(wrongFrom.code).toBe('validation_error');
    expect(wrongFrom.message).not.toMatch(/missing/i);
    expect(refusal({ ...valid, subject: 42 }).message).toContain('`subject`');
    expect(refusal({ ...valid, subject: 42 }).message).not.toMatch(/missing/i);
  });

  it('points at the bad list entry', () => {
    expect(refusal({ ...valid, cc: ['ok@example.org', 'nope'] }).message).toContain('cc[1]');
  });

  it(`allows ${MAX_RECIPIENTS} recipients across to, cc and bcc`, () => {
    const req = parseSendRequest({ ...valid, to: addresses(20), cc: addresses(20), bcc: addresses(10) });
    expect(req.to.length + req.cc.length + req.bcc.length).toBe(MAX_RECIPIENTS);
  });

  it(`refuses ${MAX_RECIPIENTS + 1} recipients across to, cc and bcc`, () => {
    const error = refusal({ ...valid, to: addresses(20), cc: addresses(20), bcc: addresses(11) });
    expect(error.code).toBe('validation_error');
    expect(error.message).toContain('51');
  });

  it(`refuses more than ${MAX_RECIPIENTS} in to alone`, () => {
    expect(refusal({ ...valid, to: addresses(51) }).code).toBe('validation_error');
  });

  it.each([
    ['CR LF in from', { ...valid, from: 'Acme <hello@acme.test>\r\nBcc: victim@example.org' }],
    ['LF in from', { ...valid, from: 'Acme\n<hello@acme.test>' }],
    ['CR LF in subject', { ...valid, subject: 'Hi\r\nBcc: victim@example.org' }],
    ['LF in subject', { ...valid, subject: 'Hi\nthere' }],
    ['CR in subject', { ...valid, subject: 'Hi\rthere' }],
    ['CR LF in a header value', { ...valid, headers: { 'X-Campaign': 'a\r\nBcc: victim@example.org' } }],
    ['LF in a header value', { ...valid, headers: { 'X-Campaign': 'a\nb' } }],
    ['LF in a to address', { ...valid, to: 'ada@example.org\nBcc: victim@example.org' }],
  ])('refuses header injection: %s', (_what, body) => {
    const error = refusal(body);
    expect(error.statusCode).toBe(422);
    expect(error.code).toBe('validation_error');
  });

  it.each(['Bcc', 'to', 'From', 'Message-ID', 'X-Mailroom-Email-ID', 'Content-Type', 'DKIM-Signature', 'List-Unsubscribe', 'X-SES-CONFIGURATION-SET'])(
    'refuses the reserved header %s',
    (name) => {
      const error = refusal({ ...valid, headers: { [name]: 'x' } });
      expect(error.code).toBe('validation_error');
      expect(error.message).toContain(name);
    },
  );

  it('keeps caller headers that are not reserved', () => {
    expect(parseSendRequest({ ...valid, headers: { 'X-Entity-Ref-ID': '123', 'List-Id': 'news <news.acme.test>' } }).headers).toEqual({
      'X-Entity-Ref-ID': '123',
      'List-Id': 'news <news.acme.test>',
    });
  });

  it('names unknown top-level fields in the message', () => {
    const error = refusal({ ...valid, sendAt: 'tomorrow', colour: 'blue' });
    expect(error.code).toBe('validation_error');
    expect(error.message).toContain('`sendAt`');
    expect(error.message).toContain('`colour`');
  });

  it.each([
    ['a space in a tag name', { name: 'my tag', value: 'x' }],
    ['a dot in a tag value', { name: 'kind', value: 'a.b' }],
    ['non-ASCII in a tag value', { name: 'kind', value: 'café' }],
    ['an empty tag value', { name: 'kind', value: '' }],
  ])('refuses %s', (_what, tag) => {
    const error = refusal({ ...valid, tags: [tag] });
    expect(error.code).toBe('validation_error');
    expect(error.message).toContain('tags.0');
  });

  it('refuses a body that is not an object', () => {
    expect(refusal([valid]).code).toBe('validation_error');
    expect(refusal('hello').code).toBe('validation_error');
    expect(refusal(null).code).toBe('validation_error');
  });

  // resend.com/docs/api-reference/emails/send-email: `from`, `template`, `topic_id`.
  it('keeps `from` exactly as sent beside the normalised header value', () => {
    const req = parseSendRequest(valid);
    expect(req.from).toBe('"Acme" <hello@acme.test>');
    expect(req.fromAsSent).toBe('Acme <hello@acme.test>');
    expect(parseSendRequest({ ...valid, from: 'hello@acme.test' }).fromAsSent).toBeUndefined();
  });

  it('refuses `template` together with `html` or `text` (the template is the body)', () => {
    for (const extra of [{ html: '<p>x</p>' }, { text: 'x' }]) {
      const { html: _html, ...rest } = valid;
      const error = refusal({ ...rest, ...extra, template: { id: 'welcome' } });
      expect(error).toMatchObject({ statusCode: 422, code: 'validation_error' });
      expect(error.message).toMatch(/template.*html.*text/);
    }
  });

  it("fills `from` and `reply_to` from the template's defaults when the send leaves them out; the payload wins", () => {
    const { from: _f, subject: _s, html: _h, ...noFrom } = valid;
    const body = { ...noFrom, template: { id: 'welcome' } };
    expect(refusal(body)).toMatchObject({ code: 'missing_required_field' });
    const filled = parseSendRequest(body, { from: 'Shop <shop@acme.test>', replyTo: ['help@acme.test'] });
    expect(filled).toMatchObject({ fromAddress: 'shop@acme.test', replyTo: ['help@acme.test'] });
    const own = parseSendRequest({ ...body, from: 'me@acme.test', reply_to: 'r@acme.test' }, { from: 'Shop <shop@acme.test>', replyTo: ['help@acme.test'] });
    expect(own).toMatchObject({ fromAddress: 'me@acme.test', replyTo: ['r@acme.test'] });
    // Before the template is known (the idempotency pre-check) a missing `from` is not yet an error.
    expect(() => parseSendRequest(body, 'deferred')).not.toThrow();
    expect(() => parseSendRequest(noFrom, 'deferred')).toThrow(ValidationError);
  });

  it('accepts and keeps `topic_id` (null means none)', () => {
    expect(parseSendRequest({ ...valid, topic_id: 'topic_1' }).topicId).toBe('topic_1');
    expect(parseSendRequest({ ...valid, topic_id: null }).topicId).toBeUndefined();
  });
});

describe('prototype keys in maps (docs/security.md)', () => {
  const base = { from: 'a@example.com', to: 'b@example.org', subject: 's', text: 't' };
  it.each([
    ['headers', '{"__proto__":{"X-Evil":"1"}}'],
    ['headers', '{"constructor":"x"}'],
    ['headers', '{"X-Ok":"1","prototype":"x"}'],
  ])('refuses %s with a prototype key by name (422), never drops it silently: %s', (field, json) => {
    const body = { ...base, [field]: JSON.parse(json) };
    expect(() => parseSendRequest(body)).toThrow(ValidationError);
    expect(() => parseSendRequest(body)).toThrow(/the key "(__proto__|constructor|prototype)" is not allowed/);
  });

  it('refuses a template variable named __proto__', () => {
    const body = { from: 'a@example.com', to: 'b@example.org', template: JSON.parse('{"id":"welcome","variables":{"__proto__":{"admin":true}}}') };
    expect(() => parseSendRequest(body)).toThrow(/`template.variables` field: the key "__proto__"/);
  });

  it('keeps ordinary headers', () => {
    expect(parseSendRequest({ ...base, headers: JSON.parse('{"X-Campaign":"7"}') }).headers).toEqual({ 'X-Campaign': '7' });
  });
});

describe('request body parsing (400 and 413)', () => {
  it('answers 400 invalid_request for malformed JSON', () => {
    try {
      jsonBody({ body: '{"from": ', isBase64Encoded: false }, 1_000);
      expect.fail('accepted malformed JSON');
    } catch (error) {
      expect(error).toBeInstanceOf(MalformedRequestError);
      expect((error as MalformedRequestError).statusCode).toBe(400);
      expect((error as MalformedRequestError).code).toBe('invalid_request');
    }
  });

  it('answers 400 for an empty body', () => {
    expect(() => jsonBody({ body: '', isBase64Encoded: false }, 1_000)).toThrow(MalformedRequestError);
  });

  it('answers 413 for a body over the limit, counting bytes not characters', () => {
    const body = JSON.stringify({ subject: 'é'.repeat(60) }); // 60 chars, 120 bytes of é
    expect(() => jsonBody({ body, isBase64Encoded: false }, 100)).toThrow(PayloadTooLargeError);
    expect(jsonBody({ body, isBase64Encoded: false }, 1_000)).toEqual({ subject: 'é'.repeat(60) });
  });

  it('decodes a base64 body', () => {
    expect(jsonBody({ body: Buffer.from('{"a":1}').toString('base64'), isBase64Encoded: true }, 100)).toEqual({ a: 1 });
  });
});
