import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoTemplateStore } from '#shared/adapters/dynamodb-template-store';
import { ConflictError } from '#shared/domain/errors';
import type { TenantTemplate } from '#shared/domain/template';
import { useDynamoDbLocal } from '#test/support/dynamodb-local';

function template(id: string, overrides: Partial<TenantTemplate> = {}): TenantTemplate {
  return {
    tenantId: 'acme',
    id,
    name: `Template ${id}`,
    subject: 'Hi {{name}}',
    html: '<p>Hi {{name}}</p>',
    schema: { type: 'object', required: ['name'] },
    sample: { name: 'Ada' },
    lastVersion: 0,
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:00:00.000Z',
    ...overrides,
  };
}

describe('DynamoTemplateStore on DynamoDB Local', () => {
  let store: DynamoTemplateStore;
  const table = 'mailroom-test-main';
  const dynamo = useDynamoDbLocal({ table, idempotencyTable: 'mailroom-test-idempotency' });
  let client: DynamoDBClient;

  beforeAll(async () => {
    client = dynamo().client;
    store = new DynamoTemplateStore(dynamo().doc, table);
  });

  it('creates a draft under TENANT#<t> / TEMPLATE#<id>#DRAFT and reads it back', async () => {
    const t = template('welcome-1');
    await store.create(t);
    expect(await store.get('acme', 'welcome-1')).toEqual(t);
    const raw = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'TENANT#acme' }, sk: { S: 'TEMPLATE#welcome-1#DRAFT' } } }));
    expect(raw.Item?.gsi1sk?.S).toBe('TEMPLATE#welcome-1');
  });

  it('refuses a second create of the same id with ConflictError', async () => {
    await store.create(template('dup'));
    await expect(store.create(template('dup'))).rejects.toBeInstanceOf(ConflictError);
  });

  it('keeps tenants apart', async () => {
    await store.create(template('shared-id', { tenantId: 'globex', subject: 'Globex' }));
    await store.create(template('shared-id'));
    expect((await store.get('globex', 'shared-id'))?.subject).toBe('Globex');
    expect((await store.get('acme', 'shared-id'))?.subject).toBe('Hi {{name}}');
    expect((await store.list('globex', { limit: 10 })).templates.map((t) => t.id)).toEqual(['shared-id']);
  });

  it('publishes immutable numbered versions; editing the draft leaves them alone', async () => {
    await store.create(template('versioned'));
    const v1 = await store.publish((await store.get('acme', 'versioned'))!, '2030-01-01T00:00:01.000Z');
    expect(v1.version).toBe(1);
    const edited = await store.updateDraft('acme', 'versioned', { name: 'Renamed', subject: 'New {{name}}', html: '<p>New</p>' }, '2030-01-01T00:00:02.000Z');
    expect(edited).toMatchObject({ name: 'Renamed', subject: 'New {{name}}', publishedVersion: 1, lastVersion: 1 });
    // Fields left out of the new content are removed from the draft.
    expect(edited?.schema).toBeUndefined();
    const v2 = await store.publish(edited!, '2030-01-01T00:00:03.000Z');
    expect(v2.version).toBe(2);
    expect((await store.getVersion('acme', 'versioned', 1))?.subject).toBe('Hi {{name}}');
    expect((await store.getVersion('acme', 'versioned', 2))?.subject).toBe('New {{name}}');
    expect(await store.latestVersionNumber('acme', 'versioned')).toBe(2);
    expect((await store.get('acme', 'versioned'))?.publishedVersion).toBe(2);
  });

  it('refuses to publish a draft that changed since it was read, and a concurrent double publish', async () => {
    await store.create(template('raced'));
    const read = (await store.get('acme', 'raced'))!;
    await store.updateDraft('acme', 'raced', { name: 'x', subject: 'Changed', html: '<p>x</p>' }, '2030-01-01T00:00:05.000Z');
    await expect(store.publish(read, 'p')).rejects.toBeInstanceOf(ConflictError);
    const fresh = (await store.get('acme', 'raced'))!;
    const results = await Promise.allSettled([store.publish(fresh, 'p1'), store.publish(fresh, 'p2')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await store.latestVersionNumber('acme', 'raced')).toBe(1);
    expect((await store.getVersion('acme', 'raced', 1))?.subject).toBe('Changed');
  });

  it('updateDraft and delete of a missing template say so', async () => {
    expect(await store.updateDraft('acme', 'missing', { name: 'x', subject: 'x', html: 'x' }, 'now')).toBeUndefined();
    expect(await store.delete('acme', 'missing')).toBe(false);
  });

  it('delete hides the template but keeps its versions', async () => {
    await store.create(template('gone'));
    await store.publish((await store.get('acme', 'gone'))!, 'p');
    expect(await store.delete('acme', 'gone')).toBe(true);
    expect(await store.get('acme', 'gone')).toBeUndefined();
    expect((await store.list('acme', { limit: 100 })).templates.map((t) => t.id)).not.toContain('gone');
    expect(await store.getVersion('acme', 'gone', 1)).toBeDefined();
    expect(await store.latestVersionNumber('acme', 'gone')).toBe(1);
  });

  it("lists a tenant's templates by id with a cursor, without versions", async () => {
    for (const id of ['l-a', 'l-b', 'l-c']) await store.create(template(id, { tenantId: 'lister' }));
    await store.publish((await store.get('lister', 'l-a'))!, 'p');
    const first = await store.list('lister', { limit: 2 });
    expect(first.templates.map((t) => t.id)).toEqual(['l-a', 'l-b']);
    expect(first.cursor).toBeDefined();
    const second = await store.list('lister', { limit: 2, cursor: first.cursor! });
    expect(second.templates.map((t) => t.id)).toEqual(['l-c']);
  });
});
