import { createContext, useContext } from 'react';
import type { MailroomApi } from './api';

/** The operator's key lives in sessionStorage only: gone when the tab closes. */
export const KEY_STORAGE = 'mailroom.console.apiKey';

export const ApiContext = createContext<MailroomApi | null>(null);

export function useApi(): MailroomApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside a signed-in console');
  return api;
}
