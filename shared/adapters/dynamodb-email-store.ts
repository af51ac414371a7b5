import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchExecuteStatementCommand,
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { EmailEvent, EmailRecord } from '#shared/domain/email';
import { CLAIMABLE, SEND_FINISHED, statusesBefore, type Status } from '#shared/domain/status';
import { hasMatch, matchesEmail } from '#shared/domain/email-filter';
import { PENDING_STATUSES, SENDING_STUCK_AFTER_LEASE_SECONDS, stuckFrom } from '#shared/domain/stuck';
import type { ClaimInput, ClaimManyInput, ClaimResult, EmailStore, ListEmailsInput, StuckEmail, StuckEmailStore, TransitionInput } from '#shared/ports/index';
import { MAIN_TABLE } from '#infra/definitions';
import { KEYS, PENDING_SHARDS, pendingKey, pendingPartition } from './dynamodb-keys';
import { parseEmailItem, parseStuckEmailItem } from './dynamodb-mappers';
import { withBatchRetry } from './dynamodb-util';
import type { EmailListPage, EmailListPosition } from '#shared/ports/index';

const KEY_ATTRS = ['pk', 'sk', 'gsi1pk', 'gsi1sk'] as const;
const PENDING = MAIN_TABLE.pending;

export const emailKey = KEYS.email;

function toItem(email: EmailRecord): Record<string, unknown> {
  const stuck = stuckFrom(email, new Date(email.updatedAt));
  return {
    ...emailKey(email.id),
    ...KEYS.emailByTenant(email.tenantId, email.createdAt, email.id),
    ...(stuck ? pendingKey(email.id, stuck) : {}),
    ...email,
  };
}

function fromItem(item: Record<string, unknown> | undefined): EmailRecord | undefined {
  return item ? parseEmailItem(item) : undefined;
}

/** Builds `#a IN (:a0, :a1, …)` with its values. */
function inList(attr: string, prefix: string, values: readonly string[]) {
  const names = values.map((_, i) => `:${prefix}${i}`);
  return {
    expression: `${attr} IN (${names.join(', ')})`,
    values: Object.fromEntries(values.map((v, i) => [names[i]!, v])),
  };
}

/** The pending index values of an email claimed until `leaseUntil` (epoch seconds). */
function pendingValues(id: string, leaseUntil: number): { ':ppk': string; ':psk': string } {
  const key = pendingKey(id, new Date((leaseUntil + SENDING_STUCK_AFTER_LEASE_SECONDS) * 1000));
  return { ':ppk': key[PENDING.partitionKey]!, ':psk': key[PENDING.sortKey]! };
}

/** The fields of a transition's `set` that decide when the email counts as stuck. */
function pickDefined(set: TransitionInput['set']): { scheduledAt?: string; leaseUntil?: number } {
  return {
    ...(set?.scheduledAt !== undefined ? { scheduledAt: set.scheduledAt } : {}),
    ...(set?.leaseUntil !== undefined ? { leaseUntil: set.leaseUntil } : {}),
  };
}

/**
 * EmailStore on the single Mailroom table (`EMAIL#<id>` / `EMAIL`, gsi1 = tenant, newest first), and
 * the sparse `pending` index every status write keeps in step (see shared/domain/stuck.ts).
 */
export class DynamoEmailStore implements EmailStore, StuckEmailStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(email: EmailRecord): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: toItem(email), ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  async createMany(emails: readonly EmailRecord[]): Promise<{ failedIds: string[] }> {
    const failedIds: string[] = [];
    for (let i = 0; i < emails.length; i += 25) {
      const chunk = emails.slice(i, i + 25);
      const unprocessed = await withBatchRetry(
        chunk.map((e) => ({ PutRequest: { Item: toItem(e) } })),
        async (requests) => {
          const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
          return (out.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
        },
      );
      for (const r of unprocessed) failedIds.push(String((r.PutRequest?.Item as { id?: string } | undefined)?.id));
    }
    return { failedIds };
  }

  async get(id: string): Promise<EmailRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: emailKey(id), ConsistentRead: true }));
    return fromItem(out.Item);
  }

  async claim(id: string, input: ClaimInput): Promise<ClaimResult> {
    const nowSec = Math.floor(input.now.getTime() / 1000);
    const claimable = inList('#status', 'c', CLAIMABLE);
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: emailKey(id),
          UpdateExpression: 'SET #status = :sending, leaseUntil = :lease, claimToken = :token, updatedAt = :now, #ppk = :ppk, #psk = :psk',
          ConditionExpression: `attribute_exists(pk) AND scheduleVersion = :sv AND (${claimable.expression} OR (#status = :sending AND leaseUntil < :nowSec))`,
          ExpressionAttributeNames: { '#status': 'status', '#ppk': PENDING.partitionKey, '#psk': PENDING.sortKey },
          ExpressionAttributeValues: {
            ...claimable.values,
            ...pendingValues(id, nowSec + input.leaseSeconds),
            ':sending': 'sending',
            ':lease': nowSec + input.leaseSeconds,
            ':token': input.token,
            ':now': input.now.toISOString(),
            ':nowSec': nowSec,
            ':sv': input.scheduleVersion,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { claimed: true, email: fromItem(out.Attributes)! };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // error.Item is in raw AttributeValue form (the document client does not unmarshall
      // exceptions), so read the item again: one consistent GetItem, only on a refused claim.
      const current = await this.get(id);
      if (!current) return { claimed: false, reason: 'missing' };
      if (current.scheduleVersion !== input.scheduleVersion) return { claimed: false, reason: 'stale', email: current };
      if (current.status === 'sending') return { claimed: false, reason: 'leased', email: current };
      if ((SEND_FINISHED as readonly Status[]).includes(current.status)) return { claimed: false, reason: 'finished', email: current };
      return { claimed: false, reason: 'finished', email: current };
    }
  }

  /**
   * `claim` for a batch: one PartiQL BatchExecuteStatement per 25 emails of conditional UPDATEs
   * (the same condition as `claim`), then one consistent BatchGetItem of them all. An email is
   * claimed iff its stored claimToken is ours; one whose statement was refused is classified from
   * what was read, like `claim` does. One whose statement failed otherwise (throttled, a
   * conflict, an internal error, or the whole call threw) and that is not ours is claimed again
   * on its own by `claim` — never taken for "not ours". A repeated id (the same email twice in a
   * batch) is claimed on its own too: a batch may not name an item twice.
   * Needs `dynamodb:PartiQLUpdate` on the table besides the usual item actions.
   */
  async claimMany(inputs: readonly ClaimManyInput[]): Promise<PromiseSettledResult<ClaimResult>[]> {
    const first = new Map<string, number>();
    inputs.forEach((input, i) => {
      if (!first.has(input.id)) first.set(input.id, i);
    });
    const batched = [...first.values()];
    const refused = new Set<number>();
    for (let c = 0; c < batched.length; c += CLAIM_STATEMENTS_PER_CALL) {
      const chunk = batched.slice(c, c + CLAIM_STATEMENTS_PER_CALL);
      try {
        const out = await this.doc.send(new BatchExecuteStatementCommand({ Statements: chunk.map((i) => this.claimStatement(inputs[i]!)) }));
        chunk.forEach((i, j) => {
          if (out.Responses?.[j]?.Error?.Code === 'ConditionalCheckFailed') refused.add(i);
        });
      } catch {
        // Outcome unknown: what is read next tells which of these are ours; the rest claim on their own.
      }
    }
    const current = await this.readMany(batched.map((i) => inputs[i]!.id));
    const results: (ClaimResult | undefined)[] = inputs.map(() => undefined);
    for (const i of batched) {
      const input = inputs[i]!;
      const email = current.get(input.id);
      if (email && email.claimToken === input.token) results[i] = { claimed: true, email };
      else if (refused.has(i)) results[i] = refusedClaim(email, input.scheduleVersion);
    }
    // In order, one at a time: a repeated id comes after its first and finds it leased.
    const settled: PromiseSettledResult<ClaimResult>[] = [];
    for (const [i, result] of results.entries()) {
      if (result) settled.push({ status: 'fulfilled', value: result });
      else
        settled.push(
          await this.claim(inputs[i]!.id, inputs[i]!).then(
            (value) => ({ status: 'fulfilled' as const, value }),
            (reason: unknown) => ({ status: 'rejected' as const, reason }),
          ),
        );
    }
    return settled;
  }

  private claimStatement(input: ClaimManyInput) {
    const nowSec = Math.floor(input.now.getTime() / 1000);
    const claimable = CLAIMABLE.map(() => '?').join(', ');
    return {
      Statement:
        `UPDATE "${this.tableName}" SET "status" = ? SET "leaseUntil" = ? SET "claimToken" = ? SET "updatedAt" = ? SET "${PENDING.partitionKey}" = ? SET "${PENDING.sortKey}" = ?` +
        ` WHERE "pk" = ? AND "sk" = ? AND "scheduleVersion" = ? AND ("status" IN [${claimable}] OR ("status" = ? AND "leaseUntil" < ?))`,
      Parameters: [
        'sending',
        nowSec + input.leaseSeconds,
        input.token,
        input.now.toISOString(),
        ...Object.values(pendingValues(input.id, nowSec + input.leaseSeconds)),
        emailKey(input.id).pk,
        emailKey(input.id).sk,
        input.scheduleVersion,
        ...CLAIMABLE,
        'sending',
        nowSec,
      ],
    };
  }

  /** Consistent reads of many emails: BatchGetItem per 100, unprocessed keys retried, then read one by one. */
  private async readMany(ids: readonly string[]): Promise<Map<string, EmailRecord>> {
    const found = new Map<string, EmailRecord>();
    for (let c = 0; c < ids.length; c += READ_KEYS_PER_CALL) {
      const keys = ids.slice(c, c + READ_KEYS_PER_CALL).map(emailKey);
      const left = await withBatchRetry(keys, async (pending) => {
        const out = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }));
        for (const item of out.Responses?.[this.tableName] ?? []) {
          const email = fromItem(item)!;
          found.set(email.id, email);
        }
        return (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof pending;
      });
      for (const key of left) {
        const email = await this.get(key.pk.slice('EMAIL#'.length));
        if (email) found.set(email.id, email);
      }
    }
    return found;
  }

  async transition(id: string, input: TransitionInput): Promise<EmailRecord | undefined> {
    const allowed = statusesBefore(input.to).filter((s) => !input.from || input.from.includes(s));
    if (allowed.length === 0) return undefined;
    const cond = inList('#status', 'f', allowed);
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {
      ...cond.values,
      ':to': input.to,
      ':ev': [input.event],
      ':empty': [],
      ':now': input.event.at,
    };
    const sets = ['#status = :to', 'updatedAt = :now', 'events = list_append(if_not_exists(events, :empty), :ev)'];
    const removes: string[] = [];
    if (!input.keepLastEvent) {
      sets.push('lastEvent = :le');
      values[':le'] = input.event.type;
    }
    for (const [k, v] of Object.entries(input.set ?? {})) {
      names[`#s_${k}`] = k;
      if (v === undefined) removes.push(`#s_${k}`);
      else {
        sets.push(`#s_${k} = :s_${k}`);
        values[`:s_${k}`] = v;
      }
    }
    const stuck = stuckFrom({ status: input.to, ...pickDefined(input.set) }, new Date(input.event.at));
    names['#ppk'] = PENDING.partitionKey;
    names['#psk'] = PENDING.sortKey;
    if (stuck) {
      const key = pendingKey(id, stuck);
      sets.push('#ppk = :ppk', '#psk = :psk');
      values[':ppk'] = key[PENDING.partitionKey];
      values[':psk'] = key[PENDING.sortKey];
    } else removes.push('#ppk', '#psk');
    const conditions = ['attribute_exists(pk)', `(${cond.expression})`];
    if (input.claimToken !== undefined) {
      conditions.push('claimToken = :ct');
      values[':ct'] = input.claimToken;
    }
    if (input.scheduleVersion !== undefined) {
      conditions.push('scheduleVersion = :sv');
      values[':sv'] = input.scheduleVersion;
    }
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: emailKey(id),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromItem(out.Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async findStuck(before: Date, limit: number, options: { all?: boolean } = {}): Promise<StuckEmail[]> {
    const found: StuckEmail[] = [];
    const perShard = Math.max(1, Math.ceil(limit / PENDING_SHARDS));
    const due = options.all ? undefined : before;
    const shards = await Promise.all(Array.from({ length: PENDING_SHARDS }, (_, shard) => this.queryStuck(shard, before, perShard, false, due)));
    for (const items of shards) for (const item of items.items) found.push(parseStuckEmailItem(item));
    return found.sort((a, b) => a.stuckSince.localeCompare(b.stuckSince)).slice(0, limit);
  }

  async countStuck(at: Date, max: number): Promise<number> {
    const perShard = Math.max(1, Math.ceil(max / PENDING_SHARDS));
    const shards = await Promise.all(Array.from({ length: PENDING_SHARDS }, (_, shard) => this.queryStuck(shard, at, perShard, true, undefined)));
    return Math.min(
      max,
      shards.reduce((n, s) => n + s.count, 0),
    );
  }

  /**
   * One shard of the pending index up to `before`, following pages until `limit` items; with
   * `reconcilableBy`, only items not waiting for the reconciler's backoff at that time (a filter, so
   * at most MAX_STUCK_PAGES pages are read).
   */
  private async queryStuck(
    shard: number,
    before: Date,
    limit: number,
    countOnly: boolean,
    reconcilableBy: Date | undefined,
  ): Promise<{ items: Record<string, unknown>[]; count: number }> {
    const items: Record<string, unknown>[] = [];
    let count = 0;
    let start: Record<string, unknown> | undefined;
    let pages = 0;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: PENDING.name,
          KeyConditionExpression: '#ppk = :ppk AND #psk <= :before',
          ExpressionAttributeNames: { '#ppk': PENDING.partitionKey, '#psk': PENDING.sortKey },
          // `~` sorts after every id, so an email stuck exactly at `before` is included.
          ExpressionAttributeValues: {
            ':ppk': pendingPartition(shard),
            ':before': `${before.toISOString()}#~`,
            ...(reconcilableBy ? { ':by': reconcilableBy.toISOString() } : {}),
          },
          ...(reconcilableBy ? { FilterExpression: 'attribute_not_exists(nextReconcileAt) OR nextReconcileAt <= :by' } : {}),
          Limit: limit - count,
          ...(countOnly ? { Select: 'COUNT' as const } : {}),
          ExclusiveStartKey: start,
        }),
      );
      count += out.Count ?? 0;
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start && count < limit && ++pages < MAX_STUCK_PAGES);
    return { items, count };
  }

  async markReconciled(email: StuckEmail, at: Date, next: Date): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: emailKey(email.id),
          UpdateExpression: 'SET reconciledAt = :at, nextReconcileAt = :next ADD reconciles :one',
          ConditionExpression:
            'attribute_exists(pk) AND #status = :status AND scheduleVersion = :sv AND ' +
            (email.reconciledAt ? 'reconciledAt = :prev' : 'attribute_not_exists(reconciledAt)'),
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':at': at.toISOString(),
            ':next': next.toISOString(),
            ':one': 1,
            ':status': email.status,
            ':sv': email.scheduleVersion,
            ...(email.reconciledAt ? { ':prev': email.reconciledAt } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Gives every pending email written before the `pending` index existed its index keys, so the
   * reconciler sees it (a one-off after an upgrade: `mailroom reconcile --backfill`, or local mode when
   * it adds the index to an old data folder). A Scan of the table's email items, filtered; each
   * update is conditional on the email still being in the status it was read in. Returns how many.
   */
  async backfillPendingIndex(): Promise<number> {
    let done = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: `sk = :email AND attribute_not_exists(#ppk) AND #status IN (${PENDING_STATUSES.map((_, i) => `:s${i}`).join(', ')})`,
          ExpressionAttributeNames: { '#ppk': PENDING.partitionKey, '#status': 'status' },
          ExpressionAttributeValues: { ':email': 'EMAIL', ...Object.fromEntries(PENDING_STATUSES.map((st, i) => [`:s${i}`, st])) },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        let email: EmailRecord;
        try {
          email = parseEmailItem(item);
        } catch {
          continue; // not an email the sender could send either; nothing to index
        }
        const stuck = stuckFrom(email, new Date(email.updatedAt));
        if (!stuck) continue;
        const key = pendingKey(email.id, stuck);
        try {
          await this.doc.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: emailKey(email.id),
              UpdateExpression: 'SET #ppk = :ppk, #psk = :psk',
              ConditionExpression: '#status = :status AND attribute_not_exists(#ppk)',
              ExpressionAttributeNames: { '#ppk': PENDING.partitionKey, '#psk': PENDING.sortKey, '#status': 'status' },
              ExpressionAttributeValues: { ':ppk': key[PENDING.partitionKey], ':psk': key[PENDING.sortKey], ':status': email.status },
            }),
          );
          done++;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return done;
  }

  async appendEvent(id: string, event: EmailEvent): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: emailKey(id),
          UpdateExpression: 'SET events = list_append(if_not_exists(events, :empty), :ev), updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':ev': [event], ':empty': [], ':now': event.at },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw error;
    }
  }

  /**
   * One page of the tenant's emails, newest first, from gsi1. Without `before` it reads newest →
   * oldest from `after` (exclusive); with `before` it reads oldest → newest from there and turns
   * the page round. It asks for `limit + 1` matches, so `hasMore` is exact: a page that is exactly
   * full says no more. Filters (status, lane — a FilterExpression — and recipient, matched here,
   * which DynamoDB cannot do on a list) are applied after DynamoDB's `Limit`, so a filtered page
   * reads up to MAX_LIST_QUERIES index pages; when that read budget runs out first, the page is
   * short, `hasMore` is true and `resume` is the last email read. The start key is rebuilt from the
   * tenant and the position, never taken from the client.
   */
  async listByTenant(input: ListEmailsInput): Promise<EmailListPage> {
    const forward = !input.before;
    const from = input.before ?? input.after;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':pk': `TENANT#${input.tenantId}`, ':prefix': 'EMAIL#' };
    const conditions: string[] = [];
    if (input.status) {
      names['#status'] = 'status';
      values[':status'] = input.status;
      conditions.push('#status = :status');
    }
    if (input.lane) {
      names['#lane'] = 'lane';
      values[':lane'] = input.lane;
      conditions.push('#lane = :lane');
    }
    const filtered = conditions.length > 0 || hasMatch(input);
    const matches = (e: EmailRecord) => matchesEmail(e, input);
    // Newest first: once an email older than `createdAfter` is read, none further can match.
    const pastRange = (e: EmailRecord) => forward && input.createdAfter !== undefined && e.createdAt < input.createdAfter;
    const want = input.limit + 1;
    const found: EmailRecord[] = [];
    let start: Record<string, unknown> | undefined = from ? listStartKey(input.tenantId, from) : undefined;
    let lastRead: EmailRecord | undefined;
    for (let reads = 0; reads < MAX_LIST_QUERIES; reads++) {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
          ...(conditions.length ? { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
          ScanIndexForward: !forward,
          Limit: filtered ? FILTERED_READ_PAGE : want - found.length,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        const email = fromItem(item)!;
        if (pastRange(email)) return { emails: found, hasMore: false };
        lastRead = email;
        if (!matches(email)) continue;
        found.push(email);
        if (found.length === want) break;
      }
      if (found.length === want) {
        const emails = found.slice(0, input.limit);
        const last = emails.at(-1)!;
        return { emails: forward ? emails : emails.reverse(), hasMore: true, resume: { createdAt: last.createdAt, id: last.id } };
      }
      start = out.LastEvaluatedKey;
      if (!start) return { emails: forward ? found : found.reverse(), hasMore: false };
    }
    // Read budget spent before the page filled: resume after the last email read.
    return {
      emails: forward ? found : found.reverse(),
      hasMore: true,
      ...(lastRead ? { resume: { createdAt: lastRead.createdAt, id: lastRead.id } } : {}),
    };
  }
}

/** gsi1 start key of a list position: rebuilt from the caller's tenant, so a position cannot reach another tenant. */
function listStartKey(tenantId: string, at: EmailListPosition): Record<string, unknown> {
  return { ...emailKey(at.id), ...KEYS.emailByTenant(tenantId, at.createdAt, at.id) };
}

/** Most pages one shard's stuck query reads per call: bounds a reconciler run's reads when much is waiting. */
const MAX_STUCK_PAGES = 20;
/** BatchExecuteStatement's limit. */
const CLAIM_STATEMENTS_PER_CALL = 25;
/** BatchGetItem's limit. */
const READ_KEYS_PER_CALL = 100;

/** Why a claim was refused, from the email as read after the refused write: the answers `claim` gives. */
function refusedClaim(current: EmailRecord | undefined, scheduleVersion: number): ClaimResult {
  if (!current) return { claimed: false, reason: 'missing' };
  if (current.scheduleVersion !== scheduleVersion) return { claimed: false, reason: 'stale', email: current };
  if (current.status === 'sending') return { claimed: false, reason: 'leased', email: current };
  return { claimed: false, reason: 'finished', email: current };
}

/** Index items one filtered Query reads (DynamoDB's `Limit` counts items read, not matches). */
const FILTERED_READ_PAGE = 100;
/** Most Query calls one `GET /emails` makes (a filtered page, or an unfiltered one cut by the 1 MB limit): bounds its latency and read cost. */
const MAX_LIST_QUERIES = 5;
