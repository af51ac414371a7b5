/**
 * Every key shape of Mailroom's single table, in one place (docs/architecture.md, "Data shapes").
 * Adapters build keys only through these functions, so two items can never collide by accident
 * and a shape changes in one file.
 */
import { createHash } from 'node:crypto';
import { MAIN_TABLE } from '#infra/definitions';

/** A type, not an interface, so a key stays assignable to the SDK's `Record<string, unknown>`. */
export type ItemKey = { readonly pk: string; readonly sk: string };

/** Attributes that belong to the table's keys and indexes, never to a record. */
export const KEY_ATTRIBUTES = [
  MAIN_TABLE.partitionKey,
  MAIN_TABLE.sortKey,
  MAIN_TABLE.gsi1.partitionKey,
  MAIN_TABLE.gsi1.sortKey,
  MAIN_TABLE.pending.partitionKey,
  MAIN_TABLE.pending.sortKey,
  MAIN_TABLE.emailList.partitionKey,
  MAIN_TABLE.emailList.sortKey,
] as const;

/** An item without its key and index attributes: what a mapper checks. */
export function withoutKeys(item: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...item };
  for (const k of KEY_ATTRIBUTES) delete copy[k];
  return copy;
}

export const KEYS = {
  /** An email: `EMAIL#<id>` / `EMAIL`; its events share the partition. */
  email: (id: string): ItemKey => ({ pk: `EMAIL#${id}`, sk: 'EMAIL' }),
  /**
   * The `emailList` index: a tenant's emails, newest first, written over EMAIL_LIST_SHARDS partition
   * keys (`TENANT#<t>#<shard>`) that a list query merges in order.
   */
  emailByTenant: (tenantId: string, createdAt: string, id: string) => ({
    [MAIN_TABLE.emailList.partitionKey]: emailListPartition(tenantId, emailListShard(id)),
    [MAIN_TABLE.emailList.sortKey]: `EMAIL#${createdAt}#${id}`,
  }),
  tenant: (id: string): ItemKey => ({ pk: `TENANT#${id}`, sk: 'TENANT' }),
  /** gsi1 partition of everything a tenant owns (emails, keys, templates). */
  tenantPartition: (tenantId: string) => `TENANT#${tenantId}`,
  apiKey: (hash: string): ItemKey => ({ pk: `APIKEY#${hash}`, sk: 'APIKEY' }),
  apiKeyByTenant: (tenantId: string, createdAt: string, hash: string) => ({ gsi1pk: `TENANT#${tenantId}`, gsi1sk: `APIKEY#${createdAt}#${hash}` }),
  suppression: (tenantId: string, address: string): ItemKey => ({ pk: `TENANT#${tenantId}`, sk: `SUPPRESSION#${address.toLowerCase()}` }),
  /** A tenant template's draft; its versions share the partition, listed through gsi1. */
  templateDraft: (tenantId: string, id: string): ItemKey => ({ pk: `TENANT#${tenantId}`, sk: `TEMPLATE#${id}#DRAFT` }),
  /** Zero-padded so versions sort numerically and after `DRAFT` in a descending query. */
  templateVersion: (tenantId: string, id: string, version: number): ItemKey => ({
    pk: `TENANT#${tenantId}`,
    sk: `TEMPLATE#${id}#V${String(version).padStart(10, '0')}`,
  }),
  templateByTenant: (tenantId: string, id: string) => ({ gsi1pk: `TENANT#${tenantId}`, gsi1sk: `TEMPLATE#${id}` }),
  breaker: (provider: string): ItemKey => ({ pk: `BREAKER#${provider}`, sk: 'BREAKER' }),
  rateBucket: (tenantId: string): ItemKey => ({ pk: `RATE#${tenantId}`, sk: 'BUCKET' }),
  /**
   * A sender's hourly counter (`hour` = `yyyy-mm-ddThh`, UTC). Two counters share the partition: `CAP`,
   * taken at accept time by the rate limiter, and `SENT`, taken at send time by the sender.
   */
  senderCapAccepted: (tenantId: string, sender: string, hour: string): ItemKey => ({ pk: `CAP#${tenantId}#${sender.toLowerCase()}#${hour}`, sk: 'CAP' }),
  senderCapSent: (tenantId: string, sender: string, hour: string): ItemKey => ({ pk: `CAP#${tenantId}#${sender.toLowerCase()}#${hour}`, sk: 'SENT' }),
  /** Local mode's stand-in for an EventBridge Scheduler schedule, listed by due time in gsi1 `SCHEDULES`. */
  schedule: (emailId: string): ItemKey => ({ pk: `SCHEDULE#${emailId}`, sk: 'SCHEDULE' }),
  scheduleByDueTime: (dueAt: string, emailId: string) => ({ gsi1pk: 'SCHEDULES', gsi1sk: `${dueAt}#${emailId}` }),
  /** A tenant's sending domain. */
  domain: (tenantId: string, id: string): ItemKey => ({ pk: `TENANT#${tenantId}`, sk: `DOMAIN#${id}` }),
  /** One item per domain name across all tenants: an SES identity is account-wide, so a name has one owner. */
  domainName: (name: string): ItemKey => ({ pk: `DOMAINNAME#${name}`, sk: 'DOMAINNAME' }),
  /** Local mode's stand-in for an SES identity. */
  localIdentity: (name: string): ItemKey => ({ pk: `IDENTITY#${name}`, sk: 'IDENTITY' }),
  webhook: (tenantId: string, id: string): ItemKey => ({ pk: `TENANT#${tenantId}`, sk: `WEBHOOK#${id}` }),
  /** A webhook event of the delivery log; its attempts share the partition (`ATTEMPT#<n>`). */
  webhookEvent: (webhookId: string, eventId: string): ItemKey => ({ pk: `WHEVENT#${webhookId}#${eventId}`, sk: 'EVENT' }),
  /** gsi1: a webhook's events, newest first. */
  webhookEventsByWebhook: (webhookId: string, createdAt: string, eventId: string) => ({ gsi1pk: `WHEVENTS#${webhookId}`, gsi1sk: `${createdAt}#${eventId}` }),
  /** The per-endpoint concurrency slots of a webhook. */
  webhookSlots: (webhookId: string): ItemKey => ({ pk: `WEBHOOK#${webhookId}`, sk: 'SLOTS' }),
  /** A tenant's activity log (notable events), in time order; `at` is ISO 8601. */
  activity: (tenantId: string, at: string, id: string): ItemKey => ({ pk: `ACTIVITY#${tenantId}`, sk: `${at}#${id}` }),
  activityPartition: (tenantId: string) => `ACTIVITY#${tenantId}`,
  /** gsi1: a tenant's activity of one type, in time order (the `type` filter of `GET /activity`). */
  activityByType: (tenantId: string, type: string, at: string, id: string) => ({ gsi1pk: `ACTIVITY#${tenantId}#${type}`, gsi1sk: `${at}#${id}` }),
  activityTypePartition: (tenantId: string, type: string) => `ACTIVITY#${tenantId}#${type}`,
  /** A tenant's hourly metric counters (`hour` = `yyyy-mm-ddThh`, UTC). */
  metricsHour: (tenantId: string, hour: string): ItemKey => ({ pk: `METRICS#${tenantId}`, sk: `HOUR#${hour}` }),
} as const;

/**
 * The `pending` index: a sparse GSI holding only emails on their way (queued, scheduled, sending,
 * retrying), keyed by the time from which each counts as stuck. The reconciler reads only what is
 * overdue (`pendingSk <= now`); an email leaves the index when it reaches any other status.
 * Spread over PENDING_SHARDS partitions so a busy deployment's writes do not all land on one.
 */
export const PENDING_SHARDS = 8;

export const pendingShard = (emailId: string): number => (createHash('sha256').update(emailId).digest()[0] ?? 0) % PENDING_SHARDS;

export const pendingPartition = (shard: number) => `PENDING#${shard}`;

/** The index attributes of a pending email stuck from `stuckFrom`. */
export const pendingKey = (emailId: string, stuckFrom: Date) => ({
  [MAIN_TABLE.pending.partitionKey]: pendingPartition(pendingShard(emailId)),
  [MAIN_TABLE.pending.sortKey]: `${stuckFrom.toISOString()}#${emailId}`,
});

/**
 * Partition keys of one tenant's `emailList` entries: each email's index write lands on one of them
 * (a hash of its id), so one tenant's sending is not bound by one partition's 1,000 writes a second
 * (one index write per email: ~1,000 emails/s per key). A list query reads them all and merges them.
 */
export const EMAIL_LIST_SHARDS = 4;

export const emailListShard = (emailId: string): number => (createHash('sha256').update(`list#${emailId}`).digest()[0] ?? 0) % EMAIL_LIST_SHARDS;

export const emailListPartition = (tenantId: string, shard: number) => `TENANT#${tenantId}#${shard}`;
