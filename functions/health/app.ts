import { ENV, healthEnvSchema, loadEnv } from '#shared/config/env';
import { createDocumentClient, createSqsClient } from '#shared/adapters/aws-clients';
import { readBreakerState } from '#shared/adapters/dynamodb-circuit-breaker';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { createLaneMetrics } from '#shared/adapters/lane-metrics';
import { smtpSettingsFromSecret, smtpSettingsFromUrl } from '#shared/adapters/smtp-mail-provider';
import { SmtpProbe } from '#shared/adapters/smtp-probe';
import { SqsLaneQueue } from '#shared/adapters/sqs-lane-queue';
import { json, type ApiEvent, type ApiResult } from '#shared/http/api';
import { withApi } from '#shared/http/middy';
import { systemClock } from '#shared/ports/index';
import type { LaneMetrics, ProviderProbe } from '#shared/ports/operations';
import { cachedFor, checkHealth, type HealthDeps } from '#shared/use-cases/health';

/** How long one instance reuses an SMTP probe and a metrics read: /health is public and probed often. */
export const SMTP_PROBE_TTL_MS = 15_000;
export const LANE_METRICS_TTL_MS = 60_000;
/** How long one instance reuses a stuck-emails count (the reconciler itself runs once a minute). */
export const STUCK_COUNT_TTL_MS = 30_000;

/** `GET /health` (public): provider and breaker state, lane depths and the stuck-email count, no tenant data. 503 when no provider can send. */
export const makeHealthHandler =
  (deps: HealthDeps) =>
  async (_event: ApiEvent): Promise<ApiResult> => {
    const { httpStatus, ...report } = await checkHealth(deps);
    return json(httpStatus, report);
  };

export function createHealthDeps(env: Record<string, string | undefined>): HealthDeps {
  const config = loadEnv(healthEnvSchema, env);
  const table = config[ENV.TABLE_NAME];
  const doc = createDocumentClient();
  const smtpUrl = config[ENV.SMTP_URL];
  const smtpSecret = config[ENV.SMTP_SECRET_ARN];
  const probe = smtpUrl ? new SmtpProbe(async () => smtpSettingsFromUrl(smtpUrl)) : smtpSecret ? new SmtpProbe(smtpSettingsFromSecret(smtpSecret)) : undefined;
  const smtp: ProviderProbe | undefined = probe ? { name: probe.name, probe: cachedFor(SMTP_PROBE_TTL_MS, () => probe.probe()) } : undefined;
  const metrics = createLaneMetrics(config[ENV.LANE_METRICS], { table, queueUrls: config[ENV.LANE_QUEUE_URLS] });
  const cachedMetrics: LaneMetrics | undefined = metrics
    ? (() => {
        const read = cachedFor(LANE_METRICS_TTL_MS, () => metrics.snapshot(Object.keys(config[ENV.LANE_QUEUE_URLS]) as never, systemClock.now()));
        return { snapshot: () => read() };
      })()
    : undefined;
  return {
    queue: new SqsLaneQueue(createSqsClient(), config[ENV.LANE_QUEUE_URLS], config[ENV.LANE_DLQ_URLS]),
    clock: systemClock,
    // One consistent read per check: health must show the breaker as the senders see it.
    breaker: { state: (provider: string) => readBreakerState(doc, table, provider) },
    stuck: cachedStuckCount(new DynamoEmailStore(doc, table)),
    ...(smtp ? { smtp } : {}),
    ...(cachedMetrics ? { laneMetrics: cachedMetrics } : {}),
  };
}

/** The stuck count, read at most once per STUCK_COUNT_TTL_MS per instance (the bound `max` of the first call). */
function cachedStuckCount(store: DynamoEmailStore): HealthDeps['stuck'] {
  let max = 0;
  const read = cachedFor(STUCK_COUNT_TTL_MS, () => store.countStuck(systemClock.now(), max));
  return {
    countStuck: (_at, limit) => {
      max = limit;
      return read();
    },
  };
}

export const createHealthHandler = (env: Record<string, string | undefined>) => withApi(makeHealthHandler(createHealthDeps(env)));
