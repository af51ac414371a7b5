import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LANE_NAMES, LANES } from '#shared/config/lanes';
import { MemoryLaneQueue } from '#shared/adapters/memory/memory-adapters';
import type { ApiEvent } from '#shared/http/api';
import { withApi } from '#shared/http/middy';
import { OPERATOR_TENANT } from '#shared/domain/api-key';
import type { DlqAdmin, DlqEntry, DlqFilter } from '#shared/ports/dlq';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import type { EmailRecord } from '#shared/domain/email';
import type { LaneMetrics } from '#shared/ports/operations';
import { makeOperationsHandler, type OperationsDeps } from '#functions/operations/app';

const clock = { now: () => new Date('2030-01-01T00:00:00Z') };
const context = { functionName: 'operations', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

/** An operator key's principal, as the authorizer hands it on. */
const OPERATOR = { tenantId: OPERATOR_TENANT, scopes: 'operator' };

function event(routeKey: string, opts: { scopes?: string; tenantId?: string; lane?: string; query?: Record<string, string> } = OPERATOR): ApiEvent {
  const [method, path] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: path!.replace('{lane}', opts.lane ?? ''),
    headers: {},
    ...(opts.lane ? { pathParameters: { lane: opts.lane } } : {}),
    ...(opts.query ? { queryStringParameters: opts.query } : {}),
    requestContext: {
      requestId: 'api-1',
      http: { method, path },
      authorizer: { lambda: { tenantId: opts.tenantId ?? 't1', scopes: opts.scopes ?? 'admin', keyPrefix: 'mr_x' } },
    },
    isBase64Encoded: false,
  } as unknown as ApiEvent;
}

const metrics: LaneMetrics = {
  snapshot: async (lanes) => Object.fromEntries(lanes.map((l) => [l, { oldestAgeSeconds: 7, sentLastHour: 12, failedLastHour: 1 }])) as never,
};

describe('operations API', () => {
  const run = (deps: OperationsDeps, e: ApiEvent) => withApi(makeOperationsHandler(deps))(e, context);

  it('GET /lanes lists every lane in priority order with depth, in flight, delayed, DLQ depth, age and last-hour counts', async () => {
    const queue = new MemoryLaneQueue();
    await queue.enqueue('marketing', { emailId: 'a', tenantId: 't', scheduleVersion: 0 });
    await queue.sendToDlq('marketing', { emailId: 'b', tenantId: 't', scheduleVersion: 0 }, 'gave up');
    const res = await run({ queue, clock, laneMetrics: metrics }, event('GET /lanes'));
    expect(res.statusCode).toBe(200);
    const { data } = JSON.parse(res.body);
    expect(data.map((l: { lane: string }) => l.lane)).toEqual([...LANE_NAMES]);
    expect(data[2]).toEqual({
      lane: 'marketing',
      depth: 1,
      inFlight: 0,
      delayed: 0,
      dlqDepth: 1,
      oldestAgeSeconds: 7,
      maxAgeSeconds: LANES.marketing.maxAgeSeconds,
      sentLastHour: 12,
      failedLastHour: 1,
    });
  });

  it('GET /lanes still answers with null ages when the metrics backend fails', async () => {
    const res = await run(
      { queue: new MemoryLaneQueue(), clock, laneMetrics: { snapshot: () => Promise.reject(new Error('CloudWatch down')) } },
      event('GET /lanes'),
    );
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).data[0]).toMatchObject({ oldestAgeSeconds: null, sentLastHour: null });
  });

  it('refuses keys without the admin scope with 401 restricted_api_key', async () => {
    const dlq: DlqAdmin = { list: async () => [], redrive: async () => ({ kind: 'moved', moved: 0 }) };
    const res = await run({ queue: new MemoryLaneQueue(), clock, dlq }, event('GET /lanes/{lane}/dlq', { lane: 'bulk', scopes: 'emails:send,emails:read' }));
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ statusCode: 401, name: 'restricted_api_key' });
  });

  it("refuses a tenant's admin key the deployment-wide lane counters (operator scope only)", async () => {
    const res = await run({ queue: new MemoryLaneQueue(), clock }, event('GET /lanes', { tenantId: 't1', scopes: 'admin' }));
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body).message).toContain('operator');
  });

  it('never takes a tenant key for an operator, even one whose scopes name `operator`', async () => {
    const res = await run({ queue: new MemoryLaneQueue(), clock }, event('GET /lanes', { tenantId: 't1', scopes: 'admin,operator' }));
    expect(res.statusCode).toBe(401);
  });

  it('answers 404 for an unknown lane and 422 for a bad limit', async () => {
    const dlq: DlqAdmin = { list: async () => [], redrive: async () => ({ kind: 'moved', moved: 0 }) };
    expect((await run({ queue: new MemoryLaneQueue(), clock, dlq }, event('GET /lanes/{lane}/dlq', { ...OPERATOR, lane: 'urgent' }))).statusCode).toBe(404);
    expect(
      (await run({ queue: new MemoryLaneQueue(), clock, dlq }, event('GET /lanes/{lane}/dlq', { ...OPERATOR, lane: 'bulk', query: { limit: '0' } })))
        .statusCode,
    ).toBe(422);
  });

  it('lists and redrives a lane DLQ through the DLQ port', async () => {
    const calls: string[] = [];
    const dlq: DlqAdmin = {
      list: async (lane, max) => {
        calls.push(`list ${lane} ${max}`);
        return [{ messageId: 'm1', emailId: 'e1', tenantId: 't1', reason: 'Timeout: gave up', enqueuedAt: '2029-12-31T23:59:00.000Z' }];
      },
      redrive: async (lane) => {
        calls.push(`redrive ${lane}`);
        return { kind: 'moved', moved: 3 };
      },
    };
    const list = await run({ queue: new MemoryLaneQueue(), clock, dlq }, event('GET /lanes/{lane}/dlq', { ...OPERATOR, lane: 'bulk', query: { limit: '5' } }));
    expect(JSON.parse(list.body)).toEqual({
      object: 'list',
      lane: 'bulk',
      data: [{ messageId: 'm1', emailId: 'e1', tenantId: 't1', reason: 'Timeout: gave up', enqueuedAt: '2029-12-31T23:59:00.000Z', ageSeconds: 60 }],
    });
    const redrive = await run({ queue: new MemoryLaneQueue(), clock, dlq }, event('POST /lanes/{lane}/dlq/redrive', { ...OPERATOR, lane: 'bulk' }));
    expect(redrive.statusCode).toBe(202);
    expect(JSON.parse(redrive.body)).toEqual({ lane: 'bulk', kind: 'moved', moved: 3 });
    expect(calls).toEqual(['list bulk 5', 'redrive bulk']);
  });

  describe("a tenant's admin and its DLQ'd mail", () => {
    /** A lane DLQ in memory with the adapter's tenant filter. */
    class MemoryDlq implements DlqAdmin {
      entries: DlqEntry[] = [];
      readonly lane: DlqEntry[] = [];
      async list(_lane: string, max: number, filter?: DlqFilter) {
        return this.entries.filter((e) => !filter || e.tenantId === filter.tenantId).slice(0, max);
      }
      async redrive(_lane: string, filter?: DlqFilter) {
        const moving = this.entries.filter((e) => !filter || e.tenantId === filter.tenantId);
        this.entries = this.entries.filter((e) => !moving.includes(e));
        this.lane.push(...moving);
        return { kind: 'moved' as const, moved: moving.length, complete: true };
      }
    }
    const entry = (emailId: string, tenantId: string): DlqEntry => ({ messageId: `m-${emailId}`, emailId, tenantId, enqueuedAt: '2029-12-31T23:59:00.000Z' });
    const record = (id: string, tenantId: string) => ({ id, tenantId, lane: 'bulk', status: 'failed' }) as unknown as EmailRecord;

    async function setup() {
      const dlq = new MemoryDlq();
      dlq.entries = [entry('a1', 'tenant-a'), entry('b1', 'tenant-b'), entry('a2', 'tenant-a'), entry('forged', 'tenant-b')];
      const emails = new MemoryEmailStore();
      for (const [id, tenant] of [
        ['a1', 'tenant-a'],
        ['b1', 'tenant-b'],
        ['a2', 'tenant-a'],
        // A message that names tenant-b for tenant-a's email: the record decides, so B never sees it.
        ['forged', 'tenant-a'],
      ] as const)
        emails.items.set(id, record(id, tenant));
      return { dlq, emails, deps: { queue: new MemoryLaneQueue(), clock, dlq, emails } };
    }
    const tenantB = { tenantId: 'tenant-b', scopes: 'admin' };

    it("shows tenant B's admin only B's DLQ'd emails, never A's", async () => {
      const { deps } = await setup();
      const res = await run(deps, event('GET /lanes/{lane}/dlq', { ...tenantB, lane: 'bulk', query: { limit: '50' } }));
      expect(res.statusCode).toBe(200);
      const body = JSON.parse(res.body);
      expect(body.data.map((m: { emailId: string }) => m.emailId)).toEqual(['b1']);
      expect(res.body).not.toContain('tenant-a');
    });

    it("redrives only B's emails for B's admin; A's stay in the DLQ", async () => {
      const { deps, dlq } = await setup();
      const res = await run(deps, event('POST /lanes/{lane}/dlq/redrive', { ...tenantB, lane: 'bulk' }));
      expect(res.statusCode).toBe(202);
      expect(dlq.lane.every((e) => e.tenantId === 'tenant-b')).toBe(true);
      expect(dlq.entries.filter((e) => e.tenantId === 'tenant-a').map((e) => e.emailId)).toEqual(['a1', 'a2']);
    });

    it('lets an operator see and redrive every tenant', async () => {
      const { deps, dlq } = await setup();
      const list = JSON.parse((await run(deps, event('GET /lanes/{lane}/dlq', { ...OPERATOR, lane: 'bulk', query: { limit: '50' } }))).body);
      expect(list.data.map((m: { emailId: string }) => m.emailId)).toEqual(['a1', 'b1', 'a2', 'forged']);
      await run(deps, event('POST /lanes/{lane}/dlq/redrive', { ...OPERATOR, lane: 'bulk' }));
      expect(dlq.entries).toEqual([]);
      expect(dlq.lane).toHaveLength(4);
    });
  });
});
