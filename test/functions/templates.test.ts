import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryTemplateStore } from '#shared/adapters/memory/memory-template-store';
import { MemoryTenantStore } from '#shared/adapters/memory/memory-adapters';
import type { Principal } from '#shared/domain/api-key';
import { withApi } from '#shared/http/middy';
import type { Clock } from '#shared/ports/index';
import { makeTemplatesHandler } from '#functions/templates/app';
import { createTemplateLookup } from '#shared/use-cases/templates';
import { answer, apiEvent, lambdaContext } from '#test/support/api-event';

const WRITER: Principal = { tenantId: 'acme', scopes: ['templates:write'], keyPrefix: 'mr_writer' };
const SENDER: Principal = { tenantId: 'acme', scopes: ['emails:send'], keyPrefix: 'mr_sender' };
const OTHER: Principal = { tenantId: 'globex', scopes: ['admin'], keyPrefix: 'mr_other1' };

const ORDER = {
  id: 'order-shipped',
  name: 'Order shipped',
  subject: 'Order {{order_id}} is on its way',
  html: '<p>Hi {{name}}, order <strong>{{order_id}}</strong> shipped. <a href="{{url "orders" order_id}}">Track it</a></p>',
  schema: { type: 'object', required: ['name', 'order_id'], properties: { name: { type: 'string' }, order_id: { type: 'string' } } },
  sample: { name: 'Ada', order_id: 'A-1' },
};

describe('templates function', () => {
  let store: MemoryTemplateStore;
  let tenants: MemoryTenantStore;
  let tick: number;
  let call: (routeKey: string, options?: Parameters<typeof apiEvent>[1]) => Promise<{ status: number; body: any }>;

  beforeEach(async () => {
    store = new MemoryTemplateStore();
    tenants = new MemoryTenantStore();
    tick = 0;
    const clock: Clock = { now: () => new Date(Date.UTC(2030, 0, 1, 0, 0, tick++)) };
    const handler = withApi(makeTemplatesHandler({ templates: store, tenants, clock }));
    call = async (routeKey, options = {}) => answer(await handler(apiEvent(routeKey, { principal: WRITER, ...options }), lambdaContext()));
    await tenants.put({
      id: 'acme',
      allowedSenders: [],
      retentionDays: 30,
      limits: { requestsPerSecond: 1, burst: 1, emailsPerDay: 1, perSenderHourlyCap: 0 },
      baseUrl: 'https://shop.acme.test',
      createdAt: '',
      updatedAt: '',
    });
  });

  const create = (body: unknown = ORDER) => call('POST /templates', { body });
  const publish = (id = ORDER.id) => call('POST /templates/{id}/publish', { pathParameters: { id } });

  it('creates a draft template and reads it back', async () => {
    const created = await create();
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      object: 'template',
      id: 'order-shipped',
      source: 'tenant',
      status: 'draft',
      published_version: null,
      name: 'Order shipped',
    });
    const read = await call('GET /templates/{id}', { pathParameters: { id: 'order-shipped' } });
    expect(read.status).toBe(200);
    expect(read.body.subject).toBe(ORDER.subject);
  });

  it('generates an id when none is given', async () => {
    const { id: _id, ...rest } = ORDER;
    const created = await create(rest);
    expect(created.status).toBe(201);
    expect(created.body.id).toMatch(/^tpl_[0-9a-f]{16}$/);
  });

  it('refuses a second template with the same id with 409', async () => {
    await create();
    const again = await create();
    expect(again.status).toBe(409);
  });

  it('refuses a template with a Handlebars syntax error with 422 invalid_template', async () => {
    const res = await create({ ...ORDER, html: '<p>{{#if name}}unclosed</p>' });
    expect(res.status).toBe(422);
    expect(res.body.name).toBe('validation_error');
  });

  it('refuses prototype access in a template', async () => {
    const res = await create({ ...ORDER, subject: '{{constructor.name}}' });
    expect(res.status).toBe(422);
    expect(res.body.message).toContain('constructor');
  });

  it('refuses a sample that does not satisfy the schema, naming the variable', async () => {
    const res = await create({ ...ORDER, sample: { name: 'Ada' } });
    expect(res.status).toBe(422);
    expect(res.body.message).toContain('order_id');
  });

  it('refuses unknown fields by name', async () => {
    const res = await create({ ...ORDER, colour: 'red' });
    expect(res.status).toBe(422);
    expect(res.body.message).toContain('colour');
  });

  it('needs templates:write to create, edit, publish or delete', async () => {
    const res = await call('POST /templates', { body: ORDER, principal: SENDER });
    expect(res.status).toBe(401);
    await create();
    expect((await call('PATCH /templates/{id}', { pathParameters: { id: ORDER.id }, body: { subject: 'x' }, principal: SENDER })).status).toBe(401);
    expect((await call('POST /templates/{id}/publish', { pathParameters: { id: ORDER.id }, principal: SENDER })).status).toBe(401);
    expect((await call('DELETE /templates/{id}', { pathParameters: { id: ORDER.id }, principal: SENDER })).status).toBe(401);
    // Reading and previewing is allowed to a sending key.
    expect((await call('GET /templates/{id}', { pathParameters: { id: ORDER.id }, principal: SENDER })).status).toBe(200);
  });

  it("answers 404 for another tenant's template on every route", async () => {
    await create();
    await publish();
    for (const routeKey of [
      'GET /templates/{id}',
      'PATCH /templates/{id}',
      'DELETE /templates/{id}',
      'POST /templates/{id}/publish',
      'POST /templates/{id}/render',
    ]) {
      const res = await call(routeKey, {
        pathParameters: { id: ORDER.id },
        principal: OTHER,
        ...(routeKey.startsWith('PATCH') ? { body: { subject: 'x' } } : {}),
      });
      expect(res.status, routeKey).toBe(404);
    }
    expect((await call('GET /templates', { principal: OTHER })).body.data).toEqual([]);
  });

  it('lists templates with cursor pagination', async () => {
    for (const id of ['a-one', 'b-two', 'c-three']) await create({ ...ORDER, id });
    const first = await call('GET /templates', { query: { limit: '2' } });
    expect(first.body.data.map((t: any) => t.id)).toEqual(['a-one', 'b-two']);
    expect(first.body.has_more).toBe(true);
    const second = await call('GET /templates', { query: { limit: '2', after: first.body.next_cursor } });
    expect(second.body.data.map((t: any) => t.id)).toEqual(['c-three']);
    expect(second.body.has_more).toBe(false);
  });

  it('publishes immutable versions: an edit changes the draft, not the published version', async () => {
    await create();
    const v1 = await publish();
    expect(v1.body).toMatchObject({ id: ORDER.id, version: 1 });
    const edited = await call('PATCH /templates/{id}', { pathParameters: { id: ORDER.id }, body: { subject: 'Shipped: {{order_id}}' } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ subject: 'Shipped: {{order_id}}', published_version: 1, has_unpublished_changes: true });
    expect((await store.getVersion('acme', ORDER.id, 1))?.subject).toBe(ORDER.subject);
    const v2 = await publish();
    expect(v2.body.version).toBe(2);
    expect((await store.getVersion('acme', ORDER.id, 1))?.subject).toBe(ORDER.subject);
    expect((await store.getVersion('acme', ORDER.id, 2))?.subject).toBe('Shipped: {{order_id}}');
  });

  it('PATCH with null removes an optional field', async () => {
    await create({ ...ORDER, text: 'Order {{order_id}}' });
    const res = await call('PATCH /templates/{id}', { pathParameters: { id: ORDER.id }, body: { text: null } });
    expect(res.status).toBe(200);
    expect(res.body.text).toBeNull();
  });

  it('renders a preview of the draft with the sample and the tenant base URL', async () => {
    await create();
    const res = await call('POST /templates/{id}/render', { pathParameters: { id: ORDER.id } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ object: 'template_preview', version: 'draft', subject: 'Order A-1 is on its way' });
    expect(res.body.html).toContain('href="https://shop.acme.test/orders/A-1"');
    expect(res.body.text).toContain('Hi Ada, order A-1 shipped.');
  });

  it('renders a preview with given variables, and 422 naming a missing one', async () => {
    await create();
    const ok = await call('POST /templates/{id}/render', { pathParameters: { id: ORDER.id }, body: { variables: { name: 'Grace', order_id: 'B-2' } } });
    expect(ok.body.subject).toBe('Order B-2 is on its way');
    const bad = await call('POST /templates/{id}/render', { pathParameters: { id: ORDER.id }, body: { variables: { name: 'Grace' } } });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toContain('"order_id" is required');
  });

  it('previews the published version on request, and 404 when there is none', async () => {
    await create();
    expect((await call('POST /templates/{id}/render', { pathParameters: { id: ORDER.id }, body: { version: 'published' } })).status).toBe(404);
    await publish();
    await call('PATCH /templates/{id}', { pathParameters: { id: ORDER.id }, body: { subject: 'Changed {{order_id}}' } });
    const published = await call('POST /templates/{id}/render', { pathParameters: { id: ORDER.id }, body: { version: 'published' } });
    expect(published.body).toMatchObject({ version: 1, subject: 'Order A-1 is on its way' });
    const draft = await call('POST /templates/{id}/render', { pathParameters: { id: ORDER.id } });
    expect(draft.body.subject).toBe('Changed A-1');
  });

  it('previews a repository template and reads it, but will not edit it', async () => {
    const res = await call('POST /templates/{id}/render', { pathParameters: { id: 'welcome' } });
    expect(res.status).toBe(200);
    expect(res.body.html).toContain('style="');
    expect(res.body.subject).toContain('Ada');
    const read = await call('GET /templates/{id}', { pathParameters: { id: 'welcome' } });
    expect(read.body).toMatchObject({ source: 'repository', lane: 'transactional' });
    expect((await call('PATCH /templates/{id}', { pathParameters: { id: 'welcome' }, body: { subject: 'x' } })).status).toBe(403);
  });

  it('deletes a template; its published versions stay for accepted emails and numbers are not reused', async () => {
    await create();
    await publish();
    const del = await call('DELETE /templates/{id}', { pathParameters: { id: ORDER.id } });
    expect(del.body).toEqual({ object: 'template', id: ORDER.id, deleted: true });
    expect((await call('GET /templates/{id}', { pathParameters: { id: ORDER.id } })).status).toBe(404);
    expect(await store.getVersion('acme', ORDER.id, 1)).toBeDefined();
    await create();
    expect((await publish()).body.version).toBe(2);
  });

  it('answers 400 for a malformed JSON body', async () => {
    const res = await call('POST /templates', { body: '{nope' });
    expect(res.status).toBe(400);
  });

  describe('lookup for sends', () => {
    it("resolves the tenant's published template before the repository's", async () => {
      const lookup = createTemplateLookup({ templates: store });
      expect((await lookup.find('acme', 'welcome'))?.version).toMatch(/^[0-9a-f]{12}$/);
      await create({ ...ORDER, id: 'welcome', lane: 'critical' });
      // A draft does not shadow the repository template until it is published.
      expect(typeof (await lookup.find('acme', 'welcome'))?.version).toBe('string');
      await publish('welcome');
      const own = await lookup.find('acme', 'welcome');
      expect(own).toMatchObject({ id: 'welcome', version: 1, lane: 'critical' });
      expect(typeof (await lookup.find('globex', 'welcome'))?.version).toBe('string');
    });

    it('names a missing variable when validating, and refuses an unpublished template', async () => {
      const lookup = createTemplateLookup({ templates: store });
      await create();
      await expect(lookup.find('acme', ORDER.id)).rejects.toThrow(/no published version/);
      await publish();
      const info = await lookup.find('acme', ORDER.id);
      expect(() => info!.validate({ name: 'Ada' })).toThrow(/"order_id" is required/);
      expect(await lookup.find('acme', 'does-not-exist')).toBeUndefined();
    });

    it('finds a variable missing from a schema-less template by rendering it', async () => {
      const lookup = createTemplateLookup({ templates: store });
      const { schema: _s, sample: _x, ...noSchema } = ORDER;
      await create(noSchema);
      await publish();
      const info = await lookup.find('acme', ORDER.id);
      expect(() => info!.validate({ name: 'Ada' })).toThrow(/"order_id" is not defined/);
      expect(() => info!.validate({ name: 'Ada', order_id: 'A-9' })).not.toThrow();
    });
  });
});
