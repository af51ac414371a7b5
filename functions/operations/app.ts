import { ENV, loadEnv, operationsEnvSchema } from '#shared/config/env';
import { isLane, LANE_NAMES, type Lane } from '#shared/config/lanes';
import { createDocumentClient, createSqsClient } from '#shared/adapters/aws-clients';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { SqsDlqAdmin } from '#shared/adapters/sqs-dlq-admin';
import { createLaneMetrics } from '#shared/adapters/lane-metrics';
import { SqsLaneQueue } from '#shared/adapters/sqs-lane-queue';
import { hasScope, isOperator, type Principal } from '#shared/domain/api-key';
import { ForbiddenError, NotFoundError, ValidationError } from '#shared/domain/errors';
import { json, principalOf, type ApiEvent, type ApiResult } from '#shared/http/api';
import { withApi } from '#shared/http/middy';
import type { DlqAdmin } from '#shared/ports/dlq';
import { systemClock, type EmailStore } from '#shared/ports/index';
import { laneStatus, type LaneStatusDeps } from '#shared/use-cases/lane-status';
import { listDlq, MAX_DLQ_LIST, redriveDlq } from '#shared/use-cases/redrive-dlq';

export interface OperationsDeps extends LaneStatusDeps {
  readonly dlq?: DlqAdmin;
  /** Shows each DLQ entry's current email status. */
  readonly emails?: EmailStore;
}

/**
 * Who may do what (docs/security.md#scopes): an operator key sees every lane and every tenant's DLQ'd
 * mail and redrives whole lanes; a tenant's `admin` key sees and redrives its own DLQ'd emails only,
 * and never the deployment-wide lane counters.
 */
function access(principal: Principal, route: string): { tenantId?: string } {
  if (isOperator(principal)) return {};
  if (route === 'GET /lanes')
    throw new ForbiddenError('Lane status is deployment-wide: it needs an operator key (scope `operator`; `mailroom keys create-operator`).');
  if (!hasScope(principal, 'admin'))
    throw new ForbiddenError("A lane DLQ needs an API key with the `admin` scope (your tenant's emails) or an operator key (all of them).");
  return { tenantId: principal.tenantId };
}

function laneParam(event: ApiEvent): Lane {
  const lane = event.pathParameters?.lane;
  if (!isLane(lane)) throw new NotFoundError(`Unknown lane ${String(lane)}; lanes are ${LANE_NAMES.join(', ')}.`);
  return lane;
}

/** `GET /lanes` (operator), `GET /lanes/{lane}/dlq`, `POST /lanes/{lane}/dlq/redrive` (operator: all; tenant admin: its own). */
export const makeOperationsHandler =
  (deps: OperationsDeps) =>
  async (event: ApiEvent): Promise<ApiResult> => {
    const scope = access(principalOf(event), event.routeKey);
    switch (event.routeKey) {
      case 'GET /lanes':
        return json(200, { object: 'list', data: await laneStatus(deps) });
      case 'GET /lanes/{lane}/dlq': {
        const lane = laneParam(event);
        const raw = event.queryStringParameters?.limit;
        const limit = raw === undefined ? 10 : Number(raw);
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DLQ_LIST) throw new ValidationError(`\`limit\` must be an integer from 1 to ${MAX_DLQ_LIST}.`);
        if (!deps.dlq) throw new NotFoundError('DLQ inspection is not available in this deployment.');
        const listing = await listDlq({ dlq: deps.dlq, clock: deps.clock, ...(deps.emails ? { emails: deps.emails } : {}) }, { lane, max: limit, ...scope });
        return json(200, { object: 'list', lane, data: listing.messages });
      }
      case 'POST /lanes/{lane}/dlq/redrive': {
        const lane = laneParam(event);
        if (!deps.dlq) throw new NotFoundError('DLQ redrive is not available in this deployment.');
        return json(202, await redriveDlq({ dlq: deps.dlq }, { lane, ...scope }));
      }
      default:
        throw new NotFoundError(`No route ${event.routeKey}.`);
    }
  };

export function createOperationsDeps(env: Record<string, string | undefined>): OperationsDeps {
  const config = loadEnv(operationsEnvSchema, env);
  const sqs = createSqsClient();
  const queue = new SqsLaneQueue(sqs, config[ENV.LANE_QUEUE_URLS], config[ENV.LANE_DLQ_URLS]);
  const laneMetrics = createLaneMetrics(config[ENV.LANE_METRICS], { table: config[ENV.TABLE_NAME], queueUrls: config[ENV.LANE_QUEUE_URLS] });
  return {
    queue,
    clock: systemClock,
    dlq: new SqsDlqAdmin(sqs, config[ENV.LANE_QUEUE_URLS], config[ENV.LANE_DLQ_URLS]),
    emails: new DynamoEmailStore(createDocumentClient(), config[ENV.TABLE_NAME]),
    ...(laneMetrics ? { laneMetrics } : {}),
  };
}

export const createOperationsHandler = (env: Record<string, string | undefined>) => withApi(makeOperationsHandler(createOperationsDeps(env)));
