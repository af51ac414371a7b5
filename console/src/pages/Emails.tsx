import { useEffect, useState, type ClipboardEvent, type FormEvent } from 'react';
import { LANE_NAMES } from '#shared/config/lanes';
import { STATUSES } from '#shared/domain/status';
import { ApiError, type MailroomApi } from '../api';
import { navigate, setSearch, useSearchParams } from '../router';
import { useApi } from '../session';
import { Time, useZone, zoneName, type Zone } from '../time';
import { ErrorBox, Link, LiveToggle, nextCursorOf, Pager, StatusChip, TableState, useLoader } from '../ui';

const PAGE_SIZE = 25;
const REFRESH_SECONDS = 5;

/** The filters the list API takes, each kept in the URL under the same name. */
const FILTER_KEYS = ['status', 'lane', 'to', 'subject', 'from', 'tag', 'created_after', 'created_before'] as const;
const EMPTY = Object.fromEntries(FILTER_KEYS.map((k) => [k, ''])) as Filters;

/** An ISO instant as a `datetime-local` value in the shown zone, and back. */
function toInput(iso: string, zone: Zone): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const shifted = zone === 'utc' ? d : new Date(d.getTime() - d.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 16);
}
function fromInput(value: string, zone: Zone): string {
  if (!value) return '';
  const d = new Date(zone === 'utc' ? `${value}:00Z` : value);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}
type Filters = Record<(typeof FILTER_KEYS)[number], string>;

function filtersOf(params: URLSearchParams): Filters {
  return Object.fromEntries(FILTER_KEYS.map((k) => [k, params.get(k) ?? ''])) as Filters;
}

/** Email ids are opaque tokens: letters, digits, `-` and `_` (never an `@` or a space). */
export const looksLikeEmailId = (value: string) => /^[A-Za-z0-9_-]{8,64}$/.test(value);

/**
 * Opens the email with this id, or else the one with this provider message id (SES's, among the
 * recent emails the list reads); false when there is neither (the caller then filters by recipient).
 */
async function openById(api: MailroomApi, id: string): Promise<boolean> {
  try {
    const email = await api.getEmail(id);
    navigate(`emails/${encodeURIComponent(email.id)}`);
    return true;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  const byProvider = await api.listEmails({ provider_message_id: id, limit: 1 });
  const found = byProvider.data[0];
  if (!found) return false;
  navigate(`emails/${encodeURIComponent(found.id)}`);
  return true;
}

function FindBox({ onRecipient }: { onRecipient: (to: string) => void }) {
  const api = useApi();
  const [value, setValue] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const find = async (raw: string) => {
    const v = raw.trim();
    if (!v) return;
    setBusy(true);
    setError(undefined);
    try {
      if (looksLikeEmailId(v) && (await openById(api, v))) return;
      onRecipient(v);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void find(value);
  };
  // A pasted email id opens the email at once (the common case: an id from a log or a ticket).
  const paste = (e: ClipboardEvent<HTMLInputElement>) => {
    const text = e.clipboardData.getData('text').trim();
    if (looksLikeEmailId(text)) {
      e.preventDefault();
      setValue(text);
      void find(text);
    }
  };
  return (
    <search className="find">
      <form onSubmit={submit}>
        <label htmlFor="find">Find an email</label>
        <div className="find-row">
          <input
            id="find"
            type="search"
            placeholder="Paste an email or provider message id, or type a recipient"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            onPaste={paste}
            aria-describedby="find-hint"
          />
          <button type="submit" disabled={busy || !value.trim()}>
            {busy ? 'Finding…' : 'Find'}
          </button>
        </div>
        <p id="find-hint" className="hint">
          An email id or a provider (SES) message id opens that email; anything else filters by recipient.
        </p>
        <ErrorBox error={error} />
      </form>
    </search>
  );
}

export function EmailsPage() {
  const api = useApi();
  const params = useSearchParams();
  const filters = filtersOf(params);
  const cursors = params.getAll('after');
  const [draft, setDraft] = useState<Filters>(filters);
  const [live, setLive] = useState(true);
  const after = cursors.at(-1);
  const key = params.toString();
  // Back, Forward or a link changed the URL: the form shows what the table shows.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is the URL's query; `filters` is derived from it.
  useEffect(() => setDraft(filtersOf(new URLSearchParams(key))), [key]);
  const { zone } = useZone();
  const { data, error, pending, reload } = useLoader(() => api.listEmails({ limit: PAGE_SIZE, after, ...filters, to: filters.to.trim() }), [api, after, key], {
    intervalMs: REFRESH_SECONDS * 1000,
    live,
  });
  const show = (next: Filters, pages: string[] = []) => setSearch({ ...next, after: pages });
  const apply = (e: FormEvent) => {
    e.preventDefault();
    show(draft);
  };
  const clear = () => show(EMPTY);
  const rows = data?.data ?? [];
  const filtered = FILTER_KEYS.some((k) => filters[k]);
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
      <FindBox onRecipient={(to) => show({ ...filters, to })} />
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
        <div className="field grow">
          <label htmlFor="filter-subject">Subject starts with</label>
          <input id="filter-subject" type="search" value={draft.subject} onChange={(e) => setDraft({ ...draft, subject: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="filter-from">Sender contains</label>
          <input id="filter-from" type="search" value={draft.from} placeholder="billing@" onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="filter-tag">Tag</label>
          <input
            id="filter-tag"
            type="search"
            value={draft.tag}
            placeholder="name or name:value"
            onChange={(e) => setDraft({ ...draft, tag: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor="filter-created-after">Created from ({zoneName(zone)})</label>
          <input
            id="filter-created-after"
            type="datetime-local"
            value={toInput(draft.created_after, zone)}
            onChange={(e) => setDraft({ ...draft, created_after: fromInput(e.target.value, zone) })}
          />
        </div>
        <div className="field">
          <label htmlFor="filter-created-before">Created before ({zoneName(zone)})</label>
          <input
            id="filter-created-before"
            type="datetime-local"
            value={toInput(draft.created_before, zone)}
            onChange={(e) => setDraft({ ...draft, created_before: fromInput(e.target.value, zone) })}
          />
        </div>
        <div className="field buttons">
          <button type="submit">Apply filters</button>
          <button type="button" className="secondary" onClick={clear} disabled={!filtered && !cursors.length}>
            Clear
          </button>
        </div>
      </form>
      <ErrorBox error={error} />
      <table aria-describedby="emails-caption" className="cards">
        <caption id="emails-caption" className="sr-only">
          {filtered ? 'Emails matching the filters' : 'Recent emails'}, newest first
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
              <td className="nowrap" data-label="Created">
                <Time value={e.created_at} />
              </td>
              <td className="wrap" data-label="To">
                {e.to.join(', ')}
              </td>
              <td className="wrap" data-label="Subject">
                <Link to={`emails/${encodeURIComponent(e.id)}`}>{e.subject || (e.template ? `(template ${e.template.id})` : '(no subject)')}</Link>
              </td>
              <td data-label="Lane">{e.lane}</td>
              <td data-label="Status">
                <StatusChip status={e.status} />
              </td>
            </tr>
          ))}
          <TableState columns={5} loading={pending} error={error} empty={!rows.length}>
            {filtered ? 'No emails match these filters.' : 'No emails yet.'}
          </TableState>
        </tbody>
      </table>
      <Pager cursors={cursors} onChange={(pages) => show(filters, pages)} nextCursor={nextCursorOf(data)} labels={['← Newer', 'Older →']} />
    </section>
  );
}
