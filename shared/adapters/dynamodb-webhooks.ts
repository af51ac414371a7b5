import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import type { Webhook, WebhookAttempt, WebhookEventRecord } from '#shared/domain/webhook';
import type { EndpointSlots, WebhookEventLog, WebhookStore } from '#shared/ports/webhooks';
import { KEYS } from './dynamodb-keys';
import { parseWebhookAttemptItem, parseWebhookEventItem, parseWebhookEventItemIfAny, parseWebhookItem, parseWebhookItemIfAny } from './dynamodb-record-parsers';

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException || (error as Error)?.name === 'ConditionalCheckFailedException';

const hookKey = KEYS.webhook;

/** Webhooks in the main table: `TENANT#<t>` / `WEBHOOK#<id>`. */
export class DynamoWebhookStore implements WebhookStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(webhook: Webhook): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...hookKey(webhook.tenantId, webhook.id), ...webhook },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(tenantId: string, id: string): Promise<Webhook | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: hookKey(tenantId, id), ConsistentRead: true }));
    return parseWebhookItemIfAny(out.Item);
  }

  async list(tenantId: string): Promise<Webhook[]> {
    const items: Webhook[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: { ':pk': `TENANT#${tenantId}`, ':p': 'WEBHOOK#' },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const i of out.Items ?? []) items.push(parseWebhookItem(i));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async update(webhook: Webhook): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...hookKey(webhook.tenantId, webhook.id), ...webhook },
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const out = await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: hookKey(tenantId, id), ReturnValues: 'ALL_OLD' }));
    return out.Attributes !== undefined;
  }

  async recordFailure(tenantId: string, id: string): Promise<number> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: hookKey(tenantId, id),
          UpdateExpression: 'ADD failureStreak :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(out.Attributes?.failureStreak ?? 1);
    } catch (error) {
      if (isConditionFailure(error)) return 0;
      throw error;
    }
  }

  async recordSuccess(tenantId: string, id: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: hookKey(tenantId, id),
          UpdateExpression: 'SET failureStreak = :zero',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':zero': 0 },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async disable(tenantId: string, id: string, reason: string, at: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: hookKey(tenantId, id),
          UpdateExpression: 'SET #s = :disabled, disabledReason = :r, updatedAt = :at',
          ConditionExpression: '#s = :enabled',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':disabled': 'disabled', ':enabled': 'enabled', ':r': reason, ':at': at },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}

const eventKey = KEYS.webhookEvent;
const eventIndex = (e: Pick<WebhookEventRecord, 'webhookId' | 'createdAt' | 'id'>) => KEYS.webhookEventsByWebhook(e.webhookId, e.createdAt, e.id);
const attemptSk = (n: number) => `ATTEMPT#${String(n).padStart(6, '0')}`;

/**
 * The delivery log: an event is `WHEVENT#<webhook>#<event>` / `EVENT`, listed newest first through
 * gsi1 (`WHEVENTS#<webhook>`, `<created_at>#<event>`); its attempts share its partition
 * (`ATTEMPT#<n>`), so one Query reads them in order. Everything expires with `expiresAt`.
 */
export class DynamoWebhookEventLog implements WebhookEventLog {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putEvent(event: WebhookEventRecord): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...eventKey(event.webhookId, event.id), ...eventIndex(event), ...event },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async getEvent(webhookId: string, eventId: string): Promise<WebhookEventRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: eventKey(webhookId, eventId), ConsistentRead: true }));
    return parseWebhookEventItemIfAny(out.Item);
  }

  async listEvents(webhookId: string, input: { limit: number; after?: string }): Promise<{ items: WebhookEventRecord[]; hasMore: boolean }> {
    let start: Record<string, unknown> | undefined;
    if (input.after) {
      const after = await this.getEvent(webhookId, input.after);
      if (!after) return { items: [], hasMore: false };
      start = { ...eventKey(webhookId, after.id), ...eventIndex(after) };
    }
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': `WHEVENTS#${webhookId}` },
        ScanIndexForward: false,
        Limit: input.limit + 1,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const items = (out.Items ?? []).map(parseWebhookEventItem);
    return { items: items.slice(0, input.limit), hasMore: items.length > input.limit };
  }

  async saveEvent(event: WebhookEventRecord): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: eventKey(event.webhookId, event.id),
        UpdateExpression: 'SET #s = :s, attempts = :a, budgetStart = :b, nextAttemptAt = :n',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': event.status, ':a': event.attempts, ':b': event.budgetStart, ':n': event.nextAttemptAt },
      }),
    );
  }

  async addAttempt(attempt: WebhookAttempt): Promise<void> {
    await this.doc.send(
      new PutCommand({ TableName: this.tableName, Item: { pk: eventKey(attempt.webhookId, attempt.eventId).pk, sk: attemptSk(attempt.n), ...attempt } }),
    );
  }

  async listAttempts(webhookId: string, eventId: string, input: { limit: number; after?: string }): Promise<{ items: WebhookAttempt[]; hasMore: boolean }> {
    const pk = eventKey(webhookId, eventId).pk;
    let start: Record<string, unknown> | undefined;
    if (input.after) {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
          FilterExpression: 'id = :id',
          ExpressionAttributeValues: { ':pk': pk, ':a': 'ATTEMPT#', ':id': input.after },
        }),
      );
      const after = out.Items?.[0];
      if (!after) return { items: [], hasMore: false };
      start = { pk, sk: after.sk };
    }
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
        ExpressionAttributeValues: { ':pk': pk, ':a': 'ATTEMPT#' },
        ScanIndexForward: false,
        Limit: input.limit + 1,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const items = (out.Items ?? []).map(parseWebhookAttemptItem);
    return { items: items.slice(0, input.limit), hasMore: items.length > input.limit };
  }
}

/**
 * Per-endpoint concurrency slots: `WEBHOOK#<id>` / `SLOTS` holds a map of lease token → expiry
 * (epoch ms) and a version. A worker reads it, drops expired leases and adds its own by one
 * conditional write on the version, so at most `cap` deliveries hold a lease; a worker that dies
 * holding one loses it when it expires.
 */
export class DynamoEndpointSlots implements EndpointSlots {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async acquire(webhookId: string, cap: number, leaseSeconds: number): Promise<string | undefined> {
    const Key = KEYS.webhookSlots(webhookId);
    for (let attempt = 0; attempt < 3; attempt++) {
      const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key, ConsistentRead: true }));
      const now = this.now();
      const leases = (out.Item?.leases ?? {}) as Record<string, number>;
      const live = Object.entries(leases).filter(([, until]) => until > now);
      if (live.length >= cap) return undefined;
      const token = randomUUID();
      const version = Number(out.Item?.version ?? 0);
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...Key,
              version: version + 1,
              leases: { ...Object.fromEntries(live), [token]: now + leaseSeconds * 1000 },
              expiresAt: Math.ceil(now / 1000) + 86_400,
            },
            ConditionExpression: out.Item ? 'version = :v' : 'attribute_not_exists(pk)',
            ...(out.Item ? { ExpressionAttributeValues: { ':v': version } } : {}),
          }),
        );
        return token;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    return undefined;
  }

  async release(webhookId: string, token: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: KEYS.webhookSlots(webhookId),
          UpdateExpression: 'REMOVE leases.#t SET version = version + :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#t': token },
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
