import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchExecuteStatementCommand,
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { EmailEvent, EmailRecord } from '#shared/domain/email';
import { CLAIMABLE, SEND_FINISHED, statusesBefore, type Status } from '#shared/domain/status';
import type { ClaimInput, ClaimManyInput, ClaimResult, EmailStore, ListEmailsInput, TransitionInput } from '#shared/ports/index';
import { withBatchRetry } from './dynamodb-util';
import type { EmailListPage, EmailListPosition } from '#shared/ports/index';

const KEY_ATTRS = ['pk', 'sk', 'gsi1pk', 'gsi1sk'] as const;

export const emailKey = (id: string) => ({ pk: `EMAIL#${id}`, sk: 'EMAIL' });

function toItem(email: EmailRecord): Record<string, unknown> {
  return {
    ...emailKey(email.id),
    gsi1pk: `TENANT#${email.tenantId}`,
    gsi1sk: `EMAIL#${email.createdAt}#${email.id}`,
    ...email,
  };
}

function fromItem(item: Record<string, unknown> | undefined): EmailRecord | undefined {
  if (!item) return undefined;
  const copy: Record<string, unknown> = { ...item };
  for (const k of KEY_ATTRS) delete copy[k];
  return copy as unknown as EmailRecord;
}

/** Builds `#a IN (:a0, :a1, …)` with its values. */
function inList(attr: string, prefix: string, values: readonly string[]) {
  const names = values.map((_, i) => `:${prefix}${i}`);
  return {
    expression: `${attr} IN (${names.join(', ')})`,
    values: Object.fromEntries(values.map((v, i) => [names[i]!, v])),
  };
}

/** EmailStore on the single Mailroom table (`EMAIL#<id>` / `EMAIL`, gsi1 = tenant, newest first). */
export class DynamoEmailStore implements EmailStore {
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
    const filtered = conditions.length > 0 || input.recipient !== undefined;
    const recipient = input.recipient?.toLowerCase();
    const matches = (e: EmailRecord) => !recipient || [...(e.to ?? []), ...(e.cc ?? []), ...(e.bcc ?? [])].some((a) => a.toLowerCase().includes(recipient));
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
  return { ...emailKey(at.id), gsi1pk: `TENANT#${tenantId}`, gsi1sk: `EMAIL#${at.createdAt}#${at.id}` };
}

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
