/**
 * Checked mappers from stored items to records: a read that finds an item without the fields its
 * type promises fails here, by name, instead of travelling on as a cast and failing somewhere
 * unrelated. The checks are the fields the code relies on, kept cheap (the sender reads on every send).
 */
import { brotliCompressSync, brotliDecompressSync, constants as zlib } from 'node:zlib';
import { isLane } from '#shared/config/lanes';
import type { ApiKeyRecord } from '#shared/domain/api-key';
import type { EmailRecord } from '#shared/domain/email';
import type { Tenant } from '#shared/domain/tenant';
import { STATUSES, type Status } from '#shared/domain/status';
import type { StuckEmail } from '#shared/ports/index';
import { MAIN_TABLE } from '#infra/definitions';
import { withoutKeys } from './dynamodb-keys';

/** A stored item that is not the record its key says it is. */
export class StoredItemError extends Error {
  override readonly name = 'StoredItemError';
  constructor(
    readonly kind: string,
    readonly problems: readonly string[],
  ) {
    super(`A stored ${kind} item is malformed: ${problems.join('; ')}`);
  }
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

function check(kind: string, item: Record<string, unknown>, shape: Record<string, Check>): void {
  const problems = Object.entries(shape)
    .filter(([field, ok]) => !ok(item[field]))
    .map(([field]) => `\`${field}\` is ${item[field] === undefined ? 'missing' : `not valid (${typeof item[field]})`}`);
  if (problems.length) throw new StoredItemError(kind, problems);
}

/** A mapper: the item without its keys, checked against `shape`. */
function parserOf<T>(kind: string, shape: Record<string, Check>): (item: Record<string, unknown>) => T {
  return (item) => {
    const record = withoutKeys(item);
    check(kind, record, shape);
    return record as unknown as T;
  };
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
  const record = withoutKeys(item);
  delete record.reconciledAt;
  delete record.reconciles;
  delete record.nextReconcileAt;
  delete record[EMAIL_EVENT_IDS_ATTRIBUTE];
  const body = record[EMAIL_BODY_ATTRIBUTE];
  if (body !== undefined) {
    delete record[EMAIL_BODY_ATTRIBUTE];
    if (!(body instanceof Uint8Array)) throw new StoredItemError('email', [`\`${EMAIL_BODY_ATTRIBUTE}\` is not valid (${typeof body})`]);
    let fields: unknown;
    try {
      fields = JSON.parse(brotliDecompressSync(body).toString('utf8'));
    } catch (error) {
      throw new StoredItemError('email', [`\`${EMAIL_BODY_ATTRIBUTE}\` does not decompress (${(error as Error).message})`]);
    }
    Object.assign(record, fields);
  }
  check('email', record, EMAIL_SHAPE);
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
  check('pending email', item, STUCK_SHAPE);
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
