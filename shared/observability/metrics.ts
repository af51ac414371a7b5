import { Metrics } from '@aws-lambda-powertools/metrics';
import { logger } from './logger';

/**
 * The one Metrics instance (EMF). Dimensions are few on purpose — Lane, Provider, Reason —
 * never an email id, tenant or recipient, so the metric bill stays flat.
 */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Mailroom',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'mailroom',
  // Many invocations (reads, health checks) rightly emit no metric; Powertools' "no application
  // metrics to publish" warning would fill every log with noise, so it is logged at debug level.
  logger: {
    trace: (...args: unknown[]) => logger.trace(String(args[0]), ...(args.slice(1) as [])),
    debug: (...args: unknown[]) => logger.debug(String(args[0]), ...(args.slice(1) as [])),
    info: (...args: unknown[]) => logger.info(String(args[0]), ...(args.slice(1) as [])),
    warn: (...args: unknown[]) => logger.debug(String(args[0]), ...(args.slice(1) as [])),
    error: (...args: unknown[]) => logger.error(String(args[0]), ...(args.slice(1) as [])),
  },
});

export const METRIC = {
  EmailsAccepted: 'EmailsAccepted',
  EmailsRejected: 'EmailsRejected',
  EmailsSent: 'EmailsSent',
  EmailsFailed: 'EmailsFailed',
  ProviderFallbacks: 'ProviderFallbacks',
  SendLatency: 'SendLatency',
  TimeToSend: 'TimeToSend',
  Bounces: 'Bounces',
  Complaints: 'Complaints',
  Suppressed: 'Suppressed',
  ScheduledFired: 'ScheduledFired',
  Throttled: 'Throttled',
  BreakerOpen: 'BreakerOpen',
  /** Emails the reconciler found stuck on their way (each run); the stuck-emails alarm watches it. */
  StuckEmails: 'StuckEmails',
  /** Stuck emails the reconciler put back on their lane queue. */
  EmailsReconciled: 'EmailsReconciled',
  /** A write that should have cleaned up after a failed accept (cancel an unqueued email) failed itself. */
  CleanupFailed: 'CleanupFailed',
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];
