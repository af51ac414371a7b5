import { useState } from 'react';
import type { Lane } from '#shared/config/lanes';
import type { RedriveResult } from '../api';
import { useConfirm } from '../confirm';
import { useApi } from '../session';
import { Time } from '../time';
import { age, count, ErrorBox, Link, LiveToggle, needsOperatorKey, Notice, OperatorOnly, StatusChip, TableState, useLoader } from '../ui';

function Dlq({ lane, onRedriven }: { lane: Lane; onRedriven: () => void }) {
  const api = useApi();
  const confirm = useConfirm();
  const { data, error, pending, reload } = useLoader(() => api.dlq(lane), [api, lane]);
  const [result, setResult] = useState<RedriveResult>();
  const [actionError, setActionError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const rows = data?.data ?? [];
  const redrive = async () => {
    const n = rows.length;
    const ok = await confirm({
      title: `Redrive the ${lane} DLQ?`,
      body: (
        <p>
          {n === 1 ? 'Its message goes' : `Its ${n}${data?.data.length === 50 ? '+' : ''} messages go`} back to the {lane} lane and will be sent (again, if a
          provider had accepted one). Redriving cannot be undone; an email that fails again returns to the DLQ.
        </p>
      ),
      confirmLabel: `Redrive ${lane}`,
      keepLabel: 'Not now',
    });
    if (!ok) return;
    setBusy(true);
    setActionError(undefined);
    try {
      setResult(await api.redrive(lane));
      onRedriven();
      await reload();
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="panel" aria-labelledby={`dlq-${lane}`}>
      <div className="title-row">
        <h2 id={`dlq-${lane}`}>Dead-letter queue: {lane}</h2>
        <button type="button" onClick={() => void redrive()} disabled={busy || !rows.length}>
          Redrive {lane} DLQ
        </button>
      </div>
      <Notice>
        {result
          ? result.kind === 'moved'
            ? `Moved ${result.moved} message${result.moved === 1 ? '' : 's'} back to the ${lane} lane.`
            : `Started an SQS move task (${result.taskHandle.slice(0, 24)}…); messages move in the background.`
          : ''}
      </Notice>
      <ErrorBox error={error ?? actionError} />
      <table className="cards">
        <caption className="sr-only">Messages in the {lane} dead-letter queue</caption>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Status now</th>
            <th scope="col">Reason</th>
            <th scope="col">Dead-lettered</th>
            <th scope="col">Age</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((m) => (
            <tr key={m.messageId} data-email-id={m.emailId}>
              <td data-label="Email" className="wrap">
                <Link to={`emails/${encodeURIComponent(m.emailId)}`}>
                  <code>{m.emailId}</code>
                </Link>
              </td>
              <td data-label="Status now">{m.status ? <StatusChip status={m.status} /> : '—'}</td>
              <td className="wrap" data-label="Reason">
                {m.reason ?? '—'}
              </td>
              <td className="nowrap" data-label="Dead-lettered">
                <Time value={m.enqueuedAt} />
              </td>
              <td data-label="Age">{age(m.ageSeconds)}</td>
            </tr>
          ))}
          <TableState columns={5} loading={pending} error={error} empty={!rows.length}>
            The {lane} DLQ is empty.
          </TableState>
        </tbody>
      </table>
    </section>
  );
}

export function LanesPage() {
  const api = useApi();
  const [live, setLive] = useState(true);
  const [open, setOpen] = useState<Lane | undefined>();
  const { data, error, pending, reload } = useLoader(() => api.lanes(), [api], { intervalMs: 5000, live });
  // A tenant key may not read lanes: say what is needed once, rather than retrying every 5 s.
  if (needsOperatorKey(error) && !data) {
    return (
      <section aria-labelledby="lanes-title">
        <h1 id="lanes-title">Lanes</h1>
        <OperatorOnly />
      </section>
    );
  }
  return (
    <section aria-labelledby="lanes-title">
      <div className="title-row">
        <h1 id="lanes-title">Lanes</h1>
        <div className="actions">
          <LiveToggle live={live} onChange={setLive} seconds={5} />
        </div>
      </div>
      <ErrorBox error={error} />
      <p className="hint">
        “Sent” and “Failed” count sends and failures in the last 60 minutes (CloudWatch in AWS, the email records locally). “Oldest” is the age of the lane’s
        oldest waiting message against the lane’s maximum.
      </p>
      <table className="cards">
        <caption className="sr-only">Lane depths and last-hour counts, by priority</caption>
        <thead>
          <tr>
            <th scope="col">Lane</th>
            <th scope="col" className="num">
              Waiting
            </th>
            <th scope="col" className="num">
              In flight
            </th>
            <th scope="col" className="num">
              Delayed
            </th>
            <th scope="col" className="num">
              Oldest (max)
            </th>
            <th scope="col" className="num">
              Sent, last hour
            </th>
            <th scope="col" className="num">
              Failed, last hour
            </th>
            <th scope="col" className="num">
              DLQ
            </th>
            <th scope="col">Dead letters</th>
          </tr>
        </thead>
        <tbody>
          {(data?.data ?? []).map((l) => (
            <tr key={l.lane} data-lane={l.lane}>
              <th scope="row">{l.lane}</th>
              <td className="num" data-label="Waiting">
                {count(l.depth)}
              </td>
              <td className="num" data-label="In flight">
                {count(l.inFlight)}
              </td>
              <td className="num" data-label="Delayed">
                {count(l.delayed)}
              </td>
              <td className={`num${l.oldestAgeSeconds !== null && l.oldestAgeSeconds > l.maxAgeSeconds ? ' over' : ''}`} data-label="Oldest (max)">
                {age(l.oldestAgeSeconds)} ({age(l.maxAgeSeconds)})
              </td>
              <td className="num" data-label="Sent, last hour">
                {count(l.sentLastHour)}
              </td>
              <td className="num" data-label="Failed, last hour" data-testid="failed-last-hour">
                {count(l.failedLastHour)}
              </td>
              <td className={`num${l.dlqDepth > 0 ? ' over' : ''}`} data-label="DLQ" data-testid="dlq-depth">
                {count(l.dlqDepth)}
              </td>
              <td data-label="Dead letters">
                <button type="button" className="secondary" aria-expanded={open === l.lane} onClick={() => setOpen(open === l.lane ? undefined : l.lane)}>
                  {open === l.lane ? `Hide ${l.lane} DLQ` : `Show ${l.lane} DLQ`}
                </button>
              </td>
            </tr>
          ))}
          <TableState columns={9} loading={pending} error={error} empty={!data?.data.length}>
            No lanes reported.
          </TableState>
        </tbody>
      </table>
      {open ? <Dlq key={open} lane={open} onRedriven={() => void reload()} /> : null}
    </section>
  );
}
