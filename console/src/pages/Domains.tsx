import { useEffect, useState, type FormEvent } from 'react';
import type { DomainView } from '../api';
import { useConfirm } from '../confirm';
import { navigate } from '../router';
import { useApi } from '../session';
import { Time } from '../time';
import { CopyButton, ErrorBox, Link, Notice, Pager, StatusChip, TableState, useAction, useLoader, usePagedList } from '../ui';

const tracking = (d: { open_tracking: boolean; click_tracking: boolean }) =>
  [d.open_tracking ? 'opens' : '', d.click_tracking ? 'clicks' : ''].filter(Boolean).join(', ') || 'off';

function AddDomain() {
  const api = useApi();
  const [name, setName] = useState('');
  const { busy, error, run } = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const created = await api.createDomain({ name: name.trim() });
      // Its page shows the DNS records to publish.
      navigate(`domains/${encodeURIComponent(created.id)}`);
    });
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="add-domain-title">
      <h2 id="add-domain-title">Add a domain</h2>
      <label htmlFor="domain-name">Domain name</label>
      <div className="find-row">
        <input
          id="domain-name"
          type="text"
          required
          autoComplete="off"
          spellCheck={false}
          placeholder="mail.example.com"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit" disabled={busy || !name.trim()}>
          {busy ? 'Adding…' : 'Add domain'}
        </button>
      </div>
      <p className="hint">Mailroom creates the SES identity (Easy DKIM, a custom MAIL FROM) and shows the DNS records to publish.</p>
      <ErrorBox error={error} />
    </form>
  );
}

export function DomainsPage() {
  const api = useApi();
  const { error, pending, rows, pager } = usePagedList((after) => api.domains({ limit: 20, after }), [api]);
  return (
    <section aria-labelledby="domains-title">
      <h1 id="domains-title">Domains</h1>
      <p className="hint">
        The domains you send from. Once a domain is verified, mail from addresses at it is DKIM-signed, and only your verified domains (and your allow-list) may
        be used as senders.
      </p>
      <ErrorBox error={error} />
      <table className="cards">
        <caption className="sr-only">Your sending domains</caption>
        <thead>
          <tr>
            <th scope="col">Domain</th>
            <th scope="col">Status</th>
            <th scope="col">Region</th>
            <th scope="col">Tracking</th>
            <th scope="col">Added</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((d) => (
            <tr key={d.id} data-domain={d.name}>
              <td className="wrap" data-label="Domain">
                <Link to={`domains/${encodeURIComponent(d.id)}`}>{d.name}</Link>
              </td>
              <td data-label="Status">
                <StatusChip status={d.status} />
              </td>
              <td data-label="Region">{d.region}</td>
              <td data-label="Tracking">{tracking(d)}</td>
              <td className="nowrap" data-label="Added">
                <Time value={d.created_at} />
              </td>
            </tr>
          ))}
          <TableState columns={5} loading={pending} error={error} empty={!rows.length}>
            No domains yet: add one below.
          </TableState>
        </tbody>
      </table>
      <Pager {...pager} />
      <AddDomain />
    </section>
  );
}

function Settings({ domain, onSaved }: { domain: DomainView; onSaved: (message: string) => Promise<void> }) {
  const api = useApi();
  const [open, setOpen] = useState(domain.open_tracking);
  const [click, setClick] = useState(domain.click_tracking);
  const [tls, setTls] = useState(domain.tls);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    setOpen(domain.open_tracking);
    setClick(domain.click_tracking);
    setTls(domain.tls);
  }, [domain]);
  const changed = open !== domain.open_tracking || click !== domain.click_tracking || tls !== domain.tls;
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      await api.updateDomain(domain.id, { open_tracking: open, click_tracking: click, tls });
      await onSaved(`Saved: open tracking ${open ? 'on' : 'off'}, click tracking ${click ? 'on' : 'off'}, TLS ${tls}.`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="panel column" onSubmit={save} aria-labelledby="domain-settings-title">
      <h2 id="domain-settings-title">Tracking and TLS</h2>
      <div className="check">
        <input id="open-tracking" type="checkbox" checked={open} onChange={(e) => setOpen(e.target.checked)} />
        <label htmlFor="open-tracking">Open tracking (a pixel in HTML mail)</label>
      </div>
      <div className="check">
        <input id="click-tracking" type="checkbox" checked={click} onChange={(e) => setClick(e.target.checked)} />
        <label htmlFor="click-tracking">Click tracking (links rewritten)</label>
      </div>
      <fieldset className="events">
        <legend>TLS</legend>
        <div className="check">
          <input id="tls-opportunistic" type="radio" name="tls" checked={tls === 'opportunistic'} onChange={() => setTls('opportunistic')} />
          <label htmlFor="tls-opportunistic">Opportunistic: TLS when the receiving server offers it</label>
        </div>
        <div className="check">
          <input id="tls-enforced" type="radio" name="tls" checked={tls === 'enforced'} onChange={() => setTls('enforced')} />
          <label htmlFor="tls-enforced">Enforced: deliver only over TLS</label>
        </div>
      </fieldset>
      <p className="hint">Applies to mail from this domain once it is verified, within about 30 s (the senders’ tenant cache).</p>
      <button type="submit" disabled={!changed}>
        Save settings
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

export function DomainDetailPage({ id }: { id: string }) {
  const api = useApi();
  const confirm = useConfirm();
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>();
  const { data: domain, error, pending, reload } = useLoader(() => api.domain(id), [api, id]);

  const verify = async () => {
    setBusy(true);
    setActionError(undefined);
    setNotice('');
    try {
      await api.verifyDomain(id);
      const after = await api.domain(id);
      await reload();
      setNotice(
        after.status === 'verified'
          ? `${after.name} is verified: you can send from it.`
          : `${after.name} is ${after.status.replace(/_/g, ' ')}: ${after.status === 'partially_verified' ? 'DKIM is found (mail can be sent); the MAIL FROM records are not yet.' : 'the DNS records are not found yet. DNS changes can take a while; SES keeps checking for 72 hours.'}`,
      );
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    if (!domain) return;
    const ok = await confirm({
      title: `Delete ${domain.name}?`,
      body: (
        <p>
          Mailroom deletes its SES identity. Mail from addresses at {domain.name} is no longer DKIM-signed for you, and it stops counting as one of your
          verified sender domains. Adding it again issues new DKIM records. This cannot be undone.
        </p>
      ),
      confirmLabel: 'Delete domain',
    });
    if (!ok) return;
    setActionError(undefined);
    try {
      await api.deleteDomain(id);
      navigate('domains');
    } catch (err) {
      setActionError(err);
    }
  };

  return (
    <section aria-labelledby="domain-title">
      <p>
        <Link to="domains">← Domains</Link>
      </p>
      <h1 id="domain-title" className="wrap-anywhere">
        {domain ? domain.name : 'Domain'} {domain ? <StatusChip status={domain.status} /> : null}
      </h1>
      <ErrorBox error={error} />
      {pending ? <p role="status">Loading…</p> : null}
      <Notice>{notice || null}</Notice>
      <ErrorBox error={actionError} />
      {domain ? (
        <>
          {domain.status !== 'verified' ? (
            <p className="notice-info" data-testid="local-verify-hint">
              Publish the records below at your DNS provider, then press <strong>Verify</strong>. Running Mailroom locally (<code>npm start</code>)? There is no
              DNS to publish: mark it verified with <code>npm run mailroom -- domains verify {domain.name}</code>, then press Verify.
            </p>
          ) : null}
          <div className="title-row">
            <h2 id="records-title">DNS records</h2>
            <div className="actions">
              <button type="button" onClick={() => void verify()} disabled={busy}>
                {busy ? 'Checking…' : 'Verify'}
              </button>
            </div>
          </div>
          <p className="hint">
            Names are relative to {domain.name} (some DNS providers want the full name, e.g. the MX record’s at send.{domain.name}).
          </p>
          <table className="cards" aria-labelledby="records-title">
            <thead>
              <tr>
                <th scope="col">Record</th>
                <th scope="col">Type</th>
                <th scope="col">Name</th>
                <th scope="col">Value</th>
                <th scope="col" className="num">
                  Priority
                </th>
                <th scope="col">TTL</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {domain.records.map((r) => (
                <tr key={`${r.type} ${r.name} ${r.value}`} data-record={r.record} data-type={r.type}>
                  <td data-label="Record">{r.record}</td>
                  <td data-label="Type">{r.type}</td>
                  <td className="wrap" data-label="Name">
                    <span className="copyable">
                      <code>{r.name}</code> <CopyButton value={r.name} label={`${r.type} record name ${r.name}`} />
                    </span>
                  </td>
                  <td className="wrap" data-label="Value">
                    <span className="copyable">
                      <code>{r.value}</code> <CopyButton value={r.value} label={`${r.type} record value for ${r.name}`} />
                    </span>
                  </td>
                  <td className="num" data-label="Priority">
                    {r.priority ?? '—'}
                  </td>
                  <td data-label="TTL">{r.ttl}</td>
                  <td data-label="Status">
                    <StatusChip status={r.status} />
                  </td>
                </tr>
              ))}
              <TableState columns={7} loading={false} empty={!domain.records.length}>
                SES has no records for this domain (it may have been deleted outside Mailroom).
              </TableState>
            </tbody>
          </table>
          <div className="detail">
            <Settings
              domain={domain}
              onSaved={async (message) => {
                await reload();
                setNotice(message);
              }}
            />
            <section className="panel column" aria-labelledby="domain-about-title">
              <h2 id="domain-about-title">Domain</h2>
              <dl className="meta">
                <dt>Region</dt>
                <dd>{domain.region}</dd>
                <dt>Added</dt>
                <dd>
                  <Time value={domain.created_at} />
                </dd>
                <dt>Id</dt>
                <dd>
                  <code>{domain.id}</code>
                </dd>
              </dl>
              <div className="actions spaced">
                <button type="button" className="danger" onClick={() => void remove()}>
                  Delete domain
                </button>
              </div>
            </section>
          </div>
        </>
      ) : null}
    </section>
  );
}
