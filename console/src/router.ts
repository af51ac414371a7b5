import { useSyncExternalStore } from 'react';

/** Path inside the console, without the `/console/` base: '' | 'emails/<id>' | 'scheduled' | … */
const BASE = import.meta.env.BASE_URL;

function current(): string {
  const path = window.location.pathname;
  return path.startsWith(BASE) ? path.slice(BASE.length).replace(/\/$/, '') : '';
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  return () => window.removeEventListener('popstate', onChange);
}

export function useRoute(): string {
  return useSyncExternalStore(subscribe, current);
}

export const href = (route: string) => `${BASE}${route}`;

export function navigate(route: string): void {
  window.history.pushState(null, '', href(route));
  window.dispatchEvent(new PopStateEvent('popstate'));
}
