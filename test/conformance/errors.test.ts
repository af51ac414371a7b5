/**
 * Resend's error contract, through the official SDK against local mode.
 * Sources: the SDK's `ErrorResponse` / `RESEND_ERROR_CODE_KEY` (node_modules/resend/dist/index.d.mts),
 * https://resend.com/docs/api-reference/errors, /introduction#rate-limit and
 * /docs/dashboard/emails/idempotency-keys.
 */
import { Resend } from 'resend';
import { describe, expect, it } from 'vitest';
import { DynamoApiKeyStore } from '#shared/adapters/dynamodb-tenant-store';
import { systemClock } from '#shared/ports/index';
import { createApiKey } from '#shared/use-cases/api-keys';
import { useLocalStack } from '#test/support/local-stack';
import { expectResendError } from './contract';

describe('Resend errors (resend.com/docs/api-reference/errors)', () => {
  const stack = useLocalStack();
  const sdk = (key = stack().apiKey) => new Resend(key, { baseUrl: stack().apiUrl });

  it('answers an unknown route with 404 not_found (errors page: not_found)', async () => {
    const { data, error } = await sdk().get('/no-such-resource');
    expect(data).toBeNull();
    expectResendError(error, 404, 'not_found');
  });

  it('answers a known path with the wrong method with 405 method_not_allowed (errors page: method_not_allowed)', async () => {
    const { error } = await sdk().delete('/emails');
    expectResendError(error, 405, 'method_not_allowed');
    // A documented difference: unknown routes are answered without looking at the key.
    const anonymous = await fetch(`${stack().apiUrl}/no-such-resource`);
    expect(anonymous.status).toBe(404);
    expectResendError(await anonymous.json(), 404, 'not_found');
    const wrongMethod = await fetch(`${stack().apiUrl}/emails`, { method: 'DELETE' });
    expect(wrongMethod.headers.get('allow')).toBe('POST, GET');
    expectResendError(await wrongMethod.json(), 405, 'method_not_allowed');
  });

  it('answers a body over the size limit with 413 validation_error (a documented difference in status)', async () => {
    const s = stack();
    const res = await fetch(`${s.apiUrl}/emails`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: s.from, to: 'a@example.org', subject: 'Big', html: 'x'.repeat(500_000) }),
    });
    expectResendError(await res.json(), 413, 'validation_error');
  });

  it('answers a request without Authorization with 401 missing_api_key (errors page: missing_api_key)', async () => {
    const res = await fetch(`${stack().apiUrl}/emails`);
    expect(res.status).toBe(401);
    expectResendError(await res.json(), 401, 'missing_api_key');
  });

  it('answers a key that does not exist with 403 invalid_api_key (errors page: invalid_api_key)', async () => {
    const { error } = await sdk(`mr_${'z'.repeat(43)}`).emails.list();
    expectResendError(error, 403, 'invalid_api_key');
    const { error: malformed } = await sdk('re_123').emails.send({ from: stack().from, to: 'a@example.org', subject: 's', text: 't' });
    expectResendError(malformed, 403, 'invalid_api_key');
  });

  it('answers a key without the needed scope with 401 restricted_api_key (errors page: restricted_api_key)', async () => {
    const s = stack();
    const { key } = await createApiKey(
      { keys: new DynamoApiKeyStore(s.doc, s.names.table), clock: systemClock },
      { tenantId: s.tenantId, scopes: ['emails:read'] },
    );
    const { error } = await sdk(key).emails.send({ from: s.from, to: 'a@example.org', subject: 's', text: 't' });
    expectResendError(error, 401, 'restricted_api_key');
  });

  it('answers an empty Idempotency-Key with 400 invalid_idempotency_key (idempotency keys: 1-256 characters)', async () => {
    const { error } = await sdk().emails.send({ from: stack().from, to: 'a@example.org', subject: 's', text: 't' }, { headers: { 'Idempotency-Key': '' } });
    expectResendError(error, 400, 'invalid_idempotency_key');
    const { error: long } = await sdk().emails.send({ from: stack().from, to: 'a@example.org', subject: 's', text: 't' }, { idempotencyKey: 'k'.repeat(257) });
    expectResendError(long, 400, 'invalid_idempotency_key');
  });

  it('maps Mailroom-specific refusals onto the union: validation_error with the reason in message', async () => {
    const s = stack();
    const res = await fetch(`${s.apiUrl}/emails`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json' },
      body: '{nope',
    });
    expectResendError(await res.json(), 400, 'validation_error');

    const { error: past } = await sdk().emails.send({ from: s.from, to: 'a@example.org', subject: 's', text: 't', scheduledAt: '2001-01-01T00:00:00Z' });
    expectResendError(past, 422, 'validation_error');
    expect(past!.message).toMatch(/scheduled_at/);

    const { error: template } = await sdk().emails.send({ from: s.from, to: 'a@example.org', template: { id: 'no-such-template' } } as never);
    expectResendError(template, 422, 'validation_error');
    expect(template!.message).toMatch(/no-such-template/);

    const sent = await sdk().emails.send({ from: s.from, to: 'a@example.org', subject: 's', text: 't' });
    const { error: state } = await sdk().emails.cancel(sent.data!.id);
    expectResendError(state, 409, 'validation_error');
    expect(state!.message).toMatch(/only scheduled emails/);
  });

  it('sends ratelimit-limit, -remaining and -reset on every authenticated answer (introduction: rate limit)', async () => {
    const sent = await sdk().emails.send({ from: stack().from, to: 'a@example.org', subject: 's', text: 't' });
    const got = await sdk().emails.get(sent.data!.id);
    const listed = await sdk().emails.list();
    const refused = await sdk().emails.get('no-such-email');
    const templates = await sdk().templates.list();
    const others = await Promise.all([sdk().suppressions.list(), sdk().apiKeys.list(), sdk().domains.list(), sdk().webhooks.list()]);
    for (const answer of [sent, got, listed, refused, templates, ...others]) {
      expect(answer.headers).toMatchObject({
        'ratelimit-limit': expect.stringMatching(/^\d+$/),
        'ratelimit-remaining': expect.stringMatching(/^\d+$/),
        'ratelimit-reset': expect.stringMatching(/^\d+$/),
      });
    }
    // The limit counts emails: for a tenant refilling one email per second, a batch of 30 takes 30
    // tokens (the bounds leave ten seconds of refill for a slow machine).
    const { apiKey } = await stack().createTenant('slow-bucket', {
      allowedSenders: ['example.com'],
      limits: { requestsPerSecond: 1, burst: 100, emailsPerDay: 0, perSenderHourlyCap: 0 },
    });
    const slow = sdk(apiKey);
    const batch = await slow.batch.send(Array.from({ length: 30 }, (_, i) => ({ from: stack().from, to: `b${i}@example.org`, subject: 's', text: 't' })));
    expect(batch.error).toBeNull();
    expect(batch.headers).toMatchObject({ 'ratelimit-limit': '100' });
    expect(Number(batch.headers!['ratelimit-remaining'])).toBeLessThanOrEqual(80);
    expect(Number(batch.headers!['ratelimit-reset'])).toBeGreaterThanOrEqual(20);
    // A read right after takes nothing: the bucket only refills.
    const read = await slow.emails.list({ limit: 1 });
    expect(Number(read.headers!['ratelimit-remaining'])).toBeGreaterThanOrEqual(Number(batch.headers!['ratelimit-remaining']));
    // Unauthenticated answers carry none (there is no tenant to describe).
    const anonymous = await fetch(`${stack().apiUrl}/emails`);
    expect(anonymous.headers.get('ratelimit-limit')).toBeNull();
  });
});
