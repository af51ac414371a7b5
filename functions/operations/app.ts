import { ENV, loadEnv, operationsEnvSchema } from '#shared/config/env';
import { isLane, LANE_NAMES, type Lane } from '#shared/config/lanes';
import { createSqsClient } from '#shared/adapters/aws-clients';
import { createLaneMetrics } from '#shared/adapters/lane-metrics';
import { SqsLaneQueue } from '#shared/adapters/sqs-lane-queue';
import { hasScope, type Principal } from '#shared/domain/api-key';
import { ForbiddenError, NotFoundError, ValidationError } from '#shared/domain/errors';
import { json, principalOf, type ApiEvent, type ApiResult } from '#shared/http/api';
import { withApi } from '#shared/http/middy';
import { systemClock } from '#shared/ports/index';
import { laneStatus, type LaneStatusDeps } from '#shared/use-cases/lane-status';

/** DLQ inspection and redrive, as the operations API needs them (issue 3's DLQ use case fits this). */
export interface OperationsDlq {
  list(lane: Lane, max: number): Promise<unknown[]>;
  redrive(lane: Lane): Promise<unknown>;
}

export interface OperationsDeps extends LaneStatusDeps {
  readonly dlq?: OperationsDlq;
}

function requireAdmin(principal: Principal): void {
  if (!hasScope(principal, 'admin')) throw new ForbiddenError('Lane operations need an API key with the `admin` scope.');
}

function laneParam(event: ApiEvent): Lane {
  const lane = event.pathParameters?.lane;
  if (!isLane(lane)) throw new NotFoundError(`Unknown lane ${String(lane)}; lanes are ${LANE_NAMES.join(', ')}.`);
  return lane;
}

/** `GET /lanes`, `GET /lanes/{lane}/dlq`, `POST /lanes/{lane}/dlq/redrive` (scope `admin`). */
export const makeOperationsHandler =
  (deps: OperationsDeps) =>
  async (event: ApiEvent): Promise<ApiResult> => {
    requireAdmin(principalOf(event));
    switch (event.routeKey) {
      case 'GET /lanes':
        return json(200, { object: 'list', data: await laneStatus(deps) });
      case 'GET /lanes/{lane}/dlq': {
        const lane = laneParam(event);
        const raw = event.queryStringParameters?.limit;
        const limit = raw === undefined ? 10 : Number(raw);
        if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ValidationError('`limit` must be an integer from 1 to 100.');
        if (!deps.dlq) throw new NotFoundError('DLQ inspection is not available in this deployment.');
        return json(200, { object: 'list', lane, data: await deps.dlq.list(lane, limit) });
      }
      case 'POST /lanes/{lane}/dlq/redrive': {
        const lane = laneParam(event);
        if (!deps.dlq) throw new NotFoundError('DLQ redrive is not available in this deployment.');
        return json(202, { lane, ...((await deps.dlq.redrive(lane)) as object) });
      }
      default:
        throw new NotFoundError(`No route ${event.routeKey}.`);
    }
  };

export function createOperationsDeps(env: Record<string, string | undefined>): OperationsDeps {
  const config = loadEnv(operationsEnvSchema, env);
  const queue = new SqsLaneQueue(createSqsClient(), config[ENV.LANE_QUEUE_URLS], config[ENV.LANE_DLQ_URLS]);
  const laneMetrics = createLaneMetrics(config[ENV.LANE_METRICS], { table: config[ENV.TABLE_NAME], queueUrls: config[ENV.LANE_QUEUE_URLS] });
  return { queue, clock: systemClock, ...(laneMetrics ? { laneMetrics } : {}) };
}

export const createOperationsHandler = (env: Record<string, string | undefined>) => withApi(makeOperationsHandler(createOperationsDeps(env)));
