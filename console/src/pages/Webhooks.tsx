import { useEffect, useState, type FormEvent } from 'react';
import { WEBHOOK_EVENT_TYPES } from '#shared/domain/webhook';
import type { MailroomApi, WebhookAttemptView, WebhookEventSummary, WebhookSummary } from '../api';
import { useConfirm } from '../confirm';
import { navigate, setSearch, useSearchParams } from '../router';
import { ShownOnce } from '../secret';
import { useApi } from '../session';
import { Time } from '../time';
import { ErrorBox, Link, Notice, Pager, StatusChip, TableState, useAction, useLoader, usePagedList } from '../ui';

/** Checkboxes for the event types Mailroom sends (Resend's names). */
function EventPicker({ id, selected, onChange }: { id: string; selected: readonly string[]; onChange: (events: string[]) => void }) {
  const toggle = (type: string, on: boolean) => onChange(on ? [...selected, type] : selected.filter((t) => t !== type));
  return (
    <fieldset className="events" aria-describedby={`${id}-hint`}>
      <legend>Events</legend>
      <p id={`${id}-hint`} className="hint">
        The event types posted to this endpoint (at least one).
      </p>
      <div className="event-grid">
        {WEBHOOK_EVENT_TYPES.map((type) => (
          <div className="check" key={type}>
            <input id={`${id}-${type}`} type="checkbox" checked={selected.includes(type)} onChange={(e) => toggle(type, e.target.checked)} />
            <label htmlFor={`${id}-${type}`}>{type}</label>
          </div>
        ))}
      </div>
    </fieldset>
  );
}

const DEFAULT_EVENTS = ['email.sent', 'email.delivered', 'email.bounced', 'email.complained'];

function CreateWebhook({ onCreated }: { onCreated: (endpoint: string, secret: string) => void }) {
  const api = useApi();
  const [endpoint, setEndpoint] = useState('');
  const [events, setEvents] = useState<string[]>(DEFAULT_EVENTS);
  const { busy, error, run } = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const created = await api.createWebhook({ endpoint: endpoint.trim(), events });
      setEndpoint('');
      onCreated(endpoint.trim(), created.signing_secret);
    });
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="create-webhook-title">
      <h2 id="create-webhook-title">Add a webhook</h2>
      <label htmlFor="webhook-endpoint">Endpoint URL</label>
      <input
        id="webhook-endpoint"
        className="wide-input"
        type="url"
        required
        placeholder="https://example.com/webhooks/mailroom"
        value={endpoint}
        onChange={(e) => setEndpoint(e.target.value)}
        aria-describedby="webhook-endpoint-hint"
      />
      <p id="webhook-endpoint-hint" className="hint">
        An <code>https://</code> URL on a public address. Local mode (<code>npm start</code>) also accepts <code>http://127.0.0.1:&lt;port&gt;/…</code>.
      </p>
      <EventPicker id="new-webhook" selected={events} onChange={setEvents} />
      <button type="submit" disabled={busy || !endpoint.trim() || !events.length}>
        {busy ? 'Adding…' : 'Add webhook'}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

export function WebhooksPage() {
  const api = useApi();
  const confirm = useConfirm();
  const [secret, setSecret] = useState<{ endpoint: string; value: string }>();
  const [notice, setNotice] = useState('');
  const action = useAction();
  const { error, pending, reload, rows, pager } = usePagedList((after) => api.webhooks({ limit: 20, after }), [api]);

  const remove = async (w: WebhookSummary) => {
    const ok = await confirm({
      title: `Delete the webhook to ${w.endpoint}?`,
      body: <p>Mailroom stops posting events to it at once and drops its queued deliveries and its delivery log. This cannot be undone.</p>,
      confirmLabel: 'Delete webhook',
    });
    if (!ok) return;
    await action.run(async () => {
      await api.deleteWebhook(w.id);
      setNotice(`Deleted the webhook to ${w.endpoint}.`);
      await reload();
    });
  };

  return (
    <section aria-labelledby="webhooks-title">
      <h1 id="webhooks-title">Webhooks</h1>
      <p className="hint">
        Mailroom posts each subscribed event to these endpoints in Resend’s format, signed the Standard Webhooks (Svix) way — what{' '}
        <code>resend.webhooks.verify</code> checks — and retries a failing endpoint for about 27 hours.
      </p>
      {secret ? (
        <ShownOnce title="Signing secret" value={secret.value} label="signing secret" onDone={() => setSecret(undefined)}>
          Your receiver needs it to verify the signatures of deliveries to {secret.endpoint}. If you lose it, rotate the secret on the webhook’s page.
        </ShownOnce>
      ) : null}
      <Notice>{notice || null}</Notice>
      <ErrorBox error={error ?? action.error} />
      <table className="cards">
        <caption className="sr-only">Your webhooks</caption>
        <thead>
          <tr>
            <th scope="col">Endpoint</th>
            <th scope="col">Events</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((w) => (
            <tr key={w.id} data-webhook-id={w.id}>
              <td className="wrap" data-label="Endpoint">
                <Link to={`webhooks/${encodeURIComponent(w.id)}`}>{w.endpoint}</Link>
              </td>
              <td className="wrap" data-label="Events">
                {w.events.join(', ')}
              </td>
              <td data-label="Status">
                <StatusChip status={w.status} />
              </td>
              <td className="nowrap" data-label="Created">
                <Time value={w.created_at} />
              </td>
              <td data-label="Action">
                <div className="row-actions">
                  <Link to={`webhooks/${encodeURIComponent(w.id)}`} ariaLabel={`Deliveries and settings of ${w.endpoint}`}>
                    Deliveries
                  </Link>
                  <button type="button" className="danger" onClick={() => void remove(w)} aria-label={`Delete the webhook to ${w.endpoint}`}>
                    Delete
                  </button>
                </div>
              </td>
            </tr>
          ))}
          <TableState columns={5} loading={pending} error={error} empty={!rows.length}>
            No webhooks yet: add one below.
          </TableState>
        </tbody>
      </table>
      <Pager {...pager} />
      <CreateWebhook
        onCreated={(endpoint, value) => {
          setNotice('');
          setSecret({ endpoint, value });
          void reload();
        }}
      />
    </section>
  );
}

interface LogRow {
  readonly event: WebhookEventSummary;
  /** The newest attempt (the API lists them newest first), if any was made. */
  readonly last?: WebhookAttemptView;
}

/** One page of the delivery log: the events, each with its newest attempt (one small read per event that has any). */
async function loadLog(api: MailroomApi, id: string, after: string | undefined) {
  const list = await api.webhookEvents(id, { limit: 20, after });
  const rows: LogRow[] = await Promise.all(
    list.data.map(async (event) => {
      if (!event.attempts) return { event };
      const last = (await api.webhookAttempts(id, event.id, { limit: 1 })).data[0];
      return last ? { event, last } : { event };
    }),
  );
  return { list, rows };
}

const excerpt = (text: string) => (text.length > 120 ? `${text.slice(0, 119)}…` : text || '—');

export function WebhookDetailPage({ id }: { id: string }) {
  const api = useApi();
  const confirm = useConfirm();
  const params = useSearchParams();
  const cursors = params.getAll('after');
  const after = cursors.at(-1);
  const [notice, setNotice] = useState('');
  const [actionError, setActionError] = useState<unknown>();
  const [secret, setSecret] = useState<string>();
  const [events, setEvents] = useState<string[]>([]);
  const hook = useLoader(() => api.webhook(id), [api, id]);
  const webhook = hook.data;
  useEffect(() => {
    if (webhook) setEvents(webhook.events);
  }, [webhook]);
  const [live, setLive] = useState(false);
  const log = useLoader(() => loadLog(api, id, after), [api, id, after], { intervalMs: 3_000, live });
  const rows = log.data?.rows ?? [];
  // Refresh the log on its own while a delivery is still on its way (queued, or waiting for a retry).
  useEffect(() => setLive(Boolean(log.data?.rows.some((r) => r.event.status === 'pending' || r.event.status === 'attempting'))), [log.data]);

  const act = async (action: () => Promise<string | undefined>) => {
    setActionError(undefined);
    setNotice('');
    try {
      const message = await action();
      if (message) setNotice(message);
    } catch (err) {
      setActionError(err);
    }
  };
  const saveEvents = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      await api.updateWebhook(id, { events });
      await hook.reload();
      return `Saved: this webhook now receives ${events.join(', ')}.`;
    });
  };
  const setStatus = (status: 'enabled' | 'disabled') =>
    act(async () => {
      if (!webhook) return undefined;
      if (
        status === 'disabled' &&
        !(await confirm({
          title: `Disable the webhook to ${webhook.endpoint}?`,
          body: (
            <p>
              Mailroom stops posting to it: events that happen meanwhile are not sent, and deliveries still queued are marked failed (you can replay them after
              enabling it again).
            </p>
          ),
          confirmLabel: 'Disable webhook',
        }))
      )
        return undefined;
      await api.updateWebhook(id, { status });
      await hook.reload();
      return status === 'enabled' ? 'Enabled: Mailroom posts new events to it again.' : 'Disabled: Mailroom posts nothing to it until you enable it.';
    });
  const rotate = () =>
    act(async () => {
      const ok = await confirm({
        title: 'Rotate the signing secret?',
        body: (
          <p>
            Every delivery from now on is signed with a new secret, and the old one stops verifying at once. Update your receiver right after (or make it accept
            both for a while). The new secret is shown once.
          </p>
        ),
        confirmLabel: 'Rotate secret',
      });
      if (!ok) return undefined;
      const rotated = await api.rotateWebhookSecret(id);
      setSecret(rotated.signing_secret);
      return undefined;
    });
  const remove = () =>
    act(async () => {
      if (!webhook) return undefined;
      const ok = await confirm({
        title: `Delete the webhook to ${webhook.endpoint}?`,
        body: <p>Mailroom stops posting events to it at once and drops its queued deliveries and its delivery log. This cannot be undone.</p>,
        confirmLabel: 'Delete webhook',
      });
      if (!ok) return undefined;
      await api.deleteWebhook(id);
      navigate('webhooks');
      return undefined;
    });
  const replay = (row: LogRow) =>
    act(async () => {
      const ok = await confirm({
        title: `Replay this ${row.event.type} event?`,
        body: (
          <p>
            Mailroom posts it to {webhook?.endpoint ?? 'the endpoint'} again with the same id (<code>{row.event.id}</code>, the <code>webhook-id</code> header a
            receiver dedupes on), signed with the current secret, with a fresh retry budget.
          </p>
        ),
        confirmLabel: 'Replay event',
      });
      if (!ok) return undefined;
      await api.replayWebhookEvent(id, row.event.id);
      await log.reload();
      return `Replaying ${row.event.type} ${row.event.id}: it is queued for delivery.`;
    });

  const changed = webhook ? [...events].sort().join() !== [...webhook.events].sort().join() : false;
  return (
    <section aria-labelledby="webhook-title">
      <p>
        <Link to="webhooks">← Webhooks</Link>
      </p>
      <h1 id="webhook-title" className="wrap-anywhere">
        Webhook {webhook ? webhook.endpoint : ''}
      </h1>
      <ErrorBox error={hook.error} />
      {hook.pending ? <p role="status">Loading…</p> : null}
      {secret ? (
        <ShownOnce title="New signing secret" value={secret} label="signing secret" onDone={() => setSecret(undefined)}>
          Deliveries are signed with it from now on.
        </ShownOnce>
      ) : null}
      <Notice>{notice || null}</Notice>
      <ErrorBox error={actionError} />
      {webhook ? (
        <div className="detail">
          <section className="panel column" aria-labelledby="webhook-settings">
            <h2 id="webhook-settings">Settings</h2>
            <dl className="meta">
              <dt>Endpoint</dt>
              <dd>
                <code>{webhook.endpoint}</code>
              </dd>
              <dt>Status</dt>
              <dd>
                <StatusChip status={webhook.status} />
                {webhook.disabled_reason ? <span className="event-detail">{webhook.disabled_reason}</span> : null}
              </dd>
              <dt>Created</dt>
              <dd>
                <Time value={webhook.created_at} />
              </dd>
              <dt>Id</dt>
              <dd>
                <code>{webhook.id}</code>
              </dd>
            </dl>
            <div className="actions spaced">
              {webhook.status === 'enabled' ? (
                <button type="button" className="secondary" onClick={() => void setStatus('disabled')}>
                  Disable
                </button>
              ) : (
                <button type="button" onClick={() => void setStatus('enabled')}>
                  Enable
                </button>
              )}
              <button type="button" className="secondary" onClick={() => void rotate()}>
                Rotate secret
              </button>
              <button type="button" className="danger" onClick={() => void remove()}>
                Delete
              </button>
            </div>
          </section>
          <form className="panel column" onSubmit={saveEvents} aria-labelledby="webhook-events">
            <h2 id="webhook-events">Subscribed events</h2>
            <EventPicker id="edit-webhook" selected={events} onChange={setEvents} />
            <button type="submit" disabled={!changed || !events.length}>
              Save events
            </button>
          </form>
        </div>
      ) : null}
      <div className="title-row">
        <h2 id="deliveries-title">Delivery log</h2>
        <button type="button" className="secondary" onClick={() => void log.reload()} disabled={log.loading}>
          {log.loading ? 'Refreshing…' : 'Refresh now'}
        </button>
      </div>
      <p className="hint">
        Newest first; each event with its latest attempt (status code 0: no answer — a timeout, a refused connection or a refused address). Kept 30 days.
        {live ? ' Refreshing every 3 s while a delivery is on its way.' : ''}
      </p>
      <ErrorBox error={log.error} />
      <table className="cards" aria-labelledby="deliveries-title">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Attempts
            </th>
            <th scope="col" className="num">
              Last code
            </th>
            <th scope="col" className="num">
              Latency
            </th>
            <th scope="col">Response</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.event.id} data-event-id={row.event.id} data-type={row.event.type}>
              <td className="nowrap" data-label="When">
                <Time value={row.event.created_at} />
              </td>
              <td className="wrap" data-label="Event">
                {row.event.type}
              </td>
              <td data-label="Status">
                <StatusChip status={row.event.status} />
                {row.event.next_attempt_at ? (
                  <span className="event-detail">
                    next try <Time value={row.event.next_attempt_at} />
                  </span>
                ) : null}
              </td>
              <td className="num" data-label="Attempts">
                {row.event.attempts}
              </td>
              <td className="num" data-label="Last code">
                {row.last ? row.last.http_status_code : '—'}
              </td>
              <td className="num" data-label="Latency">
                {row.last ? `${row.last.latency_ms} ms` : '—'}
              </td>
              <td className="wrap" data-label="Response" title={row.last?.response}>
                {row.last ? <code>{excerpt(row.last.response)}</code> : '—'}
              </td>
              <td data-label="Action">
                <button type="button" className="secondary" onClick={() => void replay(row)} aria-label={`Replay ${row.event.type} ${row.event.id}`}>
                  Replay
                </button>
              </td>
            </tr>
          ))}
          <TableState columns={8} loading={log.pending} error={log.error} empty={!rows.length}>
            No events delivered to this webhook yet.
          </TableState>
        </tbody>
      </table>
      <Pager
        cursors={cursors}
        onChange={(pages) => setSearch({ after: pages })}
        nextCursor={log.data?.list.has_more ? log.data.list.data.at(-1)?.id : undefined}
      />
    </section>
  );
}
