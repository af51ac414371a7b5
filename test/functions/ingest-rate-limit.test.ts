import { describe, expect, it } from 'vitest';
import { makeIngestHandler } from '#functions/ingest/app';
import { MemoryLaneQueue, MemoryTenantStore } from '#shared/adapters/memory/memory-adapters';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import { MemoryRateLimiter } from '#shared/adapters/memory/memory-rate-limiter';
import { createMemoryIdempotency } from '#shared/adapters/powertools-idempotency';
import type { TenantLimits } from '#shared/domain/tenant';
import type { ApiEvent } from '#shared/http/api';
import { withApi } from '#shared/http/middy';
import { lambdaContext } from '#infra/local/api-server';
import { createRateLimitHeaders } from '#shared/use-cases/rate-limit-status';

const NOW = new Date('2030-03-01T10:00:00Z');
const email = (i: number) => ({ from: 'news@example.com', to: 'ada@example.org', subject: `n${i}`, text: 'x' });

function setup(limits: TenantLimits) {
  const emails = new MemoryEmailStore();
  const queue = new MemoryLaneQueue();
  const tenants = new MemoryTenantStore();
  void tenants.put({ id: 't1', allowedSenders: [], retentionDays: 7, limits, createdAt: NOW.toISOString(), updatedAt: NOW.toISOString() });
  const limiter = new MemoryRateLimiter({ now: () => NOW });
  const ingest = makeIngestHandler({
    emails,
    queue,
    tenants,
    rateLimiter: limiter,
    idempotency: createMemoryIdempotency(),
    clock: { now: () => NOW },
    defaultRetentionDays: 30,
    maxBodyBytes: 100_000,
  });
  const handler = withApi(ingest);
  const event = (route: 'POST /emails' | 'POST /emails/batch', body: unknown, headers: Record<string, string> = {}) =>
    ({
      routeKey: route,
      headers,
      body: JSON.stringify(body),
      isBase64Encoded: false,
      requestContext: { authorizer: { lambda: { tenantId: 't1', scopes: 'emails:send', keyPrefix: 'mr_t' } } },
    }) as unknown as ApiEvent;
  const call = (route: 'POST /emails' | 'POST /emails/batch', body: unknown, headers: Record<string, string> = {}) =>
    handler(event(route, body, headers), lambdaContext('ingest'));
  return { emails, queue, limiter, tenants, ingest, event, call };
}

describe('ingest rate limits', () => {
  it('answers 429 rate_limit_exceeded with Retry-After and ratelimit-* headers once the burst is spent, storing nothing', async () => {
    const t = setup({ requestsPerSecond: 1, burst: 2, emailsPerDay: 0, perSenderHourlyCap: 0 });
    expect((await t.call('POST /emails', email(1))).statusCode).toBe(200);
    expect((await t.call('POST /emails', email(2))).statusCode).toBe(200);
    const res = await t.call('POST /emails', email(3));
    expect(res.statusCode).toBe(429);
    expect(JSON.parse(res.body)).toMatchObject({ statusCode: 429, name: 'rate_limit_exceeded' });
    expect(res.headers).toMatchObject({ 'retry-after': '1', 'ratelimit-limit': '2', 'ratelimit-remaining': '0', 'ratelimit-reset': '2' });
    expect(t.emails.items.size).toBe(2);
    expect(t.queue.sent).toHaveLength(2);
  });

  it('answers each charged send with the bucket its own charge left, without reading the bucket again', async () => {
    const t = setup({ requestsPerSecond: 1, burst: 3, emailsPerDay: 0, perSenderHourlyCap: 0 });
    let reads = 0;
    const status = t.limiter.status.bind(t.limiter);
    t.limiter.status = (...args) => (reads++, status(...args));
    const headered = withApi(t.ingest, { rateLimitHeaders: createRateLimitHeaders({ tenants: t.tenants, limiter: t.limiter }) });
    const first = await headered(t.event('POST /emails', email(1)), lambdaContext('ingest'));
    expect(first.statusCode).toBe(200);
    expect(first.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '2', 'ratelimit-reset': '1' });
    const batch = await headered(t.event('POST /emails/batch', [email(2), email(3)]), lambdaContext('ingest'));
    expect(batch.statusCode).toBe(200);
    expect(batch.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '0', 'ratelimit-reset': '3' });
    expect(reads).toBe(0);
    // A request refused before its charge (bad input) still gets the headers, from one read.
    const bad = await headered(t.event('POST /emails', { from: 'news@example.com' }), lambdaContext('ingest'));
    expect(bad.statusCode).toBe(422);
    expect(bad.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '0' });
    expect(reads).toBe(1);
  });

  it('charges a batch its number of emails', async () => {
    const t = setup({ requestsPerSecond: 1, burst: 5, emailsPerDay: 0, perSenderHourlyCap: 0 });
    expect((await t.call('POST /emails/batch', [email(1), email(2), email(3)])).statusCode).toBe(200);
    expect(t.limiter.calls.at(-1)).toMatchObject({ tenantId: 't1', count: 3 });
    const res = await t.call('POST /emails/batch', [email(4), email(5), email(6)]);
    expect(res.statusCode).toBe(429);
    expect(res.headers['ratelimit-remaining']).toBe('2');
    expect(t.emails.items.size).toBe(3);
  });

  it('answers 429 daily_quota_exceeded when the day is used up', async () => {
    const t = setup({ requestsPerSecond: 100, burst: 100, emailsPerDay: 1, perSenderHourlyCap: 0 });
    expect((await t.call('POST /emails', email(1))).statusCode).toBe(200);
    const res = await t.call('POST /emails', email(2));
    expect(res.statusCode).toBe(429);
    expect(JSON.parse(res.body).name).toBe('daily_quota_exceeded');
    expect(res.headers['retry-after']).toBe(String(14 * 3600));
  });

  it('does not charge a replayed idempotent request again', async () => {
    const t = setup({ requestsPerSecond: 1, burst: 1, emailsPerDay: 0, perSenderHourlyCap: 0 });
    const first = await t.call('POST /emails', email(1), { 'Idempotency-Key': 'k1' });
    const replay = await t.call('POST /emails', email(1), { 'Idempotency-Key': 'k1' });
    expect(replay.statusCode).toBe(200);
    expect(replay.body).toBe(first.body);
    expect(t.limiter.calls).toHaveLength(1);
  });
});
