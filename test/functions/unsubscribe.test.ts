import { beforeEach, describe, expect, it } from 'vitest';
import { MemorySuppressionStore } from '#shared/adapters/memory/memory-suppression-store';
import { createUnsubscribeToken } from '#shared/domain/unsubscribe-token';
import { withApi } from '#shared/http/middy';
import { systemClock } from '#shared/ports/index';
import { makeUnsubscribeHandler } from '#functions/unsubscribe/app';
import { makeSuppressionsHandler } from '#functions/suppressions/app';
import { answer, apiEvent, TENANT } from '#test/support/api-event';
import type { EmailRecord } from '#shared/domain/email';
import { unsubscribeLinks } from '#shared/use-cases/unsubscribe';

const KEY = 'unit-test-signing-key-0123456789';
const token = (over: Partial<{ address: string; expiresAt: number }> = {}) =>
  createUnsubscribeToken(KEY, {
    tenantId: 'acme',
    address: over.address ?? 'ada@example.org',
    scope: 'marketing',
    emailId: 'em1',
    expiresAt: over.expiresAt ?? Math.floor(Date.now() / 1000) + 3600,
  });

describe('unsubscribe handler (RFC 8058 one-click)', () => {
  let suppressions: MemorySuppressionStore;
  let handler: ReturnType<typeof withApi>;
  const call = (method: 'GET' | 'POST', t: string, headers: Record<string, string> = {}) =>
    handler(
      apiEvent(`${method} /unsubscribe/{token}`, {
        principal: null,
        pathParameters: { token: t },
        headers,
        ...(method === 'POST' ? { body: 'List-Unsubscribe=One-Click' } : {}),
      }),
      {} as never,
    );

  beforeEach(() => {
    suppressions = new MemorySuppressionStore();
    handler = withApi(makeUnsubscribeHandler({ suppressions, clock: systemClock, signingKey: async () => KEY }));
  });

  it("POST suppresses the address for the tenant's marketing mail and answers 200", async () => {
    const res = await call('POST', token());
    expect(answer(res)).toEqual({ status: 200, body: { object: 'unsubscribe', unsubscribed: true } });
    expect(await suppressions.get('acme', 'ada@example.org')).toMatchObject({ reason: 'unsubscribe', scope: 'marketing', sourceEmailId: 'em1' });
  });

  it('a marketing unsubscribe blocks marketing and bulk but never transactional or critical mail', async () => {
    await call('POST', token());
    for (const lane of ['marketing', 'bulk'] as const)
      expect(await suppressions.suppressed('acme', ['ada@example.org'], lane)).toEqual(new Set(['ada@example.org']));
    for (const lane of ['transactional', 'critical'] as const) expect(await suppressions.suppressed('acme', ['ada@example.org'], lane)).toEqual(new Set());
  });

  it('does not narrow an existing all-lanes suppression', async () => {
    await suppressions.put({ tenantId: 'acme', address: 'ada@example.org', reason: 'bounce', scope: 'all', createdAt: new Date().toISOString() });
    await call('POST', token());
    expect(await suppressions.get('acme', 'ada@example.org')).toMatchObject({ reason: 'bounce', scope: 'all' });
  });

  it('answers 403 JSON to a tampered token and suppresses nothing', async () => {
    const t = token();
    const tampered = `${Buffer.from(JSON.stringify({ v: 1, t: 'acme', a: 'eve@example.org', s: 'marketing', e: 9_999_999_999 })).toString('base64url')}.${t.split('.')[1]}`;
    const res = answer(await call('POST', tampered));
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ statusCode: 403, name: 'invalid_access' });
    expect(suppressions.items.size).toBe(0);
  });

  it('answers 403 to an expired token', async () => {
    expect((await call('POST', token({ expiresAt: Math.floor(Date.now() / 1000) - 1 }))).statusCode).toBe(403);
  });

  it('GET shows a confirmation page with a form that POSTs, and does not unsubscribe', async () => {
    const res = await call('GET', token());
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toMatch(/<form method="post"/);
    expect(suppressions.items.size).toBe(0);
  });

  it('GET of a bad token is a 403 HTML page', async () => {
    const res = await call('GET', 'garbage');
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});

describe('List-Unsubscribe headers (sender content decorator)', () => {
  const base = {
    tenantId: 'acme',
    from: 'Acme <news@acme.test>',
    to: ['Ada <ada@example.org>'],
    cc: [],
    bcc: [],
    subject: 'News',
    html: '<p>hi</p>',
  } as unknown as EmailRecord;
  const links = unsubscribeLinks({ baseUrl: 'https://mail.acme.test/', clock: systemClock, signingKey: async () => KEY });
  const inner = { build: async (e: EmailRecord) => ({ subject: e.subject ?? '', html: e.html }) };

  it('adds RFC 8058 headers with a verifiable HTTPS link and a mailto on marketing and bulk lanes', async () => {
    for (const lane of ['marketing', 'bulk'] as const) {
      const content = await links.wrap(inner).build({ ...base, id: `em-${lane}`, lane });
      expect(content.headers?.['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
      const m = /^<https:\/\/mail\.acme\.test\/unsubscribe\/([^>]+)>, <mailto:unsubscribe@acme\.test\?subject=unsubscribe>$/.exec(
        content.headers?.['List-Unsubscribe'] ?? '',
      );
      expect(m).not.toBeNull();
      const s = new MemorySuppressionStore();
      await withApi(makeUnsubscribeHandler({ suppressions: s, clock: systemClock, signingKey: async () => KEY }))(
        apiEvent('POST /unsubscribe/{token}', { principal: null, pathParameters: { token: m![1]! } }),
        {} as never,
      );
      expect(await s.get('acme', 'ada@example.org')).toMatchObject({ sourceEmailId: `em-${lane}` });
    }
  });

  it('leaves transactional and critical mail without unsubscribe headers', async () => {
    for (const lane of ['transactional', 'critical'] as const) expect((await links.wrap(inner).build({ ...base, id: 'x', lane })).headers).toBeUndefined();
  });

  it('gives templates the same link as unsubscribe_url', async () => {
    const email = { ...base, id: 'tpl', lane: 'marketing' } as EmailRecord;
    const vars = await links.variables(email);
    const content = await links.wrap(inner).build(email);
    expect(content.headers?.['List-Unsubscribe']).toContain(`<${vars.unsubscribe_url}>`);
  });
});

describe('suppressions API handler', () => {
  let suppressions: MemorySuppressionStore;
  const call = (routeKey: string, options: Parameters<typeof apiEvent>[1] = {}) =>
    withApi(makeSuppressionsHandler({ suppressions, clock: systemClock }))(apiEvent(routeKey, options), {} as never).then(answer);
  const writer = { ...TENANT, scopes: ['suppressions:write' as const] };

  beforeEach(() => {
    suppressions = new MemorySuppressionStore();
  });

  it('adds, lists with a cursor and deletes addresses', async () => {
    expect(await call('POST /suppressions', { principal: writer, body: { email: 'Ada <ADA@example.org>' } })).toMatchObject({
      status: 201,
      body: { email: 'ada@example.org', reason: 'manual', scope: 'all' },
    });
    await call('POST /suppressions', { principal: writer, body: { email: 'bob@example.org', reason: 'unsubscribe', scope: 'marketing' } });
    const page1 = await call('GET /suppressions', { query: { limit: '1' } });
    expect(page1.body).toMatchObject({ object: 'list', has_more: true, data: [{ email: 'ada@example.org' }] });
    const page2 = await call('GET /suppressions', { query: { limit: '1', after: page1.body.next_cursor } });
    expect(page2.body.data).toEqual([expect.objectContaining({ email: 'bob@example.org', scope: 'marketing' })]);
    expect(await call('DELETE /suppressions/{email}', { principal: writer, pathParameters: { email: encodeURIComponent('ada@example.org') } })).toMatchObject({
      status: 200,
      body: { deleted: true },
    });
    expect(await call('DELETE /suppressions/{email}', { principal: writer, pathParameters: { email: 'ada@example.org' } })).toMatchObject({ status: 404 });
  });

  it('needs the suppressions:write scope to change the list', async () => {
    expect(await call('POST /suppressions', { body: { email: 'ada@example.org' } })).toMatchObject({ status: 401, body: { name: 'restricted_api_key' } });
    expect(await call('DELETE /suppressions/{email}', { pathParameters: { email: 'ada@example.org' } })).toMatchObject({ status: 401 });
  });

  it('answers 422 to a bad address or reason, never 500', async () => {
    expect((await call('POST /suppressions', { principal: writer, body: { email: 'nope' } })).status).toBe(422);
    expect((await call('POST /suppressions', { principal: writer, body: { email: 'a@example.org', reason: 'spite' } })).status).toBe(422);
    expect((await call('POST /suppressions', { principal: writer, body: '{' })).status).toBe(400);
  });
});
