import { useState, type FormEvent } from 'react';
import { AUTHORIZER_CACHE_SECONDS } from '#infra/definitions';
import type { ApiKeySummary } from '../api';
import { useConfirm } from '../confirm';
import { ShownOnce } from '../secret';
import { useApi } from '../session';
import { Time } from '../time';
import { ErrorBox, Notice, Pager, TableState, useAction, useLoader, usePagedList } from '../ui';

type Permission = 'full_access' | 'sending_access';

/** How long a revoked key may still work, and how stale "last used" may be: the authorizer's cache. */
const CACHE_MINUTES = Math.round(AUTHORIZER_CACHE_SECONDS / 60);

const PERMISSION_LABEL: Record<Permission, string> = { full_access: 'Full access', sending_access: 'Sending access' };

function CreateKey({ onCreated }: { onCreated: (name: string, token: string) => void }) {
  const api = useApi();
  const [name, setName] = useState('');
  const [permission, setPermission] = useState<Permission>('sending_access');
  const [domainId, setDomainId] = useState('');
  const { busy, error, run } = useAction();
  // The domains a sending key may be bound to (read once; a restricted key simply gets none).
  const domains = useLoader(() => api.domains({ limit: 100 }), [api]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const created = await api.createApiKey({
        name: name.trim(),
        permission,
        ...(permission === 'sending_access' && domainId ? { domain_id: domainId } : {}),
      });
      setName('');
      onCreated(name.trim(), created.token);
    });
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="create-key-title">
      <h2 id="create-key-title">Create an API key</h2>
      <div className="form-grid">
        <div>
          <label htmlFor="key-name">Name</label>
          <input id="key-name" type="text" required maxLength={50} placeholder="billing service" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div>
          <label htmlFor="key-permission">Permission</label>
          <select id="key-permission" value={permission} onChange={(e) => setPermission(e.target.value as Permission)} aria-describedby="key-permission-hint">
            <option value="sending_access">Sending access: send emails only</option>
            <option value="full_access">Full access: everything, including keys, domains and webhooks</option>
          </select>
        </div>
        {permission === 'sending_access' ? (
          <div>
            <label htmlFor="key-domain">Domain</label>
            <select id="key-domain" value={domainId} onChange={(e) => setDomainId(e.target.value)}>
              <option value="">Any sender domain</option>
              {(domains.data?.data ?? []).map((d) => (
                <option key={d.id} value={d.id}>
                  Only {d.name}
                </option>
              ))}
            </select>
          </div>
        ) : null}
      </div>
      <p id="key-permission-hint" className="hint">
        A sending key cannot read emails or manage anything; bound to a domain, it can send only from addresses at that domain.
      </p>
      <button type="submit" disabled={busy || !name.trim()}>
        {busy ? 'Creating…' : 'Create key'}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

export function ApiKeysPage() {
  const api = useApi();
  const confirm = useConfirm();
  const [token, setToken] = useState<{ name: string; value: string }>();
  const [notice, setNotice] = useState('');
  const action = useAction();
  const { error, pending, reload, rows, pager } = usePagedList((after) => api.apiKeys({ limit: 50, after }), [api]);
  const isMine = (k: ApiKeySummary) => k.prefix === api.keyPrefix;

  const revoke = async (k: ApiKeySummary) => {
    const mine = isMine(k);
    const ok = await confirm({
      title: `Revoke the API key “${k.name}”?`,
      body: (
        <>
          {mine ? (
            <p className="error">
              <strong>This console is signed in with this key.</strong> Once the revocation takes effect the console stops working too: sign in again with
              another full access key.
            </p>
          ) : null}
          <p>
            Requests with it are refused (<code>403 invalid_api_key</code>) within {CACHE_MINUTES} minutes, the authorizer’s cache. This cannot be undone: a
            client that still needs access needs a new key.
          </p>
        </>
      ),
      confirmLabel: 'Revoke key',
    });
    if (!ok) return;
    await action.run(async () => {
      await api.revokeApiKey(k.id);
      setNotice(`Revoked “${k.name}”: requests with it are refused within ${CACHE_MINUTES} minutes.`);
      await reload();
    });
  };

  return (
    <section aria-labelledby="keys-title">
      <h1 id="keys-title">API keys</h1>
      <p className="hint">
        Keys are stored only as SHA-256 hashes: a key’s token is shown once, when it is created. Revoking a key takes effect within {CACHE_MINUTES} minutes (
        {AUTHORIZER_CACHE_SECONDS} s, the authorizer’s cache); “last used” is updated at most that often.
      </p>
      {token ? (
        <ShownOnce title={`API key “${token.name}”`} value={token.value} label="API key" onDone={() => setToken(undefined)}>
          Mailroom keeps only its hash. Store it where the client that uses it reads its secrets.
        </ShownOnce>
      ) : null}
      <Notice>{notice || null}</Notice>
      <ErrorBox error={error ?? action.error} />
      <table className="cards">
        <caption className="sr-only">Your API keys</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">Permission</th>
            <th scope="col">Domain</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((k) => (
            <tr key={k.id} data-key-id={k.id}>
              <td className="wrap" data-label="Name">
                {k.name}
                {isMine(k) ? <span className="chip chip-mine">this console</span> : null}
              </td>
              <td data-label="Key">
                <code>{k.prefix}…</code>
              </td>
              <td data-label="Permission">{k.permission ? PERMISSION_LABEL[k.permission] : k.scopes.join(', ')}</td>
              <td className="wrap" data-label="Domain">
                {k.domain ?? 'any'}
              </td>
              <td className="nowrap" data-label="Created">
                <Time value={k.created_at} />
              </td>
              <td className="nowrap" data-label="Last used">
                {k.last_used_at ? <Time value={k.last_used_at} /> : '—'}
              </td>
              <td data-label="Action">
                <button type="button" className="danger" onClick={() => void revoke(k)} aria-label={`Revoke ${k.name}`}>
                  Revoke
                </button>
              </td>
            </tr>
          ))}
          <TableState columns={7} loading={pending} error={error} empty={!rows.length}>
            No API keys.
          </TableState>
        </tbody>
      </table>
      <Pager {...pager} />
      <CreateKey
        onCreated={(name, value) => {
          setNotice('');
          setToken({ name, value });
          void reload();
        }}
      />
    </section>
  );
}
