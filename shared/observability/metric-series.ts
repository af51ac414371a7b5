/**
 * Every CloudWatch series Mailroom's EMF metrics can create: metric name × dimension set × the
 * values each dimension can take. CloudWatch bills a custom metric (name + dimension values) for
 * each hour it is published, so this table IS the metric bill: bench/model.ts prices it, the alarms
 * (infra/constructs/observability.ts) watch the exact series named here, and
 * test/unit/metric-series.test.ts fails when an `addMetric` call in shared/ or functions/ emits a
 * metric or a dimension set this table does not list.
 *
 * Only imported by infra/, bench/ and tests: the functions emit through ./metrics.ts.
 */
import { LANE_NAMES } from '#shared/config/lanes';
import { METRIC, type MetricName } from './metrics';

/**
 * `POWERTOOLS_SERVICE_NAME` of every function (infra/constructs/mailroom-function.ts): Powertools
 * adds it as the `service` dimension to every metric, so it is part of every series.
 */
export const METRIC_SERVICE = 'mailroom';

/**
 * When a series is published, hence billed:
 * - `with-mail`: every hour mail flows (a regular email produces it);
 * - `on-incident`: only in hours with a failure, fallback, refusal or stuck email (billed for those
 *   hours alone; the model prices them at `incidentMetricHoursShare` of the month).
 * Nothing is published without traffic: the reconciler reports stuck emails only when there are some.
 */
export type Publication = 'with-mail' | 'on-incident';

/** One dimension set of a metric: each dimension and the values it takes (besides `service`). */
export interface SeriesGroup {
  readonly dimensions: Readonly<Record<string, readonly string[]>>;
  readonly published: Publication;
}

const lanes = { Lane: LANE_NAMES } as const;
const total = {} as const;

export const METRIC_SERIES: Readonly<Record<MetricName, readonly SeriesGroup[]>> = {
  [METRIC.EmailsAccepted]: [{ dimensions: total, published: 'with-mail' }],
  [METRIC.EmailsRejected]: [
    { dimensions: { Reason: ['validation'] }, published: 'with-mail' },
    { dimensions: { Reason: ['rate_limit', 'auth', 'tracking_invalid', 'intake_invalid'] }, published: 'on-incident' },
  ],
  // Per lane only: /health's lane counts (shared/adapters/cloudwatch-lane-metrics.ts) read it by Lane;
  // which provider took the mail is SendLatency's Provider (one sample per attempt).
  [METRIC.EmailsSent]: [{ dimensions: lanes, published: 'with-mail' }],
  // Per lane for /health, and a total the emails-failing alarm watches as one metric.
  [METRIC.EmailsFailed]: [
    { dimensions: lanes, published: 'on-incident' },
    { dimensions: total, published: 'on-incident' },
  ],
  [METRIC.ProviderFallbacks]: [{ dimensions: total, published: 'on-incident' }],
  [METRIC.SendLatency]: [
    { dimensions: { Provider: ['ses'] }, published: 'with-mail' },
    { dimensions: { Provider: ['smtp'] }, published: 'on-incident' },
  ],
  [METRIC.TimeToSend]: [{ dimensions: lanes, published: 'with-mail' }],
  [METRIC.Bounces]: [{ dimensions: total, published: 'with-mail' }],
  [METRIC.Complaints]: [{ dimensions: total, published: 'with-mail' }],
  [METRIC.Suppressed]: [{ dimensions: total, published: 'with-mail' }],
  [METRIC.ScheduledFired]: [{ dimensions: total, published: 'with-mail' }],
  [METRIC.Throttled]: [{ dimensions: total, published: 'on-incident' }],
  [METRIC.BreakerOpen]: [{ dimensions: total, published: 'on-incident' }],
  [METRIC.StuckEmails]: [{ dimensions: total, published: 'on-incident' }],
  [METRIC.EmailsReconciled]: [{ dimensions: total, published: 'on-incident' }],
  [METRIC.CleanupFailed]: [{ dimensions: total, published: 'on-incident' }],
};

/** Series of one group: the product of its dimensions' value counts (1 for the total). */
export const seriesOf = (group: SeriesGroup): number => Object.values(group.dimensions).reduce((n, values) => n * values.length, 1);

/** How many series Mailroom can publish, by publication. */
export function seriesCount(): Record<Publication, number> & { total: number } {
  const out = { 'with-mail': 0, 'on-incident': 0 };
  for (const groups of Object.values(METRIC_SERIES)) for (const g of groups) out[g.published] += seriesOf(g);
  return { ...out, total: out['with-mail'] + out['on-incident'] };
}

/** Series a Metrics Insights query `SELECT …(metric) FROM Mailroom` reads: every series of the metric. */
export const seriesOfMetric = (metric: MetricName): number => METRIC_SERIES[metric].reduce((n, g) => n + seriesOf(g), 0);
