import { DeleteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { breakerKey, DynamoCircuitBreaker, readBreakerState } from '#shared/adapters/dynamodb-circuit-breaker';
import { useDynamoDbLocal } from '#test/support/dynamodb-local';

describe('DynamoDB circuit breaker (DynamoDB Local)', () => {
  const table = 'breaker-test-main';
  const ddb = useDynamoDbLocal({ table, idempotencyTable: 'breaker-test-idem' });
  let doc: DynamoDBDocumentClient;
  let now = 1_700_000_000_000;
  const clock = () => now;
  const settings = { failureThreshold: 3, windowSeconds: 10, openSeconds: 5, probeSeconds: 4, cacheMs: 0 };
  const breaker = (extra: Partial<typeof settings> = {}) => new DynamoCircuitBreaker(doc, table, { ...settings, ...extra }, clock);

  beforeAll(() => {
    doc = ddb().doc;
  });
  beforeEach(async () => {
    now = 1_700_000_000_000;
    await doc.send(new DeleteCommand({ TableName: table, Key: breakerKey('ses') }));
  });

  it('stays closed and lets calls through below the failure threshold', async () => {
    const b = breaker();
    await b.recordFailure('ses');
    await b.recordFailure('ses');
    expect(await b.acquire('ses')).toEqual({ allowed: true, state: 'closed' });
    expect(await b.state('ses')).toMatchObject({ state: 'closed', failures: 2 });
  });

  it('weighs an ambiguous failure (timeout, reset) half: threshold 3 takes six of them, or two definite and two ambiguous', async () => {
    const b = breaker();
    for (let i = 0; i < 5; i++) await b.recordFailure('ses', { ambiguous: true });
    expect(await b.state('ses')).toMatchObject({ state: 'closed', failures: 0, ambiguous: 5 });
    await b.recordFailure('ses', { ambiguous: true });
    expect((await b.state('ses')).state).toBe('open');

    now += 60_000;
    await doc.send(new DeleteCommand({ TableName: table, Key: breakerKey('ses') }));
    const c = breaker();
    await c.recordFailure('ses');
    await c.recordFailure('ses', { ambiguous: true });
    await c.recordFailure('ses');
    expect((await c.state('ses')).state).toBe('closed');
    await c.recordFailure('ses', { ambiguous: true });
    expect((await c.state('ses')).state).toBe('open');
  });

  it('opens when failures from several instances reach the threshold inside the window', async () => {
    const [a, b, c] = [breaker(), breaker(), breaker()];
    await Promise.all([a.recordFailure('ses'), b.recordFailure('ses'), c.recordFailure('ses')]);
    const state = await readBreakerState(doc, table, 'ses', now);
    expect(state.state).toBe('open');
    expect(state.openUntil).toBe(new Date(now + 5_000).toISOString());
    expect(await a.acquire('ses')).toEqual({ allowed: false, state: 'open' });
  });

  it('counts only failures inside the window', async () => {
    const b = breaker();
    await b.recordFailure('ses');
    await b.recordFailure('ses');
    now += 11_000;
    await b.recordFailure('ses');
    expect(await b.state('ses')).toMatchObject({ state: 'closed', failures: 1 });
  });

  it('lets exactly one probe through when half-open, among many concurrent senders', async () => {
    const first = breaker();
    for (let i = 0; i < 3; i++) await first.recordFailure('ses');
    now += 5_001;
    const senders = Array.from({ length: 8 }, () => breaker());
    const answers = await Promise.all(senders.map((s) => s.acquire('ses')));
    expect(answers.filter((a) => a.allowed)).toHaveLength(1);
    expect(answers.every((a) => a.state === 'half_open')).toBe(true);
  });

  it('closes after a successful probe', async () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) await b.recordFailure('ses');
    now += 5_001;
    expect((await b.acquire('ses')).allowed).toBe(true);
    await b.recordSuccess('ses');
    expect(await readBreakerState(doc, table, 'ses', now)).toMatchObject({ state: 'closed', failures: 0 });
    expect(await breaker().acquire('ses')).toEqual({ allowed: true, state: 'closed' });
  });

  it('re-opens after a failed probe', async () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) await b.recordFailure('ses');
    now += 5_001;
    expect((await b.acquire('ses')).allowed).toBe(true);
    await b.recordFailure('ses');
    const state = await readBreakerState(doc, table, 'ses', now);
    expect(state.state).toBe('open');
    expect(state.openUntil).toBe(new Date(now + 5_000).toISOString());
  });

  it('frees the probe slot of a prober that never reported back', async () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) await b.recordFailure('ses');
    now += 5_001;
    expect((await breaker().acquire('ses')).allowed).toBe(true);
    expect((await breaker().acquire('ses')).allowed).toBe(false);
    now += 4_001;
    expect((await breaker().acquire('ses')).allowed).toBe(true);
  });

  it('serves acquire from its per-instance cache without reading the table again', async () => {
    const cached = breaker({ cacheMs: 60_000 });
    expect((await cached.acquire('ses')).allowed).toBe(true);
    const other = breaker();
    for (let i = 0; i < 3; i++) await other.recordFailure('ses');
    // Still the cached (closed) view; a fresh instance sees it open.
    expect((await cached.acquire('ses')).state).toBe('closed');
    expect((await breaker().acquire('ses')).state).toBe('open');
  });

  it('writes nothing on success while closed', async () => {
    const b = breaker();
    await b.acquire('ses');
    await b.recordSuccess('ses');
    expect(await readBreakerState(doc, table, 'ses', now)).toEqual({ provider: 'ses', state: 'closed', failures: 0, ambiguous: 0 });
  });
});
