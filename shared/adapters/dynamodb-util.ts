import { setTimeout as sleep } from 'node:timers/promises';
import { MalformedRequestError } from '#shared/domain/errors';

/** Opaque pagination cursor: the DynamoDB LastEvaluatedKey, base64url JSON. */
export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new MalformedRequestError('The `after` cursor is not one this API returned.');
}

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
