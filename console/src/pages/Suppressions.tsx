import { useState } from 'react';
import type { Suppression } from '../api';
import { useApi } from '../session';
import { EmptyRow, ErrorBox, Link, Notice, Pager, useLoader, when } from '../ui';

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
          <EmptyRow show={!rows.length && !loading} columns={6}>
            No suppressed addresses.
          </EmptyRow>
        </tbody>
      </table>
      <Pager cursors={cursors} onChange={setCursors} nextCursor={data?.has_more ? data.next_cursor : undefined} labels={['← Previous', 'Next →']} />
    </section>
  );
}
