import type { EmailEvent, EmailSummary, MailroomApi } from '../api';
import { setSearch, useSearchParams } from '../router';
import { useApi } from '../session';
import { Time } from '../time';
import { ErrorBox, Link, StatusChip, TableState, useLoader } from '../ui';

/** The outcomes an operator looks for during an incident, each an email status the list API filters by. */
export const ACTIVITY_TYPES = ['bounced', 'complained', 'failed', 'delivery_delayed', 'suppressed'] as const;
type ActivityType = (typeof ACTIVITY_TYPES)[number];

/** Emails read per type, and emails shown (each one costs a `GET /emails/{id}` for its history). */
const PER_TYPE = 25;
const SHOWN = 25;

interface Activity {
  readonly email: EmailSummary;
  readonly type: string;
  readonly at: string;
  readonly detail?: Record<string, unknown>;
}

const isType = (v: string | null): v is ActivityType => (ACTIVITY_TYPES as readonly string[]).includes(v ?? '');
const label = (type: string) => type.replace(/_/g, ' ');

/** The email's latest event of one of `types` (its history knows when it happened); its status and creation time when none is recorded. */
function latestOf(email: EmailSummary, events: readonly EmailEvent[], types: readonly string[]): Activity {
  const event = [...events].reverse().find((e) => types.includes(e.type));
  if (event) return { email, type: event.type, at: event.at, ...(event.detail ? { detail: event.detail } : {}) };
  return { email, type: email.status, at: email.created_at };
}

/**
 * Recent activity from what the API already serves: the newest emails whose status is one of
 * `types` (`GET /emails?status=…`), each with the time and detail of that event from its history.
 */
async function loadActivity(api: MailroomApi, types: readonly ActivityType[]): Promise<Activity[]> {
  const lists = await Promise.all(types.map((status) => api.listEmails({ status, limit: PER_TYPE })));
  const newest = lists
    .flatMap((l) => l.data)
    .sort((a, b) => b.created_at.localeCompare(a.created_at))
    .slice(0, SHOWN);
  const shown = await Promise.all(newest.map(async (email) => latestOf(email, (await api.getEmail(email.id)).events, types)));
  return shown.sort((a, b) => b.at.localeCompare(a.at));
}

/** An event's detail (bounce type, diagnostic, error…) as one short line; ids (SES event, feedback) are left to the tooltip and the email's timeline. */
function summary(detail: Record<string, unknown> | undefined): string {
  if (!detail) return '—';
  const parts = Object.entries(detail)
    .filter(([k, v]) => v !== null && v !== undefined && v !== '' && !/(^|_)id$/.test(k))
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const line = parts.join(' · ');
  return line.length > 160 ? `${line.slice(0, 159)}…` : line || '—';
}

export function ActivityPage() {
  const api = useApi();
  const params = useSearchParams();
  const raw = params.get('type');
  const type = isType(raw) ? raw : '';
  const types = type ? [type] : ACTIVITY_TYPES;
  const { data, error, pending, loading, reload } = useLoader(() => loadActivity(api, types), [api, type]);
  const rows = data ?? [];
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
        The newest emails that bounced, drew a complaint, failed, were delayed or were suppressed (by their current status), with when it happened.
      </p>
      <form className="filters" aria-label="Filter activity" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="activity-type">Event type</label>
          <select id="activity-type" value={type} onChange={(e) => setSearch({ type: e.target.value })}>
            <option value="">All types</option>
            {ACTIVITY_TYPES.map((t) => (
              <option key={t} value={t}>
                {label(t)}
              </option>
            ))}
          </select>
        </div>
      </form>
      <ErrorBox error={error} />
      <table aria-describedby="activity-caption" className="cards">
        <caption id="activity-caption" className="sr-only">
          {type ? `Recent ${label(type)} events` : 'Recent events'}, newest first
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
            <tr key={a.email.id} data-email-id={a.email.id} data-type={a.type}>
              <td className="nowrap" data-label="When">
                <Time value={a.at} />
              </td>
              <td data-label="Event">
                <StatusChip status={a.type} />
              </td>
              <td className="wrap" data-label="To">
                {a.email.to.join(', ')}
              </td>
              <td className="wrap" data-label="Email">
                <Link to={`emails/${encodeURIComponent(a.email.id)}`}>
                  {a.email.subject || (a.email.template ? `(template ${a.email.template.id})` : '(no subject)')}
                </Link>
              </td>
              <td className="wrap" data-label="Detail" title={a.detail ? JSON.stringify(a.detail) : undefined}>
                {summary(a.detail)}
              </td>
            </tr>
          ))}
          <TableState columns={5} loading={pending} error={error} empty={!rows.length}>
            {type ? `No ${label(type)} emails.` : 'No bounces, complaints, failures, delays or suppressions.'}
          </TableState>
        </tbody>
      </table>
    </section>
  );
}
