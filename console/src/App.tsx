import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { MailroomApi } from './api';
import { EmailDetailPage } from './pages/EmailDetail';
import { EmailsPage } from './pages/Emails';
import { LanesPage } from './pages/Lanes';
import { ScheduledPage } from './pages/Scheduled';
import { SuppressionsPage } from './pages/Suppressions';
import { TemplatesPage } from './pages/Templates';
import { useRoute } from './router';
import { ApiContext, KEY_STORAGE } from './session';
import { ErrorBox, Link } from './ui';

const NAV = [
  { route: '', label: 'Emails' },
  { route: 'scheduled', label: 'Scheduled' },
  { route: 'lanes', label: 'Lanes' },
  { route: 'templates', label: 'Templates' },
  { route: 'suppressions', label: 'Suppressions' },
] as const;

function SignIn({ apiUrl, onSignIn }: { apiUrl: string; onSignIn: (key: string) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      // Any read proves the key: the authorizer refuses an unknown or revoked one.
      await new MailroomApi(apiUrl, key.trim()).listEmails({ limit: 1 });
      onSignIn(key.trim());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin" id="main">
      <h1>Mailroom console</h1>
      <p>Paste a Mailroom API key. It stays in this browser tab only (session storage) and is sent to {apiUrl} only.</p>
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
        <button type="submit" disabled={busy || !key.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
      <ErrorBox error={error} />
    </main>
  );
}

function Page({ route }: { route: string }) {
  if (route === '' || route === 'emails') return <EmailsPage />;
  if (route.startsWith('emails/')) return <EmailDetailPage id={decodeURIComponent(route.slice('emails/'.length))} />;
  if (route === 'scheduled') return <ScheduledPage />;
  if (route === 'lanes') return <LanesPage />;
  if (route === 'templates') return <TemplatesPage />;
  if (route === 'suppressions') return <SuppressionsPage />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no console page here. <Link to="">Go to Emails</Link>.
      </p>
    </section>
  );
}

export function App({ apiUrl }: { apiUrl: string }) {
  const [key, setKey] = useState<string | null>(() => sessionStorage.getItem(KEY_STORAGE));
  const route = useRoute();
  const api = useMemo(() => (key ? new MailroomApi(apiUrl, key) : null), [apiUrl, key]);
  const mainRef = useRef<HTMLElement>(null);
  const section = route.startsWith('emails/') ? '' : route;

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
        onSignIn={(k) => {
          sessionStorage.setItem(KEY_STORAGE, k);
          setKey(k);
        }}
      />
    );
  }
  const signOut = () => {
    sessionStorage.removeItem(KEY_STORAGE);
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
        <button type="button" className="secondary" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <Page route={route} />
      </main>
    </ApiContext.Provider>
  );
}
