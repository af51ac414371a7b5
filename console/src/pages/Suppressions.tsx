import { useState } from 'react';
import type { Suppression } from '../api';
import { useConfirm } from '../confirm';
import { useApi } from '../session';
import { Time } from '../time';
import { ErrorBox, Link, Notice, Pager, TableState, useAction, usePagedList } from '../ui';

export function SuppressionsPage() {
  const api = useApi();
  const confirm = useConfirm();
  const [removed, setRemoved] = useState<Suppression>();
  const [notice, setNotice] = useState('');
  const action = useAction();
  const { error, pending, reload, rows, pager } = usePagedList(
    (after) => api.suppressions({ limit: 50, after }),
    [api],
    (s) => s.email,
  );
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
    await action.run(async () => {
      await api.removeSuppression(s.email);
      setRemoved(s);
      setNotice(`Removed ${s.email}; Mailroom will send to it again.`);
      await reload();
    });
  };
  // Undo puts the address back with its reason and scope (the link to its source email is not restored).
  const undo = async () => {
    if (!removed) return;
    await action.run(async () => {
      await api.addSuppression({ email: removed.email, reason: removed.reason, scope: removed.scope });
      setNotice(`Suppressed ${removed.email} again.`);
      setRemoved(undefined);
      await reload();
    });
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
      <ErrorBox error={error ?? action.error} />
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
      <Pager {...pager} />
    </section>
  );
}
