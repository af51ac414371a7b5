import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { ApiError, MailroomApi } from './api';
import { ActivityPage } from './pages/Activity';
import { ApiKeysPage } from './pages/ApiKeys';
import { DomainDetailPage, DomainsPage } from './pages/Domains';
import { EmailDetailPage } from './pages/EmailDetail';
import { EmailsPage } from './pages/Emails';
import { LanesPage } from './pages/Lanes';
import { OverviewPage } from './pages/Overview';
import { ScheduledPage } from './pages/Scheduled';
import { SuppressionsPage } from './pages/Suppressions';
import { TemplatesPage } from './pages/Templates';
import { WebhookDetailPage, WebhooksPage } from './pages/Webhooks';
import { ConfirmProvider } from './confirm';
import { useRoute } from './router';
import { ApiContext, forgetKey, storedKey, storeKey } from './session';
import { ZoneProvider, ZoneToggle } from './time';
import { ErrorBox, Link } from './ui';

const NAV = [
  { route: '', label: 'Overview' },
  { route: 'emails', label: 'Emails' },
  { route: 'activity', label: 'Activity' },
  { route: 'scheduled', label: 'Scheduled' },
  { route: 'lanes', label: 'Lanes' },
  { route: 'templates', label: 'Templates' },
  { route: 'suppressions', label: 'Suppressions' },
  { route: 'webhooks', label: 'Webhooks' },
  { route: 'domains', label: 'Domains' },
  { route: 'api-keys', label: 'API keys' },
] as const;

function SignIn({ apiUrl, onSignIn }: { apiUrl: string; onSignIn: (key: string, remember: boolean) => void }) {
  const [key, setKey] = useState('');
  const [remember, setRemember] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      // Any read proves the key: the authorizer refuses an unknown or revoked one. An operator key
      // reads no tenant's emails, only lanes: it proves itself there.
      const api = new MailroomApi(apiUrl, key.trim());
      await api.listEmails({ limit: 1 }).catch(async (error) => {
        // A key without the read scope is Resend's 401 restricted_api_key (an unknown key is 403 invalid_api_key).
        if (error instanceof ApiError && error.code === 'restricted_api_key') await api.lanes();
        else throw error;
      });
      onSignIn(key.trim(), remember);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin" id="main">
      <h1>Mailroom console</h1>
      <p>
        Paste a Mailroom API key. It is sent to {apiUrl} only, and kept in this browser tab (session storage) unless you choose to remember it on this device.
      </p>
      <form onSubmit={submit}>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          placeholder="mr_…"
          value={key}
          onChange={(e) => setKey(e.target.value)}
        />
        <div className="check">
          <input id="remember" type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} aria-describedby="remember-hint" />
          <label htmlFor="remember">Remember on this device</label>
        </div>
        <p id="remember-hint" className="hint">
          Kept in this browser profile (local storage) so new tabs and shared links open signed in, until you sign out. Leave it off on a shared computer.
        </p>
        <button type="submit" disabled={busy || !key.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
      <ErrorBox error={error} />
    </main>
  );
}

function Page({ route }: { route: string }) {
  if (route === '') return <OverviewPage />;
  if (route === 'emails') return <EmailsPage />;
  if (route.startsWith('emails/')) return <EmailDetailPage id={decodeURIComponent(route.slice('emails/'.length))} />;
  if (route === 'activity') return <ActivityPage />;
  if (route === 'scheduled') return <ScheduledPage />;
  if (route === 'lanes') return <LanesPage />;
  if (route === 'templates') return <TemplatesPage />;
  if (route === 'suppressions') return <SuppressionsPage />;
  if (route === 'webhooks') return <WebhooksPage />;
  if (route.startsWith('webhooks/')) return <WebhookDetailPage id={decodeURIComponent(route.slice('webhooks/'.length))} />;
  if (route === 'domains') return <DomainsPage />;
  if (route.startsWith('domains/')) return <DomainDetailPage id={decodeURIComponent(route.slice('domains/'.length))} />;
  if (route === 'api-keys') return <ApiKeysPage />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no console page here. <Link to="">Go to the overview</Link>.
      </p>
    </section>
  );
}

export function App({ apiUrl }: { apiUrl: string }) {
  return (
    <ZoneProvider>
      <ConfirmProvider>
        <Console apiUrl={apiUrl} />
      </ConfirmProvider>
    </ZoneProvider>
  );
}

function Console({ apiUrl }: { apiUrl: string }) {
  const [key, setKey] = useState<string | null>(storedKey);
  const route = useRoute();
  const api = useMemo(() => (key ? new MailroomApi(apiUrl, key) : null), [apiUrl, key]);
  const mainRef = useRef<HTMLElement>(null);
  // A detail page (`emails/<id>`, `webhooks/<id>`, `domains/<id>`) belongs to its list's section.
  const section = route.split('/')[0] ?? '';

  // Move focus to the new page's content after navigation, as a full page load would.
  const shown = useRef(route);
  useEffect(() => {
    if (shown.current === route) return;
    shown.current = route;
    mainRef.current?.focus();
  }, [route]);

  if (!api) {
    return (
      <SignIn
        apiUrl={apiUrl}
        onSignIn={(k, remember) => {
          storeKey(k, remember);
          setKey(k);
        }}
      />
    );
  }
  const signOut = () => {
    forgetKey();
    setKey(null);
  };
  return (
    <ApiContext.Provider value={api}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Mailroom</span>
        <nav aria-label="Console">
          <ul>
            {NAV.map((n) => (
              <li key={n.route}>
                <Link to={n.route} current={section === n.route}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="actions">
          <ZoneToggle />
          <button type="button" className="secondary" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <Page route={route} />
      </main>
    </ApiContext.Provider>
  );
}
