import { useMemo, useSyncExternalStore } from 'react';

/** Path inside the console, without the `/console/` base: '' | 'emails/<id>' | 'scheduled' | … */
const BASE = import.meta.env.BASE_URL;

function current(): string {
  const path = window.location.pathname;
  return path.startsWith(BASE) ? path.slice(BASE.length).replace(/\/$/, '') : '';
}

const currentSearch = () => window.location.search;

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  return () => window.removeEventListener('popstate', onChange);
}

export function useRoute(): string {
  return useSyncExternalStore(subscribe, current);
}

/**
 * The page's query string as params. Filters and paging live here, so Back, reload and a shared
 * link all show the same view.
 */
export function useSearchParams(): URLSearchParams {
  const search = useSyncExternalStore(subscribe, currentSearch);
  return useMemo(() => new URLSearchParams(search), [search]);
}

export const href = (route: string) => `${BASE}${route}`;

/** Goes to a console route (which may carry `?query`); `replace` keeps the history entry. */
export function navigate(route: string, options: { replace?: boolean } = {}): void {
  const target = href(route);
  if (target === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, '', target);
  else window.history.pushState(null, '', target);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export type Params = Record<string, string | readonly string[] | undefined>;

/** A query string (with its `?`, or '' when empty) from params; empty values are left out. */
export function queryString(params: Params): string {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    for (const one of typeof v === 'string' ? [v] : (v ?? [])) if (one !== '') out.append(k, one);
  }
  const s = out.toString();
  return s ? `?${s}` : '';
}

/** Replaces the current page's query (a new history entry, so Back returns to the previous view). */
export function setSearch(params: Params, options: { replace?: boolean } = {}): void {
  navigate(current() + queryString(params), options);
}
