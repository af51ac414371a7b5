import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoActivityLog } from '#shared/adapters/dynamodb-activity-log';
import { DynamoDomainStore } from '#shared/adapters/dynamodb-domain-store';
import { KEYS } from '#shared/adapters/dynamodb-keys';
import { StoredItemError } from '#shared/adapters/dynamodb-mappers';
import { DynamoSuppressionStore } from '#shared/adapters/dynamodb-suppression-store';
import { DynamoTemplateStore } from '#shared/adapters/dynamodb-template-store';
import { DynamoWebhookEventLog, DynamoWebhookStore } from '#shared/adapters/dynamodb-webhooks';
import type { ActivityItem } from '#shared/domain/activity';
import type { SendingDomain } from '#shared/domain/sending-domain';
import type { TenantTemplate } from '#shared/domain/template';
import type { Webhook, WebhookAttempt } from '#shared/domain/webhook';
import { useDynamoDbLocal } from '#test/support/dynamodb-local';
import { pendingWebhookEvent } from '#test/support/webhook-events';

const TABLE = { table: 'checked-reads-main', idempotencyTable: 'checked-reads-idem' };
const at = '2030-01-01T00:00:00.000Z';

/**
 * Every record type the stores read through a checked mapper (shared/adapters/dynamodb-record-parsers.ts):
 * what the adapter writes reads back as written; an item an older version wrote (without the
 * fields added later) still reads; a malformed item is a StoredItemError naming its key and field,
 * on a get and on a list alike.
 */
describe('checked reads of suppressions, templates, domains, webhooks and activity on DynamoDB Local', () => {
  const dynamo = useDynamoDbLocal(TABLE);
  let doc: DynamoDBDocumentClient;
  const putRaw = (item: Record<string, unknown>) => doc.send(new PutCommand({ TableName: TABLE.table, Item: item }));

  beforeAll(() => {
    doc = dynamo().doc;
  });

  it('suppressions', async () => {
    const store = new DynamoSuppressionStore(doc, TABLE.table);
    const full = { tenantId: 'sup', address: 'ada@example.org', reason: 'bounce', scope: 'all', sourceEmailId: 'em_1', createdAt: at } as const;
    expect(await store.put({ ...full, address: 'Ada@Example.org' })).toEqual(full);
    expect(await store.get('sup', 'ada@example.org')).toEqual(full);
    const manual = { tenantId: 'sup', address: 'bob@example.org', reason: 'manual', scope: 'marketing', createdAt: at } as const;
    await store.put(manual);
    expect(await store.get('sup', 'bob@example.org')).toEqual(manual);
    expect((await store.list('sup', { limit: 10 })).items).toEqual([full, manual]);

    await putRaw({ ...KEYS.suppression('sup', 'eve@example.org'), tenantId: 'sup', address: 'eve@example.org', scope: 'all', createdAt: at });
    await expect(store.get('sup', 'eve@example.org')).rejects.toThrow(StoredItemError);
    await expect(store.get('sup', 'eve@example.org')).rejects.toThrow('(TENANT#sup / SUPPRESSION#eve@example.org) is malformed: `reason` is missing');
    await expect(store.list('sup', { limit: 10 })).rejects.toThrow(/`reason` is missing/);
    // The sender's lookup projects `address` and `scope` only (a missing `reason` does not matter to it) and checks them:
    // a scope it cannot read fails the lookup, never an unchecked send.
    await putRaw({ ...KEYS.suppression('sup', 'mal@example.org'), ...manual, address: 'mal@example.org', scope: 'some' });
    expect(await store.suppressed('sup', ['eve@example.org', 'ADA@example.org'], 'transactional')).toEqual(new Set(['eve@example.org', 'ada@example.org']));
    await expect(store.suppressed('sup', ['mal@example.org'], 'marketing')).rejects.toThrow(
      '(TENANT#sup / SUPPRESSION#mal@example.org) is malformed: `scope` is not valid',
    );
  });

  it('templates: drafts, an older draft, published versions', async () => {
    const store = new DynamoTemplateStore(doc, TABLE.table);
    const draft: TenantTemplate = {
      tenantId: 'tpl',
      id: 'welcome',
      name: 'Welcome',
      subject: 'Hi {{name}}',
      html: '<p>Hi {{name}}</p>',
      alias: 'welcome-mail',
      from: 'Acme <hi@acme.test>',
      replyTo: ['help@acme.test'],
      variables: [{ key: 'name', type: 'string', fallbackValue: 'friend' }],
      lastVersion: 0,
      createdAt: at,
      updatedAt: at,
    };
    await store.create(draft);
    expect(await store.get('tpl', 'welcome')).toEqual(draft);
    const edited = (await store.updateDraft(
      'tpl',
      'welcome',
      { name: 'Welcome', subject: 'Hello', html: '<p>Hello</p>', lane: 'marketing' },
      at,
    )) as TenantTemplate;
    expect(edited).toEqual({
      tenantId: 'tpl',
      id: 'welcome',
      name: 'Welcome',
      subject: 'Hello',
      html: '<p>Hello</p>',
      lane: 'marketing',
      lastVersion: 0,
      createdAt: at,
      updatedAt: at,
    });
    const version = await store.publish(edited, at);
    expect(await store.getVersion('tpl', 'welcome', 1)).toEqual(version);
    expect(await store.get('tpl', 'welcome')).toEqual({ ...edited, publishedVersion: 1, lastVersion: 1, publishedAt: at });

    // A draft from before Resend-shaped templates (JSON Schema, no alias/from/variables), as that version wrote it.
    const older = {
      tenantId: 'tpl',
      id: 'receipt',
      name: 'Receipt',
      description: 'Order receipt',
      subject: 'Your order',
      html: '<p>Thanks</p>',
      text: 'Thanks',
      schema: { type: 'object', required: ['order'] },
      sample: { order: 1 },
      lastVersion: 0,
      createdAt: at,
      updatedAt: at,
    };
    await putRaw({ ...KEYS.templateDraft('tpl', 'receipt'), ...KEYS.templateByTenant('tpl', 'receipt'), ...older });
    expect(await store.get('tpl', 'receipt')).toEqual(older);
    expect((await store.list('tpl', { limit: 10 })).templates).toEqual([older, { ...edited, publishedVersion: 1, lastVersion: 1, publishedAt: at }]);

    await putRaw({ ...KEYS.templateDraft('tpl', 'zz-broken'), ...KEYS.templateByTenant('tpl', 'zz-broken'), ...older, id: 'zz-broken', lastVersion: 'none' });
    await expect(store.get('tpl', 'zz-broken')).rejects.toThrow(
      'A stored template item (TENANT#tpl / TEMPLATE#zz-broken#DRAFT) is malformed: `lastVersion` is not valid',
    );
    await expect(store.list('tpl', { limit: 10 })).rejects.toThrow(StoredItemError);
    await putRaw({ ...KEYS.templateVersion('tpl', 'welcome', 2), tenantId: 'tpl', id: 'welcome', name: 'W', subject: 'S', version: 2, publishedAt: at });
    await expect(store.getVersion('tpl', 'welcome', 2)).rejects.toThrow(/template version item .* `html` is missing/);
  });

  it('sending domains', async () => {
    const store = new DynamoDomainStore(doc, TABLE.table);
    const domain: SendingDomain = {
      id: 'd1',
      tenantId: 'dom',
      name: 'mail.acme.test',
      region: 'eu-west-1',
      status: 'not_started',
      records: [],
      customReturnPath: 'send',
      openTracking: false,
      clickTracking: true,
      tls: 'enforced',
      createdAt: at,
      updatedAt: at,
    };
    await store.create(domain);
    const verified: SendingDomain = {
      ...domain,
      status: 'verified',
      records: [{ record: 'SPF', name: 'send', type: 'MX', value: 'feedback-smtp.eu-west-1.amazonses.com', ttl: 'Auto', status: 'verified', priority: 10 }],
    };
    await store.update(verified);
    expect(await store.get('dom', 'd1')).toEqual(verified);
    expect(await store.list('dom')).toEqual([verified]);
    expect(await store.findByName('MAIL.acme.test')).toEqual(verified);

    const { tls: _tls, ...withoutTls } = domain;
    await putRaw({ ...KEYS.domain('dom', 'd2'), ...withoutTls, id: 'd2', name: 'other.acme.test' });
    await expect(store.get('dom', 'd2')).rejects.toThrow('A stored domain item (TENANT#dom / DOMAIN#d2) is malformed: `tls` is missing');
    await expect(store.list('dom')).rejects.toThrow(StoredItemError);
  });

  it('webhooks, from before and after a failure streak', async () => {
    const store = new DynamoWebhookStore(doc, TABLE.table);
    const webhook: Webhook = {
      id: 'wh1',
      tenantId: 'hook',
      endpoint: 'https://hooks.acme.test/in',
      events: ['email.sent'],
      status: 'enabled',
      secret: 'whsec_x',
      createdAt: at,
      updatedAt: at,
    };
    await store.create(webhook);
    expect(await store.get('hook', 'wh1')).toEqual(webhook); // no failureStreak nor disabledReason: as every webhook starts
    await store.recordFailure('hook', 'wh1');
    await store.disable('hook', 'wh1', 'too many failures', '2030-01-02T00:00:00.000Z');
    const disabled = { ...webhook, status: 'disabled', failureStreak: 1, disabledReason: 'too many failures', updatedAt: '2030-01-02T00:00:00.000Z' };
    expect(await store.get('hook', 'wh1')).toEqual(disabled);
    expect(await store.list('hook')).toEqual([disabled]);

    await putRaw({ ...KEYS.webhook('hook', 'wh2'), ...webhook, id: 'wh2', events: 'email.sent' });
    await expect(store.get('hook', 'wh2')).rejects.toThrow('A stored webhook item (TENANT#hook / WEBHOOK#wh2) is malformed: `events` is not valid');
    await expect(store.list('hook')).rejects.toThrow(StoredItemError);
  });

  it('webhook events and attempts', async () => {
    const log = new DynamoWebhookEventLog(doc, TABLE.table);
    const event = pendingWebhookEvent({ id: 'ev1', webhookId: 'whx', tenantId: 'hook', createdAt: at });
    await log.putEvent(event);
    expect(await log.getEvent('whx', 'ev1')).toEqual(event);
    const saved = { ...event, status: 'attempting' as const, attempts: 1, budgetStart: 5, nextAttemptAt: '2030-01-01T00:00:05.000Z' };
    await log.saveEvent(saved);
    expect((await log.listEvents('whx', { limit: 10 })).items).toEqual([saved]);
    const attempt: WebhookAttempt = {
      id: 'att1',
      webhookId: 'whx',
      eventId: 'ev1',
      n: 1,
      sentAt: at,
      httpStatusCode: 503,
      response: 'busy',
      latencyMs: 7,
      expiresAt: 2_000_000_000,
    };
    await log.addAttempt(attempt);
    expect((await log.listAttempts('whx', 'ev1', { limit: 10 })).items).toEqual([attempt]);

    await putRaw({ pk: KEYS.webhookEvent('whx', 'ev1').pk, sk: 'ATTEMPT#000002', ...attempt, id: 'att2', n: 2, httpStatusCode: '500' });
    await expect(log.listAttempts('whx', 'ev1', { limit: 10 })).rejects.toThrow(
      'A stored webhook attempt item (WHEVENT#whx#ev1 / ATTEMPT#000002) is malformed: `httpStatusCode` is not valid',
    );
    const { payload: _payload, ...noPayload } = event;
    await putRaw({ ...KEYS.webhookEvent('whx', 'ev2'), ...KEYS.webhookEventsByWebhook('whx', at, 'ev2'), ...noPayload, id: 'ev2' });
    await expect(log.getEvent('whx', 'ev2')).rejects.toThrow('(WHEVENT#whx#ev2 / EVENT) is malformed: `payload` is missing');
    await expect(log.listEvents('whx', { limit: 10 })).rejects.toThrow(StoredItemError);
  });

  it('the activity log, by tenant and by type', async () => {
    const log = new DynamoActivityLog(doc, TABLE.table);
    const bounced: ActivityItem = {
      id: 'act_20300101000000000_0000000000000001',
      tenantId: 'act',
      type: 'email.bounced',
      at,
      emailId: 'em_1',
      to: ['ada@example.org'],
      subject: 'Hi',
      template: 'welcome',
      detail: { bounce_type: 'Permanent', recipients: ['ada@example.org'] },
      expiresAt: 2_000_000_000,
    };
    await log.put(bounced);
    // Written before template emails were named in the feed: no `template`.
    const older = {
      id: 'act_20300101000001000_0000000000000002',
      tenantId: 'act',
      type: 'webhook.failed',
      at: '2030-01-01T00:00:01.000Z',
      webhookId: 'wh1',
      detail: { endpoint: 'https://hooks.acme.test/in', attempts: 7 },
      expiresAt: 2_000_000_000,
    } as const;
    await putRaw({ ...KEYS.activity('act', older.at, older.id), ...KEYS.activityByType('act', older.type, older.at, older.id), ...older });
    expect((await log.list({ tenantId: 'act', limit: 10 })).items).toEqual([older, bounced]);
    expect((await log.list({ tenantId: 'act', type: 'email.bounced', limit: 10 })).items).toEqual([bounced]);

    const broken = { ...bounced, id: 'act_20300101000002000_0000000000000003', at: '2030-01-01T00:00:02.000Z' };
    const { detail: _detail, ...noDetail } = broken;
    await putRaw({ ...KEYS.activity('act', broken.at, broken.id), ...KEYS.activityByType('act', broken.type, broken.at, broken.id), ...noDetail });
    await expect(log.list({ tenantId: 'act', limit: 10 })).rejects.toThrow(
      `A stored activity item (ACTIVITY#act / ${broken.at}#${broken.id}) is malformed: \`detail\` is missing`,
    );
    await expect(log.list({ tenantId: 'act', type: 'email.bounced', limit: 10 })).rejects.toThrow(StoredItemError);
  });
});
