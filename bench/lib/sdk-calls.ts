/**
 * Counts AWS SDK v3 calls by service and operation, for every client this process builds, without
 * touching production code: the first time any client sends, a middleware is added to that
 * client's own middleware stack (at the initialize step, so one logical call counts once even if
 * the SDK retries it). The real factories in shared/adapters/aws-clients.ts are therefore counted
 * exactly as they are built.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface SdkCall {
  readonly service: string;
  readonly operation: string;
  /** performance.now() when the call started (before retries and signing). */
  readonly startedAt: number;
  /** performance.now() when the call finished (successfully or not). */
  readonly endedAt: number;
  readonly ok: boolean;
  readonly input: unknown;
  readonly output: unknown;
  /** DynamoDB capacity units the call consumed (ReturnConsumedCapacity is turned on for every call). */
  readonly capacityUnits: number;
}

const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
export const isDynamoRead = (operation: string) => READS.has(operation);

function capacityOf(output: unknown): number {
  const c = (output as { ConsumedCapacity?: unknown } | undefined)?.ConsumedCapacity;
  const list = Array.isArray(c) ? c : c ? [c] : [];
  return list.reduce((n: number, x: { CapacityUnits?: number }) => n + (x.CapacityUnits ?? 0), 0);
}

type Listener = (call: SdkCall) => void;

interface MiddlewareContext {
  clientName?: string;
  commandName?: string;
}

interface StackLike {
  add(mw: unknown, options: { step: string; name: string; override?: boolean }): void;
}

const instrumented = new WeakSet<object>();
const listeners = new Set<Listener>();
let installed = false;

/** "DynamoDBClient" → "DynamoDB", "PutItemCommand" → "PutItem". */
export const serviceOf = (clientName = 'Unknown') => clientName.replace(/Client$/, '');
export const operationOf = (commandName = 'Unknown') => commandName.replace(/Command$/, '');

function countingMiddleware() {
  return (next: (args: unknown) => Promise<{ output: unknown }>, context: MiddlewareContext) => async (args: { input: unknown }) => {
    const service = serviceOf(context.clientName);
    const operation = operationOf(context.commandName);
    const input = args.input as Record<string, unknown> | undefined;
    const startedAt = performance.now();
    // Ask DynamoDB what each call consumed: on-demand bills exactly these units.
    if (service === 'DynamoDB' && input && typeof input === 'object' && input.ReturnConsumedCapacity === undefined) input.ReturnConsumedCapacity = 'TOTAL';
    try {
      const result = await next(args);
      emit({
        service,
        operation,
        startedAt,
        endedAt: performance.now(),
        ok: true,
        input: args.input,
        output: result.output,
        capacityUnits: capacityOf(result.output),
      });
      return result;
    } catch (error) {
      emit({ service, operation, startedAt, endedAt: performance.now(), ok: false, input: args.input, output: undefined, capacityUnits: 0 });
      throw error;
    }
  };
}

function emit(call: SdkCall): void {
  for (const listener of listeners) listener(call);
}

/** Patches the SDK's shared Client base class once; idempotent. */
export function installSdkCallCounter(): void {
  if (installed) return;
  installed = true;
  // Every v3 client (and lib-dynamodb's document client) extends the same smithy Client class.
  const base = Object.getPrototypeOf(DynamoDBClient.prototype) as { send: (...args: unknown[]) => unknown };
  const original = base.send;
  base.send = function patchedSend(this: { middlewareStack: StackLike }, ...args: unknown[]) {
    if (!instrumented.has(this.middlewareStack)) {
      instrumented.add(this.middlewareStack);
      this.middlewareStack.add(countingMiddleware(), { step: 'initialize', name: 'mailroomBenchCallCounter', override: true });
    }
    return original.apply(this, args);
  };
}

/** A tally of calls by "Service.Operation" between start() and stop(). */
export class CallTally {
  readonly counts = new Map<string, number>();
  /** DynamoDB units: reads (RRU) and writes (WRU). */
  readUnits = 0;
  writeUnits = 0;
  /** WRU of UpdateItem calls and their number: the price of a write the emulator does not meter. */
  updateItemUnits = 0;
  updateItems = 0;
  /** PartiQL statements DynamoDB Local ran without reporting ConsumedCapacity (BatchExecuteStatement). */
  unmeteredStatements = 0;
  private readonly listener: Listener = (call) => {
    if (!this.filter(call)) return;
    const key = `${call.service}.${call.operation}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (call.service === 'DynamoDB') {
      if (isDynamoRead(call.operation)) this.readUnits += call.capacityUnits;
      else this.writeUnits += call.capacityUnits;
      if (call.operation === 'UpdateItem' && call.ok) {
        this.updateItemUnits += call.capacityUnits;
        this.updateItems += 1;
      }
      if (call.operation === 'BatchExecuteStatement' && call.ok && call.capacityUnits === 0) {
        const responses = (call.output as { Responses?: Array<{ Error?: unknown }> } | undefined)?.Responses ?? [];
        this.unmeteredStatements += responses.filter((r) => !r.Error).length;
      }
    }
  };

  /**
   * What one unmetered PartiQL UPDATE costs, measured on an equivalent UpdateItem (the same write on
   * an item of the same size: for the sender's claims, a single `claim`). Unset: the average UpdateItem
   * of the same tally.
   */
  statementUnits: number | undefined;

  /**
   * Write units including an estimate for unmetered PartiQL UPDATEs: each is priced at
   * `statementUnits`, else like the average UpdateItem of the same tally, as AWS bills them.
   */
  get writeUnitsWithEstimates(): number {
    const perUpdate = this.statementUnits ?? (this.updateItems > 0 ? this.updateItemUnits / this.updateItems : 0);
    return this.writeUnits + this.unmeteredStatements * perUpdate;
  }

  constructor(private readonly filter: (call: SdkCall) => boolean = () => true) {
    installSdkCallCounter();
  }

  start(): this {
    listeners.add(this.listener);
    return this;
  }

  stop(): Record<string, number> {
    listeners.delete(this.listener);
    return this.snapshot();
  }

  reset(): void {
    this.counts.clear();
    this.readUnits = 0;
    this.writeUnits = 0;
    this.updateItemUnits = 0;
    this.updateItems = 0;
    this.unmeteredStatements = 0;
    this.statementUnits = undefined;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }
}

/** Subscribes to every counted call (end-to-end timing); returns the unsubscribe function. */
export function onSdkCall(listener: Listener): () => void {
  installSdkCallCounter();
  listeners.add(listener);
  return () => listeners.delete(listener);
}
