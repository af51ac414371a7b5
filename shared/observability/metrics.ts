import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * The one Metrics instance (EMF). Dimensions are few on purpose — Lane, Provider, Reason —
 * never an email id, tenant or recipient, so the metric bill stays flat.
 */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Mailroom',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'mailroom',
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
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];
