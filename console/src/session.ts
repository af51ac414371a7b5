import { createContext, useContext } from 'react';
import type { MailroomApi } from './api';

/**
 * Where the operator's key lives: sessionStorage by default (this tab only, gone when it closes);
 * localStorage only when they tick "Remember on this device", so new tabs and shared links work.
 */
export const KEY_STORAGE = 'mailroom.console.apiKey';

/** The stored key: this tab's first, else the one remembered on this device. */
export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE) ?? localStorage.getItem(KEY_STORAGE);
}

export function storeKey(key: string, remember: boolean): void {
  sessionStorage.setItem(KEY_STORAGE, key);
  if (remember) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

/** Signing out forgets the key in both places. */
export function forgetKey(): void {
  sessionStorage.removeItem(KEY_STORAGE);
  localStorage.removeItem(KEY_STORAGE);
}

export const ApiContext = createContext<MailroomApi | null>(null);

export function useApi(): MailroomApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside a signed-in console');
  return api;
}
