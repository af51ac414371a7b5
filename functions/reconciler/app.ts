import { ENV, loadEnv, reconcilerEnvSchema } from '#shared/config/env';
import { createDocumentClient, createSqsClient } from '#shared/adapters/aws-clients';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { sendSchedulerFromEnv } from '#shared/adapters/scheduler-send-scheduler';
import { SqsLaneQueue } from '#shared/adapters/sqs-lane-queue';
import { withPowertools } from '#shared/http/middy';
import { logger } from '#shared/observability/logger';
import { metrics, METRIC } from '#shared/observability/metrics';
import { systemClock } from '#shared/ports/index';
import { reconcileEmails, type ReconcileDeps, type ReconcileResult } from '#shared/use-cases/reconcile-emails';

/**
 * Every minute (EventBridge rule): puts emails stuck on their way back on their lane queue, and
 * publishes how many were stuck (`StuckEmails`, watched by the stuck-emails alarm) and how many
 * it re-enqueued (`EmailsReconciled`) when there were any. A failed re-enqueue is logged and counted, never fatal: the
 * email stays in the pending index for the next run.
 */
export const makeReconcilerHandler =
  (deps: ReconcileDeps) =>
  async (_event?: unknown): Promise<ReconcileResult> => {
    const result = await reconcileEmails({
      ...deps,
      onError: (email, error) => logger.error('A stuck email could not be re-enqueued', { emailId: email.id, lane: email.lane, error: error as Error }),
    });
    // Only in minutes that find stuck emails: a custom metric is billed for every hour it is
    // published, and the stuck-emails alarm reads a missing minute as "none stuck".
    if (result.stuck > 0) metrics.addMetric(METRIC.StuckEmails, 'Count', result.stuck);
    if (result.reenqueued > 0) metrics.addMetric(METRIC.EmailsReconciled, 'Count', result.reenqueued);
    if (result.stuck > 0 || result.failed > 0) logger.warn('Stuck emails reconciled', { ...result });
    return result;
  };

export function createReconcilerDeps(env: Record<string, string | undefined>): ReconcileDeps {
  const config = loadEnv(reconcilerEnvSchema, env);
  const doc = createDocumentClient();
  const scheduler = sendSchedulerFromEnv(config, doc);
  return {
    stuck: new DynamoEmailStore(doc, config[ENV.TABLE_NAME]),
    queue: new SqsLaneQueue(createSqsClient(), config[ENV.LANE_QUEUE_URLS]),
    ...(scheduler ? { scheduler } : {}),
    clock: systemClock,
  };
}

export const createReconcilerHandler = (env: Record<string, string | undefined>) => withPowertools(makeReconcilerHandler(createReconcilerDeps(env)));
