import { useCallback, useEffect, useRef, useState, type MouseEvent, type ReactNode } from 'react';
import { ApiError, type List } from './api';
import { href, navigate, setSearch, useSearchParams } from './router';

/** A real link that navigates inside the SPA (and still opens in a new tab with a modifier key). */
export function Link({
  to,
  children,
  className,
  ariaLabel,
  current,
}: {
  to: string;
  children: ReactNode;
  className?: string;
  ariaLabel?: string;
  current?: boolean;
}) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={href(to)} onClick={onClick} className={className} aria-label={ariaLabel} aria-current={current ? 'page' : undefined}>
      {children}
    </a>
  );
}

export function StatusChip({ status }: { status: string }) {
  return <span className={`chip chip-${status}`}>{status.replace(/_/g, ' ')}</span>;
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof ApiError ? `${error.message} (${error.status || 'network'} ${error.code})` : String((error as Error)?.message ?? error);
  return (
    <p role="alert" className="error">
      {message}
    </p>
  );
}

/** The API refused this key for an operator route (`GET /lanes`, DLQs): a tenant key, not an operator key. */
export const needsOperatorKey = (error: unknown) => error instanceof ApiError && (error.status === 401 || error.status === 403);

export function OperatorOnly() {
  return (
    <p className="notice-info" role="status">
      Lanes and dead-letter queues are deployment-wide: they need an operator key (<code>mailroom keys create-operator</code>). Sign in with one to see and
      redrive them; this key sees its own tenant’s emails.
    </p>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return children ? (
    <p role="status" className="notice">
      {children}
    </p>
  ) : (
    <p role="status" className="sr-only" />
  );
}

export function age(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export const count = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n.toLocaleString());

/**
 * Loads data with `load`, again whenever `deps` change, and every `intervalMs` while `live`.
 * Keeps the last good data while a refresh of the same inputs fails.
 */
export function useLoader<T>(load: () => Promise<T>, deps: unknown[], options: { intervalMs?: number; live?: boolean } = {}) {
  const [data, setData] = useState<T | undefined>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names the inputs `load` closes over in `deps`; `load` itself is a new closure every render.
  const run = useCallback(load, deps);
  const reload = useCallback(async () => {
    const mine = ++seq.current;
    setLoading(true);
    try {
      const value = await run();
      if (mine === seq.current) {
        setData(value);
        setError(undefined);
      }
    } catch (e) {
      if (mine === seq.current) setError(e);
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  }, [run]);
  // New inputs (filters, page, id): forget the old answer, so the page says "Loading…" rather than
  // showing rows that no longer match.
  useEffect(() => {
    setData(undefined);
    setError(undefined);
    void reload();
  }, [reload]);
  useEffect(() => {
    if (!options.intervalMs || options.live === false) return;
    const timer = window.setInterval(() => void reload(), options.intervalMs);
    return () => window.clearInterval(timer);
  }, [reload, options.intervalMs, options.live]);
  /** `pending`: no answer yet for these inputs (neither data nor an error). */
  return { data, error, loading, pending: data === undefined && error === undefined, reload };
}

/** Toggle for auto-refresh, announced as a pressed/unpressed button. */
export function LiveToggle({ live, onChange, seconds }: { live: boolean; onChange: (live: boolean) => void; seconds: number }) {
  return (
    <button type="button" className="secondary" aria-pressed={live} onClick={() => onChange(!live)}>
      {live ? `Auto-refresh on (${seconds} s) — pause` : 'Auto-refresh paused — resume'}
    </button>
  );
}

/** The cursor of the page after this one: the API's `next_cursor`, or (Resend-style paging) the last item's id. */
export function nextCursorOf<T extends { id?: string }>(list: List<T> | undefined): string | undefined {
  if (!list?.has_more) return undefined;
  return list.next_cursor ?? list.data.at(-1)?.id;
}

/**
 * A list the API pages with cursors, its stack of `after` cursors kept in the URL (`?after=…&after=…`, so
 * Back and reload return to the same page): the loader's state, this page's rows and the Pager's props.
 * `lastKey` is what names the last row as the next `after` when the API answers no `next_cursor`.
 */
export function usePagedList<T>(
  load: (after: string | undefined) => Promise<List<T>>,
  deps: unknown[],
  lastKey: (row: T) => string | undefined = (row) => (row as { id?: string }).id,
) {
  const cursors = useSearchParams().getAll('after');
  const after = cursors.at(-1);
  const list = useLoader(() => load(after), [...deps, after]);
  const last = list.data?.data.at(-1);
  const nextCursor = list.data?.has_more ? (list.data.next_cursor ?? (last === undefined ? undefined : lastKey(last))) : undefined;
  const onChange = (pages: string[]) => setSearch({ after: pages });
  return { ...list, rows: list.data?.data ?? [], pager: { cursors, nextCursor, onChange } };
}

/**
 * An action the operator starts (a form's submit, a button): `run(task)` clears the last error, is
 * `busy` while the task runs, and keeps what it threw as `error` (for an ErrorBox).
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = useCallback(async (task: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await task();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}

/**
 * Cursor paging over a list answer: a stack of `after` cursors, one per page turned. The pages keep
 * the stack in the URL (`?after=…&after=…`), so Back and reload return to the same page.
 */
export function Pager({
  cursors,
  onChange,
  nextCursor,
  labels = ['← Previous', 'Next →'],
}: {
  cursors: readonly string[];
  onChange: (cursors: string[]) => void;
  nextCursor: string | null | undefined;
  labels?: [string, string];
}) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="secondary" disabled={!cursors.length} onClick={() => onChange(cursors.slice(0, -1))}>
        {labels[0]}
      </button>
      <span>Page {cursors.length + 1}</span>
      <button type="button" className="secondary" disabled={!nextCursor} onClick={() => nextCursor && onChange([...cursors, nextCursor])}>
        {labels[1]}
      </button>
    </nav>
  );
}

/**
 * The one row of a table with nothing to show: "Loading…" until the first answer (never a false
 * "empty" while still loading), nothing after an error (the error says why), else `children`.
 */
export function TableState({
  columns,
  loading,
  error,
  empty,
  children,
}: {
  columns: number;
  loading: boolean;
  error?: unknown;
  empty: boolean;
  children: ReactNode;
}) {
  if (loading)
    return (
      <tr>
        <td colSpan={columns} className="empty loading">
          <span role="status">Loading…</span>
        </td>
      </tr>
    );
  if (error || !empty) return null;
  return (
    <tr>
      <td colSpan={columns} className="empty">
        {children}
      </td>
    </tr>
  );
}

/** Copies a value to the clipboard and says so. */
export function CopyButton({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // No clipboard permission (e.g. an insecure origin): fall back to the legacy copy command.
      const area = document.createElement('textarea');
      area.value = value;
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    setCopied(true);
    window.setTimeout(() => setCopied(false), 2000);
  };
  return (
    <button type="button" className="secondary small" onClick={() => void copy()} aria-label={`Copy ${label}`}>
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}
