/**
 * Hostile list queries against the real list handlers on DynamoDB Local (issue 14 §3): forged,
 * foreign and malformed cursors and ids on `/emails`, `/emails?status=…`, `/suppressions` and
 * `/templates`. Never a 5xx; a cursor the API did not issue is 400 `validation_error`; a page never
 * shows another tenant's items. Seeded like the ingest fuzz test (FUZZ_SEED, FUZZ_RUNS).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeEmailsHandler } from '#functions/emails/app';
import { makeSuppressionsHandler } from '#functions/suppressions/app';
import { makeTemplatesHandler } from '#functions/templates/app';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { DynamoSuppressionStore } from '#shared/adapters/dynamodb-suppression-store';
import { DynamoTemplateStore } from '#shared/adapters/dynamodb-template-store';
import type { Principal } from '#shared/domain/api-key';
import type { EmailRecord } from '#shared/domain/email';
import { encodeCursor } from '#shared/domain/list-cursor';
import { withApi } from '#shared/http/middy';
import { systemClock } from '#shared/ports/index';
import { useDynamoDbLocal } from '#test/support/dynamodb-local';
import { lambdaContext } from '#infra/local/api-server';
import { apiEvent } from '#test/support/api-event';

const SEED = Number(process.env.FUZZ_SEED ?? 7_2026);
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const ACME: Principal = { tenantId: 'acme', scopes: ['admin'], keyPrefix: 'mr_acme00' };
const table = 'mailroom-list-fuzz-main';

function email(tenantId: string, n: number): EmailRecord {
  const createdAt = new Date(Date.UTC(2030, 0, 1, 0, 0, n)).toISOString();
  return {
    id: `${tenantId}-${String(n).padStart(3, '0')}`,
    tenantId,
    lane: n % 2 ? 'transactional' : 'bulk',
    status: n % 3 ? 'sent' : 'failed',
    lastEvent: 'sent',
    from: 'hello@acme.test',
    to: [`user${n}@example.org`],
    cc: [],
    bcc: [],
    replyTo: [],
    headers: {},
    tags: [],
    scheduleVersion: 0,
    attempts: 1,
    createdAt,
    updatedAt: createdAt,
    expiresAt: 1_900_000_000,
    events: [],
  };
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** Cursors a client could forge: raw DynamoDB keys (the old format), wrong shapes, other tenants' positions. */
const FORGED = [
  b64({ pk: 'EMAIL#globex-001', sk: 'EMAIL', gsi1pk: 'TENANT#globex', gsi1sk: 'EMAIL#2030-01-01T00:00:01.000Z#globex-001' }),
  b64({ pk: 'TENANT#globex', sk: 'SUPPRESSION#x@example.org' }),
  b64({ pk: { S: 'x' } }),
  b64([]),
  b64('null'),
  b64({}),
  encodeCursor([]),
  encodeCursor(['a', 'b', 'c']),
  encodeCursor(['not-a-time', 'acme-001']),
  encodeCursor(['2030-01-01T00:00:01.000Z', '../../etc']),
  `c1.${b64({ createdAt: '2030-01-01T00:00:01.000Z', id: 'x' })}`,
  `c1.${b64([1, 2])}`,
  'c1.!!!!',
  'c1.',
  `c1.${'A'.repeat(5_000)}`,
  '%00',
];

describe('list endpoints under hostile cursors (DynamoDB Local)', () => {
  let call: (route: string, query: Record<string, string>) => Promise<{ status: number; body: any }>;
  const dynamo = useDynamoDbLocal({ table, idempotencyTable: 'mailroom-list-fuzz-idempotency' });

  beforeAll(async () => {
    const { doc } = dynamo();
    const emails = new DynamoEmailStore(doc, table);
    const templates = new DynamoTemplateStore(doc, table);
    const suppressions = new DynamoSuppressionStore(doc, table);
    await emails.createMany([...Array.from({ length: 12 }, (_, i) => email('acme', i + 1)), ...Array.from({ length: 12 }, (_, i) => email('globex', i + 1))]);
    const now = new Date().toISOString();
    for (const tenantId of ['acme', 'globex']) {
      for (let i = 0; i < 4; i++) {
        await suppressions.put({ tenantId, address: `${tenantId}${i}@example.org`, reason: 'manual', scope: 'all', createdAt: now });
        await templates.create({
          tenantId,
          id: `${tenantId}-t${i}`,
          name: `T${i}`,
          subject: 'Hi',
          html: '<p>Hi</p>',
          lastVersion: 0,
          createdAt: now,
          updatedAt: now,
        });
      }
    }
    const handlers = {
      emails: withApi(makeEmailsHandler({ emails })),
      templates: withApi(makeTemplatesHandler({ templates, clock: systemClock })),
      suppressions: withApi(makeSuppressionsHandler({ suppressions, clock: systemClock })),
    };
    call = async (route, query) => {
      const fn = route.startsWith('GET /emails') ? handlers.emails : route.startsWith('GET /templates') ? handlers.templates : handlers.suppressions;
      const res = await fn(apiEvent(route, { principal: ACME, query }), lambdaContext('fuzz'));
      return { status: res.statusCode, body: JSON.parse(res.body) };
    };
  });

  const LISTS: Array<[string, Record<string, string>]> = [
    ['GET /emails', {}],
    ['GET /emails', { status: 'sent' }],
    ['GET /suppressions', {}],
    ['GET /templates', {}],
  ];

  it.each(LISTS)('answers every forged cursor on %s %o with 400 validation_error', async (route, extra) => {
    for (const cursor of FORGED) {
      const res = await call(route, { ...extra, after: cursor });
      expect(res, `after=${cursor.slice(0, 60)}`).toMatchObject({ status: 400, body: { statusCode: 400, name: 'validation_error' } });
    }
  });

  it("refuses another tenant's email id as after/before (400), and never lists another tenant's items", async () => {
    for (const param of ['after', 'before']) {
      expect(await call('GET /emails', { [param]: 'globex-003' })).toMatchObject({ status: 400, body: { name: 'validation_error' } });
    }
    // A well-formed cursor pointing into another tenant's list positions inside the caller's own.
    const planted = await call('GET /emails', { after: encodeCursor(['2030-01-01T00:00:09.000Z', 'globex-009']) });
    expect(planted.status).toBe(200);
    expect(planted.body.data.every((e: { id: string }) => e.id.startsWith('acme-'))).toBe(true);
  });

  it('never answers 5xx to fuzzed list queries', async () => {
    const value = fc.oneof(
      fc.string(),
      fc.constantFrom(...FORGED, 'acme-005', 'globex-005', 'acme-t1', 'acme1@example.org', '0', '-1', '101', '1e2', '', ' '),
      fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 }).map((parts) => encodeCursor(parts)),
      fc.jsonValue().map((v) => b64(v)),
    );
    const query = fc.dictionary(fc.constantFrom('limit', 'after', 'before', 'status', 'lane', 'to'), value, { maxKeys: 4 });
    const route = fc.constantFrom('GET /emails', 'GET /suppressions', 'GET /templates');
    await fc.assert(
      fc.asyncProperty(route, query, async (r, q) => {
        const res = await call(r, q);
        expect(res.status, `${r} ${JSON.stringify(q)} → ${JSON.stringify(res.body)}`).toBeLessThan(500);
        if (res.status === 200) {
          expect(res.body.object).toBe('list');
          for (const item of res.body.data) expect(JSON.stringify(item)).not.toContain('globex');
        } else expect(res.body.name).toMatch(/^(validation_error|not_found)$/);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
