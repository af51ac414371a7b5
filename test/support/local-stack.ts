import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '#infra/local/stack';
import { ENV } from '#shared/config/env';

/** Starts a whole local Mailroom (emulators on free ports) for one test file. */
export function useLocalStack(options: LocalStackOptions = {}): () => LocalStack {
  let stack: LocalStack | undefined;
  beforeAll(async () => {
    stack = await startLocalStack({
      apiPort: 0,
      ports: { dynamodb: 0, sqs: 0, ses: 0, smtp: 0, smtpWeb: 0 },
      logLevel: 'ERROR',
      ...options,
      // No tenant cache in the publishers: a webhook a test creates gets the very next email's events
      // (deployed, within MAILROOM_TENANT_CACHE_SECONDS; the staleness is unit-tested).
      env: { [ENV.TENANT_CACHE_SECONDS]: '0', ...options.env },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });
  return () => {
    if (!stack) throw new Error('local stack not started');
    return stack;
  };
}

export interface ApiAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** Calls the local API as a client would. */
export async function api<T = any>(
  stack: Pick<LocalStack, 'apiUrl' | 'apiKey'>,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  key: string | null = stack.apiKey,
): Promise<ApiAnswer<T>> {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

/** Polls until `check` returns a truthy value or the time is up. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false | null>,
  { timeoutMs = 20_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Waits until the email reaches one of the statuses. */
export async function waitForStatus(stack: Pick<LocalStack, 'apiUrl' | 'apiKey'>, id: string, statuses: string[], timeoutMs = 20_000): Promise<any> {
  return waitFor(
    async () => {
      const r = await api(stack, 'GET', `/emails/${id}`);
      return statuses.includes(r.body?.status) ? r.body : undefined;
    },
    { timeoutMs, what: `email ${id} to reach ${statuses.join('|')}` },
  );
}

/** Emails captured by the SES emulator. */
export async function sesInbox(stack: Pick<LocalStack, 'sesInboxUrl'>): Promise<any[]> {
  const res = await fetch(`${stack.sesInboxUrl}/store`);
  return ((await res.json()) as { emails: any[] }).emails;
}

/** Emails captured by the SMTP sink (maildev REST API). */
export async function smtpInbox(stack: Pick<LocalStack, 'smtpInboxUrl'>): Promise<any[]> {
  const res = await fetch(`${stack.smtpInboxUrl}/api/email`);
  return (await res.json()) as any[];
}
