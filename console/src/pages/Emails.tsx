import { useState, type FormEvent } from 'react';
import { LANE_NAMES } from '#shared/config/lanes';
import { STATUSES } from '#shared/domain/status';
import { useApi } from '../session';
import { EmptyRow, ErrorBox, Link, LiveToggle, Pager, StatusChip, useLoader, when } from '../ui';

const PAGE_SIZE = 25;
const REFRESH_SECONDS = 5;

interface Filters {
  status: string;
  lane: string;
  to: string;
}

const EMPTY: Filters = { status: '', lane: '', to: '' };

export function EmailsPage() {
  const api = useApi();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  // Cursors of the pages before the current one, so "Newer" can go back.
  const [cursors, setCursors] = useState<string[]>([]);
  const [live, setLive] = useState(true);
  const after = cursors.at(-1);
  const { data, error, loading, reload } = useLoader(
    () => api.listEmails({ limit: PAGE_SIZE, after, status: filters.status, lane: filters.lane, to: filters.to.trim() }),
    [api, after, filters],
    { intervalMs: REFRESH_SECONDS * 1000, live },
  );
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setCursors([]);
    setFilters(draft);
  };
  const clear = () => {
    setDraft(EMPTY);
    setFilters(EMPTY);
    setCursors([]);
  };
  const rows = data?.data ?? [];
  return (
    <section aria-labelledby="emails-title">
      <div className="title-row">
        <h1 id="emails-title">Emails</h1>
        <div className="actions">
          <LiveToggle live={live} onChange={setLive} seconds={REFRESH_SECONDS} />
          <button type="button" className="secondary" onClick={() => void reload()}>
            Refresh now
          </button>
        </div>
      </div>
      <form className="filters" onSubmit={apply} aria-label="Filter emails">
        <div className="field">
          <label htmlFor="filter-status">Status</label>
          <select id="filter-status" value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.target.value })}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-lane">Lane</label>
          <select id="filter-lane" value={draft.lane} onChange={(e) => setDraft({ ...draft, lane: e.target.value })}>
            <option value="">Any lane</option>
            {LANE_NAMES.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </div>
        <div className="field grow">
          <label htmlFor="filter-to">Recipient contains</label>
          <input id="filter-to" type="search" value={draft.to} placeholder="alice@example.org" onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        </div>
        <div className="field buttons">
          <button type="submit">Apply filters</button>
          <button type="button" className="secondary" onClick={clear}>
            Clear
          </button>
        </div>
      </form>
      <ErrorBox error={error} />
      <table aria-describedby="emails-caption">
        <caption id="emails-caption" className="sr-only">
          Recent emails, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Created</th>
            <th scope="col">To</th>
            <th scope="col">Subject</th>
            <th scope="col">Lane</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((e) => (
            <tr key={e.id} data-email-id={e.id}>
              <td className="nowrap">{when(e.created_at)}</td>
              <td className="wrap">{e.to.join(', ')}</td>
              <td className="wrap">
                <Link to={`emails/${encodeURIComponent(e.id)}`}>{e.subject || '(no subject)'}</Link>
              </td>
              <td>{e.lane}</td>
              <td>
                <StatusChip status={e.status} />
              </td>
            </tr>
          ))}
          <EmptyRow show={!rows.length && !loading} columns={5}>
            No emails match.
          </EmptyRow>
        </tbody>
      </table>
      <Pager cursors={cursors} onChange={setCursors} nextCursor={data?.has_more ? data.next_cursor : undefined} labels={['← Newer', 'Older →']} />
    </section>
  );
}
