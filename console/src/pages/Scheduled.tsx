import { useState, type FormEvent } from 'react';
import type { EmailSummary } from '../api';
import { useApi } from '../session';
import { EmptyRow, ErrorBox, Link, Notice, useLoader, when } from '../ui';

function RescheduleForm({ email, onDone }: { email: EmailSummary; onDone: (message: string) => void }) {
  const api = useApi();
  const [value, setValue] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const id = `reschedule-${email.id}`;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.rescheduleEmail(email.id, value.trim());
      setValue('');
      onDone(`Rescheduled “${email.subject ?? email.id}”.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="inline" onSubmit={submit}>
      <label htmlFor={id} className="sr-only">
        New send time for {email.subject ?? email.id}
      </label>
      <input id={id} type="text" placeholder="e.g. in 2 hours" value={value} onChange={(e) => setValue(e.target.value)} required />
      <button type="submit" className="secondary" disabled={busy || !value.trim()}>
        Reschedule
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

export function ScheduledPage() {
  const api = useApi();
  const [notice, setNotice] = useState('');
  const [actionError, setActionError] = useState<unknown>();
  const { data, error, loading, reload } = useLoader(() => api.listEmails({ status: 'scheduled', limit: 100 }), [api], { intervalMs: 10_000 });
  // Soonest first: the API lists newest-created first.
  const rows = [...(data?.data ?? [])].sort((a, b) => (a.scheduled_at ?? '').localeCompare(b.scheduled_at ?? ''));
  const done = (message: string) => {
    setNotice(message);
    setActionError(undefined);
    void reload();
  };
  const cancel = async (email: EmailSummary) => {
    try {
      await api.cancelEmail(email.id);
      done(`Canceled “${email.subject ?? email.id}”.`);
    } catch (err) {
      setActionError(err);
    }
  };
  return (
    <section aria-labelledby="scheduled-title">
      <div className="title-row">
        <h1 id="scheduled-title">Scheduled</h1>
        <button type="button" className="secondary" onClick={() => void reload()}>
          Refresh now
        </button>
      </div>
      <p>Upcoming sends, soonest first. Cancel one, or give it a new time (an ISO date or words such as “in 2 hours”).</p>
      <Notice>{notice}</Notice>
      <ErrorBox error={error ?? actionError} />
      <table>
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
              <td className="nowrap">{when(e.scheduled_at)}</td>
              <td className="wrap">{e.to.join(', ')}</td>
              <td className="wrap">
                <Link to={`emails/${encodeURIComponent(e.id)}`}>{e.subject || '(no subject)'}</Link>
              </td>
              <td>{e.lane}</td>
              <td>
                <div className="row-actions">
                  <button type="button" className="danger" onClick={() => void cancel(e)} aria-label={`Cancel “${e.subject ?? e.id}”`}>
                    Cancel
                  </button>
                  <RescheduleForm email={e} onDone={done} />
                </div>
              </td>
            </tr>
          ))}
          <EmptyRow show={!rows.length && !loading} columns={5}>
            Nothing is scheduled.
          </EmptyRow>
        </tbody>
      </table>
    </section>
  );
}
