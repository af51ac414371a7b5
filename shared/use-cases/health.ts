import type { Lane } from '#shared/config/lanes';
import type { BreakerState, CircuitBreaker, Clock, LaneQueue, StuckEmailStore } from '#shared/ports/index';
import type { LaneMetrics, ProviderProbe } from '#shared/ports/operations';
import { laneStatus } from './lane-status';

export type HealthStatus = 'ok' | 'degraded' | 'down';
/** `probing`: the breaker is half-open and lets one probe through. `unknown`: the breaker could not be read. */
export type ProviderHealth = 'up' | 'probing' | 'down' | 'not_configured' | 'unknown';

export interface BreakerView {
  readonly state: BreakerState | 'unknown';
  readonly openUntil?: string;
  readonly failures?: number;
}

export interface HealthInput {
  /** The primary provider's (SES) breaker; `closed` when no breaker is configured. */
  readonly ses: BreakerView;
  readonly smtp: { readonly configured: boolean; readonly reachable?: boolean };
  /** null when the queue counters could not be read. */
  readonly lanes: ReadonlyArray<{ lane: Lane; depth: number | null; oldestAgeSeconds: number | null; maxAgeSeconds: number }> | null;
  /** Emails stuck on their way (the pending index, up to MAX_STUCK_COUNTED); null when it could not be read. */
  readonly stuck: number | null;
}

export interface HealthReport {
  readonly status: HealthStatus;
  /** 200 for ok and degraded (mail still leaves), 503 when no provider can send. */
  readonly httpStatus: 200 | 503;
  readonly providers: { readonly ses: ProviderHealth; readonly smtp: ProviderHealth };
  readonly breaker: { readonly ses: BreakerView };
  readonly lanes: Partial<Record<Lane, { depth: number | null; oldestAgeSeconds: number | null }>>;
  /** Emails stuck on their way right now (counted up to MAX_STUCK_COUNTED); null when unknown. */
  readonly stuckEmails: number | null;
  /** Why the status is not `ok`, in words an operator can act on. */
  readonly reasons: string[];
}

/**
 * The health verdict, a pure function of the SES breaker, the SMTP probe and the lanes:
 * - `down` (503): SES's breaker is open and the SMTP fallback is missing or unreachable;
 * - `degraded` (200): the fallback is carrying mail (SES open or half-open, SMTP up), SES is being
 *   probed, the fallback is configured but unreachable, a lane's oldest message is older than the
 *   lane's alarm threshold, emails are stuck on their way (the reconciler is re-enqueueing them),
 *   or something could not be read;
 * - `ok` (200) otherwise.
 */
export function assessHealth(input: HealthInput): HealthReport {
  const reasons: string[] = [];
  const ses: ProviderHealth =
    input.ses.state === 'open' ? 'down' : input.ses.state === 'half_open' ? 'probing' : input.ses.state === 'unknown' ? 'unknown' : 'up';
  const smtp: ProviderHealth = !input.smtp.configured
    ? 'not_configured'
    : input.smtp.reachable === undefined
      ? 'unknown'
      : input.smtp.reachable
        ? 'up'
        : 'down';

  let status = 'ok' as HealthStatus;
  const worsen = (to: HealthStatus, reason: string) => {
    reasons.push(reason);
    if (to === 'down' || (to === 'degraded' && status === 'ok')) status = to;
  };

  if (ses === 'down') {
    if (smtp === 'up')
      worsen('degraded', `SES circuit breaker is open${input.ses.openUntil ? ` until ${input.ses.openUntil}` : ''}; the SMTP fallback is carrying mail`);
    else if (smtp === 'not_configured') worsen('down', 'SES circuit breaker is open and no SMTP fallback is configured');
    else worsen('down', `SES circuit breaker is open and the SMTP fallback is ${smtp === 'down' ? 'unreachable' : 'not known to be reachable'}`);
  } else if (ses === 'probing') {
    worsen(
      'degraded',
      smtp === 'up'
        ? 'SES is being probed after an outage (breaker half-open); the SMTP fallback is carrying mail'
        : 'SES is being probed after an outage (breaker half-open); mail waits for the probe',
    );
  } else if (ses === 'unknown') {
    worsen('degraded', 'SES circuit breaker state could not be read');
  }
  if (ses === 'up' && smtp === 'down') worsen('degraded', 'the SMTP fallback is configured but unreachable');

  const lanes: HealthReport['lanes'] = {};
  if (input.lanes === null) worsen('degraded', 'lane queue counters could not be read');
  for (const l of input.lanes ?? []) {
    lanes[l.lane] = { depth: l.depth, oldestAgeSeconds: l.oldestAgeSeconds };
    if (l.oldestAgeSeconds !== null && l.oldestAgeSeconds > l.maxAgeSeconds) {
      worsen('degraded', `${l.lane} lane: oldest message is ${Math.round(l.oldestAgeSeconds)} s old (threshold ${l.maxAgeSeconds} s)`);
    }
  }

  if (input.stuck === null) worsen('degraded', 'stuck emails could not be counted');
  else if (input.stuck > 0)
    worsen(
      'degraded',
      `${input.stuck >= MAX_STUCK_COUNTED ? `${MAX_STUCK_COUNTED} or more` : input.stuck} email(s) stuck on their way (queued, scheduled past due or held by a lost sender); the reconciler re-enqueues them — see docs/runbook.md#emails-stuck`,
    );

  return {
    status,
    httpStatus: status === 'down' ? 503 : 200,
    providers: { ses, smtp },
    breaker: { ses: input.ses },
    lanes,
    stuckEmails: input.stuck,
    reasons,
  };
}

export interface HealthDeps {
  readonly queue: LaneQueue;
  readonly clock: Clock;
  readonly breaker?: Pick<CircuitBreaker, 'state'>;
  /** The SMTP fallback's probe; absent when no fallback is configured. */
  readonly smtp?: ProviderProbe;
  readonly laneMetrics?: LaneMetrics;
  /** Name of the primary provider in the breaker table. */
  readonly primaryProvider?: string;
  /** The pending emails index: how many emails are stuck on their way. */
  readonly stuck: Pick<StuckEmailStore, 'countStuck'>;
}

/** /health counts stuck emails up to this many (a bounded read on a public endpoint). */
export const MAX_STUCK_COUNTED = 1000;

/**
 * Primary course: read the SES breaker, probe SMTP, read the lane counters and count stuck emails in parallel, then
 * judge with assessHealth. A dependency that cannot be read makes the answer `degraded`, never an
 * error: the health endpoint must answer while things are broken.
 */
export async function checkHealth(deps: HealthDeps): Promise<HealthReport & { checkedAt: string }> {
  const [ses, smtp, lanes, stuck] = await Promise.all([
    deps.breaker
      ? deps.breaker.state(deps.primaryProvider ?? 'ses').then(
          (s): BreakerView => ({ state: s.state, ...(s.openUntil ? { openUntil: s.openUntil } : {}), failures: s.failures }),
          (): BreakerView => ({ state: 'unknown' }),
        )
      : Promise.resolve<BreakerView>({ state: 'closed' }),
    deps.smtp
      ? deps.smtp.probe().then(
          (p) => ({ configured: true, reachable: p.reachable }),
          () => ({ configured: true, reachable: false }),
        )
      : Promise.resolve({ configured: false }),
    laneStatus(deps).then(
      (list) => list.map((l) => ({ lane: l.lane, depth: l.depth, oldestAgeSeconds: l.oldestAgeSeconds, maxAgeSeconds: l.maxAgeSeconds })),
      () => null,
    ),
    deps.stuck.countStuck(deps.clock.now(), MAX_STUCK_COUNTED).catch(() => null),
  ]);
  return { ...assessHealth({ ses, smtp, lanes, stuck }), checkedAt: deps.clock.now().toISOString() };
}

/** Wraps an async read so it runs at most once per `ttlMs` (per function instance): health is public. */
export function cachedFor<T>(ttlMs: number, read: () => Promise<T>, now: () => number = Date.now): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    const t = now();
    if (!cached || t - cached.at >= ttlMs) {
      const value = read();
      cached = { at: t, value };
      // A failed read is not kept.
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
    }
    return cached.value;
  };
}
