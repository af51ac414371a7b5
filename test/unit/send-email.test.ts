import { describe, expect, it } from 'vitest';
import { MemoryLaneQueue, MemoryMailProvider } from '#shared/adapters/memory/memory-adapters';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import { LANES } from '#shared/config/lanes';
import type { EmailRecord } from '#shared/domain/email';
import { ProviderError } from '#shared/domain/errors';
import { FailoverMailProvider } from '#shared/adapters/failover-mail-provider';
import type { StoredAttempt } from '#shared/domain/provider-attempts';
import type { BreakerState, CircuitBreaker, OutgoingMail } from '#shared/ports/index';
import { fullJitter, type SendEmailDeps } from '#shared/use-cases/send-email';
import { emailRecord as baseEmail } from '#test/support/emails';
import { sendOne } from '#test/support/send-one';

const NOW = new Date('2030-01-01T12:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;

function emailRecord(overrides: Partial<EmailRecord> = {}): EmailRecord {
  return baseEmail({
    id: 'e1',
    tenantId: 't1',
    from: 'Shop <shop@example.com>',
    to: ['ada@example.org'],
    subject: 'Your receipt',
    text: 'Thanks',
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    expiresAt: 2_000_000_000,
    ...overrides,
  });
}

/** A provider that remembers the MIME bytes of every call, failed or not. */
class RecordingProvider extends MemoryMailProvider {
  readonly calls: OutgoingMail[] = [];
  override async send(mail: OutgoingMail) {
    this.calls.push(mail);
    return super.send(mail);
  }
}

class FakeBreaker implements CircuitBreaker {
  failures = 0;
  successes = 0;
  constructor(public current: BreakerState = 'closed') {}
  async acquire() {
    return { allowed: this.current === 'closed', state: this.current };
  }
  async recordSuccess() {
    this.successes++;
  }
  readonly ambiguousFailures: number[] = [];
  async recordFailure(_provider: string, options?: { ambiguous?: boolean }) {
    if (options?.ambiguous) this.ambiguousFailures.push(1);
    else this.failures++;
  }
  async state() {
    return { state: this.current, failures: this.failures };
  }
}

const sesError = (failureClass: 'transient' | 'throttled' | 'paused' | 'permanent', code: string, ambiguous = false) =>
  new ProviderError('ses', failureClass, code, `${code} from SES`, { ambiguous });

function setup(options: { email?: Partial<EmailRecord>; fallback?: boolean; breaker?: FakeBreaker; maxReceiveCount?: number } = {}) {
  const emails = new MemoryEmailStore();
  emails.items.set('e1', emailRecord(options.email));
  const queue = new MemoryLaneQueue();
  const ses = new RecordingProvider('ses');
  const smtp = new RecordingProvider('smtp');
  const deps: SendEmailDeps = {
    emails,
    queue,
    clock: { now: () => NOW },
    lane: LANES.transactional,
    provider: new FailoverMailProvider({
      primary: ses,
      ...(options.fallback === false ? {} : { fallback: smtp }),
      ...(options.breaker ? { breaker: options.breaker } : {}),
      throttleFailoverAfter: 3,
      clock: { now: () => NOW },
    }),
    leaseSeconds: 60,
    ambiguity: { holdSeconds: 60, deadlineSeconds: 3_600 },
    ...(options.maxReceiveCount ? { maxReceiveCount: options.maxReceiveCount } : {}),
    random: () => 0.5,
  };
  const send = (receiveCount = 1) => sendOne(deps, { message: { emailId: 'e1', tenantId: 't1', scheduleVersion: 0 }, receiveCount });
  return { deps, emails, queue, ses, smtp, send, stored: () => emails.items.get('e1')! };
}

describe('full-jitter backoff', () => {
  it('stays between 1 s and the exponential ceiling, capped', () => {
    expect(fullJitter(0, () => 0)).toBe(1);
    expect(fullJitter(3, () => 1)).toBe(16);
    expect(fullJitter(3, () => 0.5)).toBe(8);
    expect(fullJitter(30, () => 1)).toBe(900);
  });
});

describe('sendEmail: retries and failover', () => {
  it('sends through SES and records the provider and one attempt', async () => {
    const t = setup();
    expect(await t.send()).toMatchObject({ kind: 'sent', provider: 'ses' });
    expect(t.stored()).toMatchObject({ status: 'sent', provider: 'ses', attempts: 1 });
    expect(t.smtp.calls).toHaveLength(0);
  });

  it('fails over to SMTP with the same MIME bytes when SES refused the connection', async () => {
    const t = setup();
    t.ses.failWith(sesError('transient', 'ECONNREFUSED'));
    expect(await t.send()).toMatchObject({ kind: 'sent', provider: 'smtp' });
    expect(t.smtp.calls[0]!.raw.equals(t.ses.calls[0]!.raw)).toBe(true);
    expect(t.smtp.calls[0]!.recipients).toEqual(t.ses.calls[0]!.recipients);
    expect(t.stored()).toMatchObject({ status: 'sent', provider: 'smtp' });
  });

  it.each([
    ['a 5xx', sesError('transient', 'InternalFailure')],
    ['sending paused', sesError('paused', 'SendingPausedException')],
  ])('fails over to SMTP after %s', async (_label, error) => {
    const t = setup();
    t.ses.failWith(error);
    expect(await t.send()).toMatchObject({ kind: 'sent', provider: 'smtp' });
  });

  it('holds an ambiguous timeout for SES (the hold is the retry delay), remembers it, and never fails it over', async () => {
    const t = setup();
    t.ses.failWith(sesError('transient', 'ETIMEDOUT', true));
    const outcome = await t.send();
    expect(outcome).toEqual({ kind: 'retry', delaySeconds: 60, throttled: false, reason: 'ETIMEDOUT' });
    expect(t.smtp.calls).toHaveLength(0);
    expect(t.stored()).toMatchObject({ status: 'retrying', attempts: 1, lastError: { code: 'ETIMEDOUT', class: 'transient' } });
    expect(t.stored().providerAttempts).toEqual([{ p: 'ses', o: 'maybe', t: NOW_SECONDS, c: 'ETIMEDOUT' }]);
  });

  it('backs off a transient failure with full jitter and spends one attempt', async () => {
    const t = setup({ fallback: false });
    t.ses.failWith(sesError('transient', 'ECONNREFUSED'));
    const outcome = await t.send();
    // attempt 1, random 0.5: 0.5 × 2·2¹ = 2 s
    expect(outcome).toEqual({ kind: 'retry', delaySeconds: 2, throttled: false, reason: 'ECONNREFUSED' });
    expect(t.stored().attempts).toBe(1);
  });

  it('retries a throttled send without spending an attempt and without failing over below the threshold', async () => {
    const t = setup();
    t.ses.failWith(sesError('throttled', 'TooManyRequestsException'));
    const outcome = await t.send(2);
    expect(outcome).toMatchObject({ kind: 'retry', throttled: true, reason: 'TooManyRequestsException' });
    expect(t.stored()).toMatchObject({ status: 'retrying', attempts: 0 });
    expect(t.smtp.calls).toHaveLength(0);
    expect(t.queue.dlq).toHaveLength(0);
  });

  it('fails a throttled message over to SMTP from the threshold on', async () => {
    const t = setup();
    t.ses.failWith(sesError('throttled', 'TooManyRequestsException'));
    expect(await t.send(3)).toMatchObject({ kind: 'sent', provider: 'smtp' });
  });

  it('re-queues a throttled message as a fresh one near SQS maxReceiveCount instead of letting it reach the DLQ', async () => {
    const t = setup({ fallback: false, maxReceiveCount: 50 });
    t.ses.failWith(sesError('throttled', 'TooManyRequestsException'));
    const outcome = await t.send(48);
    expect(outcome.kind).toBe('requeued');
    expect(t.queue.sent).toHaveLength(1);
    expect(t.queue.dlq).toHaveLength(0);
  });

  it('fails a permanent rejection at once: no fallback, no retry, no DLQ', async () => {
    const t = setup();
    t.ses.failWith(sesError('permanent', 'MessageRejected'));
    expect(await t.send()).toMatchObject({ kind: 'failed', toDlq: false, error: { code: 'MessageRejected', class: 'permanent' } });
    expect(t.smtp.calls).toHaveLength(0);
    expect(t.queue.dlq).toHaveLength(0);
    expect(t.stored().status).toBe('failed');
  });

  it('fails the email and moves its message to the lane DLQ when the attempt budget is spent', async () => {
    const t = setup({ fallback: false, email: { attempts: LANES.transactional.maxAttempts - 1, status: 'retrying' } });
    t.ses.failWith(sesError('transient', 'ECONNREFUSED'));
    expect(await t.send()).toMatchObject({ kind: 'failed', toDlq: true });
    expect(t.stored()).toMatchObject({
      status: 'failed',
      attempts: LANES.transactional.maxAttempts,
      lastError: { code: 'ECONNREFUSED', class: 'transient', provider: 'ses' },
    });
    expect(t.queue.dlq).toEqual([
      { lane: 'transactional', message: { emailId: 'e1', tenantId: 't1', scheduleVersion: 0 }, reason: 'ECONNREFUSED: ECONNREFUSED from SES' },
    ]);
  });

  it('records the fallback failure as the last error when SMTP fails too', async () => {
    const t = setup();
    t.ses.failWith(sesError('transient', 'ECONNREFUSED'));
    t.smtp.failWith(new ProviderError('smtp', 'transient', 'ECONNREFUSED', 'smtp refused'));
    expect(await t.send()).toMatchObject({ kind: 'retry', throttled: false });
    expect(t.stored().lastError).toMatchObject({ provider: 'smtp', code: 'ECONNREFUSED' });
  });

  it('sends a redriven failed email again, once', async () => {
    const t = setup({ email: { status: 'failed', lastEvent: 'failed', attempts: 6 } });
    expect(await t.send()).toMatchObject({ kind: 'sent' });
    expect(await t.send()).toEqual({ kind: 'dropped', reason: 'finished' });
    expect(t.ses.sent).toHaveLength(1);
  });
});

describe('sendEmail: circuit breaker', () => {
  it('goes straight to SMTP while the breaker is open, without calling SES', async () => {
    const breaker = new FakeBreaker('open');
    const t = setup({ breaker });
    expect(await t.send()).toMatchObject({ kind: 'sent', provider: 'smtp' });
    expect(t.ses.calls).toHaveLength(0);
  });

  it('waits without spending attempts when the breaker is open and there is no fallback', async () => {
    const t = setup({ breaker: new FakeBreaker('open'), fallback: false });
    expect(await t.send()).toMatchObject({ kind: 'retry', throttled: true, reason: 'BreakerOpen' });
    expect(t.stored().attempts).toBe(0);
  });

  it('counts outages but not throttling or rejections as breaker failures', async () => {
    const breaker = new FakeBreaker();
    const t = setup({ breaker, fallback: false });
    t.ses.failWith(sesError('transient', 'ECONNREFUSED'));
    await t.send();
    t.stored().status = 'retrying';
    t.ses.failWith(sesError('throttled', 'TooManyRequestsException'));
    await t.send();
    t.stored().status = 'retrying';
    t.ses.failWith(sesError('permanent', 'MessageRejected'));
    await t.send();
    expect(breaker.failures).toBe(1);
  });

  it('reports a success to the breaker', async () => {
    const breaker = new FakeBreaker();
    const t = setup({ breaker });
    await t.send();
    expect(breaker.successes).toBe(1);
  });
});

describe('sendEmail: an email SES may have (issue 14 §1)', () => {
  const maybe = (secondsAgo: number, provider = 'ses'): StoredAttempt => ({ p: provider, o: 'maybe', t: NOW_SECONDS - secondsAgo, c: 'ECONNRESET' });
  const pinned = (secondsAgo: number, extra: Partial<EmailRecord> = {}) => ({
    email: { status: 'retrying' as const, lastEvent: 'retrying', attempts: 1, providerAttempts: [maybe(secondsAgo)], ...extra },
  });

  it('waits out the hold without asking any provider or spending an attempt', async () => {
    const t = setup(pinned(10));
    expect(await t.send()).toEqual({ kind: 'retry', delaySeconds: 50, throttled: true, reason: 'ambiguous_hold' });
    expect(t.ses.calls).toHaveLength(0);
    expect(t.smtp.calls).toHaveLength(0);
    expect(t.stored()).toMatchObject({ status: 'retrying', attempts: 1 });
    expect(t.stored().events.at(-1)).toMatchObject({ type: 'held', detail: { provider: 'ses', reason: 'ambiguous' } });
  });

  it('records `sent` without sending again when SES confirmed it took the email (its Send event)', async () => {
    const t = setup(pinned(10, { events: [{ type: 'ses_accepted', at: NOW.toISOString() }] }));
    expect(await t.send()).toMatchObject({ kind: 'sent', provider: 'ses' });
    expect(t.ses.calls).toHaveLength(0);
    expect(t.smtp.calls).toHaveLength(0);
    expect(t.stored()).toMatchObject({ status: 'sent', provider: 'ses', attempts: 1 });
    expect(t.stored().events.at(-1)).toMatchObject({ type: 'sent', detail: { settled_by: 'ses_accepted' } });
  });

  it('records `sent` without a second send when SES confirmed an email whose status write was lost (a crashed sender)', async () => {
    const t = setup({ email: { status: 'sending', leaseUntil: NOW_SECONDS - 1, events: [{ type: 'ses_accepted', at: NOW.toISOString() }] } });
    expect(await t.send()).toMatchObject({ kind: 'sent', provider: 'ses' });
    expect(t.ses.calls).toHaveLength(0);
  });

  it('after the hold, sends through SES again and records both attempts', async () => {
    const t = setup(pinned(61));
    expect(await t.send()).toMatchObject({ kind: 'sent', provider: 'ses' });
    expect(t.smtp.calls).toHaveLength(0);
    expect(t.stored().providerAttempts).toEqual([maybe(61), { p: 'ses', o: 'ok', t: NOW_SECONDS }]);
  });

  it('never hands it to SMTP while the SES breaker is open: it waits without spending an attempt', async () => {
    const t = setup({ ...pinned(61), breaker: new FakeBreaker('open') });
    expect(await t.send()).toMatchObject({ kind: 'retry', throttled: true, reason: 'BreakerOpen' });
    expect(t.smtp.calls).toHaveLength(0);
    expect(t.ses.calls).toHaveLength(0);
    expect(t.stored()).toMatchObject({ status: 'retrying', attempts: 1 });
  });

  it('stays with SES after a later definite refusal: the earlier attempt may still have been accepted', async () => {
    const t = setup(pinned(61));
    t.ses.failWith(sesError('transient', 'ECONNREFUSED'));
    expect(await t.send()).toMatchObject({ kind: 'retry', throttled: false, reason: 'ECONNREFUSED' });
    expect(t.smtp.calls).toHaveLength(0);
    expect(t.stored().providerAttempts?.map((a) => a.o)).toEqual(['maybe', 'no']);
  });

  it('past the deadline, fails it into the DLQ for an operator, saying SES may have it', async () => {
    const t = setup(pinned(3_600));
    const outcome = await t.send();
    expect(outcome).toMatchObject({ kind: 'failed', toDlq: true, error: { code: 'AmbiguousOutcome', provider: 'ses' } });
    expect(t.ses.calls).toHaveLength(0);
    expect(t.smtp.calls).toHaveLength(0);
    expect(t.queue.dlq[0]!.reason).toMatch(/ses may have accepted this email/);
  });

  it('sends it through SES once an operator redrives it, deadline or not', async () => {
    const t = setup(pinned(7_200, { status: 'failed', lastEvent: 'failed' }));
    expect(await t.send()).toMatchObject({ kind: 'sent', provider: 'ses' });
    expect(t.smtp.calls).toHaveLength(0);
  });

  it('reports the ambiguous failure to the breaker as ambiguous (it weighs half)', async () => {
    const breaker = new FakeBreaker();
    const t = setup({ breaker });
    t.ses.failWith(sesError('transient', 'ECONNRESET', true));
    await t.send();
    expect(breaker.ambiguousFailures).toHaveLength(1);
    expect(breaker.failures).toBe(0);
  });
});
