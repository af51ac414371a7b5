import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { parseHeaderBlock } from '#shared/rendering/header-block';
import type { EmailView } from '../api';
import { useConfirm } from '../confirm';
import { RescheduleForm } from '../reschedule';
import { useApi } from '../session';
import { Time } from '../time';
import { CopyButton, ErrorBox, Link, Notice, StatusChip, useLoader } from '../ui';
import { useCancelEmail } from './Scheduled';
import { FINAL_HINT } from './shared';

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children ?? '—'}</dd>
    </>
  );
}

/** One entry of `provider_attempts`: `ambiguous` means that provider may have the message. */
type ProviderAttempt = EmailView['provider_attempts'][number];

/** Every provider attempt, so an operator sees "SES may have it" before resending or redriving. */
function ProviderAttempts({ attempts }: { attempts: readonly ProviderAttempt[] }) {
  return (
    <div className="panel">
      <h2 id="attempts-title">Provider attempts</h2>
      {attempts.length ? (
        <table className="attempts cards" aria-labelledby="attempts-title">
          <thead>
            <tr>
              <th scope="col">At</th>
              <th scope="col">Provider</th>
              <th scope="col">Outcome</th>
              <th scope="col">Code / note</th>
            </tr>
          </thead>
          <tbody>
            {attempts.map((a, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: attempts are append-only; two may share provider and second.
              <tr key={`${a.at}-${a.provider}-${i}`} data-outcome={a.outcome}>
                <td className="nowrap" data-label="At">
                  <Time value={a.at} />
                </td>
                <td data-label="Provider">{a.provider}</td>
                <td data-label="Outcome">
                  <StatusChip status={a.outcome} />
                </td>
                <td className="wrap" data-label="Code / note">
                  {[a.code, a.note].filter(Boolean).join(' · ') || '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>No provider has been asked to send this email yet.</p>
      )}
      {attempts.some((a) => a.outcome === 'ambiguous') ? (
        <p className="hint" role="note">
          An ambiguous attempt means that provider may have accepted the message: Mailroom sends it through that provider only, so it is never sent twice.
        </p>
      ) : null}
    </div>
  );
}

const list = (v: string[] | null | undefined) => (v?.length ? v.join(', ') : '—');

/** Headers the API may return (raw `headers`, or none yet): always shown with the addressing ones. */
function headersOf(email: EmailView): Array<[string, string]> {
  const view = email as EmailView & { headers?: Record<string, string> | null; message_id?: string | null };
  const extra = view.headers ?? {};
  const base: Array<[string, string | null | undefined]> = [
    ['Message-ID', view.message_id],
    ['From', email.from],
    ['To', email.to.join(', ')],
    ['Cc', email.cc?.join(', ')],
    ['Reply-To', email.reply_to?.join(', ')],
    ['Subject', email.subject],
  ];
  return [...base, ...Object.entries(extra)].filter((h): h is [string, string] => typeof h[1] === 'string' && h[1] !== '');
}

/** The body for `POST /emails` that sends this email again as a new one; undefined when it cannot be rebuilt. */
function resendBody(email: EmailView): Record<string, unknown> | undefined {
  if (!email.html && !email.text) return undefined;
  return {
    from: email.from,
    to: email.to,
    ...(email.cc ? { cc: email.cc } : {}),
    ...(email.bcc ? { bcc: email.bcc } : {}),
    ...(email.reply_to ? { reply_to: email.reply_to } : {}),
    subject: email.subject ?? '',
    ...(email.html ? { html: email.html } : {}),
    ...(email.text ? { text: email.text } : {}),
    tags: [...email.tags.filter((t) => t.name !== 'resent_from'), { name: 'resent_from', value: email.id }],
  };
}

function Actions({ email, onChanged }: { email: EmailView; onChanged: () => void }) {
  const api = useApi();
  const confirm = useConfirm();
  const [notice, setNotice] = useState<ReactNode>('');
  const [error, setError] = useState<unknown>();
  const [suppressed, setSuppressed] = useState<string>();
  const recipients = [...email.to, ...(email.cc ?? []), ...(email.bcc ?? [])];
  const [target, setTarget] = useState(recipients[0] ?? '');
  const done = (message: ReactNode) => {
    setNotice(message);
    setError(undefined);
    onChanged();
  };
  const cancel = useCancelEmail(done, setError);
  const body = resendBody(email);
  const resend = async () => {
    if (!body) return;
    const ok = await confirm({
      title: 'Send this email again?',
      body: <p>A new email with the same content goes to {recipients.join(', ')} now. The original stays as it is.</p>,
      confirmLabel: 'Send again',
      keepLabel: 'Do not send',
    });
    if (!ok) return;
    try {
      const { id } = await api.sendEmail(body);
      done(
        <>
          Sent again as a new email: <Link to={`emails/${encodeURIComponent(id)}`}>open it</Link>.
        </>,
      );
    } catch (err) {
      setError(err);
    }
  };
  const suppress = async () => {
    if (!target) return;
    const ok = await confirm({
      title: `Suppress ${target}?`,
      body: <p>Mailroom stops sending anything to {target} (every lane) until it is removed from the suppression list. You can undo this right after.</p>,
      confirmLabel: 'Suppress',
    });
    if (!ok) return;
    try {
      await api.addSuppression({ email: target, reason: 'manual', scope: 'all' });
      setSuppressed(target);
      done(`Suppressed ${target}.`);
    } catch (err) {
      setError(err);
    }
  };
  const undoSuppress = async () => {
    if (!suppressed) return;
    try {
      await api.removeSuppression(suppressed);
      setSuppressed(undefined);
      done(`Removed ${suppressed} from the suppression list again.`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="panel" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      <div className="row-actions">
        {email.status === 'scheduled' ? (
          <button type="button" className="danger" onClick={() => void cancel(email)}>
            Cancel email
          </button>
        ) : null}
        <button type="button" className="secondary" onClick={() => void resend()} disabled={!body} title={body ? undefined : 'No stored content to send again'}>
          Resend as new email
        </button>
        {recipients.length > 1 ? (
          <>
            <label htmlFor="suppress-target" className="sr-only">
              Recipient to suppress
            </label>
            <select id="suppress-target" value={target} onChange={(e) => setTarget(e.target.value)}>
              {recipients.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </>
        ) : null}
        <button type="button" className="danger" onClick={() => void suppress()} disabled={!target}>
          Suppress {recipients.length > 1 ? 'recipient' : target}
        </button>
      </div>
      {email.status === 'scheduled' ? (
        <div className="reschedule-block">
          <h3>Reschedule</h3>
          <RescheduleForm email={email} onDone={done} />
        </div>
      ) : null}
      <Notice>
        {notice ? (
          <>
            {notice}{' '}
            {suppressed ? (
              <button type="button" className="secondary small" onClick={() => void undoSuppress()}>
                Undo
              </button>
            ) : null}
          </>
        ) : null}
      </Notice>
      <ErrorBox error={error} />
    </section>
  );
}

/** Has a provider been handed (or nearly handed) this email's message? Only then does `GET /emails/{id}/raw` have one. */
const reachedProvider = (email: EmailView) => Boolean(email.sent_at) || email.provider_attempts.length > 0;

/**
 * The message's header block, read from `GET /emails/{id}/raw` (rebuilt with the sender's own
 * composer), and the raw MIME as a download. Before any send attempt there is no message yet: the
 * addressing headers it will carry are shown instead.
 */
function MessageHeaders({ email }: { email: EmailView }) {
  const api = useApi();
  const built = reachedProvider(email);
  // Asked again only when a send changed the message (not on every refresh of the page).
  const version = `${email.id}|${email.sent_at ?? ''}|${email.provider_attempts.length}`;
  const { data: raw, error } = useLoader(() => (built ? api.rawEmail(email.id) : Promise.resolve(undefined)), [api, version, built]);
  const download = useMemo(() => (raw ? URL.createObjectURL(new Blob([raw], { type: 'message/rfc822' })) : undefined), [raw]);
  useEffect(() => () => (download ? URL.revokeObjectURL(download) : undefined), [download]);
  // Without the message (not sent yet, or it could not be rebuilt): the addressing headers from the email itself.
  const headers = raw ? parseHeaderBlock(raw) : built && !error ? [] : headersOf(email);
  return (
    <div className="panel">
      <h2 id="headers-title">Headers</h2>
      <ErrorBox error={error} />
      {built && !raw && !error ? <p role="status">Loading the message…</p> : null}
      <dl className="meta headers" aria-labelledby="headers-title" data-source={raw ? 'raw' : 'stored'}>
        {headers.map(([name, value], i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a header name may repeat (Received…); the block's order never changes.
          <Row key={`${name}-${i}`} label={name}>
            <code>{value}</code>
          </Row>
        ))}
      </dl>
      {download ? (
        <p>
          <a className="button secondary" href={download} download={`${email.id}.eml`}>
            Download raw MIME (.eml)
          </a>
        </p>
      ) : null}
      <p className="hint">
        {built
          ? 'Rebuilt from the stored email with the sender’s own composer: the message as sent, except its MIME boundaries (and, on marketing and bulk mail, the one-click unsubscribe headers, whose link is signed per send).'
          : 'Not sent yet: the full header block and the raw MIME exist once the email is handed to a provider. These are the addressing headers it will carry.'}
      </p>
    </div>
  );
}

export function EmailDetailPage({ id }: { id: string }) {
  const api = useApi();
  const { data: email, error, reload } = useLoader(() => api.getEmail(id), [api, id], { intervalMs: 5000 });
  const title = email ? email.subject || (email.template ? `(template ${email.template.id}, not rendered yet)` : '(no subject)') : 'Email';
  return (
    <section aria-labelledby="email-title">
      <p>
        <Link to="emails">← All emails</Link>
      </p>
      <h1 id="email-title">{title}</h1>
      <ErrorBox error={error} />
      {!email && !error ? <p role="status">Loading…</p> : null}
      {email ? (
        <div className="detail">
          <div className="column">
            <div className="panel">
              <h2>Details</h2>
              <dl className="meta">
                <Row label="Status">
                  <StatusChip status={email.status} />
                </Row>
                <Row label="Id">
                  <span className="copyable">
                    <code data-testid="email-id">{email.id}</code> <CopyButton value={email.id} label="email id" />
                  </span>
                </Row>
                <Row label="From">{email.from}</Row>
                <Row label="To">{list(email.to)}</Row>
                <Row label="Cc">{list(email.cc)}</Row>
                <Row label="Bcc">{list(email.bcc)}</Row>
                <Row label="Reply-To">{list(email.reply_to)}</Row>
                <Row label="Lane">{email.lane}</Row>
                <Row label="Created">
                  <Time value={email.created_at} />
                </Row>
                <Row label="Scheduled for">
                  <Time value={email.scheduled_at} />
                </Row>
                <Row label="Sent">
                  <Time value={email.sent_at} />
                </Row>
                <Row label="Attempts">{email.attempts}</Row>
                <Row label="Provider">{email.provider ?? '—'}</Row>
                <Row label="Provider message id">
                  {email.provider_message_id ? (
                    <span className="copyable">
                      <code>{email.provider_message_id}</code> <CopyButton value={email.provider_message_id} label="provider message id" />
                    </span>
                  ) : (
                    '—'
                  )}
                </Row>
                <Row label="Template">
                  {email.template ? (
                    <>
                      <code>{email.template.id}</code>, version {String(email.template.version)}
                    </>
                  ) : (
                    '—'
                  )}
                </Row>
                <Row label="Tags">{email.tags.length ? email.tags.map((t) => `${t.name}=${t.value}`).join(', ') : '—'}</Row>
                <Row label="Attachments">{email.attachments.length ? email.attachments.map((a) => `${a.filename} (${a.size} B)`).join(', ') : '—'}</Row>
                <Row label="Suppressed recipients">{list(email.suppressed_recipients)}</Row>
                <Row label="Last error">
                  {email.last_error ? [email.last_error.class, email.last_error.code, email.last_error.message].filter(Boolean).join(' · ') : '—'}
                </Row>
              </dl>
            </div>
            <ProviderAttempts attempts={email.provider_attempts} />
            <Actions email={email} onChanged={() => void reload()} />
          </div>
          <div className="column">
            <div className="panel">
              <h2 id="timeline-title">Timeline</h2>
              <ol className="timeline" aria-labelledby="timeline-title">
                {email.events.map((e, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: events are append-only, so an index never moves; two events may share time and type.
                  <li key={`${e.at}-${e.type}-${i}`}>
                    <StatusChip status={e.type} /> <Time value={e.at} />
                    {e.detail && Object.keys(e.detail).length ? <code className="event-detail">{JSON.stringify(e.detail)}</code> : null}
                  </li>
                ))}
              </ol>
              <p className="hint">{FINAL_HINT}</p>
            </div>
            <div className="panel">
              <h2>Preview</h2>
              {email.html ? (
                // No scripts, no forms, no same-origin access; the CSP keeps remote images (tracking pixels) from loading.
                <iframe className="preview" title="Email preview" sandbox="" srcDoc={email.html} />
              ) : email.text ? null : (
                <p>
                  {email.template ? 'Not rendered yet: the content appears once the template has been rendered for sending.' : 'This email has no stored body.'}
                </p>
              )}
              {email.text ? (
                <details open={!email.html}>
                  <summary>Plain-text part</summary>
                  <pre className="text-preview" data-testid="text-part">
                    {email.text}
                  </pre>
                </details>
              ) : null}
            </div>
            <MessageHeaders email={email} />
          </div>
        </div>
      ) : null}
    </section>
  );
}
