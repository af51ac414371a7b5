import type * as z from 'zod';
import { ValidationError } from '#shared/domain/errors';

/** One page of a small per-tenant list (keys, webhooks, domains), already sorted newest first. */
export interface ResourcePage<T> {
  readonly items: T[];
  readonly hasMore: boolean;
}

/**
 * Resend's pagination over an in-memory list: `limit` (1-100, default 20) and either `after=<id>`
 * (the items that follow that object) or `before=<id>` (the items just before it). These lists are
 * small (a tenant has a handful of keys, webhooks and domains), so they are read whole.
 */
export function pageByAfterBefore<T>(sorted: readonly T[], idOf: (t: T) => string, query: Record<string, string | undefined>): ResourcePage<T> {
  const limit = query.limit === undefined || query.limit === '' ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ValidationError('`limit` must be an integer from 1 to 100.');
  const { after, before } = query;
  if (after && before) throw new ValidationError('Give `after` or `before`, not both.');
  const indexOf = (id: string, param: string) => {
    const i = sorted.findIndex((t) => idOf(t) === id);
    if (i < 0) throw new ValidationError(`\`${param}\` must be the id of an object in this list (${id.slice(0, 64)} is not).`);
    return i;
  };
  if (before) {
    const end = indexOf(before, 'before');
    const start = Math.max(0, end - limit);
    return { items: sorted.slice(start, end), hasMore: start > 0 };
  }
  const start = after ? indexOf(after, 'after') + 1 : 0;
  return { items: sorted.slice(start, start + limit), hasMore: start + limit < sorted.length };
}

/** A zod error as one readable line: `field: problem; …`. */
export function zodMessage(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}
