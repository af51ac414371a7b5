import { useState } from 'react';
import type { Suppression } from '../api';
import { useApi } from '../session';
import { ErrorBox, Link, Notice, useLoader, when } from '../ui';

export function SuppressionsPage() {
  const api = useApi();
  const [cursors, setCursors] = useState<string[]>([]);
  const [notice, setNotice] = useState('');
  const [actionError, setActionError] = useState<unknown>();
  const after = cursors.at(-1);
  const { data, error, loading, reload } = useLoader(() => api.suppressions({ limit: 50, after }), [api, after]);
  const rows = data?.data ?? [];
  const remove = async (s: Suppression) => {
    setActionError(undefined);
    try {
      await api.removeSuppression(s.email);
      setNotice(`Removed ${s.email}; Mailroom will send to it again.`);
      await reload();
    } catch (err) {
      setActionError(err);
    }
  };
  return (
    <section aria-labelledby="suppressions-title">
      <h1 id="suppressions-title">Suppressions</h1>
      <p>Addresses Mailroom will not send to (hard bounces, complaints, unsubscribes, manual entries).</p>
      <Notice>{notice}</Notice>
      <ErrorBox error={error ?? actionError} />
      <table>
        <caption className="sr-only">Suppressed addresses</caption>
        <thead>
          <tr>
            <th scope="col">Address</th>
            <th scope="col">Reason</th>
            <th scope="col">Scope</th>
            <th scope="col">Since</th>
            <th scope="col">Source email</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => (
            <tr key={s.email} data-address={s.email}>
              <td className="wrap">{s.email}</td>
              <td>{s.reason.replace(/_/g, ' ')}</td>
              <td>{s.scope}</td>
              <td className="nowrap">{when(s.created_at)}</td>
              <td>{s.source_email_id ? <Link to={`emails/${encodeURIComponent(s.source_email_id)}`}>open</Link> : '—'}</td>
              <td>
                <button type="button" className="danger" onClick={() => void remove(s)} aria-label={`Remove ${s.email}`}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
          {!rows.length && !loading ? (
            <tr>
              <td colSpan={6} className="empty">
                No suppressed addresses.
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      <nav className="pager" aria-label="Pages">
        <button type="button" className="secondary" disabled={!cursors.length} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← Previous
        </button>
        <span>Page {cursors.length + 1}</span>
        <button type="button" className="secondary" disabled={!data?.has_more || !data.next_cursor} onClick={() => data?.next_cursor && setCursors([...cursors, data.next_cursor])}>
          Next →
        </button>
      </nav>
    </section>
  );
}
