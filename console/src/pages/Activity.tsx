import { ACTIVITY_TYPES, type ActivityType } from '#shared/domain/activity';
import type { ActivityView } from '../api';
import { setSearch, useSearchParams } from '../router';
import { useApi } from '../session';
import { Time } from '../time';
import { ErrorBox, Link, Pager, TableState, useLoader } from '../ui';

/** Rows per page. */
const PAGE = 50;

const isType = (v: string | null): v is ActivityType => (ACTIVITY_TYPES as readonly string[]).includes(v ?? '');
/** `email.delivery_delayed` → `delivery delayed`; `webhook.failed` → `webhook failed`. */
export const activityLabel = (type: string) => type.replace(/^email\./, '').replace(/[._]/g, ' ');
/** The chip colour: the email status it matches (bounced, failed…), `failed` for webhook trouble. */
const chipOf = (type: string) => (type.startsWith('webhook.') ? 'failed' : type.replace(/^email\./, ''));

/** An item's detail as one short line (bounce type first); the full detail is in the tooltip. */
function summary(a: ActivityView): string {
  const d = a.detail as Record<string, unknown>;
  const parts = Object.entries(d)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
  const line = parts.join(' · ');
  return line.length > 160 ? `${line.slice(0, 159)}…` : line || '—';
}

/** The time window in the URL (`since`, `until`), shown in words. */
function Window({ since, until }: { since: string; until: string }) {
  if (!since && !until) return null;
  return (
    <p className="notice-info" role="status">
      Showing events{' '}
      {since ? (
        <>
          from <Time value={since} />
        </>
      ) : null}{' '}
      {until ? (
        <>
          until <Time value={until} />
        </>
      ) : null}{' '}
      —{' '}
      <button type="button" className="secondary small" onClick={() => setSearch({ type: new URLSearchParams(window.location.search).get('type') ?? '' })}>
        all times
      </button>
    </p>
  );
}

/**
 * Recent activity from `GET /activity`: one row per event (an email that bounced and then drew a
 * complaint has two), filterable by type and time window, paged — all in the URL.
 */
export function ActivityPage() {
  const api = useApi();
  const params = useSearchParams();
  const raw = params.get('type');
  const type = isType(raw) ? raw : '';
  const since = params.get('since') ?? '';
  const until = params.get('until') ?? '';
  // The pages walked so far (each the last id of the page before), as the Emails page keeps them: Back and reload keep the place.
  const cursors = params.getAll('after');
  const after = cursors.at(-1) ?? '';
  const { data, error, pending, loading, reload } = useLoader(
    () => api.activity({ type, since, until, after, limit: PAGE }),
    [api, type, since, until, after],
    { intervalMs: 30_000 },
  );
  const rows = data?.data ?? [];
  return (
    <section aria-labelledby="activity-title">
      <div className="title-row">
        <h1 id="activity-title">Activity</h1>
        <div className="actions">
          <button type="button" className="secondary" onClick={() => void reload()} disabled={loading}>
            {loading ? 'Refreshing…' : 'Refresh now'}
          </button>
        </div>
      </div>
      <p className="hint">
        Every bounce, complaint, failure, delay and suppression as it happened, and webhook deliveries that failed for good (from <code>GET /activity</code>).
        An email that bounced and later drew a complaint appears twice.
      </p>
      <form className="filters" aria-label="Filter activity" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="activity-type">Event type</label>
          <select id="activity-type" value={type} onChange={(e) => setSearch({ type: e.target.value, since, until })}>
            <option value="">All types</option>
            {ACTIVITY_TYPES.map((t) => (
              <option key={t} value={t}>
                {activityLabel(t)}
              </option>
            ))}
          </select>
        </div>
      </form>
      <Window since={since} until={until} />
      <ErrorBox error={error} />
      <table aria-describedby="activity-caption" className="cards">
        <caption id="activity-caption" className="sr-only">
          {type ? `Recent ${activityLabel(type)} events` : 'Recent events'}, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Event</th>
            <th scope="col">To</th>
            <th scope="col">Email</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((a) => (
            <tr key={a.id} data-activity-id={a.id} data-email-id={a.email_id ?? undefined} data-type={a.type}>
              <td className="nowrap" data-label="When">
                <Time value={a.created_at} />
              </td>
              <td data-label="Event">
                <span className={`chip chip-${chipOf(a.type)}`}>{activityLabel(a.type)}</span>
                {a.type === 'email.bounced' && typeof a.detail.bounce_type === 'string' ? <span className="hint"> ({a.detail.bounce_type})</span> : null}
              </td>
              <td className="wrap" data-label="To">
                {a.to.length ? a.to.join(', ') : '—'}
              </td>
              <td className="wrap" data-label="Email">
                {a.email_id ? (
                  <Link to={`emails/${encodeURIComponent(a.email_id)}`}>{a.subject || (a.template ? `(template ${a.template})` : '(no subject)')}</Link>
                ) : (
                  '—'
                )}
                {a.webhook_id ? (
                  <>
                    {' '}
                    <span className="hint">
                      webhook <Link to={`webhooks/${encodeURIComponent(a.webhook_id)}`}>{a.webhook_id}</Link>
                    </span>
                  </>
                ) : null}
              </td>
              <td className="wrap" data-label="Detail" title={JSON.stringify(a.detail)}>
                {summary(a)}
              </td>
            </tr>
          ))}
          <TableState columns={5} loading={pending} error={error} empty={!rows.length}>
            {type ? `No ${activityLabel(type)} events${since || until ? ' in this window' : ''}.` : 'No bounces, complaints, failures, delays or suppressions.'}
          </TableState>
        </tbody>
      </table>
      <Pager
        cursors={cursors}
        onChange={(pages) => setSearch({ type, since, until, after: pages })}
        nextCursor={data?.has_more ? rows.at(-1)?.id : undefined}
        labels={['← Newer', 'Older →']}
      />
    </section>
  );
}
