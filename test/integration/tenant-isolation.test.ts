import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoApiKeyStore } from '#shared/adapters/dynamodb-tenant-store';
import type { Scope } from '#shared/domain/api-key';
import { systemClock } from '#shared/ports/index';
import { createApiKey } from '#shared/use-cases/api-keys';
import { api, useLocalStack, waitForStatus } from '#test/support/local-stack';

// Before any import: the Logger takes its level at construction, and each invocation resets it to that.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  process.env.AWS_LAMBDA_LOG_LEVEL = 'DEBUG';
});

/** Everything the process writes to stdout/stderr while this file runs (the functions run in-process). */
const captured: string[] = [];
const originals = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
function capture(): void {
  const tap =
    (original: typeof originals.out) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return (original as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
    };
  process.stdout.write = tap(originals.out) as typeof process.stdout.write;
  process.stderr.write = tap(originals.err) as typeof process.stderr.write;
}

// Recipients that must never appear in full in any log line.
const RCPT = { a: 'alice.isolation-7d1c@example.org', b: 'bob.isolation-7d1c@example.net', flood: 'flood.isolation-7d1c@example.org' };

describe('tenant isolation, scoped keys and rate limits on the local stack', () => {
  afterAll(() => {
    process.stdout.write = originals.out as typeof process.stdout.write;
    process.stderr.write = originals.err as typeof process.stderr.write;
  });

  const stack = useLocalStack({ logLevel: 'DEBUG' });
  const tenants = {} as Record<'a' | 'b', { apiKey: string }>;
  const issuedKeys: string[] = [];
  const keyFor = async (tenantId: string, scopes: Scope[], senderDomain?: string) => {
    const { key } = await createApiKey(
      { keys: new DynamoApiKeyStore(stack().doc, stack().names.table), clock: systemClock },
      { tenantId, scopes, ...(senderDomain ? { senderDomain } : {}) },
    );
    issuedKeys.push(key);
    return key;
  };
  const as = (key: string) => ({ apiUrl: stack().apiUrl, apiKey: key });

  beforeAll(async () => {
    // After the emulators start: some of them replace process.stdout.write on their way up.
    capture();
    const s = stack();
    tenants.a = await s.createTenant('iso-a', {
      allowedSenders: ['a.example.com', 'a2.example.com'],
      limits: { requestsPerSecond: 1, burst: 5, emailsPerDay: 0, perSenderHourlyCap: 0 },
    });
    tenants.b = await s.createTenant('iso-b', { allowedSenders: ['b.example.com'] });
  });

  it("answers 404 (never 403) when tenant A reads, lists, cancels or reschedules tenant B's email", async () => {
    const B = as(tenants.b.apiKey);
    const A = as(tenants.a.apiKey);
    const later = new Date(Date.now() + 3 * 3_600_000).toISOString();
    const sent = await api(B, 'POST', '/emails', { from: 'B <news@b.example.com>', to: RCPT.b, subject: 'For B only', text: 'secret', scheduled_at: later });
    expect(sent.status).toBe(200);
    const id = sent.body.id as string;

    for (const [method, path, body] of [
      ['GET', `/emails/${id}`, undefined],
      ['POST', `/emails/${id}/cancel`, undefined],
      ['PATCH', `/emails/${id}`, { scheduled_at: new Date(Date.now() + 5 * 3_600_000).toISOString() }],
    ] as const) {
      const res = await api(A, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body).toMatchObject({ statusCode: 404, name: 'not_found' });
    }
    const list = await api(A, 'GET', '/emails?limit=100');
    expect(list.status).toBe(200);
    expect(list.body.data.map((e: { id: string }) => e.id)).not.toContain(id);

    // The same calls work for the owner, so the 404s above are isolation, not broken routes.
    expect((await api(B, 'GET', `/emails/${id}`)).body.status).toBe('scheduled');
    expect((await api(B, 'POST', `/emails/${id}/cancel`)).status).toBe(200);
    expect((await api(B, 'GET', `/emails/${id}`)).body.status).toBe('canceled');
  });

  it("answers 404 when tenant A reads or renders tenant B's template", async () => {
    const B = as(tenants.b.apiKey);
    const A = as(tenants.a.apiKey);
    const created = await api(B, 'POST', '/templates', { id: 'b-private', subject: 'Hi {{name}}', html: '<p>Hi {{name}}</p>', sample: { name: 'S' } });
    expect(created.status).toBe(201);
    expect((await api(B, 'POST', '/templates/b-private/render', { variables: { name: 'x' } })).status).toBe(200);
    expect((await api(A, 'GET', '/templates/b-private')).status).toBe(404);
    expect((await api(A, 'POST', '/templates/b-private/render', { variables: { name: 'x' } })).status).toBe(404);
    const list = await api(A, 'GET', '/templates');
    expect(JSON.stringify(list.body)).not.toContain('b-private');
  });

  it("refuses tenant A sending from tenant B's domain with 403 invalid_from_address", async () => {
    const res = await api(as(tenants.a.apiKey), 'POST', '/emails', { from: 'Spoof <ceo@b.example.com>', to: RCPT.a, subject: 'x', text: 'x' });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ statusCode: 403, name: 'invalid_from_address' });
  });

  it('refuses a key limited to one sender domain anywhere else, even inside its tenant', async () => {
    const key = await keyFor('iso-a', ['emails:send', 'emails:read'], 'a.example.com');
    const elsewhere = await api(as(key), 'POST', '/emails', { from: 'news@a2.example.com', to: RCPT.a, subject: 'x', text: 'x' });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.name).toBe('invalid_from_address');
    const home = await api(as(key), 'POST', '/emails', { from: 'news@a.example.com', to: RCPT.a, subject: 'Scoped key', text: 'x' });
    expect(home.status).toBe(200);
  });

  it('refuses a key without emails:send (401) and a send-only key on reads (401), as Resend answers restricted_api_key', async () => {
    const readOnly = await keyFor('iso-a', ['emails:read']);
    const send = await api(as(readOnly), 'POST', '/emails', { from: 'news@a.example.com', to: RCPT.a, subject: 'x', text: 'x' });
    expect(send.status).toBe(401);
    expect(send.body).toMatchObject({ statusCode: 401, name: 'restricted_api_key' });
    const sendOnly = await keyFor('iso-a', ['emails:send']);
    const read = await api(as(sendOnly), 'GET', '/emails');
    expect(read.status).toBe(401);
    expect(read.body.name).toBe('restricted_api_key');
  });

  it("rate-limits tenant A's flood with 429 + Retry-After + ratelimit-* while tenant B is served within its own limits", async () => {
    const A = as(tenants.a.apiKey);
    const B = as(tenants.b.apiKey);
    const started = Date.now();
    const flood = Array.from({ length: 30 }, () => api(A, 'POST', '/emails', { from: 'news@a.example.com', to: RCPT.flood, subject: 'Flood', text: 'x' }));
    const mine = Array.from({ length: 10 }, (_, i) =>
      api(B, 'POST', '/emails', { from: 'news@b.example.com', to: RCPT.b, subject: `B during flood ${i}`, text: 'x' }),
    );
    const [floodResults, bResults] = await Promise.all([Promise.all(flood), Promise.all(mine)]);

    const seconds = (Date.now() - started) / 1000;
    const limited = floodResults.filter((r) => r.status === 429);
    // Burst 5 plus the 1/s refill while the flood lasted; everything else is refused.
    const allowed = floodResults.filter((r) => r.status === 200).length;
    expect(allowed).toBeLessThanOrEqual(5 + Math.ceil(seconds));
    expect(limited.length).toBe(30 - allowed);
    for (const r of limited) {
      expect(r.body).toMatchObject({ statusCode: 429, name: 'rate_limit_exceeded' });
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(6);
      expect(r.headers.get('ratelimit-limit')).toBe('5');
      expect(r.headers.get('ratelimit-remaining')).toBe('0');
      expect(r.headers.get('ratelimit-reset')).toMatch(/^\d+$/);
    }
    expect(bResults.map((r) => r.status)).toEqual(Array(10).fill(200));
    for (const r of bResults) await waitForStatus(B, r.body.id, ['sent'], 20_000);
  });

  it('writes no full recipient address and no API key into any log line (DEBUG level, all functions in-process)', () => {
    const text = captured.join('');
    // The capture must have seen the functions' structured logs, or the check below proves nothing.
    expect(text).toContain('"level":"INFO"');
    expect(text).toContain('Request refused');
    for (const address of Object.values(RCPT)) {
      expect(text.toLowerCase(), `log contains ${address}`).not.toContain(address.toLowerCase());
      expect(text).not.toContain(address.split('@')[0]);
    }
    expect(issuedKeys.length).toBeGreaterThan(0);
    for (const key of [...issuedKeys, tenants.a.apiKey, tenants.b.apiKey]) expect(text).not.toContain(key.slice(3));
  });
});
