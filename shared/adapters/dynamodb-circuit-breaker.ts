import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BreakerState, CircuitBreaker } from '#shared/ports/index';
import { KEYS } from './dynamodb-keys';

export interface BreakerSettings {
  /** Failures within `windowSeconds` that open the breaker (an ambiguous one counts half). */
  readonly failureThreshold: number;
  readonly windowSeconds: number;
  /** How long an open breaker sends everything to the fallback before one probe is allowed. */
  readonly openSeconds: number;
  /** How long a half-open probe holds its slot; a crashed prober's slot frees itself after this. */
  readonly probeSeconds: number;
  /** Per-instance read cache: how stale a sender's view of the breaker may be. */
  readonly cacheMs: number;
}

export const DEFAULT_BREAKER_SETTINGS: BreakerSettings = {
  failureThreshold: 5,
  windowSeconds: 30,
  openSeconds: 30,
  probeSeconds: 15,
  cacheMs: 2_000,
};

/** The `BREAKER#<provider>` item as stored (epoch milliseconds). */
interface BreakerItem {
  /** Definite failures in the window (connection refused, 5xx, paused). */
  failures?: number;
  /** Ambiguous failures in the window (timeout, reset mid-request): each weighs half. */
  ambiguous?: number;
  windowStart?: number;
  openUntil?: number;
  probeUntil?: number;
}

export interface BreakerSnapshot {
  readonly provider: string;
  readonly state: BreakerState;
  readonly failures: number;
  readonly ambiguous: number;
  readonly openUntil?: string;
}

export const breakerKey = KEYS.breaker;

function stateOf(item: BreakerItem | undefined, now: number): BreakerState {
  if (!item?.openUntil) return 'closed';
  return item.openUntil > now ? 'open' : 'half_open';
}

function snapshotOf(provider: string, item: BreakerItem | undefined, now: number): BreakerSnapshot {
  const inWindow = item?.windowStart !== undefined;
  return {
    provider,
    state: stateOf(item, now),
    failures: inWindow ? (item?.failures ?? 0) : 0,
    ambiguous: inWindow ? (item?.ambiguous ?? 0) : 0,
    ...(item?.openUntil ? { openUntil: new Date(item.openUntil).toISOString() } : {}),
  };
}

/**
 * A circuit breaker over a mail provider, shared by every sender instance through one item in
 * the main table. Every change is a single conditional or atomic update, so concurrent senders
 * never lose a failure or let two probes through; reads go through a short per-instance cache so
 * a healthy provider costs no extra DynamoDB calls per email.
 */
export class DynamoCircuitBreaker implements CircuitBreaker {
  private readonly settings: BreakerSettings;
  private readonly cache = new Map<string, { item: BreakerItem | undefined; at: number }>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    settings: Partial<BreakerSettings> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.settings = { ...DEFAULT_BREAKER_SETTINGS, ...settings };
  }

  private async read(provider: string, fresh = false): Promise<BreakerItem | undefined> {
    const cached = this.cache.get(provider);
    if (!fresh && cached && this.now() - cached.at < this.settings.cacheMs) return cached.item;
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: breakerKey(provider), ConsistentRead: true }));
    const item = out.Item as BreakerItem | undefined;
    this.remember(provider, item);
    return item;
  }

  private remember(provider: string, item: BreakerItem | undefined): void {
    this.cache.set(provider, { item, at: this.now() });
  }

  async acquire(provider: string): Promise<{ allowed: boolean; state: BreakerState }> {
    const now = this.now();
    const state = stateOf(await this.read(provider), now);
    if (state === 'closed') return { allowed: true, state };
    if (state === 'open') return { allowed: false, state };
    // Half-open: exactly one sender wins the probe slot by a conditional write.
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: breakerKey(provider),
          UpdateExpression: 'SET probeUntil = :probeUntil',
          ConditionExpression: 'openUntil <= :now AND (attribute_not_exists(probeUntil) OR probeUntil <= :now)',
          ExpressionAttributeValues: { ':now': now, ':probeUntil': now + this.settings.probeSeconds * 1000 },
          ReturnValues: 'ALL_NEW',
        }),
      );
      this.remember(provider, out.Attributes as BreakerItem);
      return { allowed: true, state: 'half_open' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Someone else probes (or the breaker was re-opened or closed meanwhile): look again next time.
      this.cache.delete(provider);
      return { allowed: false, state: 'half_open' };
    }
  }

  async recordSuccess(provider: string): Promise<void> {
    const cached = this.cache.get(provider)?.item;
    // The common case (closed, nothing to reset) writes nothing.
    if (!cached?.openUntil && !cached?.probeUntil) return;
    const out = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: breakerKey(provider),
        UpdateExpression: 'SET failures = :zero, ambiguous = :zero REMOVE openUntil, probeUntil, windowStart',
        ExpressionAttributeValues: { ':zero': 0 },
        ReturnValues: 'ALL_NEW',
      }),
    );
    this.remember(provider, out.Attributes as BreakerItem);
  }

  /**
   * Counts a failure in the window and opens the breaker at the threshold. An ambiguous failure
   * (timeout, reset after the request went out) weighs half a definite one: it says a connection
   * broke, not that the provider refused, so one reset burst alone does not open the breaker — but a
   * provider that only ever times out still does, and new mail then goes to the fallback. (Mail the
   * provider may already have never follows: it is pinned to the provider, see FailoverMailProvider.)
   */
  async recordFailure(provider: string, options: { ambiguous?: boolean } = {}): Promise<void> {
    const counter = options.ambiguous ? 'ambiguous' : 'failures';
    const now = this.now();
    const cutoff = now - this.settings.windowSeconds * 1000;
    const probeFailed = this.cache.get(provider)?.item?.probeUntil !== undefined;
    let item: BreakerItem;
    try {
      // Count within the current window (one atomic ADD) …
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: breakerKey(provider),
          UpdateExpression: `ADD ${counter} :one`,
          ConditionExpression: 'windowStart > :cutoff',
          ExpressionAttributeValues: { ':one': 1, ':cutoff': cutoff },
          ReturnValues: 'ALL_NEW',
        }),
      );
      item = out.Attributes as BreakerItem;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // … or start a new window. A concurrent starter loses only the race to be first, not its count.
      try {
        const out = await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: breakerKey(provider),
            UpdateExpression: 'SET failures = :definite, ambiguous = :ambiguous, windowStart = :now',
            ConditionExpression: 'attribute_not_exists(windowStart) OR windowStart <= :cutoff',
            ExpressionAttributeValues: {
              ':definite': options.ambiguous ? 0 : 1,
              ':ambiguous': options.ambiguous ? 1 : 0,
              ':now': now,
              ':cutoff': cutoff,
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        item = out.Attributes as BreakerItem;
      } catch (inner) {
        if (!(inner instanceof ConditionalCheckFailedException)) throw inner;
        return this.recordFailure(provider, options);
      }
    }
    this.remember(provider, item);
    const halfOpenProbeFailed = probeFailed && item.openUntil !== undefined && item.openUntil <= now;
    const weight = (item.failures ?? 0) + (item.ambiguous ?? 0) / 2;
    if (weight >= this.settings.failureThreshold || halfOpenProbeFailed) await this.open(provider, now);
  }

  /** Opens (or re-opens after a failed probe) unless someone already did; resets the count. */
  private async open(provider: string, now: number): Promise<void> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: breakerKey(provider),
          UpdateExpression: 'SET openUntil = :until, failures = :zero, ambiguous = :zero, windowStart = :now REMOVE probeUntil',
          ConditionExpression: 'attribute_not_exists(openUntil) OR openUntil <= :now',
          ExpressionAttributeValues: { ':until': now + this.settings.openSeconds * 1000, ':zero': 0, ':now': now },
          ReturnValues: 'ALL_NEW',
        }),
      );
      this.remember(provider, out.Attributes as BreakerItem);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      this.cache.delete(provider);
    }
  }

  async state(provider: string): Promise<{ state: BreakerState; openUntil?: string; failures: number; ambiguous: number }> {
    const { provider: _p, ...rest } = snapshotOf(provider, await this.read(provider, true), this.now());
    return rest;
  }
}

/** The breaker's state for `GET /health` (one consistent read, no cache). */
export async function readBreakerState(doc: DynamoDBDocumentClient, tableName: string, provider = 'ses', now: number = Date.now()): Promise<BreakerSnapshot> {
  const out = await doc.send(new GetCommand({ TableName: tableName, Key: breakerKey(provider), ConsistentRead: true }));
  return snapshotOf(provider, out.Item as BreakerItem | undefined, now);
}
