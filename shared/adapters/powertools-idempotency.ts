import { IdempotencyAlreadyInProgressError, IdempotencyConfig, IdempotencyValidationError, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { CachePersistenceLayer } from '@aws-lambda-powertools/idempotency/cache';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConflictError } from '#shared/domain/errors';
import type { IdempotencyGuard } from '#shared/ports/idempotency';

export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

interface Call {
  key: string;
  payload: unknown;
}

/**
 * The payload as compared: object keys sorted at every depth, array order kept. The same body with
 * its fields in another order is the same request (JSON objects are unordered, and SDKs serialise
 * them in different orders); a different order of recipients or attachments is a different one.
 */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) Object.defineProperty(out, key, { value: canonical((value as Record<string, unknown>)[key]), enumerable: true });
  return out;
}

/**
 * IdempotencyGuard on Powertools idempotency. The key (already scoped per tenant) is the record
 * id; the payload is validated by a hash of its canonical form, so the same key with another body is
 * refused and the same body with its fields in another order is not.
 */
export class PowertoolsIdempotency implements IdempotencyGuard {
  private readonly config: IdempotencyConfig;
  private readonly idempotent: (call: Call, work: () => Promise<unknown>) => Promise<unknown>;

  constructor(persistenceStore: BasePersistenceLayer, expiresAfterSeconds = IDEMPOTENCY_TTL_SECONDS) {
    this.config = new IdempotencyConfig({
      eventKeyJmesPath: 'key',
      payloadValidationJmesPath: 'payload',
      expiresAfterSeconds,
      throwOnNoIdempotencyKey: true,
    });
    this.idempotent = makeIdempotent(async (_call: Call, work: () => Promise<unknown>) => work(), {
      persistenceStore,
      config: this.config,
    }) as never;
  }

  registerLambdaContext(context: { getRemainingTimeInMillis(): number }): void {
    this.config.registerLambdaContext(context as never);
  }

  async run<T>(key: string, payload: unknown, work: () => Promise<T>): Promise<T> {
    try {
      return (await this.idempotent({ key, payload: canonical(payload) }, work)) as T;
    } catch (error) {
      if (error instanceof IdempotencyValidationError) {
        throw new ConflictError(
          'This idempotency key has already been used on a request that had a different payload. Retrying this request is useless without changing the idempotency key or payload.',
          'invalid_idempotent_request',
          { cause: error },
        );
      }
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new ConflictError(
          'Another request with the same idempotency key is still being processed. Try again in a moment.',
          'concurrent_idempotent_requests',
          { cause: error },
        );
      }
      const cause = (error as { cause?: unknown }).cause;
      throw cause instanceof Error && error instanceof Error && error.name === 'IdempotencyUnknownError' ? cause : error;
    }
  }
}

export function createDynamoIdempotency(client: DynamoDBClient, tableName: string): PowertoolsIdempotency {
  return new PowertoolsIdempotency(new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client }));
}

/** A Redis-like in-memory client for Powertools' cache persistence layer (tests, benchmarks). */
export function createMemoryIdempotency(): PowertoolsIdempotency {
  const data = new Map<string, { value: string; expires: number }>();
  const live = (k: string) => {
    const e = data.get(k);
    if (e && e.expires < Date.now()) data.delete(k);
    return data.get(k);
  };
  const client = {
    async get(key: string) {
      return live(key)?.value ?? null;
    },
    async set(key: string, value: string, options?: { EX?: number; NX?: boolean }) {
      if (options?.NX && live(key)) return null;
      // Powertools' cache layer drops the payload hash when it marks a record COMPLETED, so a
      // replay of the same body would be refused as a mismatch; keep the hash like DynamoDB does.
      const previous = live(key)?.value;
      if (previous !== undefined) value = keepPayloadHash(previous, value);
      data.set(key, { value, expires: Date.now() + (options?.EX ?? IDEMPOTENCY_TTL_SECONDS) * 1000 });
      return 'OK';
    },
    async del(keys: string[]) {
      for (const k of keys) data.delete(k);
      return keys.length;
    },
  };
  return new PowertoolsIdempotency(new CachePersistenceLayer({ client: client as never }));
}

/** Carries the stored payload hash (`validation`) into an updated cache record that lacks it. */
function keepPayloadHash(previous: string, next: string): string {
  try {
    const before = JSON.parse(previous) as Record<string, unknown>;
    const after = JSON.parse(next) as Record<string, unknown>;
    if (before.validation === undefined || after.validation !== undefined) return next;
    return JSON.stringify({ ...after, validation: before.validation });
  } catch {
    return next;
  }
}
