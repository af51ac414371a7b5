import { describe, expect, it } from 'vitest';
import { StoredItemError } from '#shared/adapters/dynamodb-mappers';
import {
  parseActivityItem,
  parseDomainItem,
  parseSuppressionItem,
  parseSuppressionLookupItem,
  parseTemplateDraftItem,
  parseTemplateVersionItem,
  parseWebhookAttemptItem,
  parseWebhookEventItem,
  parseWebhookItem,
} from '#shared/adapters/dynamodb-record-parsers';
import type { ActivityItem } from '#shared/domain/activity';
import type { SendingDomain } from '#shared/domain/sending-domain';
import type { Suppression } from '#shared/domain/suppression';
import type { TemplateVersion, TenantTemplate } from '#shared/domain/template';
import type { Webhook, WebhookAttempt, WebhookEventRecord } from '#shared/domain/webhook';

const at = '2030-01-01T00:00:00.000Z';

const suppression: Suppression = { tenantId: 't1', address: 'ada@example.org', reason: 'bounce', scope: 'all', sourceEmailId: 'em_1', createdAt: at };
const draft: TenantTemplate = {
  tenantId: 't1',
  id: 'welcome',
  name: 'Welcome',
  description: 'First mail',
  subject: 'Hi {{name}}',
  html: '<p>Hi {{name}}</p>',
  text: 'Hi {{name}}',
  lane: 'transactional',
  schema: { type: 'object', properties: { name: { type: 'string' } } },
  sample: { name: 'Ada' },
  alias: 'welcome-mail',
  from: 'Acme <hi@acme.test>',
  replyTo: ['help@acme.test'],
  variables: [
    { key: 'name', type: 'string', fallbackValue: 'friend' },
    { key: 'n', type: 'number' },
  ],
  publishedVersion: 2,
  lastVersion: 2,
  createdAt: at,
  updatedAt: at,
  publishedAt: at,
};
const version: TemplateVersion = { tenantId: 't1', id: 'welcome', name: 'Welcome', subject: 'Hi', html: '<p>Hi</p>', version: 3, publishedAt: at };
const domain: SendingDomain = {
  id: 'd1',
  tenantId: 't1',
  name: 'mail.acme.test',
  region: 'eu-west-1',
  status: 'verified',
  records: [
    { record: 'SPF', name: 'send', type: 'MX', value: 'feedback-smtp.eu-west-1.amazonses.com', ttl: 'Auto', status: 'verified', priority: 10 },
    { record: 'DKIM', name: 'tok._domainkey', type: 'CNAME', value: 'tok.dkim.amazonses.com', ttl: 'Auto', status: 'verified' },
  ],
  customReturnPath: 'send',
  openTracking: true,
  clickTracking: false,
  tls: 'opportunistic',
  createdAt: at,
  updatedAt: at,
};
const webhook: Webhook = {
  id: 'wh1',
  tenantId: 't1',
  endpoint: 'https://hooks.acme.test/in',
  events: ['email.sent', 'email.bounced'],
  status: 'disabled',
  secret: 'whsec_x',
  createdAt: at,
  updatedAt: at,
  failureStreak: 50,
  disabledReason: 'too many failures',
};
const event: WebhookEventRecord = {
  id: 'ev1',
  webhookId: 'wh1',
  tenantId: 't1',
  type: 'email.sent',
  createdAt: at,
  status: 'success',
  attempts: 1,
  budgetStart: 1_900_000_000_000,
  nextAttemptAt: null,
  payload: '{"type":"email.sent"}',
  expiresAt: 1_900_000_000,
};
const attempt: WebhookAttempt = {
  id: 'att1',
  webhookId: 'wh1',
  eventId: 'ev1',
  n: 1,
  sentAt: at,
  httpStatusCode: 200,
  response: 'ok',
  latencyMs: 12,
  expiresAt: 1_900_000_000,
};
const activity: ActivityItem = {
  id: 'act_20300101000000000_abcdef0123456789',
  tenantId: 't1',
  type: 'email.bounced',
  at,
  emailId: 'em_1',
  to: ['ada@example.org'],
  subject: 'Hi',
  template: 'welcome',
  detail: { bounce_type: 'Permanent', recipients: ['ada@example.org'] },
  expiresAt: 1_900_000_000,
};

/** Each record type: a full record, the fields a required one can lose, a wrong type, and what an older version wrote. */
const CASES = [
  { kind: 'suppression', parse: parseSuppressionItem, record: suppression, required: 'reason', wrong: { scope: 'some' }, older: { sourceEmailId: undefined } },
  {
    kind: 'template',
    parse: parseTemplateDraftItem,
    record: draft,
    required: 'lastVersion',
    wrong: { variables: [{ key: 'name', type: 'date' }] },
    // Before Resend-shaped templates: no alias, from, replyTo or variables; never published.
    older: { alias: undefined, from: undefined, replyTo: undefined, variables: undefined, publishedVersion: undefined, publishedAt: undefined },
  },
  { kind: 'template version', parse: parseTemplateVersionItem, record: version, required: 'publishedAt', wrong: { version: '3' }, older: {} },
  { kind: 'domain', parse: parseDomainItem, record: domain, required: 'tls', wrong: { records: [{ ...domain.records[0], ttl: 300 }] }, older: {} },
  {
    kind: 'webhook',
    parse: parseWebhookItem,
    record: webhook,
    required: 'secret',
    wrong: { events: 'email.sent' },
    older: { failureStreak: undefined, disabledReason: undefined },
  },
  { kind: 'webhook event', parse: parseWebhookEventItem, record: event, required: 'payload', wrong: { nextAttemptAt: 5 }, older: {} },
  { kind: 'webhook attempt', parse: parseWebhookAttemptItem, record: attempt, required: 'httpStatusCode', wrong: { latencyMs: 'fast' }, older: {} },
  // Before template emails were named in the feed: no `template`.
  { kind: 'activity', parse: parseActivityItem, record: activity, required: 'detail', wrong: { type: 'email.opened' }, older: { template: undefined } },
] as const;

const keys = { pk: 'PK#x', sk: 'SK#y', gsi1pk: 'G#x', gsi1sk: 'G#y' };
const without = (record: object, fields: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(record).filter(([k]) => !(k in fields) || fields[k] !== undefined)) as Record<string, unknown>;

describe('checked mappers for suppressions, templates, domains, webhooks and activity', () => {
  for (const c of CASES) {
    describe(c.kind, () => {
      it('reads a stored item as its record: keys, index attributes and unknown attributes dropped', () => {
        const parse = c.parse as (item: Record<string, unknown>) => unknown;
        expect(parse({ ...keys, ...c.record, addedByALaterVersion: 'x' })).toEqual(c.record);
      });

      it('reports an item missing a required field as corrupt, naming its key and the field', () => {
        const item = { ...keys, ...without(c.record, { [c.required]: undefined }) };
        expect(() => c.parse(item)).toThrow(StoredItemError);
        expect(() => c.parse(item)).toThrow(`A stored ${c.kind} item (PK#x / SK#y) is malformed: \`${c.required}\` is missing`);
      });

      it('reports a field of the wrong type as corrupt, naming it', () => {
        const [field] = Object.keys(c.wrong);
        let error: unknown;
        try {
          c.parse({ ...keys, ...c.record, ...c.wrong });
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(StoredItemError);
        expect((error as StoredItemError).kind).toBe(c.kind);
        expect((error as StoredItemError).key).toBe('PK#x / SK#y');
        expect((error as StoredItemError).problems.join('; ')).toMatch(new RegExp(`^\`${field}(\\.[\\w.]+)?\` is not valid`));
      });

      it('reads an item an older version wrote, without the fields added later', () => {
        const old = without(c.record, c.older);
        expect(c.parse({ ...keys, ...old })).toEqual(old);
      });
    });
  }

  it("checks the sender's suppression lookup projection (address and scope) and drops the rest", () => {
    expect(parseSuppressionLookupItem({ pk: 'TENANT#t1', sk: 'SUPPRESSION#a@b.c', address: 'a@b.c', scope: 'marketing' })).toEqual({
      address: 'a@b.c',
      scope: 'marketing',
    });
    expect(() => parseSuppressionLookupItem({ pk: 'TENANT#t1', sk: 'SUPPRESSION#a@b.c', address: 'a@b.c' })).toThrow(
      'A stored suppression item (TENANT#t1 / SUPPRESSION#a@b.c) is malformed: `scope` is missing',
    );
  });

  it('names a nested field by its path', () => {
    expect(() => parseDomainItem({ ...keys, ...domain, records: [domain.records[0], { ...domain.records[1], status: 'lost' }] })).toThrow(
      /`records\.1\.status` is not valid/,
    );
  });

  it('keeps an arbitrary JSON Schema and detail object whole', () => {
    const schema = { type: 'object', required: ['a'], properties: { a: { type: 'array', items: { type: 'number' } } }, additionalProperties: false };
    expect(parseTemplateDraftItem({ ...keys, ...draft, schema }).schema).toEqual(schema);
    expect(parseActivityItem({ ...keys, ...activity, detail: { nested: { deep: [1, 2] } } }).detail).toEqual({ nested: { deep: [1, 2] } });
  });
});
