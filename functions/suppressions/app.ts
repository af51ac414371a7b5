import { ENV, loadEnv, readEnvSchema } from '#shared/config/env';
import { createDocumentClient } from '#shared/adapters/aws-clients';
import { DynamoSuppressionStore } from '#shared/adapters/dynamodb-suppression-store';
import { NotFoundError } from '#shared/domain/errors';
import { json, jsonBody, principalOf, type ApiEvent, type ApiResult } from '#shared/http/api';
import { withApi } from '#shared/http/middy';
import { systemClock } from '#shared/ports/index';
import { addSuppression, listSuppressions, removeSuppression, type SuppressionsDeps } from '#shared/use-cases/suppressions';

const MAX_BODY_BYTES = 4_096;

/** `GET /suppressions`, `POST /suppressions`, `DELETE /suppressions/{email}`. */
export const makeSuppressionsHandler =
  (deps: SuppressionsDeps) =>
  async (event: ApiEvent): Promise<ApiResult> => {
    const principal = principalOf(event);
    switch (event.routeKey) {
      case 'GET /suppressions':
        return json(200, await listSuppressions(deps, principal, { ...(event.queryStringParameters ?? {}) }));
      case 'POST /suppressions':
        return json(201, await addSuppression(deps, principal, jsonBody(event, MAX_BODY_BYTES)));
      case 'DELETE /suppressions/{email}':
        return json(200, await removeSuppression(deps, principal, decodeURIComponent(event.pathParameters?.email ?? '')));
      default:
        throw new NotFoundError(`No route ${event.routeKey}.`);
    }
  };

export function createSuppressionsDeps(env: Record<string, string | undefined>): SuppressionsDeps {
  const config = loadEnv(readEnvSchema, env);
  return { suppressions: new DynamoSuppressionStore(createDocumentClient(), config[ENV.TABLE_NAME]), clock: systemClock };
}

export const createSuppressionsHandler = (env: Record<string, string | undefined>) => withApi(makeSuppressionsHandler(createSuppressionsDeps(env)));
