/**
 * Local mode's reconciler: what the EventBridge rule does every minute in AWS. It also sweeps once
 * at start, because fauxqs keeps queues in memory: after a restart every lane message is gone, and
 * every pending email (queued, scheduled within 15 minutes, held by a sender that stopped) must be
 * put back on its way. The claim keeps a message that survived anyway from sending twice.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { reconcileEmails, type ReconcileDeps, type ReconcileResult } from '#shared/use-cases/reconcile-emails';

/** Far enough to cover every pending email (its stuck time is at most hours past its due time). */
const SWEEP_ALL = new Date('9999-12-31T23:59:59.999Z');

export interface LocalReconcilerLoop {
  /** What the start-up sweep did. */
  readonly sweep: ReconcileResult;
  /** Emails re-enqueued so far (sweep included). */
  readonly reenqueued: number;
  /** One reconciler run now (the loop also runs one every interval). */
  tick(): Promise<ReconcileResult>;
  stop(): Promise<void>;
}

export async function startLocalReconcilerLoop(options: {
  deps: ReconcileDeps;
  intervalMs?: number;
  onError?: (error: unknown) => void;
}): Promise<LocalReconcilerLoop> {
  let reenqueued = 0;
  const count = (r: ReconcileResult) => {
    reenqueued += r.reenqueued;
    return r;
  };
  const sweep = count(await reconcileEmails(options.deps, { sweepUntil: SWEEP_ALL, limit: 100_000 }));
  let running = true;
  let current: Promise<ReconcileResult> | undefined;
  const tick = () => {
    current ??= reconcileEmails(options.deps)
      .then(count)
      .finally(() => {
        current = undefined;
      });
    return current;
  };
  const stopped = new AbortController();
  const loop = (async () => {
    while (running) {
      try {
        await sleep(options.intervalMs ?? 60_000, undefined, { signal: stopped.signal });
      } catch {
        return; // aborted by stop()
      }
      try {
        await tick();
      } catch (error) {
        if (running) options.onError?.(error);
      }
    }
  })();
  return {
    sweep,
    get reenqueued() {
      return reenqueued;
    },
    tick,
    async stop() {
      running = false;
      stopped.abort();
      await loop;
      await current?.catch(() => undefined);
    },
  };
}
