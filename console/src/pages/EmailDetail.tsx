import type { ReactNode } from 'react';
import { FINAL_HINT } from './shared';
import { useApi } from '../session';
import { ErrorBox, Link, StatusChip, useLoader, when } from '../ui';

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children ?? '—'}</dd>
    </>
  );
}

const list = (v: string[] | null | undefined) => (v && v.length ? v.join(', ') : '—');

export function EmailDetailPage({ id }: { id: string }) {
  const api = useApi();
  const { data: email, error } = useLoader(() => api.getEmail(id), [api, id], { intervalMs: 5000 });
  return (
    <section aria-labelledby="email-title">
      <p>
        <Link to="">← All emails</Link>
      </p>
      <h1 id="email-title">{email ? email.subject || '(no subject)' : 'Email'}</h1>
      <ErrorBox error={error} />
      {email ? (
        <div className="detail">
          <div className="panel">
            <h2>Details</h2>
            <dl className="meta">
              <Row label="Status">
                <StatusChip status={email.status} />
              </Row>
              <Row label="Id">
                <code>{email.id}</code>
              </Row>
              <Row label="From">{email.from}</Row>
              <Row label="To">{list(email.to)}</Row>
              <Row label="Cc">{list(email.cc)}</Row>
              <Row label="Bcc">{list(email.bcc)}</Row>
              <Row label="Reply-To">{list(email.reply_to)}</Row>
              <Row label="Lane">{email.lane}</Row>
              <Row label="Created">{when(email.created_at)}</Row>
              <Row label="Scheduled for">{when(email.scheduled_at)}</Row>
              <Row label="Sent">{when(email.sent_at)}</Row>
              <Row label="Attempts">{email.attempts}</Row>
              <Row label="Provider">{email.provider ?? '—'}</Row>
              <Row label="Provider message id">{email.provider_message_id ? <code>{email.provider_message_id}</code> : '—'}</Row>
              <Row label="Template">{email.template ? `${email.template.id} (version ${email.template.version})` : '—'}</Row>
              <Row label="Tags">{email.tags.length ? email.tags.map((t) => `${t.name}=${t.value}`).join(', ') : '—'}</Row>
              <Row label="Attachments">{email.attachments.length ? email.attachments.map((a) => `${a.filename} (${a.size} B)`).join(', ') : '—'}</Row>
              <Row label="Suppressed recipients">{list(email.suppressed_recipients)}</Row>
              <Row label="Last error">
                {email.last_error ? [email.last_error.class, email.last_error.code, email.last_error.message].filter(Boolean).join(' · ') : '—'}
              </Row>
            </dl>
          </div>
          <div className="column">
            <div className="panel">
              <h2 id="timeline-title">Timeline</h2>
              <ol className="timeline" aria-labelledby="timeline-title">
                {email.events.map((e, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: events are append-only, so an index never moves; two events may share time and type.
                  <li key={`${e.at}-${e.type}-${i}`}>
                    <StatusChip status={e.type} /> <time dateTime={e.at}>{when(e.at)}</time>
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
              ) : email.text ? (
                <pre className="text-preview">{email.text}</pre>
              ) : (
                <p>This email has no stored body (it is rendered from its template when sent).</p>
              )}
            </div>
          </div>
        </div>
      ) : null}
    </section>
  );
}
