import { describe, expect, it } from 'vitest';
import { createFallbackHandler } from '#functions/fallback/app';
import { lambdaContext } from '#infra/local/api-server';
import { answer, apiEvent } from '#test/support/api-event';

/** The `$default` route's function: what API Gateway would otherwise answer with a bare {"message":"Not Found"}. */
describe('fallback function ($default route)', () => {
  const handler = createFallbackHandler({});
  const call = async (method: string, path: string) => {
    const event = { ...apiEvent(`${method} ${path}`, { principal: null }), routeKey: '$default' };
    const res = await handler(event, lambdaContext('fallback'));
    return { ...answer(res), headers: res.headers };
  };

  it('answers an unknown path with 404 not_found in Resend’s shape, with or without a key', async () => {
    expect(await call('GET', '/nope')).toMatchObject({ status: 404, body: { statusCode: 404, name: 'not_found', message: expect.stringContaining('/nope') } });
  });

  it('answers a known path with another method with 405 method_not_allowed and an allow header', async () => {
    const res = await call('PUT', '/emails/abc');
    expect(res).toMatchObject({ status: 405, body: { statusCode: 405, name: 'method_not_allowed' } });
    expect(res.headers.allow).toBe('GET, PATCH');
    expect((await call('DELETE', '/emails/')).headers.allow).toBe('POST, GET');
  });
});
