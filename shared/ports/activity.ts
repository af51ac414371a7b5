import type { ActivityItem, ActivityType } from '#shared/domain/activity';

/** A place in a tenant's activity log: an item's time and id. */
export interface ActivityPosition {
  readonly at: string;
  readonly id: string;
}

export interface ActivityQuery {
  readonly tenantId: string;
  readonly limit: number;
  readonly type?: ActivityType;
  /** Inclusive lower bound on `at` (ISO). */
  readonly since?: string;
  /** Exclusive upper bound on `at` (ISO). */
  readonly until?: string;
  /** Items older than this one (newest first). */
  readonly after?: ActivityPosition;
  /** Items newer than this one (still returned newest first). */
  readonly before?: ActivityPosition;
}

/** A tenant's activity log (`ACTIVITY#<tenant>` / `<at>#<id>`), newest first. */
export interface ActivityLog {
  /** Writes an item; false when an item with its id is already there (a redelivered event). */
  put(item: ActivityItem): Promise<boolean>;
  /** One page; `hasMore` says whether more lie beyond it in the direction read. */
  list(query: ActivityQuery): Promise<{ items: ActivityItem[]; hasMore: boolean }>;
}
