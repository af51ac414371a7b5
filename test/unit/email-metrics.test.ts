import type { GetEmailsMetricsResponseSuccess } from 'resend';
import { describe, expect, it } from 'vitest';
import { MemoryEmailMetrics } from '#shared/adapters/memory/memory-email-metrics';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import type { EmailRecord } from '#shared/domain/email';
import { recordDeliveryEvent } from '#shared/use-cases/record-delivery-event';
import { emailRecord } from '#test/support/emails';
import { sesEventFor } from '#test/support/ses-fixtures';
import type { Principal } from '#shared/domain/api-key';
import { ForbiddenError, ValidationError } from '#shared/domain/errors';
import { countEmailEvent, countsOfDeliveryEvent, emailMetrics } from '#shared/use-cases/email-metrics';

const principal = (tenantId = 't1', scopes: Principal['scopes'] = ['emails:read']): Principal => ({ tenantId, scopes, keyPrefix: 'mr_abc' });
const clock = (iso: string) => ({ now: () => new Date(iso) });

async function seeded() {
  const metrics = new MemoryEmailMetrics();
  // Nov 30 23:30 UTC is Nov 30 in UTC but Dec 1, 00:30 in Berlin (UTC+1).
  await metrics.add('t1', { sent: 4, delivered: 3 }, new Date('2026-11-30T23:30:00Z'));
  await metrics.add('t1', { sent: 6, delivered: 5, bounced_permanent: 1, complained: 1 }, new Date('2026-12-01T09:10:00Z'));
  await metrics.add('t1', { sent: 1, failed: 1 }, new Date('2026-12-01T09:50:00Z'));
  await metrics.add('t1', { opened: 2, unique_opened: 1 }, new Date('2026-12-01T10:00:00Z'));
  await metrics.add('other', { sent: 100 }, new Date('2026-12-01T09:00:00Z'));
  return metrics;
}

describe('GET /emails/metrics (per-tenant hour counters)', () => {
  it('sums the tenant’s buckets into totals with bounced and the rates derived, in the SDK’s shape', async () => {
    const metrics = await seeded();
    const answer = await emailMetrics({ metrics, clock: clock('2026-12-01T12:00:00Z') }, principal(), {});
    // The SDK's own response type: a compile error here means the shape drifted from `emails.metrics`.
    const sdk: GetEmailsMetricsResponseSuccess = answer;
    expect(sdk.object).toBe('metrics');
    expect(answer.start_date).toBe('2026-11-25T12:00:00.000Z');
    expect(answer.end_date).toBe('2026-12-01T12:00:00.000Z');
    expect(answer.dimensions).toEqual([]);
    expect(answer).not.toHaveProperty('data');
    expect(answer.totals).toMatchObject({
      sent: 11,
      delivered: 8,
      bounced: 1,
      bounced_permanent: 1,
      complained: 1,
      failed: 1,
      opened: 2,
      unique_opened: 1,
      bounce_rate: 0.0909,
      complaint_rate: 0.0909,
      delivery_rate: 0.7273,
      open_rate: 0.125,
    });
  });

  it('breaks the range down into local periods of the time zone, empty periods included', async () => {
    const metrics = await seeded();
    const deps = { metrics, clock: clock('2026-12-01T12:00:00Z') };
    const utc = await emailMetrics(deps, principal(), { start_date: '2026-11-30', end_date: '2026-12-01', dimensions: 'period', metrics: 'sent,delivered' });
    expect(utc.data).toEqual([
      { period: '2026-11-30', sent: 4, delivered: 3 },
      { period: '2026-12-01', sent: 7, delivered: 5 },
    ]);
    expect(utc.metrics).toEqual(['sent', 'delivered']);
    const berlin = await emailMetrics(deps, principal(), {
      start_date: '2026-11-29',
      end_date: '2026-12-01',
      timezone: 'Europe/Berlin',
      dimensions: 'period',
      metrics: 'sent',
    });
    expect(berlin.start_date).toBe('2026-11-28T23:00:00.000Z');
    expect(berlin.data).toEqual([
      { period: '2026-11-29', sent: 0 },
      { period: '2026-11-30', sent: 0 },
      { period: '2026-12-01', sent: 11 },
    ]);
    const hourly = await emailMetrics(deps, principal(), {
      start_date: '2026-12-01T09:00:00Z',
      end_date: '2026-12-01T11:00:00Z',
      granularity: 'hourly',
      dimensions: 'period',
      metrics: 'sent,opened',
    });
    expect(hourly.data).toEqual([
      { period: '2026-12-01T09:00', sent: 7, opened: 0 },
      { period: '2026-12-01T10:00', sent: 0, opened: 2 },
    ]);
    const monthly = await emailMetrics(deps, principal(), {
      start_date: '2026-11-01',
      end_date: '2026-12-31',
      granularity: 'monthly',
      dimensions: 'period',
      metrics: 'sent',
    });
    expect(monthly.data).toEqual([
      { period: '2026-11', sent: 4 },
      { period: '2026-12', sent: 7 },
    ]);
  });

  it('refuses what it cannot answer with a message that says why (never a 500)', async () => {
    const deps = { metrics: new MemoryEmailMetrics(), clock: clock('2026-12-01T12:00:00Z') };
    const refused = async (query: Record<string, string>) =>
      emailMetrics(deps, principal(), query).then(
        () => 'answered',
        (e: Error) => e,
      );
    expect(await refused({ granularity: 'yearly' })).toBeInstanceOf(ValidationError);
    expect(await refused({ timezone: 'Mars/Olympus' })).toBeInstanceOf(ValidationError);
    expect(String(await refused({ dimensions: 'period,domain' }))).toMatch(/not by domain/);
    expect(String(await refused({ metrics: 'sent,unsubscribed' }))).toMatch(/does not count unsubscribed/);
    expect(await refused({ metrics: 'sends' })).toBeInstanceOf(ValidationError);
    expect(await refused({ start_date: '2026-12-02', end_date: '2026-12-01' })).toBeInstanceOf(ValidationError);
    expect(await refused({ start_date: 'yesterday' })).toBeInstanceOf(ValidationError);
    expect(await refused({ start_date: '2026-01-01', end_date: '2026-03-01', granularity: 'hourly', dimensions: 'period' })).toBeInstanceOf(ValidationError);
    expect(await refused({ email_id: 'abc' })).toBeInstanceOf(ValidationError);
    expect(await emailMetrics(deps, principal('t1', ['domains:read' as never]), {}).catch((e) => e)).toBeInstanceOf(ForbiddenError);
  });

  it('counts a delivery event as its metric, and the first open or click of an email as unique', () => {
    expect(countsOfDeliveryEvent('delivered', undefined, [])).toEqual({ delivered: 1 });
    expect(countsOfDeliveryEvent('bounced', 'permanent', [])).toEqual({ bounced_permanent: 1 });
    expect(countsOfDeliveryEvent('soft_bounced', 'transient', [])).toEqual({ bounced_transient: 1 });
    expect(countsOfDeliveryEvent('soft_bounced', 'undetermined', [])).toEqual({ bounced_undetermined: 1 });
    expect(countsOfDeliveryEvent('opened', undefined, [{ type: 'sent' }])).toEqual({ opened: 1, unique_opened: 1 });
    expect(countsOfDeliveryEvent('opened', undefined, [{ type: 'opened' }])).toEqual({ opened: 1 });
    expect(countsOfDeliveryEvent('clicked', undefined, [{ type: 'opened' }])).toEqual({ clicked: 1, unique_clicked: 1 });
    expect(countsOfDeliveryEvent('ses_accepted', undefined, [])).toEqual({});
  });

  it('never fails the caller when a counter write fails (the event itself is already recorded)', async () => {
    const broken = { add: async () => Promise.reject(new Error('throttled')) };
    await expect(countEmailEvent(broken, 't1', { sent: 1 }, new Date())).resolves.toBeUndefined();
    const metrics = new MemoryEmailMetrics();
    await countEmailEvent(metrics, 't1', { sent: 1 }, new Date('2026-12-01T09:00:00Z'));
    expect(await metrics.hours('t1', new Date('2026-12-01T00:00:00Z'), new Date('2026-12-02T00:00:00Z'))).toEqual([
      { hour: '2026-12-01T09', counts: { sent: 1 } },
    ]);
  });
});

describe('tracking counts SES events once each', () => {
  it('adds delivered, bounce kinds, complaints and unique opens to the hour of the event; a duplicate adds nothing', async () => {
    const emails = new MemoryEmailStore();
    const counters = new MemoryEmailMetrics();
    const now = new Date().toISOString();
    const email = emailRecord({
      id: 'em_counted',
      tenantId: 't1',
      status: 'sent',
      lastEvent: 'sent',
      from: 'a@example.com',
      attempts: 1,
      providerMessageId: 'ses-1',
      createdAt: now,
      updatedAt: now,
      events: [{ type: 'sent', at: now }],
    });
    await emails.create(email);
    const deps = { emails, counters, clock: { now: () => new Date() } };
    for (const name of ['delivery', 'open', 'open', 'bounce-transient'] as const) {
      await recordDeliveryEvent(deps, sesEventFor(name, email, { eventId: `${name}-${Math.random()}` }));
    }
    // The same EventBridge event twice: counted once.
    await recordDeliveryEvent(deps, sesEventFor('complaint', email, { eventId: 'complaint-1' }));
    await recordDeliveryEvent(deps, sesEventFor('complaint', email, { eventId: 'complaint-1' }));
    const totals: Record<string, number> = {};
    for (const b of await counters.hours('t1', new Date(0), new Date('2100-01-01'))) {
      for (const [k, v] of Object.entries(b.counts)) totals[k] = (totals[k] ?? 0) + (v ?? 0);
    }
    expect(totals).toEqual({ delivered: 1, opened: 2, unique_opened: 1, bounced_transient: 1, complained: 1 });
  });
});
