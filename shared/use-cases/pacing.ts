/**
 * Campaign pacing and send-rate pacing: when each email of a paced batch goes out, the next
 * per-sender cap window, and a per-container token bucket that keeps a sender under the SES
 * account's MaxSendRate (recipients per second).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ValidationError } from '#shared/domain/errors';
import type { Clock, MailProvider, OutgoingMail } from '#shared/ports/index';
import { checkScheduleWindow, parseTimeText } from './schedule-time';

const HOUR_MS = 3_600_000;

export interface PacingOptions {
  /** First send time (default: now). */
  readonly start: Date;
  /** Minimum seconds between two consecutive sends of the campaign (default 0). */
  readonly intervalSeconds: number;
  /** Most sends per clock hour (UTC) for the sender address; 0 = no cap. */
  readonly hourlyCap: number;
}

/** Start of the UTC clock hour `at` falls in. */
export const hourStart = (at: Date): Date => new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);

/** `2026-03-10T15` — the key of a per-sender cap window. */
export const hourKey = (at: Date): string => at.toISOString().slice(0, 13);

/** Seconds from `at` to the start of the next clock hour (at least 1). */
export const secondsToNextHour = (at: Date): number => Math.max(1, Math.ceil((hourStart(at).getTime() + HOUR_MS - at.getTime()) / 1000));

/**
 * Send times for `count` emails in order: the first at `start`, each at least `intervalSeconds`
 * after the previous, at most `hourlyCap` per clock hour; an email over the cap rolls to the start
 * of the next hour. Deterministic: the same options always give the same times.
 */
export function pacedSendTimes(count: number, options: PacingOptions): Date[] {
  const times: Date[] = [];
  const intervalMs = Math.max(0, options.intervalSeconds) * 1000;
  let next = options.start.getTime();
  let window = hourStart(options.start).getTime();
  let inWindow = 0;
  for (let i = 0; i < count; i++) {
    let t = next;
    if (hourStart(new Date(t)).getTime() !== window) {
      window = hourStart(new Date(t)).getTime();
      inWindow = 0;
    }
    if (options.hourlyCap > 0 && inWindow >= options.hourlyCap) {
      window += HOUR_MS;
      t = Math.max(t, window);
      inWindow = 0;
    }
    times.push(new Date(t));
    inWindow++;
    next = t + intervalMs;
  }
  return times;
}

/** Request headers that ask for a paced batch (Resend-compatible: Resend ignores unknown headers). */
export const PACING_HEADERS = {
  start: 'mailroom-send-start',
  interval: 'mailroom-send-interval',
  hourlyCap: 'mailroom-hourly-cap',
} as const;

/** Largest accepted `Mailroom-Send-Interval` (one day). */
export const MAX_SEND_INTERVAL_SECONDS = 86_400;

/**
 * Reads the pacing headers; undefined when none is present. Start takes the same forms as
 * `scheduled_at`; interval is whole seconds; cap is a whole number of emails per hour.
 */
export function parsePacingHeaders(get: (name: string) => string | undefined, now: Date): PacingOptions | undefined {
  const start = get(PACING_HEADERS.start);
  const interval = get(PACING_HEADERS.interval);
  const cap = get(PACING_HEADERS.hourlyCap);
  if (start === undefined && interval === undefined && cap === undefined) return undefined;
  const whole = (value: string | undefined, name: string, max: number): number => {
    if (value === undefined || value.trim() === '') return 0;
    const n = Number(value.trim());
    if (!Number.isInteger(n) || n < 0 || n > max) throw new ValidationError(`Invalid \`${name}\` header: a whole number from 0 to ${max}.`);
    return n;
  };
  const at = start === undefined ? now : (checkScheduleWindow(parseTimeText(start, now, 'Mailroom-Send-Start'), now, 'Mailroom-Send-Start') ?? now);
  return {
    start: at,
    intervalSeconds: whole(interval, 'Mailroom-Send-Interval', MAX_SEND_INTERVAL_SECONDS),
    hourlyCap: whole(cap, 'Mailroom-Hourly-Cap', 1_000_000),
  };
}

/**
 * A token bucket in one container's memory: `rate` tokens per second, holding at most one
 * second's worth. `take(n)` waits until n tokens are there (n larger than the bucket waits
 * proportionally longer instead of never).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private rate: number,
    private readonly clock: Clock,
    private readonly wait: (ms: number) => Promise<unknown> = (ms) => sleep(ms),
  ) {
    this.tokens = rate;
    this.last = clock.now().getTime();
  }

  setRate(rate: number): void {
    this.refill();
    this.rate = rate;
    this.tokens = Math.min(this.tokens, rate);
  }

  private refill(): void {
    const now = this.clock.now().getTime();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  /** Takes `n` tokens, waiting first if the bucket is short; resolves to the ms waited. */
  async take(n: number): Promise<number> {
    this.refill();
    this.tokens -= n;
    if (this.tokens >= 0) return 0;
    const ms = Math.ceil((-this.tokens / this.rate) * 1000);
    await this.wait(ms);
    return ms;
  }
}

export interface RatePacingOptions {
  /** Recipients per second the account allows (SES GetAccount MaxSendRate); undefined = unknown. */
  readonly maxSendRate: () => Promise<number | undefined>;
  readonly clock: Clock;
  /** How long a read rate is trusted (default 10 minutes). */
  readonly cacheMs?: number;
  readonly wait?: (ms: number) => Promise<unknown>;
}

/**
 * Wraps a provider so that sends from this container stay under the account's MaxSendRate,
 * counting recipients, not messages. The bucket is per container: the lane's MaximumConcurrency
 * × this rate can exceed the account's, so the operator sizes concurrency (see docs/configuration.md).
 * A rate that cannot be read leaves sends unpaced until the next read.
 */
export function pacedProvider(provider: MailProvider, options: RatePacingOptions): MailProvider & { readonly waitedMs: number } {
  const cacheMs = options.cacheMs ?? 600_000;
  let bucket: TokenBucket | undefined;
  let readAt = Number.NEGATIVE_INFINITY;
  let reading: Promise<void> | undefined;
  let waitedMs = 0;
  const refresh = async () => {
    let rate: number | undefined;
    try {
      rate = await options.maxSendRate();
    } catch {
      rate = undefined;
    }
    readAt = options.clock.now().getTime();
    if (rate === undefined || !(rate > 0)) bucket = undefined;
    else if (bucket) bucket.setRate(rate);
    else bucket = new TokenBucket(rate, options.clock, options.wait);
  };
  return {
    name: provider.name,
    get waitedMs() {
      return waitedMs;
    },
    async send(mail: OutgoingMail) {
      if (options.clock.now().getTime() - readAt >= cacheMs) {
        reading ??= refresh().finally(() => (reading = undefined));
        await reading;
      }
      if (bucket) waitedMs += await bucket.take(Math.max(1, mail.recipients.length));
      return provider.send(mail);
    },
  };
}
