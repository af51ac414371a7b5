import { useState } from 'react';
import type { Suppression } from '../api';
import { useConfirm } from '../confirm';
import { setSearch, useSearchParams } from '../router';
import { useApi } from '../session';
import { Time } from '../time';
import { ErrorBox, Link, Notice, Pager, TableState, useLoader } from '../ui';

export function SuppressionsPage() {
  const api = useApi();
  const confirm = useConfirm();
  const params = useSearchParams();
  const cursors = params.getAll('after');
  const [removed, setRemoved] = useState<Suppression>();
  const [notice, setNotice] = useState('');
  const [actionError, setActionError] = useState<unknown>();
  const after = cursors.at(-1);
  const { data, error, pending, reload } = useLoader(() => api.suppressions({ limit: 50, after }), [api, after]);
  const rows = data?.data ?? [];
  const remove = async (s: Suppression) => {
    const ok = await confirm({
      title: `Remove ${s.email} from the suppression list?`,
      body: (
        <p>
          Mailroom will send to it again{s.reason === 'bounce' || s.reason === 'complaint' ? `, although it was suppressed after a ${s.reason}` : ''}. You can
          undo this right after.
        </p>
      ),
      confirmLabel: 'Remove',
    });
    if (!ok) return;
    setActionError(undefined);
    try {
      await api.removeSuppression(s.email);
      setRemoved(s);
      setNotice(`Removed ${s.email}; Mailroom will send to it again.`);
      await reload();
    } catch (err) {
      setActionError(err);
    }
  };
  // Undo puts the address back with its reason and scope (the link to its source email is not restored).
  const undo = async () => {
    if (!removed) return;
    setActionError(undefined);
    try {
      await api.addSuppression({ email: removed.email, reason: removed.reason, scope: removed.scope });
      setNotice(`Suppressed ${removed.email} again.`);
      setRemoved(undefined);
      await reload();
    } catch (err) {
      setActionError(err);
    }
  };
  return (
    <section aria-labelledby="suppressions-title">
      <h1 id="suppressions-title">Suppressions</h1>
      <p>Addresses Mailroom will not send to (hard bounces, complaints, unsubscribes, manual entries).</p>
      <Notice>
        {notice ? (
          <>
            {notice}{' '}
            {removed ? (
              <button type="button" className="secondary small" onClick={() => void undo()}>
                Undo
              </button>
            ) : null}
          </>
        ) : null}
      </Notice>
      <ErrorBox error={error ?? actionError} />
      <table className="cards">
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
              <td className="wrap" data-label="Address">
                {s.email}
              </td>
              <td data-label="Reason">{s.reason.replace(/_/g, ' ')}</td>
              <td data-label="Scope">{s.scope}</td>
              <td className="nowrap" data-label="Since">
                <Time value={s.created_at} />
              </td>
              <td data-label="Source email">{s.source_email_id ? <Link to={`emails/${encodeURIComponent(s.source_email_id)}`}>open</Link> : '—'}</td>
              <td data-label="Action">
                <button type="button" className="danger" onClick={() => void remove(s)} aria-label={`Remove ${s.email}`}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
          <TableState columns={6} loading={pending} error={error} empty={!rows.length}>
            No suppressed addresses.
          </TableState>
        </tbody>
      </table>
      <Pager
        cursors={cursors}
        onChange={(pages) => setSearch({ after: pages })}
        nextCursor={data?.has_more ? (data.next_cursor ?? data.data.at(-1)?.email) : undefined}
        labels={['← Previous', 'Next →']}
      />
    </section>
  );
}
