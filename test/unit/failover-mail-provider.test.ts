import { describe, expect, it } from 'vitest';
import { FailoverMailProvider } from '#shared/adapters/failover-mail-provider';
import { MemoryMailProvider } from '#shared/adapters/memory/memory-adapters';
import { ProviderError } from '#shared/domain/errors';
import type { BreakerState, CircuitBreaker, OutgoingMail } from '#shared/ports/index';

const NOW = new Date('2030-01-01T12:00:00Z');

class FakeBreaker implements CircuitBreaker {
  readonly failures: Array<{ ambiguous: boolean }> = [];
  successes = 0;
  constructor(public current: BreakerState = 'closed') {}
  async acquire() {
    return { allowed: this.current !== 'open', state: this.current };
  }
  async recordSuccess() {
    this.successes++;
  }
  async recordFailure(_provider: string, options?: { ambiguous?: boolean }) {
    this.failures.push({ ambiguous: options?.ambiguous ?? false });
  }
  async state() {
    return { state: this.current, failures: this.failures.length };
  }
}

const mail = (extra: Partial<OutgoingMail> = {}): OutgoingMail => ({
  emailId: 'e1',
  tenantId: 't1',
  lane: 'transactional',
  from: 'shop@example.com',
  recipients: ['ada@example.org'],
  raw: Buffer.from('MIME'),
  ...extra,
});

const sesError = (failureClass: 'transient' | 'throttled' | 'paused' | 'permanent', code: string, ambiguous = false) =>
  new ProviderError('ses', failureClass, code, `${code} from SES`, { ambiguous });

function setup(options: { breaker?: FakeBreaker; fallback?: boolean } = {}) {
  const ses = new MemoryMailProvider('ses');
  const smtp = new MemoryMailProvider('smtp');
  const breaker = options.breaker ?? new FakeBreaker();
  const provider = new FailoverMailProvider({
    primary: ses,
    ...(options.fallback === false ? {} : { fallback: smtp }),
    breaker,
    throttleFailoverAfter: 3,
    clock: { now: () => NOW },
  });
  return { ses, smtp, breaker, provider };
}

const rejection = (promise: Promise<unknown>) => promise.then(() => expect.fail('expected a ProviderError')).catch((e: unknown) => e as ProviderError);

describe('FailoverMailProvider: SES, its breaker and the SMTP fallback as one provider', () => {
  it('sends through SES, reports the success to the breaker, and names the provider and its one attempt', async () => {
    const t = setup();
    const receipt = await t.provider.send(mail());
    expect(receipt).toEqual({ messageId: 'ses-1', provider: 'ses', attempts: [{ provider: 'ses', outcome: 'accepted', at: NOW.toISOString() }] });
    expect(t.breaker.successes).toBe(1);
    expect(t.smtp.sent).toHaveLength(0);
  });

  it('fails over to SMTP with the same bytes when SES definitely refused, and lists both attempts', async () => {
    const t = setup();
    t.ses.failWith(sesError('transient', 'ECONNREFUSED'));
    const receipt = await t.provider.send(mail());
    expect(receipt.provider).toBe('smtp');
    expect(receipt.attempts?.map((a) => [a.provider, a.outcome, a.code])).toEqual([
      ['ses', 'refused', 'ECONNREFUSED'],
      ['smtp', 'accepted', undefined],
    ]);
    expect(t.smtp.sent[0]!.raw.toString()).toBe('MIME');
    expect(t.breaker.failures).toEqual([{ ambiguous: false }]);
  });

  it('never fails an ambiguous SES failure over; the breaker counts it as ambiguous', async () => {
    const t = setup();
    t.ses.failWith(sesError('transient', 'ECONNRESET', true));
    const error = await rejection(t.provider.send(mail()));
    expect(error).toMatchObject({ provider: 'ses', code: 'ECONNRESET', ambiguous: true });
    expect(error.attempts).toEqual([{ provider: 'ses', outcome: 'ambiguous', at: NOW.toISOString(), code: 'ECONNRESET' }]);
    expect(t.smtp.sent).toHaveLength(0);
    expect(t.breaker.failures).toEqual([{ ambiguous: true }]);
  });

  it('goes straight to SMTP while the breaker is open, without calling SES', async () => {
    const t = setup({ breaker: new FakeBreaker('open') });
    expect((await t.provider.send(mail())).provider).toBe('smtp');
    expect(t.ses.sent).toHaveLength(0);
  });

  it('keeps a mail pinned to SES away from SMTP while the breaker is open: it waits (throttled, nothing tried)', async () => {
    const t = setup({ breaker: new FakeBreaker('open') });
    const error = await rejection(t.provider.send(mail({ pinnedTo: 'ses' })));
    expect(error).toMatchObject({ provider: 'ses', failureClass: 'throttled', code: 'BreakerOpen' });
    expect(error.message).toMatch(/may already have this email/);
    expect(error.attempts).toEqual([]);
    expect(t.smtp.sent).toHaveLength(0);
  });

  it('sends a mail pinned to SES through SES when the breaker lets it probe, and never through SMTP on a definite refusal', async () => {
    const t = setup({ breaker: new FakeBreaker('half_open') });
    t.ses.failWith(sesError('transient', 'ECONNREFUSED'));
    await rejection(t.provider.send(mail({ pinnedTo: 'ses' })));
    expect(t.smtp.sent).toHaveLength(0);
    expect((await t.provider.send(mail({ pinnedTo: 'ses' }))).provider).toBe('ses');
  });

  it('sends a mail pinned to SMTP only through SMTP, whatever the breaker says', async () => {
    const t = setup();
    expect((await t.provider.send(mail({ pinnedTo: 'smtp' }))).provider).toBe('smtp');
    expect(t.ses.sent).toHaveLength(0);
  });

  it('fails over a throttled send only from the threshold on (the receive count)', async () => {
    const t = setup();
    t.ses.failWith(sesError('throttled', 'TooManyRequestsException'), sesError('throttled', 'TooManyRequestsException'));
    expect(await rejection(t.provider.send(mail({ receiveCount: 2 })))).toMatchObject({ failureClass: 'throttled' });
    expect((await t.provider.send(mail({ receiveCount: 3 }))).provider).toBe('smtp');
  });

  it('counts outages but not throttling or rejections on the breaker', async () => {
    const t = setup({ fallback: false });
    t.ses.failWith(sesError('transient', 'ECONNREFUSED'), sesError('throttled', 'TooManyRequestsException'), sesError('permanent', 'MessageRejected'));
    for (let i = 0; i < 3; i++) await rejection(t.provider.send(mail()));
    expect(t.breaker.failures).toHaveLength(1);
  });

  it('waits without a fallback when the breaker is open', async () => {
    const t = setup({ breaker: new FakeBreaker('open'), fallback: false });
    expect(await rejection(t.provider.send(mail()))).toMatchObject({ failureClass: 'throttled', code: 'BreakerOpen' });
  });

  it('reports the fallback failure last when SMTP fails too', async () => {
    const t = setup();
    t.ses.failWith(sesError('transient', 'ECONNREFUSED'));
    t.smtp.failWith(new ProviderError('smtp', 'transient', 'ECONNREFUSED', 'smtp refused'));
    const error = await rejection(t.provider.send(mail()));
    expect(error).toMatchObject({ provider: 'smtp', code: 'ECONNREFUSED' });
    expect(error.attempts?.map((a) => a.provider)).toEqual(['ses', 'smtp']);
  });
});
