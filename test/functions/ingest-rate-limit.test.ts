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

const NOW = new Date('2030-03-01T10:00:00Z');
const email = (i: number) => ({ from: 'news@example.com', to: 'ada@example.org', subject: `n${i}`, text: 'x' });

function setup(limits: TenantLimits) {
  const emails = new MemoryEmailStore();
  const queue = new MemoryLaneQueue();
  const tenants = new MemoryTenantStore();
  void tenants.put({ id: 't1', allowedSenders: [], retentionDays: 7, limits, createdAt: NOW.toISOString(), updatedAt: NOW.toISOString() });
  const limiter = new MemoryRateLimiter({ now: () => NOW });
  const handler = withApi(
    makeIngestHandler({
      emails,
      queue,
      tenants,
      rateLimiter: limiter,
      idempotency: createMemoryIdempotency(),
      clock: { now: () => NOW },
      defaultRetentionDays: 30,
      maxBodyBytes: 100_000,
    }),
  );
  const call = (route: 'POST /emails' | 'POST /emails/batch', body: unknown, headers: Record<string, string> = {}) =>
    handler(
      {
        routeKey: route,
        headers,
        body: JSON.stringify(body),
        isBase64Encoded: false,
        requestContext: { authorizer: { lambda: { tenantId: 't1', scopes: 'emails:send', keyPrefix: 'mr_t' } } },
      } as unknown as ApiEvent,
      lambdaContext('ingest'),
    );
  return { emails, queue, limiter, call };
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
