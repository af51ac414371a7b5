/**
 * Checked mappers from stored items to records: a read that finds an item without the fields its
 * type promises fails here, by name, instead of travelling on as a cast and failing somewhere
 * unrelated. The checks are the fields the code relies on, kept cheap (the sender reads on every send).
 */
import { brotliCompressSync, brotliDecompressSync, constants as zlib } from 'node:zlib';
import * as z from 'zod';
import { isLane } from '#shared/config/lanes';
import type { ApiKeyRecord } from '#shared/domain/api-key';
import type { EmailRecord } from '#shared/domain/email';
import type { Tenant } from '#shared/domain/tenant';
import { STATUSES, type Status } from '#shared/domain/status';
import type { StuckEmail } from '#shared/ports/index';
import { MAIN_TABLE } from '#infra/definitions';
import { withoutKeys } from './dynamodb-keys';

/** A stored item that is not the record its key says it is; `key` is its `pk / sk` when the item has them. */
export class StoredItemError extends Error {
  override readonly name = 'StoredItemError';
  constructor(
    readonly kind: string,
    readonly problems: readonly string[],
    readonly key?: string,
  ) {
    super(`A stored ${kind} item${key ? ` (${key})` : ''} is malformed: ${problems.join('; ')}`);
  }
}

/** The `pk / sk` of a stored item, for an error that names it. */
function keyOf(item: Record<string, unknown>): string | undefined {
  const pk = item[MAIN_TABLE.partitionKey];
  const sk = item[MAIN_TABLE.sortKey];
  return typeof pk === 'string' ? `${pk} / ${String(sk)}` : undefined;
}

type Check = (value: unknown) => boolean;
const str: Check = (v) => typeof v === 'string';
const num: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const optional =
  (check: Check): Check =>
  (v) =>
    v === undefined || check(v);
const status: Check = (v) => typeof v === 'string' && (STATUSES as readonly string[]).includes(v);
const strings: Check = (v) => Array.isArray(v) && v.every(str);

function check(kind: string, item: Record<string, unknown>, shape: Record<string, Check>, key?: string): void {
  const problems = Object.entries(shape)
    .filter(([field, ok]) => !ok(item[field]))
    .map(([field]) => `\`${field}\` is ${item[field] === undefined ? 'missing' : `not valid (${typeof item[field]})`}`);
  if (problems.length) throw new StoredItemError(kind, problems, key);
}

/** One zod issue in the words `check` uses: `` `field.path` is missing `` or `` `field.path` is not valid (…) ``. */
function problemOf(record: Record<string, unknown>, issue: z.core.$ZodIssue): string {
  const field = issue.path.length ? issue.path.map(String).join('.') : '(item)';
  const value = issue.path.reduce<unknown>((at, k) => (at !== null && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[k] : undefined), record);
  return value === undefined ? `\`${field}\` is missing` : `\`${field}\` is not valid (${issue.message})`;
}

/**
 * A mapper: the item without its keys and index attributes, checked against `shape` — the cheap
 * field checks (email, tenant, API key: on every send) or a zod schema, whose output is the record
 * (attributes it does not name are dropped). A StoredItemError names the item's key and the fields.
 */
export function parserOf<T>(kind: string, shape: Record<string, Check> | z.ZodType<T>): (item: Record<string, unknown>) => T {
  return (item) => {
    const record = withoutKeys(item);
    if (shape instanceof z.ZodType) {
      const parsed = shape.safeParse(record);
      if (!parsed.success)
        throw new StoredItemError(
          kind,
          parsed.error.issues.map((issue) => problemOf(record, issue)),
          keyOf(item),
        );
      return parsed.data;
    }
    check(kind, record, shape, keyOf(item));
    return record as unknown as T;
  };
}

/** A mapper for a read that may find nothing: undefined stays undefined. */
export function optionalParserOf<T>(parse: (item: Record<string, unknown>) => T): (item: Record<string, unknown> | undefined) => T | undefined {
  return (item) => (item === undefined ? undefined : parse(item));
}

const EMAIL_SHAPE: Record<string, Check> = {
  id: str,
  tenantId: str,
  lane: isLane,
  status,
  lastEvent: str,
  from: str,
  to: strings,
  scheduleVersion: num,
  attempts: num,
  createdAt: str,
  updatedAt: str,
  events: Array.isArray,
  scheduledAt: optional(str),
  leaseUntil: optional(num),
  claimToken: optional(str),
};

/**
 * The parts of an email written once and never changed, and the bulk of it: stored brotli-compressed
 * JSON in one Binary attribute, so the item every status write rewrites (and pays for per KB) stays
 * small. Everything a list filter or the `emailList` index reads stays a plain attribute.
 */
const BODY_FIELDS = ['html', 'text', 'headers', 'template', 'attachments', 'replyTo', 'fromAsSent', 'topicId'] as const;
/** The Binary attribute holding BODY_FIELDS; an item written before it existed has them as plain attributes. */
export const EMAIL_BODY_ATTRIBUTE = 'body';
/** String set of the provider event ids recorded on an email (tracking's de-duplication, in a condition). */
export const EMAIL_EVENT_IDS_ATTRIBUTE = 'eventIds';

/** An EmailRecord as stored: its body fields compressed into EMAIL_BODY_ATTRIBUTE (keys not included). */
export function emailToItem(email: EmailRecord): Record<string, unknown> {
  const item: Record<string, unknown> = { ...email };
  const body: Record<string, unknown> = {};
  for (const field of BODY_FIELDS) {
    if (item[field] !== undefined) body[field] = item[field];
    delete item[field];
  }
  // Quality 5: nearly the ratio of the default 11 at a small fraction of its CPU (the ingest compresses every email).
  item[EMAIL_BODY_ATTRIBUTE] = brotliCompressSync(JSON.stringify(body), {
    params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT },
  });
  return item;
}

/** An email item (keys and index attributes dropped) as an EmailRecord; StoredItemError when it is not one. */
export function parseEmailItem(item: Record<string, unknown>): EmailRecord {
  const key = keyOf(item);
  const record = withoutKeys(item);
  delete record.reconciledAt;
  delete record.reconciles;
  delete record.nextReconcileAt;
  delete record[EMAIL_EVENT_IDS_ATTRIBUTE];
  const body = record[EMAIL_BODY_ATTRIBUTE];
  if (body !== undefined) {
    delete record[EMAIL_BODY_ATTRIBUTE];
    if (!(body instanceof Uint8Array)) throw new StoredItemError('email', [`\`${EMAIL_BODY_ATTRIBUTE}\` is not valid (${typeof body})`], key);
    let fields: unknown;
    try {
      fields = JSON.parse(brotliDecompressSync(body).toString('utf8'));
    } catch (error) {
      throw new StoredItemError('email', [`\`${EMAIL_BODY_ATTRIBUTE}\` does not decompress (${(error as Error).message})`], key);
    }
    Object.assign(record, fields);
  }
  check('email', record, EMAIL_SHAPE, key);
  return record as unknown as EmailRecord;
}

const TENANT_SHAPE: Record<string, Check> = {
  id: str,
  allowedSenders: strings,
  retentionDays: num,
  limits: (v) =>
    typeof v === 'object' &&
    v !== null &&
    ['requestsPerSecond', 'burst', 'emailsPerDay', 'perSenderHourlyCap'].every((k) => num((v as Record<string, unknown>)[k])),
  createdAt: str,
  updatedAt: str,
  defaultLane: optional(isLane),
  webhookEvents: optional(strings),
};

/** A tenant item as a Tenant; StoredItemError when it is not one. */
export const parseTenantItem = parserOf<Tenant>('tenant', TENANT_SHAPE);

const API_KEY_SHAPE: Record<string, Check> = {
  hash: str,
  prefix: str,
  tenantId: str,
  scopes: strings,
  createdAt: str,
  revokedAt: optional(str),
  lastUsedAt: optional(str),
  defaultLane: optional(isLane),
  senderDomain: optional(str),
};

/** An API key item as an ApiKeyRecord; StoredItemError when it is not one (the authorizer then refuses the key). */
export const parseApiKeyItem = parserOf<ApiKeyRecord>('API key', API_KEY_SHAPE);

const STUCK_SHAPE: Record<string, Check> = {
  id: str,
  tenantId: str,
  lane: isLane,
  status,
  scheduleVersion: num,
  scheduledAt: optional(str),
  leaseUntil: optional(num),
  reconciledAt: optional(str),
  reconciles: optional(num),
  nextReconcileAt: optional(str),
  [MAIN_TABLE.pending.sortKey]: str,
};

/** An item of the `pending` index (its projection) as a StuckEmail. */
export function parseStuckEmailItem(item: Record<string, unknown>): StuckEmail {
  check('pending email', item, STUCK_SHAPE, keyOf(item));
  const sortKey = item[MAIN_TABLE.pending.sortKey] as string;
  return {
    id: item.id as string,
    tenantId: item.tenantId as string,
    lane: item.lane as StuckEmail['lane'],
    status: item.status as Status,
    scheduleVersion: item.scheduleVersion as number,
    stuckSince: sortKey.slice(0, sortKey.indexOf('#')),
    ...(item.scheduledAt !== undefined ? { scheduledAt: item.scheduledAt as string } : {}),
    ...(item.leaseUntil !== undefined ? { leaseUntil: item.leaseUntil as number } : {}),
    ...(item.reconciledAt !== undefined ? { reconciledAt: item.reconciledAt as string } : {}),
    ...(item.reconciles !== undefined ? { reconciles: item.reconciles as number } : {}),
    ...(item.nextReconcileAt !== undefined ? { nextReconcileAt: item.nextReconcileAt as string } : {}),
  };
}
