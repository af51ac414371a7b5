import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LANE_NAMES } from '#shared/config/lanes';
import { MemoryLaneQueue } from '#shared/adapters/memory/memory-adapters';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import type { ApiEvent } from '#shared/http/api';
import { withApi } from '#shared/http/middy';
import type { BreakerState, CircuitBreaker } from '#shared/ports/index';
import type { LaneMetrics } from '#shared/ports/operations';
import { makeHealthHandler } from '#functions/health/app';
import { emailRecord } from '#test/support/emails';

const clock = { now: () => new Date('2030-01-01T00:00:00Z') };
const context = { functionName: 'health', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const event = (): ApiEvent =>
  ({
    version: '2.0',
    routeKey: 'GET /health',
    rawPath: '/health',
    headers: {},
    requestContext: { requestId: 'api-req-1', http: { method: 'GET', path: '/health' } },
    isBase64Encoded: false,
  }) as unknown as ApiEvent;

function breaker(state: BreakerState, failures = 0): Pick<CircuitBreaker, 'state'> {
  return { state: async () => ({ state, failures, ...(state === 'open' ? { openUntil: '2030-01-01T00:01:00.000Z' } : {}) }) };
}
const smtp = (reachable: boolean) => ({ name: 'smtp', probe: async () => ({ reachable }) });
const noneStuck = { countStuck: async () => 0 };

describe('GET /health', () => {
  it("answers 200 ok with providers, breaker and every lane's depth, and no tenant data", async () => {
    const queue = new MemoryLaneQueue();
    await queue.enqueue('bulk', { emailId: 'e1', tenantId: 'secret-tenant', scheduleVersion: 0 });
    const handler = withApi(makeHealthHandler({ queue, clock, breaker: breaker('closed'), smtp: smtp(true), stuck: noneStuck }));
    const res = await handler(event(), context);
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({
      status: 'ok',
      providers: { ses: 'up', smtp: 'up' },
      breaker: { ses: { state: 'closed' } },
      checkedAt: '2030-01-01T00:00:00.000Z',
    });
    expect(Object.keys(body.lanes)).toEqual([...LANE_NAMES]);
    expect(body.lanes.bulk).toEqual({ depth: 1, oldestAgeSeconds: null });
    expect(res.body).not.toContain('secret-tenant');
    expect(res.body).not.toContain('e1');
  });

  it('answers 200 degraded when the SES breaker is open and SMTP carries mail', async () => {
    const res = await withApi(makeHealthHandler({ queue: new MemoryLaneQueue(), clock, breaker: breaker('open', 5), smtp: smtp(true), stuck: noneStuck }))(
      event(),
      context,
    );
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({
      status: 'degraded',
      providers: { ses: 'down', smtp: 'up' },
      breaker: { ses: { state: 'open', failures: 5 } },
    });
  });

  it('answers 503 down when SES is open and SMTP is unreachable', async () => {
    const res = await withApi(makeHealthHandler({ queue: new MemoryLaneQueue(), clock, breaker: breaker('open'), smtp: smtp(false), stuck: noneStuck }))(
      event(),
      context,
    );
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'down', providers: { ses: 'down', smtp: 'down' } });
  });

  it('still answers (degraded) when the breaker store and the queues fail', async () => {
    const queue = new MemoryLaneQueue();
    queue.stats = async () => {
      throw new Error('SQS down');
    };
    const broken = { state: async () => Promise.reject(new Error('DynamoDB down')) };
    const res = await withApi(makeHealthHandler({ queue, clock, breaker: broken, smtp: smtp(true), stuck: noneStuck }))(event(), context);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'degraded', providers: { ses: 'unknown' }, lanes: {} });
  });

  it('reports the oldest message age from lane metrics and degrades a late lane', async () => {
    const laneMetrics: LaneMetrics = {
      snapshot: async (lanes) =>
        Object.fromEntries(lanes.map((l) => [l, { oldestAgeSeconds: l === 'critical' ? 600 : 3, sentLastHour: 0, failedLastHour: 0 }])) as never,
    };
    const res = await withApi(makeHealthHandler({ queue: new MemoryLaneQueue(), clock, laneMetrics, stuck: noneStuck }))(event(), context);
    const body = JSON.parse(res.body);
    expect(body.status).toBe('degraded');
    expect(body.lanes.critical.oldestAgeSeconds).toBe(600);
    expect(body.lanes.bulk.oldestAgeSeconds).toBe(3);
    expect(body.providers.smtp).toBe('not_configured');
  });

  it('turns degraded and says how many emails are stuck when the pending index has overdue ones', async () => {
    const emails = new MemoryEmailStore();
    const at = new Date(clock.now().getTime() - 3_600_000).toISOString();
    for (const id of ['e1', 'e2']) {
      await emails.create(
        emailRecord({
          id,
          tenantId: 't1',
          lane: 'critical',
          from: 'a@example.com',
          to: ['b@example.org'],
          subject: undefined,
          createdAt: at,
          updatedAt: at,
        }),
      );
    }
    const res = await withApi(makeHealthHandler({ queue: new MemoryLaneQueue(), clock, breaker: breaker('closed'), smtp: smtp(true), stuck: emails }))(
      event(),
      context,
    );
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({ status: 'degraded', stuckEmails: 2 });
    expect(body.reasons.join(' ')).toContain('2 email(s) stuck');
  });

  it('turns degraded when stuck emails cannot be counted', async () => {
    const broken = { countStuck: async () => Promise.reject(new Error('DynamoDB is down')) };
    const res = await withApi(makeHealthHandler({ queue: new MemoryLaneQueue(), clock, breaker: breaker('closed'), smtp: smtp(true), stuck: broken }))(
      event(),
      context,
    );
    expect(JSON.parse(res.body)).toMatchObject({ status: 'degraded', stuckEmails: null });
  });
});
