import { useState } from 'react';
import type { EmailSummary } from '../api';
import { useConfirm } from '../confirm';
import { RescheduleForm } from '../reschedule';
import { useApi } from '../session';
import { Time, useZone, zoneName } from '../time';
import { ErrorBox, Link, Notice, TableState, useLoader } from '../ui';

/** Asks first, then cancels; a canceled email cannot be scheduled again (it is final). */
export function useCancelEmail(onDone: (message: string) => void, onError: (error: unknown) => void) {
  const api = useApi();
  const confirm = useConfirm();
  return async (email: Pick<EmailSummary, 'id' | 'subject' | 'to' | 'scheduled_at'>) => {
    const name = email.subject || email.id;
    const ok = await confirm({
      title: `Cancel “${name}”?`,
      body: <p>It will not be sent to {email.to.join(', ')}. This cannot be undone: to send it later, send it again as a new email.</p>,
      confirmLabel: 'Cancel email',
      keepLabel: 'Keep it scheduled',
    });
    if (!ok) return;
    try {
      await api.cancelEmail(email.id);
      onDone(`Canceled “${name}”.`);
    } catch (err) {
      onError(err);
    }
  };
}

export function ScheduledPage() {
  const api = useApi();
  const { zone } = useZone();
  const [notice, setNotice] = useState('');
  const [actionError, setActionError] = useState<unknown>();
  const { data, error, pending, reload } = useLoader(() => api.listEmails({ status: 'scheduled', limit: 100 }), [api], { intervalMs: 10_000 });
  // Soonest first: the API lists newest-created first.
  const rows = [...(data?.data ?? [])].sort((a, b) => (a.scheduled_at ?? '').localeCompare(b.scheduled_at ?? ''));
  const done = (message: string) => {
    setNotice(message);
    setActionError(undefined);
    void reload();
  };
  const cancel = useCancelEmail(done, setActionError);
  return (
    <section aria-labelledby="scheduled-title">
      <div className="title-row">
        <h1 id="scheduled-title">Scheduled</h1>
        <button type="button" className="secondary" onClick={() => void reload()}>
          Refresh now
        </button>
      </div>
      <p>
        Upcoming sends, soonest first. Cancel one, or give it a new time: words such as “in 2 hours” or “tomorrow at 9am”, or a date such as 2026-12-24 09:00,
        read in <strong>{zoneName(zone)}</strong> (switch with the UTC button at the top).
      </p>
      <Notice>{notice}</Notice>
      <ErrorBox error={error ?? actionError} />
      <table className="cards">
        <caption className="sr-only">Scheduled emails</caption>
        <thead>
          <tr>
            <th scope="col">Send at</th>
            <th scope="col">To</th>
            <th scope="col">Subject</th>
            <th scope="col">Lane</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((e) => (
            <tr key={e.id} data-email-id={e.id}>
              <td className="nowrap" data-label="Send at">
                <Time value={e.scheduled_at} />
              </td>
              <td className="wrap" data-label="To">
                {e.to.join(', ')}
              </td>
              <td className="wrap" data-label="Subject">
                <Link to={`emails/${encodeURIComponent(e.id)}`}>{e.subject || '(no subject)'}</Link>
              </td>
              <td data-label="Lane">{e.lane}</td>
              <td data-label="Actions">
                <div className="row-actions">
                  <button type="button" className="danger" onClick={() => void cancel(e)} aria-label={`Cancel “${e.subject ?? e.id}”`}>
                    Cancel
                  </button>
                  <RescheduleForm email={e} onDone={done} />
                </div>
              </td>
            </tr>
          ))}
          <TableState columns={5} loading={pending} error={error} empty={!rows.length}>
            Nothing is scheduled.
          </TableState>
        </tbody>
      </table>
    </section>
  );
}
