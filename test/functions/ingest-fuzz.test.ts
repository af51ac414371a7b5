import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeIngestHandler, type IngestDeps } from '#functions/ingest/app';
import { MemoryLaneQueue, MemoryTenantStore } from '#shared/adapters/memory/memory-adapters';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import { MemoryRateLimiter } from '#shared/adapters/memory/memory-rate-limiter';
import { createMemoryIdempotency } from '#shared/adapters/powertools-idempotency';
import { DEFAULT_LIMITS } from '#shared/domain/tenant';
import { sendEmailSchema } from '#shared/domain/send-request';
import type { ApiEvent } from '#shared/http/api';
import type { SendScheduler } from '#shared/ports/index';
import { withApi } from '#shared/http/middy';
import { lambdaContext } from '#infra/local/api-server';

const SEED = Number(process.env.FUZZ_SEED ?? 7_2026);
const RUNS = Number(process.env.FUZZ_RUNS ?? 2_000);
const MAX_BODY = 64 * 1024;

function setup() {
  const emails = new MemoryEmailStore();
  const queue = new MemoryLaneQueue();
  const tenants = new MemoryTenantStore();
  const scheduled: string[] = [];
  const scheduler: SendScheduler = {
    schedule: async ({ emailId }) => void scheduled.push(emailId),
    reschedule: async () => undefined,
    cancel: async () => undefined,
  };
  const now = new Date().toISOString();
  void tenants.put({
    id: 'fuzz',
    allowedSenders: ['example.com'],
    retentionDays: 7,
    limits: { ...DEFAULT_LIMITS, requestsPerSecond: 1_000, burst: 1_000_000 },
    createdAt: now,
    updatedAt: now,
  });
  const deps: IngestDeps = {
    emails,
    queue,
    tenants,
    idempotency: createMemoryIdempotency(),
    rateLimiter: new MemoryRateLimiter(),
    scheduler,
    clock: { now: () => new Date() },
    defaultRetentionDays: 30,
    maxBodyBytes: MAX_BODY,
  };
  return { deps, emails, queue, scheduled, handler: withApi(makeIngestHandler(deps)) };
}

// --- hostile material -----------------------------------------------------------------------
// The real schema's field names, so new fields are fuzzed as soon as they exist.
const FIELDS = Object.keys(sendEmailSchema.shape);
const nasty = fc.constantFrom(
  'a\r\nBcc: victim@evil.test',
  'x'.repeat(70_000),
  '\u0000',
  '\uD800',
  '💌'.repeat(100),
  '__proto__',
  'constructor',
  '<script>alert(1)</script>',
  '=?utf-8?B?SGk=?=',
  'Jane <jane@example.com>, Bob <bob@example.com>',
  '"a@b"@example.com',
  'jane@bücher.de',
  'undisclosed-recipients:;',
  '@example.com',
  'tomorrow at 9am',
  '2000-01-01T00:00:00Z',
  'in 999999 years',
  'NaN',
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  nasty,
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(nasty, fc.string(), fc.integer()), { maxLength: 60 }),
  fc.dictionary(
    fc.oneof(nasty, fc.string(), fc.constantFrom('Bcc', 'X-Custom', 'content-type', 'x bad', '__proto__', 'name', 'value', 'id', 'variables')),
    fc.oneof(nasty, fc.string(), fc.integer(), fc.constant({})),
    { maxKeys: 5 },
  ),
  fc.constant([
    { name: 'ok', value: 'ok' },
    { name: 'bad tag', value: 'x' },
  ]),
  fc.constant([{ filename: 'a.txt', content: 'aGVsbG8=' }]),
  fc.constant({ id: 'welcome', variables: { name: 'x' } }),
);
const validBase = () => ({ from: 'Mailroom <hello@example.com>', to: 'ada@example.org', subject: 'Hi', html: '<p>Hi</p>' });
const schemaShaped = fc
  .record({
    base: fc.boolean(),
    fields: fc.array(fc.tuple(fc.constantFrom(...FIELDS, '__proto__', 'constructor', 'prototype', 'unknown_field'), hostileValue), { maxLength: 6 }),
  })
  .map(({ base, fields }) => {
    const body: Record<string, unknown> = base ? validBase() : {};
    // defineProperty keeps `__proto__` as an own key, as JSON.parse would.
    for (const [k, v] of fields) Object.defineProperty(body, k, { value: v, enumerable: true, writable: true, configurable: true });
    return JSON.stringify(body);
  });
// Legal but unusual requests, so the accepted side is exercised too (unicode, IDN, cc/bcc, tags, headers, schedules).
const tagPart = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/);
const validVariant = fc
  .record(
    {
      subject: fc.string({ unit: 'grapheme', maxLength: 200 }).filter((x) => !/[\r\n]/.test(x)),
      text: fc.string({ unit: 'grapheme', maxLength: 2_000 }),
      to: fc.constantFrom('ada@example.org', ['ada@example.org', 'Bob <bob@example.net>'], 'jane@bücher.de', '"Doe, Jane" <jane@example.com>'),
      cc: fc.array(fc.constantFrom('cc1@example.org', 'Ünïcode Name <cc2@example.org>'), { maxLength: 3 }),
      bcc: fc.array(fc.constant('hidden@example.org'), { maxLength: 2 }),
      tags: fc.array(fc.record({ name: tagPart, value: tagPart }), { maxLength: 5 }),
      headers: fc.dictionary(
        fc.stringMatching(/^X-[A-Za-z0-9-]{1,20}$/),
        // biome-ignore lint/suspicious/noControlCharactersInRegex: header values without control characters are the valid half of the fuzz input.
        fc.string({ unit: 'grapheme', maxLength: 80 }).filter((x) => !/[\r\n\x00-\x1f\x7f]/.test(x)),
        { maxKeys: 4 },
      ),
      scheduled_at: fc.constantFrom('in 1 hour', 'tomorrow at 9am', new Date(Date.now() + 3_600_000).toISOString()),
    },
    { requiredKeys: ['subject'] },
  )
  .map((fields) => JSON.stringify({ from: 'Mailroom <hello@example.com>', html: '<p>Hi</p>', ...fields }));
const deepNesting = fc
  .integer({ min: 100, max: 20_000 })
  .chain((depth) =>
    fc.constantFrom(`${'['.repeat(depth)}${']'.repeat(depth)}`, `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`, `{"from":${'['.repeat(depth)}`),
  );
const rawBody = fc.oneof(
  { weight: 3, arbitrary: schemaShaped },
  { weight: 2, arbitrary: fc.json() },
  { weight: 2, arbitrary: fc.anything().map((v) => JSON.stringify(v) as string | undefined) },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: deepNesting },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'null',
      '[]',
      '"text"',
      '42',
      'true',
      '{}',
      '{"__proto__":{"admin":true}}',
      '{"constructor":{"prototype":{"x":1}}}',
      '',
      ' ',
      '\uFEFF{}',
      '{"from":1e999}',
    ),
  },
  { weight: 2, arbitrary: fc.constant(JSON.stringify(validBase())) },
  { weight: 3, arbitrary: validVariant },
);
const batchBody = fc.oneof(
  fc.array(schemaShaped, { maxLength: 8 }).map((items) => `[${items.join(',')}]`),
  fc.integer({ min: 0, max: 120 }).map((n) => JSON.stringify(Array.from({ length: n }, () => validBase()))),
  rawBody,
);
const body = fc.record({
  route: fc.constantFrom('POST /emails', 'POST /emails', 'POST /emails/batch'),
  text: rawBody,
  batchText: batchBody,
  base64: fc.oneof(fc.constant(false), fc.constant(true)),
  invalidUtf8: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
});

const headerName = (name: string) =>
  fc.constantFrom(
    name,
    name.toUpperCase(),
    name.toLowerCase(),
    name.replace(/^./, (c) => c.toUpperCase()),
  );
const headers = fc
  .record(
    {
      idem: fc.option(fc.tuple(headerName('idempotency-key'), fc.oneof(fc.string(), fc.constantFrom('k'.repeat(5_000), '\u0000', '💥', 'same-key'))), {
        nil: undefined,
      }),
      lane: fc.option(
        fc.tuple(headerName('mailroom-lane'), fc.oneof(fc.string(), fc.constantFrom('critical', 'BULK', ' Marketing ', 'transactional\n', 'x'.repeat(1000)))),
        { nil: undefined },
      ),
      ctype: fc.option(
        fc.tuple(
          headerName('content-type'),
          fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x', ''),
        ),
        { nil: undefined },
      ),
    },
    { requiredKeys: [] },
  )
  .map((h) => Object.fromEntries(Object.values(h).filter((x): x is [string, string] => Array.isArray(x))));

function eventOf(
  b: { route: string; text: string | undefined; batchText: string | undefined; base64: boolean; invalidUtf8: boolean },
  hdrs: Record<string, string>,
): ApiEvent {
  const text = b.route === 'POST /emails/batch' ? b.batchText : b.text;
  let bytes = text === undefined ? undefined : Buffer.from(text, 'utf8');
  if (bytes && b.invalidUtf8)
    bytes = Buffer.concat([
      bytes.subarray(0, Math.floor(bytes.length / 2)),
      Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
      bytes.subarray(Math.floor(bytes.length / 2)),
    ]);
  // A body that is not valid UTF-8 can only reach a function base64-encoded (API Gateway does that).
  const base64 = b.base64 || b.invalidUtf8;
  return {
    version: '2.0',
    routeKey: b.route,
    rawPath: b.route.slice(5),
    rawQueryString: '',
    headers: hdrs,
    isBase64Encoded: base64,
    ...(bytes ? { body: base64 ? bytes.toString('base64') : bytes.toString('utf8') } : {}),
    requestContext: { authorizer: { lambda: { tenantId: 'fuzz', scopes: 'emails:send', keyPrefix: 'mr_fuzz' } }, http: { method: 'POST', path: '/emails' } },
  } as unknown as ApiEvent;
}

describe('ingest under hostile input (property-based)', () => {
  it(`answers every random or hostile request with a 2xx or a JSON 4xx, and stores nothing it refused (seed ${SEED}, ${RUNS} runs)`, async () => {
    // Logged so a failure can be replayed with FUZZ_SEED=<seed>.
    console.info(`[ingest-fuzz] seed=${SEED} runs=${RUNS}`);
    const { handler, emails, queue, scheduled } = setup();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(body, headers, async (b, hdrs) => {
        const storedBefore = emails.items.size;
        const queuedBefore = queue.sent.length + scheduled.length;
        const res = await handler(eventOf(b, hdrs), lambdaContext('ingest'));
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        const ok = res.statusCode >= 200 && res.statusCode < 300;
        const refused = res.statusCode >= 400 && res.statusCode < 500;
        expect(ok || refused, `status ${res.statusCode}: ${res.body}`).toBe(true);
        const parsed = JSON.parse(res.body) as Record<string, unknown>;
        if (refused) {
          expect(parsed).toEqual({ statusCode: res.statusCode, name: expect.any(String), message: expect.any(String) });
          expect(res.headers['content-type']).toBe('application/json');
          expect(emails.items.size).toBe(storedBefore);
          expect(queue.sent.length + scheduled.length).toBe(queuedBefore);
        } else {
          const ids = Array.isArray(parsed.data) ? (parsed.data as Array<{ id: string }>).map((d) => d.id) : [parsed.id];
          for (const id of ids) expect(id).toEqual(expect.any(String));
          // A replayed idempotent request stores nothing new; a first one stores each email and queues (or schedules) it once.
          expect(emails.items.size - storedBefore).toBeLessThanOrEqual(ids.length);
          expect(queue.sent.length + scheduled.length - queuedBefore).toBe(emails.items.size - storedBefore);
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    // The generators must reach both sides, or the property says little.
    const count = (pred: (s: number) => boolean) => [...statuses].filter(([s]) => pred(s)).reduce((n, [, c]) => n + c, 0);
    console.info(`[ingest-fuzz] statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(count((s) => s < 300)).toBeGreaterThan(200);
    expect(count((s) => s === 422)).toBeGreaterThan(100);
    expect(count((s) => s === 400)).toBeGreaterThan(20);
  }, 240_000);
});
