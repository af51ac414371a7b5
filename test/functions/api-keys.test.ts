import { describe, expect, it } from 'vitest';
import { makeApiKeysHandler } from '#functions/api-keys/app';
import { MemoryApiKeyStore } from '#shared/adapters/memory/memory-adapters';
import { MemoryDomainStore } from '#shared/adapters/memory/memory-domain-store';
import type { Principal } from '#shared/domain/api-key';
import { ForbiddenError } from '#shared/domain/errors';
import type { SendingDomain } from '#shared/domain/sending-domain';
import { httpErrors } from '#shared/http/api';
import middy from '@middy/core';
import { authenticate } from '#shared/use-cases/api-keys';
import { answer, apiEvent, lambdaContext } from '#test/support/api-event';

const ADMIN: Principal = { tenantId: 'acme', scopes: ['admin'], keyPrefix: 'mr_admin1' };
const SENDER: Principal = { tenantId: 'acme', scopes: ['emails:send'], keyPrefix: 'mr_send01' };

function setup() {
  const keys = new MemoryApiKeyStore();
  const domains = new MemoryDomainStore();
  const clock = { now: () => new Date('2026-05-01T10:00:00Z') };
  const handler = middy(makeApiKeysHandler({ keys, domains, clock })).use(httpErrors());
  const call = async (routeKey: string, options: Parameters<typeof apiEvent>[1] = {}) =>
    answer(await handler(apiEvent(routeKey, { principal: ADMIN, ...options }), lambdaContext()));
  return { keys, domains, call };
}

describe('/api-keys', () => {
  it('creates a sending_access key that authenticates with emails:send only, and shows the token once', async () => {
    const { keys, call } = setup();
    const created = await call('POST /api-keys', { body: { name: 'ci', permission: 'sending_access' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), token: expect.stringMatching(/^mr_[A-Za-z0-9_-]{43}$/) });
    const principal = await authenticate({ keys }, `Bearer ${created.body.token}`);
    expect(principal).toMatchObject({ tenantId: 'acme', scopes: ['emails:send'] });
    // Only the hash is stored.
    expect(JSON.stringify([...keys.items.values()])).not.toContain(created.body.token);
    const listed = await call('GET /api-keys');
    expect(listed.body).toEqual({
      object: 'list',
      has_more: false,
      data: [
        {
          id: created.body.id,
          name: 'ci',
          created_at: '2026-05-01T10:00:00.000Z',
          last_used_at: null,
          prefix: created.body.token.slice(0, 9),
          permission: 'sending_access',
          scopes: ['emails:send'],
          domain: null,
        },
      ],
    });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
  });

  it('lists when a key was last used (as the authorizer records it)', async () => {
    const { keys, call } = setup();
    const created = await call('POST /api-keys', { body: { name: 'used' } });
    const [record] = [...keys.items.values()];
    await keys.recordUse(record!.hash, '2026-05-01T11:00:00.000Z');
    // An older time never moves it back (two authorizer containers may write out of order).
    await keys.recordUse(record!.hash, '2026-05-01T10:30:00.000Z');
    const listed = await call('GET /api-keys');
    expect(listed.body.data).toEqual([expect.objectContaining({ id: created.body.id, last_used_at: '2026-05-01T11:00:00.000Z', permission: 'full_access' })]);
  });

  it('maps full_access (the default) onto the admin scope', async () => {
    const { keys, call } = setup();
    const created = await call('POST /api-keys', { body: { name: 'ops' } });
    expect((await authenticate({ keys }, `Bearer ${created.body.token}`))?.scopes).toEqual(['admin']);
  });

  it('refuses every call from a key without full access (restricted_api_key)', async () => {
    const { call } = setup();
    for (const [route, extra] of [
      ['POST /api-keys', { body: { name: 'x', permission: 'sending_access' } }],
      ['GET /api-keys', {}],
      ['DELETE /api-keys/{id}', { pathParameters: { id: 'x' } }],
    ] as const) {
      const r = await call(route, { principal: SENDER, ...extra });
      // Resend answers restricted_api_key with 401; whatever ForbiddenError maps it to, the name is the contract.
      expect(r, route).toMatchObject({ status: new ForbiddenError('x').statusCode, body: { name: 'restricted_api_key' } });
    }
  });

  it('binds a sending key to one of the tenant domains by domain_id, and refuses other tenants’ domains', async () => {
    const { keys, domains, call } = setup();
    const base: Omit<SendingDomain, 'id' | 'tenantId' | 'name'> = {
      region: 'us-east-1',
      status: 'verified',
      records: [],
      customReturnPath: 'send',
      openTracking: false,
      clickTracking: false,
      tls: 'opportunistic',
      createdAt: 'x',
      updatedAt: 'x',
    };
    await domains.create({ ...base, id: 'd1', tenantId: 'acme', name: 'acme.com' });
    await domains.create({ ...base, id: 'd2', tenantId: 'globex', name: 'globex.com' });
    const created = await call('POST /api-keys', { body: { name: 'bound', permission: 'sending_access', domain_id: 'd1' } });
    expect((await authenticate({ keys }, `Bearer ${created.body.token}`))?.senderDomain).toBe('acme.com');
    expect(await call('POST /api-keys', { body: { name: 'x', permission: 'sending_access', domain_id: 'd2' } })).toMatchObject({
      status: 404,
      body: { name: 'not_found' },
    });
    expect(await call('POST /api-keys', { body: { name: 'x', permission: 'full_access', domain_id: 'd1' } })).toMatchObject({ status: 422 });
  });

  it('passes a domain-bound caller’s binding on: the new key is never less restricted', async () => {
    const { keys, call } = setup();
    const created = await call('POST /api-keys', { principal: { ...ADMIN, senderDomain: 'acme.com' }, body: { name: 'child' } });
    expect((await authenticate({ keys }, `Bearer ${created.body.token}`))?.senderDomain).toBe('acme.com');
  });

  it('validates the body: name required, permission from the list, no unknown fields', async () => {
    const { call } = setup();
    expect(await call('POST /api-keys', { body: { permission: 'sending_access' } })).toMatchObject({ status: 422, body: { name: 'missing_required_field' } });
    expect(await call('POST /api-keys', { body: { name: 'x', permission: 'root' } })).toMatchObject({ status: 422, body: { name: 'validation_error' } });
    expect(await call('POST /api-keys', { body: { name: 'x', scopes: ['admin'] } })).toMatchObject({ status: 422 });
  });

  it('revokes on DELETE: the key stops authenticating, leaves the list, and a second DELETE is 404', async () => {
    const { keys, call } = setup();
    const created = await call('POST /api-keys', { body: { name: 'temp', permission: 'sending_access' } });
    const removed = await call('DELETE /api-keys/{id}', { pathParameters: { id: created.body.id } });
    expect(removed).toEqual({ status: 200, body: { object: 'api_key', id: created.body.id, deleted: true } });
    expect(await authenticate({ keys }, `Bearer ${created.body.token}`)).toBeUndefined();
    expect((await call('GET /api-keys')).body.data).toEqual([]);
    expect(await call('DELETE /api-keys/{id}', { pathParameters: { id: created.body.id } })).toMatchObject({ status: 404, body: { name: 'not_found' } });
  });

  it("cannot see or revoke another tenant's keys", async () => {
    const { keys, call } = setup();
    const theirs = await call('POST /api-keys', { principal: { ...ADMIN, tenantId: 'globex' }, body: { name: 'theirs' } });
    expect((await call('GET /api-keys')).body.data).toEqual([]);
    expect(await call('DELETE /api-keys/{id}', { pathParameters: { id: theirs.body.id } })).toMatchObject({ status: 404 });
    expect(await authenticate({ keys }, `Bearer ${theirs.body.token}`)).toMatchObject({ tenantId: 'globex' });
  });

  it('pages newest first with limit and after/before ids', async () => {
    let t = 0;
    const keys = new MemoryApiKeyStore();
    const handler = middy(makeApiKeysHandler({ keys, domains: new MemoryDomainStore(), clock: { now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, t++)) } })).use(
      httpErrors(),
    );
    const call = async (routeKey: string, options: Parameters<typeof apiEvent>[1] = {}) =>
      answer(await handler(apiEvent(routeKey, { principal: ADMIN, ...options }), lambdaContext()));
    for (const name of ['k1', 'k2', 'k3']) await call('POST /api-keys', { body: { name } });
    const first = await call('GET /api-keys', { query: { limit: '2' } });
    expect(first.body.data.map((k: any) => k.name)).toEqual(['k3', 'k2']);
    expect(first.body.has_more).toBe(true);
    const next = await call('GET /api-keys', { query: { limit: '2', after: first.body.data[1].id } });
    expect(next.body).toMatchObject({ has_more: false, data: [{ name: 'k1' }] });
    const back = await call('GET /api-keys', { query: { before: next.body.data[0].id } });
    expect(back.body.data.map((k: any) => k.name)).toEqual(['k3', 'k2']);
    expect(await call('GET /api-keys', { query: { limit: '0' } })).toMatchObject({ status: 422 });
  });
});
