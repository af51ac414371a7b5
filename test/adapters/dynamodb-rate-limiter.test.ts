import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { bucketKey, dailyAttribute, DynamoRateLimiter } from '#shared/adapters/dynamodb-rate-limiter';
import { RateLimitError } from '#shared/domain/errors';
import type { TenantLimits } from '#shared/domain/tenant';
import { useDynamoDbLocal } from '#test/support/dynamodb-local';

const TABLE = { table: 'rate-test-main', idempotencyTable: 'rate-test-idem' };
const limits = (over: Partial<TenantLimits> = {}): TenantLimits => ({ requestsPerSecond: 1, burst: 10, emailsPerDay: 0, perSenderHourlyCap: 0, ...over });

class FakeClock {
  constructor(public ms = Date.UTC(2030, 5, 1, 10, 0, 0)) {}
  now = () => new Date(this.ms);
}

describe('DynamoRateLimiter on DynamoDB Local', () => {
  const dynamo = useDynamoDbLocal(TABLE);
  let doc: DynamoDBDocumentClient;

  beforeAll(() => {
    doc = dynamo().doc;
  });

  const outcome = (p: Promise<unknown>) =>
    p.then(
      () => 'ok' as const,
      (e: unknown) => {
        if (e instanceof RateLimitError) return e;
        throw e;
      },
    );

  it('never lets concurrent consumers past the burst (separate limiter instances, one table)', async () => {
    const clock = new FakeClock();
    // 8 "Lambda containers", each with its own hint cache, hitting the same bucket at once.
    const limiters = Array.from({ length: 8 }, () => new DynamoRateLimiter(doc, TABLE.table, clock));
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => outcome(limiters[i % limiters.length]!.consume('flood', 1, limits()))));
    const allowed = results.filter((r) => r === 'ok').length;
    expect(allowed).toBe(10);
    const refused = results.filter((r): r is RateLimitError => r !== 'ok');
    expect(refused).toHaveLength(30);
    for (const r of refused) {
      expect(r.code).toBe('rate_limit_exceeded');
      expect(r.headers?.['ratelimit-limit']).toBe('10');
    }
  });

  it('gives a sensible Retry-After: the wait after which one more email is allowed', async () => {
    const clock = new FakeClock();
    const limiter = new DynamoRateLimiter(doc, TABLE.table, clock);
    const l = limits({ requestsPerSecond: 0.5, burst: 2 });
    await limiter.consume('retry', 2, l);
    const refused = await outcome(limiter.consume('retry', 1, l));
    expect(refused).toBeInstanceOf(RateLimitError);
    const retryAfter = Number((refused as RateLimitError).headers!['retry-after']);
    expect(retryAfter).toBe(2);
    clock.ms += retryAfter * 1000;
    // A fresh container (no hint) must reach the same decision from the table alone.
    await expect(new DynamoRateLimiter(doc, TABLE.table, clock).consume('retry', 1, l)).resolves.toMatchObject({ allowed: true });
  });

  it('refills over time and stores only the theoretical arrival time', async () => {
    const clock = new FakeClock();
    const limiter = new DynamoRateLimiter(doc, TABLE.table, clock);
    const l = limits({ requestsPerSecond: 10, burst: 5 });
    for (let i = 0; i < 5; i++) await limiter.consume('refill', 1, l);
    expect(await outcome(limiter.consume('refill', 1, l))).toBeInstanceOf(RateLimitError);
    clock.ms += 300;
    for (let i = 0; i < 3; i++) await limiter.consume('refill', 1, l);
    expect(await outcome(limiter.consume('refill', 1, l))).toBeInstanceOf(RateLimitError);
    const item = (await doc.send(new GetCommand({ TableName: TABLE.table, Key: bucketKey('refill') }))).Item!;
    expect(item.tat).toBeCloseTo(clock.ms + 500, 3);
    expect(typeof item.expiresAt).toBe('number');
  });

  it('counts a batch as its number of emails', async () => {
    const clock = new FakeClock();
    const limiter = new DynamoRateLimiter(doc, TABLE.table, clock);
    // Each charge answers the bucket it left: what a read of the bucket says next.
    const charged = await limiter.consume('batch', 7, limits());
    expect(charged).toMatchObject({ limit: 10, remaining: 3, resetSeconds: 7 });
    expect(await limiter.status('batch', limits())).toMatchObject({ limit: 10, remaining: 3, resetSeconds: 7 });
    const refused = await outcome(limiter.consume('batch', 4, limits()));
    expect(refused).toBeInstanceOf(RateLimitError);
    expect((refused as RateLimitError).headers?.['ratelimit-remaining']).toBe('3');
    await expect(limiter.consume('batch', 3, limits())).resolves.toMatchObject({ limit: 10, remaining: 0, resetSeconds: 10 });
    expect(await outcome(limiter.consume('batch-too-big', 11, limits()))).toBeInstanceOf(RateLimitError);
  });

  it('enforces the daily quota exactly under concurrency and answers daily_quota_exceeded', async () => {
    const clock = new FakeClock(Date.UTC(2030, 5, 1, 23, 0, 0));
    const l = limits({ requestsPerSecond: 0, burst: 0, emailsPerDay: 25 });
    const limiters = Array.from({ length: 4 }, () => new DynamoRateLimiter(doc, TABLE.table, clock));
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => outcome(limiters[i % 4]!.consume('daily', 2, l))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(12);
    const refused = results.find((r): r is RateLimitError => r !== 'ok')!;
    expect(refused.code).toBe('daily_quota_exceeded');
    expect(refused.headers?.['retry-after']).toBe('3600');
    const item = (await doc.send(new GetCommand({ TableName: TABLE.table, Key: bucketKey('daily') }))).Item!;
    expect(item[dailyAttribute('2030-06-01')]).toBe(24);
    await limiters[0]!.consume('daily', 1, l);
    expect(await outcome(limiters[0]!.consume('daily', 1, l))).toBeInstanceOf(RateLimitError);
    clock.ms += 3_600_000;
    await expect(limiters[0]!.consume('daily', 2, l)).resolves.toBeUndefined();
  });

  it('decides the request rate and the daily quota in one UpdateItem per request', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const counting = { send: (command: never) => (calls++, doc.send(command)) } as unknown as DynamoDBDocumentClient;
    const limiter = new DynamoRateLimiter(counting, TABLE.table, clock);
    const l = limits({ requestsPerSecond: 100, burst: 1000, emailsPerDay: 1000 });
    for (let i = 0; i < 10; i++) await limiter.consume('one-write', 1, l);
    await limiter.consume('one-write', 100, l);
    expect(calls).toBe(11);
    const item = (await doc.send(new GetCommand({ TableName: TABLE.table, Key: bucketKey('one-write') }))).Item!;
    expect(item[dailyAttribute('2030-06-01')]).toBe(110);
    expect(item.tat).toBeGreaterThan(clock.ms);
  });

  it('never lets concurrent consumers past the burst or the daily quota, whichever is smaller', async () => {
    const clock = new FakeClock();
    const limiters = Array.from({ length: 8 }, () => new DynamoRateLimiter(doc, TABLE.table, clock));
    const quotaFirst = await Promise.all(
      Array.from({ length: 30 }, (_, i) => outcome(limiters[i % 8]!.consume('both-q', 1, limits({ burst: 10, emailsPerDay: 6 })))),
    );
    expect(quotaFirst.filter((r) => r === 'ok')).toHaveLength(6);
    expect(quotaFirst.some((r) => r !== 'ok' && r.code === 'daily_quota_exceeded')).toBe(true);
    const burstFirst = await Promise.all(
      Array.from({ length: 30 }, (_, i) => outcome(limiters[i % 8]!.consume('both-b', 1, limits({ burst: 10, emailsPerDay: 20 })))),
    );
    expect(burstFirst.filter((r) => r === 'ok')).toHaveLength(10);
    const item = (await doc.send(new GetCommand({ TableName: TABLE.table, Key: bucketKey('both-b') }))).Item!;
    expect(item[dailyAttribute('2030-06-01')]).toBe(10);
  });

  it('charges nothing for a request the daily quota refuses', async () => {
    const clock = new FakeClock();
    const limiter = new DynamoRateLimiter(doc, TABLE.table, clock);
    const l = limits({ requestsPerSecond: 1, burst: 10, emailsPerDay: 5 });
    await limiter.consume('no-charge', 4, l);
    expect(((await outcome(limiter.consume('no-charge', 3, l))) as RateLimitError).code).toBe('daily_quota_exceeded');
    const item = (await doc.send(new GetCommand({ TableName: TABLE.table, Key: bucketKey('no-charge') }))).Item!;
    expect(item.tat).toBeCloseTo(clock.ms + 4000, 3);
    expect(item[dailyAttribute('2030-06-01')]).toBe(4);
  });

  it("starts each UTC day at zero, drops the previous days' counters and keeps the item past the day's end", async () => {
    const clock = new FakeClock(Date.UTC(2030, 5, 1, 23, 59, 0));
    const limiter = new DynamoRateLimiter(doc, TABLE.table, clock);
    const l = limits({ requestsPerSecond: 0, burst: 0, emailsPerDay: 3 });
    await limiter.consume('days', 3, l);
    let item = (await doc.send(new GetCommand({ TableName: TABLE.table, Key: bucketKey('days') }))).Item!;
    expect(item.expiresAt).toBeGreaterThanOrEqual(Date.UTC(2030, 5, 2) / 1000);
    clock.ms += 120_000;
    await limiter.consume('days', 3, l);
    item = (await doc.send(new GetCommand({ TableName: TABLE.table, Key: bucketKey('days') }))).Item!;
    expect(item[dailyAttribute('2030-06-02')]).toBe(3);
    expect(item[dailyAttribute('2030-06-01')]).toBeUndefined();
  });

  it('caps one sender per hour without touching another sender', async () => {
    const clock = new FakeClock();
    const limiter = new DynamoRateLimiter(doc, TABLE.table, clock);
    const l = limits({ requestsPerSecond: 0, perSenderHourlyCap: 3 });
    await limiter.consume('cap', 3, l, { sender: 'news@example.com' });
    expect(await outcome(limiter.consume('cap', 1, l, { sender: 'news@example.com' }))).toBeInstanceOf(RateLimitError);
    await expect(limiter.consume('cap', 1, l, { sender: 'billing@example.com' })).resolves.toBeUndefined();
  });
});
