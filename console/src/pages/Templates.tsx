import { useEffect, useState, type FormEvent } from 'react';
import type { Template, TemplatePreview } from '../api';
import { useApi } from '../session';
import { Time } from '../time';
import { ErrorBox, Link, Notice, StatusChip, TableState, useLoader } from '../ui';

function TemplateWorkbench({ template }: { template: Template }) {
  const api = useApi();
  const [variables, setVariables] = useState(() => JSON.stringify(template.sample ?? {}, null, 2));
  const [preview, setPreview] = useState<TemplatePreview>();
  const [error, setError] = useState<unknown>();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [sent, setSent] = useState<string>();
  useEffect(() => {
    setVariables(JSON.stringify(template.sample ?? {}, null, 2));
    setPreview(undefined);
    setSent(undefined);
  }, [template]);

  const parsed = (): Record<string, unknown> => {
    const value = JSON.parse(variables || '{}') as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('Sample data must be a JSON object.');
    return value as Record<string, unknown>;
  };
  const render = async (e?: FormEvent) => {
    e?.preventDefault();
    setError(undefined);
    try {
      setPreview(await api.renderTemplate(template.id, parsed()));
    } catch (err) {
      setError(err);
    }
  };
  const sendTest = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setSent(undefined);
    try {
      const { id } = await api.sendEmail({
        from: from.trim(),
        to: to.trim(),
        template: { id: template.id, variables: parsed() },
        tags: [{ name: 'console', value: 'test' }],
      });
      setSent(id);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="panel" aria-labelledby="workbench-title">
      <h2 id="workbench-title">Template “{template.name || template.id}”</h2>
      <div className="split">
        <div>
          <form onSubmit={render}>
            <label htmlFor="template-variables">Sample data (JSON)</label>
            <textarea id="template-variables" rows={10} spellCheck={false} value={variables} onChange={(e) => setVariables(e.target.value)} />
            <button type="submit">Render preview</button>
          </form>
          <form onSubmit={sendTest} className="send-test">
            <h3>Send a test</h3>
            <label htmlFor="test-from">From</label>
            <input id="test-from" type="text" required placeholder="Mailroom <hello@example.com>" value={from} onChange={(e) => setFrom(e.target.value)} />
            <label htmlFor="test-to">To</label>
            <input id="test-to" type="email" required placeholder="you@example.org" value={to} onChange={(e) => setTo(e.target.value)} />
            <button type="submit">Send test email</button>
          </form>
          <Notice>
            {sent ? (
              <>
                Test email accepted: <Link to={`emails/${encodeURIComponent(sent)}`}>open it</Link>.
              </>
            ) : null}
          </Notice>
          <ErrorBox error={error} />
        </div>
        <div>
          {preview ? (
            <>
              <p>
                <strong>Subject:</strong> <span data-testid="preview-subject">{preview.subject}</span> <small>(version {String(preview.version)})</small>
              </p>
              <iframe className="preview" title="Template preview" sandbox="" srcDoc={preview.html} />
            </>
          ) : (
            <p className="hint">Render a preview to see the email with this sample data.</p>
          )}
        </div>
      </div>
    </section>
  );
}

export function TemplatesPage() {
  const api = useApi();
  const [after, setAfter] = useState<string>();
  const [selected, setSelected] = useState<Template>();
  const { data, error, pending } = useLoader(() => api.templates({ limit: 50, after }), [api, after]);
  const rows = data?.data ?? [];
  return (
    <section aria-labelledby="templates-title">
      <h1 id="templates-title">Templates</h1>
      <ErrorBox error={error} />
      <table className="cards">
        <caption className="sr-only">Your templates</caption>
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Lane</th>
            <th scope="col">Updated</th>
            <th scope="col">Preview</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((t) => (
            <tr key={t.id}>
              <td data-label="Id" className="wrap">
                <code>{t.id}</code>
              </td>
              <td className="wrap" data-label="Name">
                {t.name}
              </td>
              <td data-label="Status">
                <StatusChip status={t.status} /> {t.published_version ? `v${t.published_version}` : ''}
              </td>
              <td data-label="Lane">{t.lane ?? '—'}</td>
              <td className="nowrap" data-label="Updated">
                <Time value={t.updated_at} />
              </td>
              <td data-label="Preview">
                <button type="button" className="secondary" aria-pressed={selected?.id === t.id} onClick={() => setSelected(t)}>
                  Open {t.id}
                </button>
              </td>
            </tr>
          ))}
          <TableState columns={6} loading={pending} error={error} empty={!rows.length}>
            No tenant templates yet (create them with the API or `mailroom templates`).
          </TableState>
        </tbody>
      </table>
      {data?.has_more && data.next_cursor ? (
        <nav className="pager" aria-label="Pages">
          <button type="button" className="secondary" onClick={() => setAfter(data.next_cursor)}>
            More templates →
          </button>
        </nav>
      ) : null}
      {selected ? <TemplateWorkbench template={selected} /> : null}
    </section>
  );
}
