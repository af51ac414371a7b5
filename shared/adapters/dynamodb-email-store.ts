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
  type ScanCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { EmailEvent, EmailRecord } from '#shared/domain/email';
import { CLAIMABLE, SEND_FINISHED, STATUSES, statusesBefore, type Status } from '#shared/domain/status';
import type { ProviderEventInput, ProviderEventRecorder, ProviderEventResult } from '#shared/ports/provider-events';
import { hasMatch, matchesEmail } from '#shared/domain/email-filter';
import { PENDING_STATUSES, SENDING_STUCK_AFTER_LEASE_SECONDS, stuckFrom } from '#shared/domain/stuck';
import type { ClaimInput, ClaimManyInput, ClaimResult, EmailStore, ListEmailsInput, StuckEmail, StuckEmailStore, TransitionInput } from '#shared/ports/index';
import { MAIN_TABLE } from '#infra/definitions';
import { EMAIL_LIST_SHARDS, emailListPartition, KEYS, PENDING_SHARDS, pendingKey, pendingPartition } from './dynamodb-keys';
import { EMAIL_EVENT_IDS_ATTRIBUTE, emailToItem, parseEmailItem, parseStuckEmailItem } from './dynamodb-mappers';
import { withBatchRetry } from './dynamodb-util';
import type { EmailListPage, EmailListPosition } from '#shared/ports/index';

const PENDING = MAIN_TABLE.pending;
const LIST = MAIN_TABLE.emailList;

export const emailKey = KEYS.email;

function toItem(email: EmailRecord): Record<string, unknown> {
  const stuck = stuckFrom(email, new Date(email.updatedAt));
  return {
    ...emailKey(email.id),
    ...KEYS.emailByTenant(email.tenantId, email.createdAt, email.id),
    ...(stuck ? pendingKey(email.id, stuck) : {}),
    ...emailToItem(email),
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
export class DynamoEmailStore implements EmailStore, StuckEmailStore, ProviderEventRecorder {
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
          // The pending index keys stay as they are (see findStuck): re-keying them would cost two index writes per claim.
          UpdateExpression: 'SET #status = :sending, leaseUntil = :lease, claimToken = :token, updatedAt = :now',
          ConditionExpression: `attribute_exists(pk) AND scheduleVersion = :sv AND (${claimable.expression} OR (#status = :sending AND leaseUntil < :nowSec))`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ...claimable.values,
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
        `UPDATE "${this.tableName}" SET "status" = ? SET "leaseUntil" = ? SET "claimToken" = ? SET "updatedAt" = ?` +
        ` WHERE "pk" = ? AND "sk" = ? AND "scheduleVersion" = ? AND ("status" IN [${claimable}] OR ("status" = ? AND "leaseUntil" < ?))`,
      Parameters: [
        'sending',
        nowSec + input.leaseSeconds,
        input.token,
        input.now.toISOString(),
        emailKey(input.id).pk,
        emailKey(input.id).sk,
        input.scheduleVersion,
        ...CLAIMABLE,
        'sending',
        nowSec,
      ],
    };
  }

  /** Reads of many emails (consistent unless told): BatchGetItem per 100, unprocessed keys retried, then read one by one. */
  private async readMany(ids: readonly string[], consistent = true): Promise<Map<string, EmailRecord>> {
    const found = new Map<string, EmailRecord>();
    for (let c = 0; c < ids.length; c += READ_KEYS_PER_CALL) {
      const keys = ids.slice(c, c + READ_KEYS_PER_CALL).map(emailKey);
      const left = await withBatchRetry(keys, async (pending) => {
        const out = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: consistent } } }));
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
    for (const items of shards) for (const item of items.items) found.push(withLeaseStuckTime(parseStuckEmailItem(item)));
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
          ExpressionAttributeNames: { '#ppk': PENDING.partitionKey, '#psk': PENDING.sortKey, '#status': 'status' },
          // `~` sorts after every id, so an email stuck exactly at `before` is included.
          ExpressionAttributeValues: {
            ':ppk': pendingPartition(shard),
            ':before': `${before.toISOString()}#~`,
            ':sending': 'sending',
            ':leaseCut': before.getTime() / 1000 - SENDING_STUCK_AFTER_LEASE_SECONDS,
            ...(reconcilableBy ? { ':by': reconcilableBy.toISOString() } : {}),
          },
          // A claim leaves the key of the status it claimed from (one index write less per email): a
          // `sending` email is stuck only once its lease and the visibility timeout after it ran out.
          FilterExpression:
            '(#status <> :sending OR leaseUntil <= :leaseCut)' +
            (reconcilableBy ? ' AND (attribute_not_exists(nextReconcileAt) OR nextReconcileAt <= :by)' : ''),
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
    return this.backfill(
      {
        FilterExpression: `sk = :email AND attribute_not_exists(#ppk) AND #status IN (${PENDING_STATUSES.map((_, i) => `:s${i}`).join(', ')})`,
        ExpressionAttributeNames: { '#ppk': PENDING.partitionKey, '#status': 'status' },
        ExpressionAttributeValues: { ':email': 'EMAIL', ...Object.fromEntries(PENDING_STATUSES.map((st, i) => [`:s${i}`, st])) },
      },
      (item) => {
        let email: EmailRecord;
        try {
          email = parseEmailItem(item);
        } catch {
          return undefined; // not an email the sender could send either; nothing to index
        }
        const stuck = stuckFrom(email, new Date(email.updatedAt));
        if (!stuck) return undefined;
        const key = pendingKey(email.id, stuck);
        return {
          Key: emailKey(email.id),
          UpdateExpression: 'SET #ppk = :ppk, #psk = :psk',
          ConditionExpression: '#status = :status AND attribute_not_exists(#ppk)',
          ExpressionAttributeNames: { '#ppk': PENDING.partitionKey, '#psk': PENDING.sortKey, '#status': 'status' },
          ExpressionAttributeValues: { ':ppk': key[PENDING.partitionKey], ':psk': key[PENDING.sortKey], ':status': email.status },
        };
      },
    );
  }

  /**
   * One backfill pass: a Scan of the items `scan` filters, and for each the conditional update
   * `updateFor` builds (none: skipped). An update whose condition fails was done by someone else or
   * is no longer due. Returns how many updates were written.
   */
  private async backfill(
    scan: Pick<ScanCommandInput, 'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues' | 'ProjectionExpression'>,
    updateFor: (item: Record<string, unknown>) => Omit<UpdateCommandInput, 'TableName'> | undefined,
  ): Promise<number> {
    let done = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(new ScanCommand({ TableName: this.tableName, ...scan, ExclusiveStartKey: start }));
      for (const item of out.Items ?? []) {
        const update = updateFor(item);
        if (!update) continue;
        try {
          await this.doc.send(new UpdateCommand({ TableName: this.tableName, ...update }));
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
   * Records a provider event in one conditional UpdateItem, without reading the email first: the
   * status moves forward where the transition table allows (else, or when there is no status to move
   * to, the event only joins the history), and the event id joins a string set the condition checks,
   * so a redelivered event writes nothing. Only a refused move reads the email (to tell a duplicate,
   * an early event and an out-of-order one apart); an event that only joins the history (rare) is read
   * before its write. With `onlyWhile`, one eventually consistent read of the status comes first, so an
   * event that would change nothing costs a read, not a write.
   */
  async recordProviderEvent(id: string, input: ProviderEventInput): Promise<ProviderEventResult> {
    if (input.onlyWhile) {
      const out = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: emailKey(id), ProjectionExpression: '#status', ExpressionAttributeNames: { '#status': 'status' } }),
      );
      if (!out.Item) return { kind: 'missing' };
      const status = out.Item.status as Status;
      if (!input.onlyWhile.includes(status)) return { kind: 'skipped', status };
    }
    let read = false;
    if (input.to) {
      const allowed = statusesBefore(input.to).filter((s) => !input.onlyWhile || input.onlyWhile.includes(s));
      if (allowed.length > 0) {
        const moved = await this.recordIf(id, input, allowed, true);
        if (moved) return { kind: 'moved', email: moved };
        const refused = await this.refusedEvent(id, input);
        if (refused) return refused;
        read = true;
      }
    }
    // Only joining the history (out of order, Reject, Send before `sent`: the rare events): read first,
    // so an event the previous version recorded (its id only in the history entry) is known too.
    const statuses = STATUSES.filter((s) => !input.deferWhile.includes(s) && (!input.onlyWhile || input.onlyWhile.includes(s)));
    for (let attempt = 0; attempt < 3; attempt++) {
      if (!read) {
        const refused = await this.refusedEvent(id, input);
        if (refused) return refused;
      }
      read = false;
      const appended = await this.recordIf(id, input, statuses, false);
      if (appended) return { kind: 'appended', email: appended };
      // Refused after the read said yes: a concurrent copy of the event, or a concurrent status change — read again.
    }
    throw new Error(`Event ${input.eventId} could not be recorded on email ${id}: it kept changing meanwhile`);
  }

  /** One conditional write of a provider event: the email's status in `statuses`, the event id new to it. */
  private async recordIf(id: string, input: ProviderEventInput, statuses: readonly Status[], move: boolean): Promise<EmailRecord | undefined> {
    const cond = inList('#status', 's', statuses);
    const sets = ['events = list_append(if_not_exists(events, :empty), :ev)', 'updatedAt = :now'];
    const values: Record<string, unknown> = {
      ...cond.values,
      ':ev': [input.event],
      ':empty': [],
      ':now': input.event.at,
      ':eid': input.eventId,
      ':eids': new Set([input.eventId]),
    };
    if (move) {
      sets.push('#status = :to', 'lastEvent = :le');
      values[':to'] = input.to;
      values[':le'] = input.event.type;
      if (input.providerMessageId) {
        sets.push('providerMessageId = if_not_exists(providerMessageId, :pmid)');
        values[':pmid'] = input.providerMessageId;
      }
    }
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: emailKey(id),
          UpdateExpression: `SET ${sets.join(', ')} ADD #eids :eids`,
          ConditionExpression: `attribute_exists(pk) AND (${cond.expression}) AND NOT contains(#eids, :eid)`,
          ExpressionAttributeNames: { '#status': 'status', '#eids': EMAIL_EVENT_IDS_ATTRIBUTE },
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

  /** Why a provider event's write was refused, from the email read now; undefined when it may still join the history. */
  private async refusedEvent(id: string, input: ProviderEventInput): Promise<ProviderEventResult | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: emailKey(id), ConsistentRead: true }));
    if (!out.Item) return { kind: 'missing' };
    const email = fromItem(out.Item)!;
    const ids = out.Item[EMAIL_EVENT_IDS_ATTRIBUTE] as Set<string> | undefined;
    // Emails written before the id set existed keep the id in the history entry only.
    if (ids?.has(input.eventId) || email.events.some((e) => e.detail?.ses_event_id === input.eventId)) return { kind: 'duplicate', email };
    if (input.deferWhile.includes(email.status)) return { kind: 'deferred', email };
    if (input.onlyWhile && !input.onlyWhile.includes(email.status)) return { kind: 'skipped', status: email.status };
    return undefined;
  }

  /**
   * Gives every email written before the `emailList` index existed its list keys (and drops its gsi1
   * keys, so it leaves gsi1), so `GET /emails` lists it: a one-off after an upgrade (`mailroom
   * reconcile --backfill`, or local mode when it adds the index to an old data folder). A Scan of the
   * table's email items, filtered. Returns how many it moved.
   */
  async backfillEmailList(): Promise<number> {
    return this.backfill(
      {
        FilterExpression: 'sk = :email AND attribute_not_exists(#lpk) AND attribute_exists(tenantId) AND attribute_exists(createdAt)',
        ExpressionAttributeNames: { '#lpk': LIST.partitionKey },
        ExpressionAttributeValues: { ':email': 'EMAIL' },
        ProjectionExpression: 'id, tenantId, createdAt',
      },
      (item) => {
        const { id, tenantId, createdAt } = item as { id?: unknown; tenantId?: unknown; createdAt?: unknown };
        if (typeof id !== 'string' || typeof tenantId !== 'string' || typeof createdAt !== 'string') return undefined;
        const key = KEYS.emailByTenant(tenantId, createdAt, id);
        return {
          Key: emailKey(id),
          UpdateExpression: 'SET #lpk = :lpk, #lsk = :lsk REMOVE #gpk, #gsk',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#lpk)',
          ExpressionAttributeNames: { '#lpk': LIST.partitionKey, '#lsk': LIST.sortKey, '#gpk': MAIN_TABLE.gsi1.partitionKey, '#gsk': MAIN_TABLE.gsi1.sortKey },
          ExpressionAttributeValues: { ':lpk': key[LIST.partitionKey], ':lsk': key[LIST.sortKey] },
        };
      },
    );
  }

  /**
   * One page of the tenant's emails, newest first, from the `emailList` index: its EMAIL_LIST_SHARDS
   * partitions read in parallel and merged in order (EmailListStream). Without `before` it reads
   * newest → oldest from `after` (exclusive); with `before` it reads oldest → newest from there and
   * turns the page round. It asks for `limit + 1` matches, so `hasMore` is exact: a page that is
   * exactly full says no more. The index holds only fields that never change (MAIN_TABLE.emailList):
   * lane (a FilterExpression), recipient, subject, sender, tag and created range are matched on the
   * index items; the ones that pass are read whole (one BatchGetItem per chunk, eventually
   * consistent like the index), and status and provider message id are matched on them. Filters
   * apply after DynamoDB's `Limit`, so a filtered page reads up to MAX_LIST_QUERIES index pages per
   * shard; when that read budget runs out first, the page is short, `hasMore` is true and `resume`
   * is the last email read. The start keys are rebuilt from the tenant and the position, never taken
   * from the client.
   */
  async listByTenant(input: ListEmailsInput): Promise<EmailListPage> {
    const forward = !input.before;
    const from = input.before ?? input.after;
    const names: Record<string, string> = { '#lpk': LIST.partitionKey, '#lsk': LIST.sortKey };
    const conditions: string[] = [];
    const filterValues: Record<string, unknown> = {};
    if (input.lane) {
      names['#lane'] = 'lane';
      filterValues[':lane'] = input.lane;
      conditions.push('#lane = :lane');
    }
    const filtered = conditions.length > 0 || input.status !== undefined || input.providerMessageId !== undefined || hasMatch(input);
    // What the index items can answer (every field of EmailMatch but the provider message id, which changes)…
    const onIndex = { ...input, providerMessageId: undefined };
    // …and what only the email item can.
    const matches = (e: EmailRecord) => (!input.status || e.status === input.status) && matchesEmail(e, input);
    // Newest first: once an email older than `createdAfter` is read, none further can match.
    const pastRange = (e: ListedEmail) => forward && input.createdAfter !== undefined && e.createdAt < input.createdAfter;
    const want = input.limit + 1;
    const stream = new EmailListStream(
      (cursor) =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: LIST.name,
            KeyConditionExpression: '#lpk = :pk AND begins_with(#lsk, :prefix)',
            ...(conditions.length ? { FilterExpression: conditions.join(' AND ') } : {}),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':pk': emailListPartition(input.tenantId, cursor.shard), ':prefix': 'EMAIL#', ...filterValues },
            ScanIndexForward: !forward,
            Limit: filtered ? FILTERED_READ_PAGE : want,
            ...(cursor.start ? { ExclusiveStartKey: cursor.start } : {}),
          }),
        ),
      Array.from({ length: EMAIL_LIST_SHARDS }, (_, shard) => (from ? listStartKey(input.tenantId, from, shard) : undefined)),
      forward,
      MAX_LIST_QUERIES * EMAIL_LIST_SHARDS,
    );
    const found: EmailRecord[] = [];
    let lastRead: ListedEmail | undefined;
    let ended = false;
    let spent = false;
    while (found.length < want && !ended && !spent) {
      // The next index items in list order: a page's worth, or FILTERED_READ_PAGE when filters may drop most.
      const chunk: ListedEmail[] = [];
      const size = filtered ? FILTERED_READ_PAGE : want - found.length;
      while (chunk.length < size) {
        const item = await stream.next();
        if (item === 'spent') spent = true;
        else if (!item || pastRange(item)) ended = true;
        else {
          lastRead = item;
          chunk.push(item);
          continue;
        }
        break;
      }
      const candidates = chunk.filter((item) => matchesEmail(item, onIndex)).map((item) => item.id);
      const emails = await this.readMany(candidates, false);
      for (const id of candidates) {
        const email = emails.get(id);
        // Gone meanwhile (TTL), or no longer matching: not listed.
        if (!email || !matches(email)) continue;
        found.push(email);
        if (found.length === want) break;
      }
    }
    if (found.length === want) {
      const page = found.slice(0, input.limit);
      const last = page.at(-1)!;
      return { emails: forward ? page : page.reverse(), hasMore: true, resume: { createdAt: last.createdAt, id: last.id } };
    }
    if (ended) return { emails: forward ? found : found.reverse(), hasMore: false };
    // Read budget spent before the page filled: resume after the last email read (every shard is read up to it).
    return {
      emails: forward ? found : found.reverse(),
      hasMore: true,
      ...(lastRead ? { resume: { createdAt: lastRead.createdAt, id: lastRead.id } } : {}),
    };
  }
}

/** An `emailList` index item: the fields MAIN_TABLE.emailList projects, and its sort key. */
type ListedEmail = Pick<EmailRecord, 'id' | 'lane' | 'from' | 'to' | 'cc' | 'bcc' | 'subject' | 'tags' | 'createdAt'> & Record<string, unknown>;

/** One `emailList` shard as a list query reads it: what it has read and not yet handed out, and where its next Query starts. */
interface ShardCursor {
  readonly shard: number;
  items: ListedEmail[];
  start: Record<string, unknown> | undefined;
  done: boolean;
}

/**
 * A tenant's `emailList` shards as one stream in list order (a k-way merge on the sort key,
 * `EMAIL#<createdAt>#<id>`, unique per email). An item is handed out only when every shard not yet
 * read to its end has an item waiting, so once an item is out, nothing before it in list order is
 * left unread in any shard: the last item handed out is a safe place to resume. Empty shards are
 * read in parallel; at most `budget` Queries in all.
 */
class EmailListStream {
  private readonly cursors: ShardCursor[];
  private queries = 0;

  constructor(
    private readonly query: (cursor: ShardCursor) => Promise<{ Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> }>,
    starts: ReadonlyArray<Record<string, unknown> | undefined>,
    private readonly forward: boolean,
    private readonly budget: number,
  ) {
    this.cursors = starts.map((start, shard) => ({ shard, items: [], start, done: false }));
  }

  /** The next index item in list order; undefined once every shard is read to its end; `spent` when the Query budget ran out first. */
  async next(): Promise<ListedEmail | undefined | 'spent'> {
    for (;;) {
      const empty = this.cursors.filter((c) => c.items.length === 0 && !c.done);
      if (empty.length === 0) break;
      if (this.queries + empty.length > this.budget) return 'spent';
      this.queries += empty.length;
      await Promise.all(
        empty.map(async (cursor) => {
          const out = await this.query(cursor);
          cursor.items.push(...((out.Items ?? []) as ListedEmail[]));
          cursor.start = out.LastEvaluatedKey;
          cursor.done = !out.LastEvaluatedKey;
        }),
      );
    }
    let best: ShardCursor | undefined;
    for (const cursor of this.cursors) {
      const head = cursor.items[0];
      if (!head) continue;
      const key = head[LIST.sortKey] as string;
      const bestKey = best?.items[0]?.[LIST.sortKey] as string | undefined;
      if (bestKey === undefined || (this.forward ? key > bestKey : key < bestKey)) best = cursor;
    }
    return best?.items.shift();
  }
}

/** `emailList` start key of a list position in one shard: rebuilt from the caller's tenant, so a position cannot reach another tenant. */
function listStartKey(tenantId: string, at: EmailListPosition, shard: number): Record<string, unknown> {
  return {
    ...emailKey(at.id),
    [LIST.partitionKey]: emailListPartition(tenantId, shard),
    [LIST.sortKey]: KEYS.emailByTenant(tenantId, at.createdAt, at.id)[LIST.sortKey],
  };
}

/** A sending email's stuck time is its lease's (plus the visibility timeout) when that is later than its index key. */
function withLeaseStuckTime(email: StuckEmail): StuckEmail {
  if (email.status !== 'sending' || email.leaseUntil === undefined) return email;
  const leaseStuck = new Date((email.leaseUntil + SENDING_STUCK_AFTER_LEASE_SECONDS) * 1000).toISOString();
  return leaseStuck > email.stuckSince ? { ...email, stuckSince: leaseStuck } : email;
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
/** Most Query calls one `GET /emails` makes per shard (a filtered page, or an unfiltered one cut by the 1 MB limit): bounds its latency and read cost. */
const MAX_LIST_QUERIES = 5;
