/**
 * Local mode's stand-ins for API Gateway and the SQS event source mappings, with fake functions:
 * the authorizer cache (per Authorization header, API Gateway's TTL) and the lane poller (per-lane
 * concurrency from the lane table, critical first, pause, partial batch failures) on fauxqs.
 */
import { SendMessageBatchCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { startFauxqs } from 'fauxqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LANE_NAMES, LANES, type Lane } from '#shared/config/lanes';
import { AUTHORIZER_CACHE_SECONDS } from '#infra/definitions';
import { authorizerCache, startLocalApi } from '#infra/local/api-server';
import { createQueues, type LocalQueues } from '#infra/local/bootstrap';
import { LOCAL_AWS } from '#infra/local/emulators';
import { localLaneConcurrency, startLanePoller, type LanePoller } from '#infra/local/lane-poller';
import { waitFor } from '#test/support/local-stack';

describe('local API Gateway: authorizer cache', () => {
  const revoked = new Set<string>();
  let authorizerCalls = 0;
  const functions = {
    authorizer: async (event: { headers: Record<string, string> }) => {
      authorizerCalls++;
      const key = event.headers.authorization!.replace(/^Bearer /, '');
      if (key === 'broken') throw new Error('authorizer crashed');
      return { isAuthorized: true, context: { tenantId: revoked.has(key) || !key.startsWith('mr_') ? '' : 'acme' } };
    },
    // Answers like the real functions: 401 without a tenant.
    emails: async (event: { requestContext: { authorizer: { lambda: { tenantId: string } } } }) => {
      const tenantId = event.requestContext.authorizer.lambda.tenantId;
      return tenantId
        ? { statusCode: 200, body: JSON.stringify({ tenantId }) }
        : { statusCode: 401, body: JSON.stringify({ statusCode: 401, name: 'missing_api_key', message: 'no' }) };
    },
  };
  const servers: Array<{ stop(): Promise<void> }> = [];
  const start = async (authorizerCacheSeconds?: number) => {
    const api = await startLocalApi({ port: 0, functions, ...(authorizerCacheSeconds !== undefined ? { authorizerCacheSeconds } : {}) });
    servers.push(api);
    return (key: string) => fetch(`${api.url}/emails`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
    revoked.clear();
    authorizerCalls = 0;
  });

  it('asks the authorizer once per Authorization header within the TTL, so a revoked key keeps working until it expires', async () => {
    const get = await start();
    expect(await get('mr_one')).toBe(200);
    expect(await get('mr_one')).toBe(200);
    expect(await get('mr_two')).toBe(200);
    expect(authorizerCalls).toBe(2);
    revoked.add('mr_one');
    // Same as API Gateway with AUTHORIZER_CACHE_SECONDS: the cached answer still lets it in.
    expect(await get('mr_one')).toBe(200);
    expect(authorizerCalls).toBe(2);
  });

  it('asks again once the cached answer expires, and caches refusals too', async () => {
    let now = 1_000_000;
    const cache = authorizerCache(AUTHORIZER_CACHE_SECONDS, () => now);
    let calls = 0;
    const authorize = async () => ({ isAuthorized: true, context: { tenantId: calls++ === 0 ? 'acme' : '' } });
    expect((await cache.get('Bearer mr_x', authorize))?.context).toEqual({ tenantId: 'acme' });
    now += AUTHORIZER_CACHE_SECONDS * 1000 - 1;
    expect((await cache.get('Bearer mr_x', authorize))?.context).toEqual({ tenantId: 'acme' });
    now += 1;
    expect((await cache.get('Bearer mr_x', authorize))?.context).toEqual({ tenantId: '' });
    expect((await cache.get('Bearer mr_x', authorize))?.context).toEqual({ tenantId: '' });
    expect(calls).toBe(2);
  });

  it('refuses a revoked key on the next request when the cache is off (authorizerCacheSeconds 0)', async () => {
    const get = await start(0);
    expect(await get('mr_one')).toBe(200);
    revoked.add('mr_one');
    expect(await get('mr_one')).toBe(401);
    expect(authorizerCalls).toBe(2);
  });

  it('does not cache a failed authorizer call, and shares one call between concurrent misses', async () => {
    const get = await start();
    expect(await get('broken')).toBe(500);
    expect(await get('broken')).toBe(500);
    expect(authorizerCalls).toBe(2);
    expect(await Promise.all(Array.from({ length: 5 }, () => get('mr_same')))).toEqual([200, 200, 200, 200, 200]);
    expect(authorizerCalls).toBe(3);
  });
});

describe('local event source mappings: lane poller', () => {
  let fauxqs: Awaited<ReturnType<typeof startFauxqs>>;
  let sqs: SQSClient;
  let poller: LanePoller | undefined;
  let prefix = 0;

  beforeAll(async () => {
    fauxqs = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' } as Parameters<typeof startFauxqs>[0]);
    sqs = new SQSClient({ region: LOCAL_AWS.region, endpoint: `http://127.0.0.1:${fauxqs.port}`, credentials: LOCAL_AWS, useQueueUrlAsEndpoint: false });
  });
  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
  });
  afterAll(async () => {
    await fauxqs.stop();
  });

  /** Fresh lane queues per test (fauxqs keeps state for the whole file). */
  const queues = () => createQueues(sqs, `poller-${++prefix}`);
  const enqueue = async (q: LocalQueues, lane: Lane, bodies: string[]) => {
    for (let i = 0; i < bodies.length; i += 10) {
      await sqs.send(
        new SendMessageBatchCommand({ QueueUrl: q.queueUrls[lane], Entries: bodies.slice(i, i + 10).map((b, j) => ({ Id: String(j), MessageBody: b })) }),
      );
    }
  };
  const depth = async (q: LocalQueues, lane: Lane) => {
    const a = (
      await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: q.queueUrls[lane],
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      )
    ).Attributes!;
    return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
  };

  /** Fake senders that hold each batch for `ms`, recording what ran when. */
  function fakeSenders(ms: number, fail: (body: string) => boolean = () => false) {
    const inFlight = Object.fromEntries(LANE_NAMES.map((l) => [l, 0])) as Record<Lane, number>;
    const maxInFlight = Object.fromEntries(LANE_NAMES.map((l) => [l, 0])) as Record<Lane, number>;
    const log: Array<{ lane: Lane; event: 'start' | 'end'; bodies: string[] }> = [];
    const attempts = new Map<string, number>();
    const senders = Object.fromEntries(
      LANE_NAMES.map((lane) => [
        lane,
        async (event: SQSEvent): Promise<SQSBatchResponse> => {
          const bodies = event.Records.map((r) => r.body);
          inFlight[lane]++;
          maxInFlight[lane] = Math.max(maxInFlight[lane], inFlight[lane]);
          log.push({ lane, event: 'start', bodies });
          await sleep(ms);
          for (const b of bodies) attempts.set(b, (attempts.get(b) ?? 0) + 1);
          log.push({ lane, event: 'end', bodies });
          inFlight[lane]--;
          return { batchItemFailures: event.Records.filter((r) => fail(r.body)).map((r) => ({ itemIdentifier: r.messageId })) };
        },
      ]),
    ) as Record<Lane, (event: SQSEvent) => Promise<SQSBatchResponse>>;
    return { senders, maxInFlight, log, attempts };
  }

  it('runs up to min(the lane MaximumConcurrency, workers) sender invocations per lane, each with up to the lane batch size', async () => {
    const q = await queues();
    const fake = fakeSenders(150);
    await enqueue(
      q,
      'transactional',
      Array.from({ length: 80 }, (_, i) => `t${i}`),
    );
    await enqueue(
      q,
      'bulk',
      Array.from({ length: 80 }, (_, i) => `b${i}`),
    );
    poller = startLanePoller({ sqs, ...q, senders: fake.senders, workers: 3, waitTimeSeconds: 1 });
    expect(poller.concurrency).toEqual({ critical: 3, transactional: 3, marketing: 3, bulk: 2 });
    await waitFor(async () => fake.attempts.size === 160, { what: 'every message sent', timeoutMs: 20_000 });
    expect(fake.maxInFlight.transactional).toBe(3);
    expect(fake.maxInFlight.bulk).toBe(2);
    expect(Math.max(...fake.log.map((e) => e.bodies.length))).toBeLessThanOrEqual(LANES.bulk.batchSize);
    expect([...fake.attempts.values()].every((n) => n === 1)).toBe(true);
    await waitFor(async () => (await depth(q, 'transactional')) + (await depth(q, 'bulk')) === 0, { what: 'deleted' });
  });

  it('defaults to 4 per lane, never more than the lane table allows', () => {
    expect(LANE_NAMES.map((l) => localLaneConcurrency(LANES[l]))).toEqual([4, 4, 4, 2]);
    expect(localLaneConcurrency(LANES.critical, 500)).toBe(LANES.critical.maxConcurrency);
  });

  it('starts no lower-lane batch while a critical batch is received or in flight', async () => {
    const q = await queues();
    const fake = fakeSenders(100);
    await enqueue(
      q,
      'bulk',
      Array.from({ length: 200 }, (_, i) => `b${i}`),
    );
    poller = startLanePoller({ sqs, ...q, senders: fake.senders, workers: 4, waitTimeSeconds: 1 });
    await waitFor(async () => poller!.handled.bulk >= 2, { what: 'bulk under way' });
    await enqueue(q, 'critical', ['c1', 'c2', 'c3']);
    await waitFor(async () => fake.attempts.has('c1') && fake.attempts.has('c2') && fake.attempts.has('c3'), { what: 'critical sent' });
    // From the first critical start to the last critical end, no bulk batch may start.
    const firstCritical = fake.log.findIndex((e) => e.lane === 'critical');
    const lastCritical = fake.log.findLastIndex((e) => e.lane === 'critical');
    const bulkStartsBetween = fake.log.slice(firstCritical, lastCritical).filter((e) => e.lane === 'bulk' && e.event === 'start');
    expect(bulkStartsBetween).toEqual([]);
    await poller.stop();
    poller = undefined;
    // Bulk still made progress around it.
    expect(fake.log.filter((e) => e.lane === 'bulk' && e.event === 'start').length).toBeGreaterThan(2);
  });

  it('starts nothing while paused and deletes only the records that did not fail', async () => {
    const q = await queues();
    const fake = fakeSenders(10, (body) => body === 'bad');
    poller = startLanePoller({ sqs, ...q, senders: fake.senders, waitTimeSeconds: 1, visibilityTimeoutSeconds: 1 });
    poller.pause();
    await enqueue(q, 'transactional', ['good', 'bad']);
    // A long poll already waiting when pause() came may receive them: they are handed back, not sent.
    await sleep(1_200);
    expect(fake.attempts.size).toBe(0);
    expect(await depth(q, 'transactional')).toBe(2);
    poller.resume();
    await waitFor(async () => (fake.attempts.get('bad') ?? 0) >= 2, { what: 'the failed record to come back' });
    expect(fake.attempts.get('good')).toBe(1);
  });

  it('stops at once although its long polls wait up to 20 s', async () => {
    const q = await queues();
    poller = startLanePoller({ sqs, ...q, senders: fakeSenders(10).senders });
    // Nothing to wait on: the point is that long polls are already waiting when stop() comes.
    await sleep(200);
    const started = Date.now();
    await poller.stop();
    poller = undefined;
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
