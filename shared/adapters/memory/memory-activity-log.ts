import type { ActivityItem } from '#shared/domain/activity';
import type { ActivityLog, ActivityQuery } from '#shared/ports/activity';
import { activityRange } from '../dynamodb-activity-log';

/** The activity log in memory (tests), with the DynamoDB adapter's ordering and bounds. */
export class MemoryActivityLog implements ActivityLog {
  readonly items = new Map<string, ActivityItem>();

  async put(item: ActivityItem): Promise<boolean> {
    const key = `${item.tenantId}\n${item.at}#${item.id}`;
    if (this.items.has(key)) return false;
    this.items.set(key, structuredClone(item));
    return true;
  }

  async list(query: ActivityQuery): Promise<{ items: ActivityItem[]; hasMore: boolean }> {
    const range = activityRange(query);
    if (!range) return { items: [], hasMore: false };
    const cursor = query.before ?? query.after;
    const inRange = [...this.items.values()]
      .filter((i) => i.tenantId === query.tenantId && (!query.type || i.type === query.type))
      .filter((i) => `${i.at}#${i.id}` >= range.lo && `${i.at}#${i.id}` <= range.hi && i.id !== cursor?.id)
      .sort((a, b) => `${a.at}#${a.id}`.localeCompare(`${b.at}#${b.id}`));
    if (!query.before) inRange.reverse();
    const page = inRange.slice(0, query.limit);
    return { items: structuredClone(query.before ? page.reverse() : page), hasMore: inRange.length > query.limit };
  }
}
