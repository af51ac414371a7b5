import { describe, expect, it } from 'vitest';
import { LANES, LANE_NAMES } from '#shared/config/lanes';
import { assessHealth, cachedFor, type HealthInput } from '#shared/use-cases/health';

const quietLanes = LANE_NAMES.map((lane) => ({ lane, depth: 0, oldestAgeSeconds: 0, maxAgeSeconds: LANES[lane].maxAgeSeconds }));
const input = (over: Partial<HealthInput> = {}): HealthInput => ({
  ses: { state: 'closed', failures: 0 },
  smtp: { configured: true, reachable: true },
  lanes: quietLanes,
  stuck: 0,
  ...over,
});

describe('health verdict', () => {
  it('is ok (200) when SES is closed, SMTP is reachable and no lane is late', () => {
    const r = assessHealth(input());
    expect(r).toMatchObject({ status: 'ok', httpStatus: 200, providers: { ses: 'up', smtp: 'up' }, reasons: [] });
    expect(Object.keys(r.lanes)).toEqual([...LANE_NAMES]);
  });

  it('is ok without a fallback as long as SES sends', () => {
    expect(assessHealth(input({ smtp: { configured: false } }))).toMatchObject({ status: 'ok', httpStatus: 200, providers: { smtp: 'not_configured' } });
  });

  it('is degraded (200) while the SMTP fallback carries mail for an open SES breaker', () => {
    const r = assessHealth(input({ ses: { state: 'open', openUntil: '2030-01-01T00:00:00.000Z', failures: 5 } }));
    expect(r).toMatchObject({ status: 'degraded', httpStatus: 200, providers: { ses: 'down', smtp: 'up' }, breaker: { ses: { state: 'open', failures: 5 } } });
    expect(r.reasons.join()).toMatch(/fallback is carrying mail/);
  });

  it('is down (503) when SES is open and no fallback is configured', () => {
    expect(assessHealth(input({ ses: { state: 'open' }, smtp: { configured: false } }))).toMatchObject({ status: 'down', httpStatus: 503 });
  });

  it('is down (503) when SES is open and the fallback is unreachable', () => {
    const r = assessHealth(input({ ses: { state: 'open' }, smtp: { configured: true, reachable: false } }));
    expect(r).toMatchObject({ status: 'down', httpStatus: 503, providers: { ses: 'down', smtp: 'down' } });
  });

  it('is degraded while a half-open breaker probes SES, with or without a fallback', () => {
    expect(assessHealth(input({ ses: { state: 'half_open' } }))).toMatchObject({ status: 'degraded', providers: { ses: 'probing' } });
    expect(assessHealth(input({ ses: { state: 'half_open' }, smtp: { configured: false } }))).toMatchObject({ status: 'degraded', httpStatus: 200 });
  });

  it('is degraded when the fallback is configured but unreachable while SES works', () => {
    expect(assessHealth(input({ smtp: { configured: true, reachable: false } }))).toMatchObject({
      status: 'degraded',
      httpStatus: 200,
      providers: { ses: 'up', smtp: 'down' },
    });
  });

  it("is degraded when a lane's oldest message is older than the lane's threshold, naming the lane", () => {
    const lanes = quietLanes.map((l) => (l.lane === 'critical' ? { ...l, depth: 40, oldestAgeSeconds: LANES.critical.maxAgeSeconds + 1 } : l));
    const r = assessHealth(input({ lanes }));
    expect(r.status).toBe('degraded');
    expect(r.reasons).toEqual([expect.stringContaining('critical lane')]);
    expect(r.lanes.critical).toEqual({ depth: 40, oldestAgeSeconds: LANES.critical.maxAgeSeconds + 1 });
    // A deep lane whose messages are young is busy, not unhealthy.
    expect(assessHealth(input({ lanes: quietLanes.map((l) => ({ ...l, depth: 10_000, oldestAgeSeconds: 5 })) })).status).toBe('ok');
  });

  it('is degraded, not an error, when the breaker or the lane counters cannot be read', () => {
    expect(assessHealth(input({ ses: { state: 'unknown' } }))).toMatchObject({ status: 'degraded', providers: { ses: 'unknown' } });
    expect(assessHealth(input({ lanes: null }))).toMatchObject({ status: 'degraded', lanes: {} });
  });

  it('lets down win over degraded', () => {
    const lanes = quietLanes.map((l) => ({ ...l, oldestAgeSeconds: 99_999 }));
    expect(assessHealth(input({ ses: { state: 'open' }, smtp: { configured: false }, lanes })).status).toBe('down');
  });
});

describe('cachedFor', () => {
  it('reads once per TTL and forgets failed reads', async () => {
    let t = 0;
    let calls = 0;
    let fail = false;
    const read = cachedFor(
      1_000,
      async () => {
        calls++;
        if (fail) throw new Error('boom');
        return calls;
      },
      () => t,
    );
    expect(await read()).toBe(1);
    t = 999;
    expect(await read()).toBe(1);
    t = 1_000;
    fail = true;
    await expect(read()).rejects.toThrow('boom');
    fail = false;
    expect(await read()).toBe(3);
    expect(calls).toBe(3);
  });
});
