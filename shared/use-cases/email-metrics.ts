import { hasScope, type Principal } from '#shared/domain/api-key';
import { ForbiddenError, ValidationError } from '#shared/domain/errors';
import { logger } from '#shared/observability/logger';
import type { Clock } from '#shared/ports/index';
import type { EmailMetricsCounter, EmailMetricsReader, MetricCounts } from '#shared/ports/email-metrics';

/** Metrics `GET /emails/metrics` answers (Resend's `EmailMetric` names that Mailroom counts, and their rates). */
export const METRIC_NAMES = [
  'sent',
  'delivered',
  'bounced',
  'bounced_transient',
  'bounced_permanent',
  'bounced_undetermined',
  'complained',
  'opened',
  'unique_opened',
  'clicked',
  'unique_clicked',
  'delivery_delayed',
  'failed',
  'delivery_rate',
  'bounce_rate',
  'complaint_rate',
  'open_rate',
  'click_rate',
] as const;
type MetricName = (typeof METRIC_NAMES)[number];
/** Resend metrics Mailroom does not count (inbound mail, unsubscribes, sends refused by suppression). */
const NOT_COUNTED = ['received', 'suppressed', 'unsubscribed', 'unsubscribe_rate'];
const GRANULARITIES = ['hourly', 'daily', 'weekly', 'monthly'] as const;
type Granularity = (typeof GRANULARITIES)[number];
const DIMENSIONS = ['period', 'domain', 'email', 'broadcast'] as const;
type Dimension = (typeof DIMENSIONS)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Longest range: the counters are kept 400 days. Hourly rows: at most 31 days of them. */
const MAX_RANGE_DAYS = 400;
const MAX_HOURLY_DAYS = 31;

export interface EmailMetricsDeps {
  readonly metrics: EmailMetricsReader;
  readonly clock: Clock;
}

export interface EmailMetricsQuery {
  readonly start_date?: string;
  readonly end_date?: string;
  readonly granularity?: string;
  readonly timezone?: string;
  readonly dimensions?: string;
  readonly metrics?: string;
  readonly domain_id?: string;
  readonly email_id?: string;
  readonly broadcast_id?: string;
}

/** Local calendar fields of an instant in an IANA zone. */
function zoned(at: number, timeZone: string): { y: number; m: number; d: number; h: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', hourCycle: 'h23' })
      .formatToParts(new Date(at))
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<string, number>;
  return { y: parts.year ?? 0, m: parts.month ?? 0, d: parts.day ?? 0, h: parts.hour ?? 0 };
}

/** The instant of local midnight of y-m-d in the zone (two passes settle a DST change). */
function localMidnight(y: number, m: number, d: number, timeZone: string): number {
  let guess = Date.UTC(y, m - 1, d);
  for (let i = 0; i < 2; i++) {
    const z = zoned(guess, timeZone);
    const offset = Date.UTC(z.y, z.m - 1, z.d, z.h) - Math.floor(guess / HOUR) * HOUR;
    guess = Date.UTC(y, m - 1, d) - offset;
  }
  return guess;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The period an instant belongs to, as the local start of that period: `2026-12-01T09:00`, `2026-12-01`, `2026-11-30` (Monday), `2026-12`. */
function periodOf(at: number, granularity: Granularity, timeZone: string): string {
  const z = zoned(at, timeZone);
  if (granularity === 'hourly') return `${z.y}-${pad(z.m)}-${pad(z.d)}T${pad(z.h)}:00`;
  if (granularity === 'monthly') return `${z.y}-${pad(z.m)}`;
  if (granularity === 'daily') return `${z.y}-${pad(z.m)}-${pad(z.d)}`;
  const day = new Date(Date.UTC(z.y, z.m - 1, z.d));
  day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
  return day.toISOString().slice(0, 10);
}

/** An ISO date (local midnight in the zone; `end` = the end of that day) or an ISO date-time. */
function parseInstant(value: string, param: string, timeZone: string, end: boolean): number {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    return localMidnight(y, m, d + (end ? 1 : 0), timeZone);
  }
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(t)) throw new ValidationError(`\`${param}\` must be an ISO 8601 date (2026-12-01) or date-time.`);
  return t;
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const ratio = (n: number, d: number) => (d > 0 ? Math.round((n / d) * 10_000) / 10_000 : 0);

/** Every answered metric from summed counts: bounced = its three kinds; rates over sent (bounce, complaint, delivery) or delivered (open, click). */
function derive(c: MetricCounts): Record<MetricName, number> {
  const n = (k: keyof MetricCounts) => c[k] ?? 0;
  const bounced = n('bounced_permanent') + n('bounced_transient') + n('bounced_undetermined');
  return {
    sent: n('sent'),
    delivered: n('delivered'),
    bounced,
    bounced_transient: n('bounced_transient'),
    bounced_permanent: n('bounced_permanent'),
    bounced_undetermined: n('bounced_undetermined'),
    complained: n('complained'),
    opened: n('opened'),
    unique_opened: n('unique_opened'),
    clicked: n('clicked'),
    unique_clicked: n('unique_clicked'),
    delivery_delayed: n('delivery_delayed'),
    failed: n('failed'),
    delivery_rate: ratio(n('delivered'), n('sent')),
    bounce_rate: ratio(bounced, n('sent')),
    complaint_rate: ratio(n('complained'), n('sent')),
    open_rate: ratio(n('unique_opened'), n('delivered')),
    click_rate: ratio(n('unique_clicked'), n('delivered')),
  };
}

function addInto(sum: MetricCounts, c: MetricCounts): void {
  for (const [k, v] of Object.entries(c) as Array<[keyof MetricCounts, number]>) sum[k] = (sum[k] ?? 0) + v;
}

function pick(all: Record<MetricName, number>, names: readonly MetricName[]): Partial<Record<MetricName, number>> {
  return Object.fromEntries(names.map((m) => [m, all[m]]));
}

/**
 * `GET /emails/metrics` in the shape of Resend's `emails.metrics`.
 *
 * Primary course: validate the query (dates, zone, granularity, dimensions, metrics) → read the
 * tenant's hour buckets for the range (one Query) → sum them into totals and, with the `period`
 * dimension, into one row per local period (every period of the range, zeros included) → derive
 * `bounced` and the rates.
 */
export async function emailMetrics(deps: EmailMetricsDeps, principal: Principal, query: EmailMetricsQuery) {
  if (!hasScope(principal, 'emails:read') && !hasScope(principal, 'emails:send')) {
    throw new ForbiddenError('This API key is not allowed to read emails (scope `emails:read`).');
  }
  const timeZone = query.timezone || 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new ValidationError(`\`timezone\` must be an IANA time zone such as UTC or Europe/Berlin, not ${JSON.stringify(timeZone)}.`);
  }
  const granularity = (query.granularity || 'daily') as Granularity;
  if (!GRANULARITIES.includes(granularity)) throw new ValidationError(`\`granularity\` must be one of ${GRANULARITIES.join(', ')}.`);
  const dimensions = list(query.dimensions);
  for (const d of dimensions)
    if (!(DIMENSIONS as readonly string[]).includes(d)) throw new ValidationError(`\`dimensions\` must be a comma-separated list of ${DIMENSIONS.join(', ')}.`);
  const unsupported = dimensions.filter((d) => d !== 'period');
  if (unsupported.length) throw new ValidationError(`Mailroom breaks metrics down by \`period\` only; not by ${unsupported.join(', ')}.`);
  for (const filter of ['domain_id', 'email_id', 'broadcast_id'] as const) {
    if (query[filter]) throw new ValidationError(`Mailroom does not filter metrics by \`${filter}\`; its counters are per tenant.`);
  }
  const requested = list(query.metrics);
  const missing = requested.filter((m) => NOT_COUNTED.includes(m));
  if (missing.length) throw new ValidationError(`Mailroom does not count ${missing.join(', ')}; it counts ${METRIC_NAMES.join(', ')}.`);
  const unknown = requested.filter((m) => !(METRIC_NAMES as readonly string[]).includes(m));
  if (unknown.length) throw new ValidationError(`Unknown metric ${unknown.join(', ')}; metrics are ${METRIC_NAMES.join(', ')}.`);
  const names = (requested.length ? requested : METRIC_NAMES) as readonly MetricName[];

  const now = deps.clock.now().getTime();
  const end = query.end_date ? parseInstant(query.end_date, 'end_date', timeZone, true) : now;
  const start = query.start_date ? parseInstant(query.start_date, 'start_date', timeZone, false) : end - 6 * DAY;
  if (!(start < end)) throw new ValidationError('`start_date` must be before `end_date`.');
  if (end - start > MAX_RANGE_DAYS * DAY) throw new ValidationError(`A range covers at most ${MAX_RANGE_DAYS} days.`);
  if (granularity === 'hourly' && dimensions.includes('period') && end - start > MAX_HOURLY_DAYS * DAY) {
    throw new ValidationError(`Hourly rows cover at most ${MAX_HOURLY_DAYS} days; use daily, weekly or monthly.`);
  }

  const buckets = await deps.metrics.hours(principal.tenantId, new Date(start), new Date(end));
  const totals: MetricCounts = {};
  const byPeriod = new Map<string, MetricCounts>();
  if (dimensions.includes('period')) {
    for (let t = Math.floor(start / HOUR) * HOUR; t < end; t += HOUR) {
      const p = periodOf(t, granularity, timeZone);
      if (!byPeriod.has(p)) byPeriod.set(p, {});
    }
  }
  for (const b of buckets) {
    addInto(totals, b.counts);
    if (dimensions.includes('period')) {
      const p = periodOf(Date.parse(`${b.hour}:00:00Z`), granularity, timeZone);
      const row = byPeriod.get(p) ?? {};
      addInto(row, b.counts);
      byPeriod.set(p, row);
    }
  }
  return {
    object: 'metrics' as const,
    start_date: new Date(start).toISOString(),
    end_date: new Date(end).toISOString(),
    metrics: [...names],
    dimensions: dimensions as Dimension[],
    granularity,
    totals: pick(derive(totals), names),
    ...(dimensions.length ? { data: [...byPeriod.entries()].map(([period, c]) => ({ period, ...pick(derive(c), names) })) } : {}),
  };
}

/**
 * Adds to the tenant's counters without ever failing the caller: the event is already recorded
 * (the email sent, the delivery stored), so a lost count is logged rather than retried into a
 * duplicate send.
 */
export async function countEmailEvent(counter: EmailMetricsCounter | undefined, tenantId: string, counts: MetricCounts, at: Date): Promise<void> {
  if (!counter) return;
  try {
    await counter.add(tenantId, counts, at);
  } catch (error) {
    logger.warn('Email counter not updated', { tenantId, counts, error: error as Error });
  }
}

/**
 * What one recorded SES event adds to the counters: its own metric, and for the first open or click
 * of an email also the unique one (`earlier`: the email's history before this event).
 */
export function countsOfDeliveryEvent(historyType: string, bounceType: unknown, earlier: ReadonlyArray<{ type: string }>): MetricCounts {
  switch (historyType) {
    case 'delivered':
      return { delivered: 1 };
    case 'delivery_delayed':
      return { delivery_delayed: 1 };
    case 'bounced':
    case 'soft_bounced':
      return bounceType === 'transient' ? { bounced_transient: 1 } : bounceType === 'permanent' ? { bounced_permanent: 1 } : { bounced_undetermined: 1 };
    case 'complained':
      return { complained: 1 };
    case 'opened':
    case 'clicked': {
      const first = !earlier.some((e) => e.type === historyType);
      return historyType === 'opened' ? { opened: 1, ...(first ? { unique_opened: 1 } : {}) } : { clicked: 1, ...(first ? { unique_clicked: 1 } : {}) };
    }
    default:
      return {};
  }
}
