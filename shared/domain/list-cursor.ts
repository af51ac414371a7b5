/**
 * Opaque list cursors (`next_cursor`), which clients may also pass as `after` / `before`.
 *
 * A cursor is `c1.` + base64url(JSON array of strings): a position in one of the caller's own
 * lists (an email's `createdAt` and id, a suppressed address, a template id), never a storage key.
 * Nothing in it is trusted: `decodeCursor` checks its exact shape and every part, and the adapters
 * rebuild the whole DynamoDB key from the caller's tenant plus these parts — so a forged cursor is
 * either a 400 `validation_error` or a position inside the caller's own list (issue 14: "cursors
 * cannot be forged into errors"). Signing would add nothing a client could not already do by
 * paging, so cursors are validated rather than signed.
 */
import { MalformedRequestError } from './errors';

const PREFIX = 'c1.';
/** Longest cursor accepted (a position is an ISO time plus a 64-character id, or a 320-character address). */
const MAX_CURSOR_LENGTH = 1_024;

export const isCursor = (value: string): boolean => value.startsWith(PREFIX);

export function encodeCursor(parts: readonly string[]): string {
  return PREFIX + Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

/**
 * The parts of a cursor this API issued for this list: exactly `checks.length` strings, each
 * accepted by its check. Anything else is 400 `validation_error` naming the parameter.
 */
export function decodeCursor(cursor: string, checks: ReadonlyArray<(part: string) => boolean>, param = 'after'): string[] {
  const refused = () => new MalformedRequestError(`\`${param}\` is not a cursor this API returned for this list.`);
  if (!isCursor(cursor) || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]*$/.test(cursor.slice(PREFIX.length))) throw refused();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw refused();
  }
  if (!Array.isArray(parsed) || parsed.length !== checks.length) throw refused();
  for (const [i, part] of parsed.entries()) if (typeof part !== 'string' || !checks[i]!(part)) throw refused();
  return parsed as string[];
}

/** An ISO 8601 UTC timestamp as Mailroom writes them (`toISOString()`). */
export const isIsoTime = (s: string): boolean => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/.test(s);
/** An object id: an email id, a template id (URL-safe, at most 64 characters). */
export const isObjectId = (s: string): boolean => /^[A-Za-z0-9_-]{1,64}$/.test(s);
/** A stored (lower-cased) address: printable, no spaces, at most 320 characters. */
export const isStoredAddress = (s: string): boolean => s.length >= 3 && s.length <= 320 && /^[^\s\p{Cc}]+@[^\s\p{Cc}]+$/u.test(s);
