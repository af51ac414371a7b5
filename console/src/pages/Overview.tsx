import { type ReactNode, useEffect, useState } from 'react';
import type { EmailMetrics, Health, LaneStatus } from '../api';
import { LineChart } from '../charts';
import { queryString, setSearch, useSearchParams } from '../router';
import { useApi } from '../session';
import { useZone, zoneName } from '../time';
import { age, count, ErrorBox, Link, needsOperatorKey, OperatorOnly, useLoader } from '../ui';

/** SES's account-level reputation thresholds: bounce rate 2 % (warning) and 5 % (review); complaint rate 0.1 %. */
export const SES_THRESHOLDS = { bounceWarn: 0.02, bounceReview: 0.05, complaint: 0.001 } as const;

const RANGES = {
  '24h': { label: 'Last 24 hours', granularity: 'hourly', days: 1 },
  '7d': { label: 'Last 7 days', granularity: 'daily', days: 7 },
  '30d': { label: 'Last 30 days', granularity: 'daily', days: 30 },
} as const;
type Range = keyof typeof RANGES;

/** A date in the zone as YYYY-MM-DD (en-CA formats dates that way). */
function localDate(at: Date, timeZone: string): string {
  return at.toLocaleDateString('en-CA', { timeZone });
}

function metricsQuery(range: Range, timeZone: string, now = new Date()) {
  const r = RANGES[range];
  if (r.granularity === 'hourly') {
    return {
      start_date: new Date(now.getTime() - 24 * 3_600_000).toISOString(),
      end_date: now.toISOString(),
      granularity: 'hourly',
      dimensions: 'period',
      timezone: timeZone,
    };
  }
  // Whole local days, today included.
  return {
    start_date: localDate(new Date(now.getTime() - (r.days - 1) * 86_400_000), timeZone),
    end_date: localDate(now, timeZone),
    granularity: 'daily',
    dimensions: 'period',
    timezone: timeZone,
  };
}

const pct = (n: number | undefined, digits = 2) => `${((n ?? 0) * 100).toFixed(digits)} %`;

type Level = 'ok' | 'warn' | 'alarm';

function Badge({ level, children, testId }: { level: Level; children: ReactNode; testId?: string }) {
  return (
    <li className={`badge badge-${level}`} data-testid={testId}>
      <span className="sr-only">{level === 'ok' ? 'OK: ' : level === 'warn' ? 'Warning: ' : 'Alarm: '}</span>
      {children}
    </li>
  );
}

function Badges({ metrics, lanes, health }: { metrics: EmailMetrics | undefined; lanes: LaneStatus[] | undefined; health: Health | undefined }) {
  const t = metrics?.totals;
  const bounce = t?.bounce_rate ?? 0;
  const complaint = t?.complaint_rate ?? 0;
  const dlq = (lanes ?? []).filter((l) => l.dlqDepth > 0);
  const slow = (lanes ?? []).filter((l) => l.oldestAgeSeconds !== null && l.oldestAgeSeconds > l.maxAgeSeconds);
  return (
    <ul className="badges" aria-label="Alarms">
      {health ? (
        <Badge level={health.status === 'ok' ? 'ok' : health.status === 'degraded' ? 'warn' : 'alarm'} testId="badge-health">
          Sending {health.status === 'ok' ? 'healthy' : health.status}
          {health.breaker?.ses?.state && health.breaker.ses.state !== 'closed' ? ` — SES breaker ${health.breaker.ses.state.replace('_', '-')}` : ''}
          {health.providers?.smtp === 'up' && health.providers.ses !== 'up' ? ', SMTP fallback active' : ''}
          {health.status !== 'ok' && health.reasons?.length ? `: ${health.reasons.join('; ')}` : ''}
        </Badge>
      ) : null}
      {t ? (
        <Badge level={bounce >= SES_THRESHOLDS.bounceReview ? 'alarm' : bounce >= SES_THRESHOLDS.bounceWarn ? 'warn' : 'ok'} testId="badge-bounce">
          Bounce rate {pct(bounce)} (SES: warning 2 %, review 5 %)
        </Badge>
      ) : null}
      {t ? (
        <Badge level={complaint >= SES_THRESHOLDS.complaint ? 'alarm' : 'ok'} testId="badge-complaint">
          Complaint rate {pct(complaint, 3)} (SES: 0.1 %)
        </Badge>
      ) : null}
      {lanes ? (
        <Badge level={dlq.length ? 'alarm' : 'ok'} testId="badge-dlq">
          {dlq.length ? (
            <>
              Dead letters waiting: {dlq.map((l) => `${l.lane} ${l.dlqDepth}`).join(', ')} — <Link to="lanes">open Lanes</Link>
            </>
          ) : (
            'No dead letters'
          )}
        </Badge>
      ) : null}
      {lanes ? (
        <Badge level={slow.length ? 'warn' : 'ok'} testId="badge-age">
          {slow.length ? `Behind: ${slow.map((l) => `${l.lane} oldest ${age(l.oldestAgeSeconds)}`).join(', ')}` : 'Every lane within its maximum age'}
        </Badge>
      ) : null}
    </ul>
  );
}

const TOTALS: Array<[string, string]> = [
  ['sent', 'Sent'],
  ['delivered', 'Delivered'],
  ['bounced', 'Bounced'],
  ['complained', 'Complained'],
  ['failed', 'Failed'],
  ['delivery_delayed', 'Delayed'],
  ['opened', 'Opened'],
  ['clicked', 'Clicked'],
];

/**
 * Outcomes the activity log records: their card links to those events in the same window. The
 * counters count an event in the hour it happened, and so does the feed — unlike "emails created in
 * the range whose status is X now", which loses an email that bounced and then drew a complaint, and
 * adds ones created earlier.
 */
const DRILL_DOWN = ['bounced', 'complained', 'failed', 'delivery_delayed'];

export function OverviewPage() {
  const api = useApi();
  const { zone } = useZone();
  const timeZone = zone === 'utc' ? 'UTC' : zoneName('local');
  const params = useSearchParams();
  const range = ((params.get('range') ?? '7d') in RANGES ? (params.get('range') ?? '7d') : '7d') as Range;
  const metrics = useLoader(() => api.metrics(metricsQuery(range, timeZone)), [api, range, timeZone], { intervalMs: 60_000 });
  const health = useLoader(() => api.health(), [api], { intervalMs: 30_000 });
  const [laneAccess, setLaneAccess] = useState(true);
  const lanes = useLoader(() => api.lanes(), [api], { intervalMs: 10_000, live: laneAccess });
  // A tenant key may not read lanes (operator routes): stop asking, and say so once.
  const refused = needsOperatorKey(lanes.error);
  useEffect(() => {
    if (refused) setLaneAccess(false);
  }, [refused]);
  const rows = metrics.data?.data ?? [];
  const labels = rows.map((r) => String(r.period ?? ''));
  const series = (key: string) => rows.map((r) => r[key] ?? 0);
  const t = metrics.data?.totals;
  return (
    <section aria-labelledby="overview-title">
      <div className="title-row">
        <h1 id="overview-title">Overview</h1>
        <fieldset className="segmented">
          <legend className="sr-only">Range</legend>
          {(Object.keys(RANGES) as Range[]).map((r) => (
            <button key={r} type="button" className="secondary" aria-pressed={range === r} onClick={() => setSearch({ range: r === '7d' ? undefined : r })}>
              {RANGES[r].label}
            </button>
          ))}
        </fieldset>
      </div>
      <p className="hint">
        From <code>GET /emails/metrics</code> ({RANGES[range].granularity}, periods in {timeZone}), <code>GET /health</code> and <code>GET /lanes</code>. Rates
        are over emails sent in the range.
      </p>
      {needsOperatorKey(metrics.error) ? (
        <p className="notice-info" role="status">
          Email metrics are per tenant: this key may not read them (an operator key sees lanes only). Sign in with a tenant key with the{' '}
          <code>emails:read</code> scope to see them.
        </p>
      ) : (
        <ErrorBox error={metrics.error} />
      )}
      <ErrorBox error={refused ? undefined : lanes.error} />
      <Badges metrics={metrics.data} lanes={lanes.data?.data} health={health.data} />
      {metrics.pending ? <p role="status">Loading metrics…</p> : null}
      {t ? (
        <>
          <dl className="totals">
            {TOTALS.map(([key, label]) => (
              <div key={key} data-metric={key}>
                <dt>{label}</dt>
                <dd>{count(t[key] ?? 0)}</dd>
                {DRILL_DOWN.includes(key) && (t[key] ?? 0) > 0 && metrics.data ? (
                  <Link
                    to={`activity${queryString({ type: `email.${key}`, since: metrics.data.start_date, until: metrics.data.end_date })}`}
                    ariaLabel={`${label} events`}
                  >
                    see events
                  </Link>
                ) : null}
              </div>
            ))}
            <div data-metric="bounce_rate">
              <dt>Bounce rate</dt>
              <dd>{pct(t.bounce_rate)}</dd>
            </div>
            <div data-metric="complaint_rate">
              <dt>Complaint rate</dt>
              <dd>{pct(t.complaint_rate, 3)}</dd>
            </div>
          </dl>
          <div className="charts">
            <div className="panel">
              <h2>Volume and outcomes</h2>
              <LineChart
                title="Volume and outcomes per period"
                labels={labels}
                series={[
                  { name: 'Sent', values: series('sent'), className: 'series-sent' },
                  { name: 'Delivered', values: series('delivered'), className: 'series-delivered' },
                  { name: 'Bounced', values: series('bounced'), className: 'series-bounced' },
                  { name: 'Complained', values: series('complained'), className: 'series-complained' },
                  { name: 'Failed', values: series('failed'), className: 'series-failed' },
                ]}
              />
            </div>
            <div className="panel">
              <h2>Bounce rate</h2>
              <LineChart
                title="Bounce rate per period against SES's thresholds"
                labels={labels}
                series={[{ name: 'Bounce rate', values: series('bounce_rate'), className: 'series-bounced' }]}
                thresholds={[
                  { label: 'SES warning 2 %', value: SES_THRESHOLDS.bounceWarn, className: 'threshold-warn' },
                  { label: 'SES review 5 %', value: SES_THRESHOLDS.bounceReview, className: 'threshold-alarm' },
                ]}
                format={(n) => pct(n, 1)}
              />
            </div>
            <div className="panel">
              <h2>Complaint rate</h2>
              <LineChart
                title="Complaint rate per period against SES's threshold"
                labels={labels}
                series={[{ name: 'Complaint rate', values: series('complaint_rate'), className: 'series-complained' }]}
                thresholds={[{ label: 'SES 0.1 %', value: SES_THRESHOLDS.complaint, className: 'threshold-alarm' }]}
                format={(n) => pct(n, 2)}
              />
            </div>
          </div>
        </>
      ) : null}
      <div className="panel">
        <h2>Lanes now</h2>
        {refused ? <OperatorOnly /> : null}
        <table className="cards" hidden={refused}>
          <caption className="sr-only">Lane depths now</caption>
          <thead>
            <tr>
              <th scope="col">Lane</th>
              <th scope="col" className="num">
                Waiting
              </th>
              <th scope="col" className="num">
                Oldest (max)
              </th>
              <th scope="col" className="num">
                DLQ
              </th>
            </tr>
          </thead>
          <tbody>
            {(lanes.data?.data ?? []).map((l) => (
              <tr key={l.lane}>
                <th scope="row">{l.lane}</th>
                <td className="num" data-label="Waiting">
                  {count(l.depth)}
                </td>
                <td className="num" data-label="Oldest (max)">
                  {age(l.oldestAgeSeconds)} ({age(l.maxAgeSeconds)})
                </td>
                <td className={`num${l.dlqDepth > 0 ? ' over' : ''}`} data-label="DLQ">
                  {count(l.dlqDepth)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
