import { ProviderError } from '#shared/domain/errors';
import { allowsFailover } from '#shared/domain/failure-classification';
import { acceptedAttempt, attemptOf, type ProviderAttempt } from '#shared/domain/provider-attempts';
import { logger } from '#shared/observability/logger';
import { METRIC, metrics } from '#shared/observability/metrics';
import { type CircuitBreaker, type Clock, type MailProvider, type OutgoingMail, type SendReceipt, systemClock } from '#shared/ports/index';

export interface FailoverSettings {
  readonly primary: MailProvider;
  /** Tried when the primary definitely did not take the message, or its breaker is open. */
  readonly fallback?: MailProvider;
  /** Shared breaker over the primary: while open, new mail goes straight to the fallback. */
  readonly breaker?: CircuitBreaker;
  /** Throttled receives of one message before it fails over (a throttled primary is up, only busy). */
  readonly throttleFailoverAfter: number;
  /** When attempts end (tests pass a fixed clock). */
  readonly clock?: Clock;
}

/**
 * One single-metric emitter for every metric that carries its own dimensions. Powertools'
 * `metrics.singleMetric()` builds a new Metrics object on every call; this one is built once. Each
 * chain of dimensions and its metric runs without an await, so two sends never mix dimensions.
 */
let singleMetric: ReturnType<typeof metrics.singleMetric> | undefined;
const dimensioned = () => (singleMetric ??= metrics.singleMetric());

const asProviderError = (error: unknown, provider: string) =>
  error instanceof ProviderError ? error : new ProviderError(provider, 'transient', 'Unknown', String(error), { cause: error, ambiguous: true });

/**
 * The primary provider (SES) with a circuit breaker and a fallback (SMTP), as one MailProvider: the
 * sender sees one provider, and failover is tested without it.
 *
 * Primary course: ask the breaker → send through the primary → on success tell the breaker.
 * Failover: to the fallback only when the primary definitely did not take the message (connection
 * refused, paused, throttled past the threshold) or its breaker is open.
 * Ambiguity: a mail pinned to a provider (an earlier attempt there may have been accepted) goes to
 * that provider only — never to the other, not even while the breaker is open: then it waits
 * (a `throttled` BreakerOpen failure, which spends no attempt). A failure that is itself ambiguous
 * is never failed over either, and weighs half on the breaker.
 * Every provider tried is reported, in order, on the receipt or on the thrown ProviderError.
 */
export class FailoverMailProvider implements MailProvider {
  readonly name: string;

  constructor(private readonly settings: FailoverSettings) {
    this.name = settings.fallback ? `${settings.primary.name}+${settings.fallback.name}` : settings.primary.name;
  }

  async send(mail: OutgoingMail): Promise<SendReceipt> {
    const { primary, fallback, breaker } = this.settings;
    const attempts: ProviderAttempt[] = [];
    if (mail.pinnedTo && mail.pinnedTo !== primary.name) {
      // Pinned to the fallback (it may have the message): only the fallback, no breaker.
      if (!fallback || fallback.name !== mail.pinnedTo) {
        throw new ProviderError(mail.pinnedTo, 'permanent', 'PinnedProviderMissing', `${mail.pinnedTo} may have this email but is no longer configured`);
      }
      return this.attempt(fallback, mail, attempts);
    }

    const gate = breaker ? await breaker.acquire(primary.name) : { allowed: true, state: 'closed' as const };
    // Each send that skips an open breaker counts once: the BreakerOpen alarm watches its maximum.
    // No Provider dimension: only the primary has a breaker, and one series is one billed metric.
    if (!gate.allowed) dimensioned().addMetric(METRIC.BreakerOpen, 'Count', 1);
    let failure: ProviderError | undefined;
    if (gate.allowed) {
      try {
        const receipt = await this.attempt(primary, mail, attempts);
        await breaker?.recordSuccess(primary.name);
        return receipt;
      } catch (error) {
        failure = asProviderError(error, primary.name);
        // The breaker tracks availability: throttling has its own path and a rejection says the provider is up.
        if (failure.failureClass === 'transient' || failure.failureClass === 'paused') {
          await breaker?.recordFailure(primary.name, { ambiguous: failure.ambiguous });
        }
      }
    }
    const primaryDown =
      !gate.allowed ||
      (failure !== undefined && allowsFailover(failure, { throttleCount: mail.receiveCount ?? 1, throttleFailoverAfter: this.settings.throttleFailoverAfter }));
    if (fallback && !mail.pinnedTo && primaryDown) {
      const reason = !gate.allowed ? 'breaker_open' : failure!.failureClass;
      // One series (the alarm's); why it failed over is in the log line and the email's provider attempts.
      logger.warn('Failing over to the fallback provider', { from: primary.name, to: fallback.name, reason });
      dimensioned().addMetric(METRIC.ProviderFallbacks, 'Count', 1);
      return this.attempt(fallback, mail, attempts);
    }
    if (!failure) {
      // Nothing was tried: wait like a throttled message, without spending the attempt budget.
      const why = mail.pinnedTo ? `it may already have this email, so it is not sent elsewhere` : 'no fallback is configured';
      failure = new ProviderError(
        primary.name,
        'throttled',
        'BreakerOpen',
        `${primary.name} circuit breaker is ${gate.state === 'open' ? 'open' : 'probing'} and ${why}`,
      );
    }
    throw failure.withAttempts(attempts);
  }

  /** One provider call, timed, its attempt recorded; a failure is rethrown with every attempt so far. */
  private async attempt(provider: MailProvider, mail: OutgoingMail, attempts: ProviderAttempt[]): Promise<SendReceipt> {
    const started = performance.now();
    try {
      const { messageId } = await provider.send(mail);
      attempts.push(acceptedAttempt(provider.name, (this.settings.clock ?? systemClock).now()));
      return { messageId, provider: provider.name, attempts };
    } catch (error) {
      const failure = asProviderError(error, provider.name);
      attempts.push(attemptOf(failure, (this.settings.clock ?? systemClock).now()));
      throw failure.withAttempts([...attempts]);
    } finally {
      dimensioned()
        .addDimension('Provider', provider.name)
        .addMetric(METRIC.SendLatency, 'Milliseconds', performance.now() - started);
    }
  }
}
