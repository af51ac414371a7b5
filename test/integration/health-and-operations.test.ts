import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readBreakerState } from '#shared/adapters/dynamodb-circuit-breaker';
import { ENV } from '#shared/config/env';
import { LANE_NAMES } from '#shared/config/lanes';
import { SqsLaneQueue } from '#shared/adapters/sqs-lane-queue';
import { api, smtpInbox, useLocalStack, waitForStatus } from '#test/support/local-stack';

/** A port nothing listens on: SES "down" (connection refused). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
const dead = await deadPort();

describe('GET /health and the operations API in local mode, with SES down', () => {
  const stack = useLocalStack({
    sesEndpoint: `http://127.0.0.1:${dead}`,
    env: {
      [ENV.BREAKER_FAILURE_THRESHOLD]: '3',
      // Long enough to stay open for the whole file.
      [ENV.BREAKER_OPEN_SECONDS]: '300',
      [ENV.BREAKER_CACHE_MS]: '0',
      [ENV.SES_TIMEOUT_MS]: '2000',
    },
  });

  it('answers ok before anything failed, without a key and without tenant data', async () => {
    const s = stack();
    const res = await api(s, 'GET', '/health', undefined, {}, null);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', providers: { ses: 'up', smtp: 'up' }, breaker: { ses: { state: 'closed' } } });
    expect(Object.keys(res.body.lanes)).toEqual([...LANE_NAMES]);
    expect(res.body.lanes.critical).toEqual({ depth: expect.any(Number), oldestAgeSeconds: null });
    expect(JSON.stringify(res.body)).not.toContain(s.tenantId);
  });

  it('shows degraded once the breaker opens, while the SMTP fallback carries the mail', async () => {
    const s = stack();
    for (const n of [1, 2, 3]) {
      const sent = await api(s, 'POST', '/emails', { from: s.from, to: 'ops@example.org', subject: `Outage ${n}`, text: 'hi' });
      const email = await waitForStatus(s, sent.body.id, ['sent']);
      expect(email.provider).toBe('smtp');
    }
    expect((await readBreakerState(s.doc, s.names.table)).state).toBe('open');
    const res = await api(s, 'GET', '/health', undefined, {}, null);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'degraded', providers: { ses: 'down', smtp: 'up' }, breaker: { ses: { state: 'open' } } });
    expect(res.body.reasons.join(' ')).toMatch(/SMTP fallback is carrying mail/);
    // And mail keeps flowing: the next one skips SES entirely.
    const next = await api(s, 'POST', '/emails', { from: s.from, to: 'ops@example.org', subject: 'While degraded', text: 'hi' });
    expect((await waitForStatus(s, next.body.id, ['sent'])).provider).toBe('smtp');
    expect((await smtpInbox(s)).filter((m: any) => /^(Outage \d|While degraded)$/.test(m.subject))).toHaveLength(4);
  });

  it('GET /lanes shows every lane with its counters and last-hour sends from the table', async () => {
    const s = stack();
    const res = await api(s, 'GET', '/lanes', undefined, {}, s.operatorKey);
    expect(res.status).toBe(200);
    expect(res.body.data.map((l: any) => l.lane)).toEqual([...LANE_NAMES]);
    const transactional = res.body.data.find((l: any) => l.lane === 'transactional');
    expect(transactional).toMatchObject({ depth: 0, dlqDepth: 0, sentLastHour: 4, failedLastHour: 0, oldestAgeSeconds: null });
    expect((await api(s, 'GET', '/lanes', undefined, {}, null)).status).toBe(401);
    // A tenant's admin key does not see the deployment-wide counters.
    expect((await api(s, 'GET', '/lanes')).status).toBe(401);
  });

  it('GET /lanes/{lane}/dlq lists an empty DLQ and refuses unknown lanes', async () => {
    const s = stack();
    const res = await api(s, 'GET', '/lanes/bulk/dlq', undefined, {}, s.operatorKey);
    expect(res).toMatchObject({ status: 200, body: { object: 'list', lane: 'bulk', data: [] } });
    expect((await api(s, 'GET', '/lanes/urgent/dlq', undefined, {}, s.operatorKey)).status).toBe(404);
    // A tenant's admin sees its own share of the DLQ (empty here).
    expect(await api(s, 'GET', '/lanes/bulk/dlq')).toMatchObject({ status: 200, body: { data: [] } });
  });

  it("shows tenant B's admin none of tenant A's DLQ'd mail, and B's redrive leaves it there", async () => {
    const s = stack();
    const { apiKey: tenantB } = await s.createTenant('tenant-b');
    const sent = await api(s, 'POST', '/emails', { from: s.from, to: 'ada@example.org', subject: 'DLQ isolation', text: 'x' }, { 'Mailroom-Lane': 'bulk' });
    const id = sent.body.id as string;
    const lanes = new SqsLaneQueue(s.sqs, s.queues.queueUrls, s.queues.dlqUrls);
    await lanes.sendToDlq('bulk', { emailId: id, tenantId: s.tenantId, scheduleVersion: 0 }, 'Injected: gave up');
    const list = (key: string) => api(s, 'GET', '/lanes/bulk/dlq?limit=50', undefined, {}, key);

    expect((await list(tenantB)).body.data).toEqual([]);
    const redrive = await api(s, 'POST', '/lanes/bulk/dlq/redrive', undefined, {}, tenantB);
    expect(redrive).toMatchObject({ status: 202, body: { lane: 'bulk', kind: 'moved', moved: 0 } });
    // Still there for its own tenant and for the operator.
    expect((await list(s.apiKey)).body.data.map((m: { emailId: string }) => m.emailId)).toEqual([id]);
    expect((await list(s.operatorKey)).body.data.map((m: { emailId: string }) => m.emailId)).toEqual([id]);
    expect(await api(s, 'POST', '/lanes/bulk/dlq/redrive', undefined, {}, s.apiKey)).toMatchObject({ status: 202, body: { moved: 1 } });
    expect((await list(s.operatorKey)).body.data).toEqual([]);
  });
});
