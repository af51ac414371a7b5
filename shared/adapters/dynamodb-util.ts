import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Runs a batch call and retries its unprocessed items with exponential backoff (the SDK
 * retries failed calls; unprocessed items are a successful answer it does not retry).
 * Returns what is still unprocessed after the last try.
 */
export async function withBatchRetry<T>(items: T[], call: (items: T[]) => Promise<T[]>, attempts = 5): Promise<T[]> {
  let pending = items;
  for (let attempt = 0; attempt < attempts && pending.length > 0; attempt++) {
    if (attempt > 0) await sleep(Math.random() * 50 * 2 ** attempt);
    pending = await call(pending);
  }
  return pending;
}
