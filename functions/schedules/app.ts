import { ENV, loadEnv, schedulesEnvSchema } from '#shared/config/env';
import { isLane } from '#shared/config/lanes';
import { createDocumentClient, createSqsClient } from '#shared/adapters/aws-clients';
import { DynamoLocalScheduler } from '#shared/adapters/dynamodb-local-scheduler';
import { SqsLaneQueue } from '#shared/adapters/sqs-lane-queue';
import { withPowertools } from '#shared/http/middy';
import { logger } from '#shared/observability/logger';
import { metrics, METRIC } from '#shared/observability/metrics';
import { type Clock, type LaneQueue, systemClock } from '#shared/ports/index';

export interface SchedulesDeps {
  readonly scheduler: Pick<DynamoLocalScheduler, 'due' | 'remove'>;
  readonly queue: Pick<LaneQueue, 'enqueue'>;
  readonly clock: Clock;
}

/**
 * The LocalStack profile's scheduler tick (LocalStack stores EventBridge Scheduler schedules but
 * never fires them): every minute, the schedules local mode keeps in the main table that are due
 * are put into their lane queues and removed — what `startLocalSchedulerLoop` does in `npm start`.
 * A crash between the two fires a schedule twice with the same version; the sender's claim sends once.
 */
export const makeSchedulesHandler = (deps: SchedulesDeps) => async (): Promise<{ fired: number }> => {
  let fired = 0;
  for (;;) {
    const due = await deps.scheduler.due(deps.clock.now());
    if (due.length === 0) break;
    for (const item of due) {
      if (isLane(item.lane)) await deps.queue.enqueue(item.lane, item.message);
      await deps.scheduler.remove(item);
      fired++;
    }
  }
  if (fired > 0) {
    metrics.addMetric(METRIC.ScheduledFired, 'Count', fired);
    logger.info('Due schedules fired', { fired });
  }
  return { fired };
};

export function createSchedulesHandler(env: Record<string, string | undefined>) {
  const config = loadEnv(schedulesEnvSchema, env);
  const deps: SchedulesDeps = {
    scheduler: new DynamoLocalScheduler(createDocumentClient(), config[ENV.TABLE_NAME]),
    queue: new SqsLaneQueue(createSqsClient(), config[ENV.LANE_QUEUE_URLS]),
    clock: systemClock,
  };
  return withPowertools(makeSchedulesHandler(deps));
}
