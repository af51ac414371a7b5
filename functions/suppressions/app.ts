import { ENV, loadEnv, readEnvSchema } from '#shared/config/env';
import { createDocumentClient } from '#shared/adapters/aws-clients';
import { DynamoSuppressionStore } from '#shared/adapters/dynamodb-suppression-store';
import { DynamoTenantStore } from '#shared/adapters/dynamodb-tenant-store';
import { CachedTenantStore } from '#shared/adapters/cached-tenant-store';
import { DynamoRateLimiter } from '#shared/adapters/dynamodb-rate-limiter';
import { createRateLimitHeaders, type RateLimitHeaders } from '#shared/use-cases/rate-limit-status';
import { NotFoundError } from '#shared/domain/errors';
import { json, jsonBody, principalOf, type ApiEvent, type ApiResult } from '#shared/http/api';
import { withApi } from '#shared/http/middy';
import { systemClock } from '#shared/ports/index';
import {
  addSuppression,
  addSuppressions,
  getSuppression,
  listSuppressions,
  removeSuppression,
  removeSuppressions,
  type SuppressionsDeps,
} from '#shared/use-cases/suppressions';

const MAX_BODY_BYTES = 4_096;
/** A batch holds up to 100 addresses or ids. */
const MAX_BATCH_BYTES = 64_000;

/**
 * `GET /suppressions`, `POST /suppressions`, `GET|DELETE /suppressions/{id_or_email}`,
 * `POST /suppressions/batch/add`, `POST /suppressions/batch/remove` (Resend's shape, Mailroom's scopes).
 */
export const makeSuppressionsHandler =
  (deps: SuppressionsDeps) =>
  async (event: ApiEvent): Promise<ApiResult> => {
    const principal = principalOf(event);
    const idOrEmail = () => decodeURIComponent(event.pathParameters?.email ?? '');
    switch (event.routeKey) {
      case 'GET /suppressions':
        return json(200, await listSuppressions(deps, principal, { ...(event.queryStringParameters ?? {}) }));
      case 'POST /suppressions':
        return json(201, await addSuppression(deps, principal, jsonBody(event, MAX_BODY_BYTES)));
      case 'GET /suppressions/{email}':
        return json(200, await getSuppression(deps, principal, idOrEmail()));
      case 'DELETE /suppressions/{email}':
        return json(200, await removeSuppression(deps, principal, idOrEmail()));
      case 'POST /suppressions/batch/add':
        return json(201, await addSuppressions(deps, principal, jsonBody(event, MAX_BATCH_BYTES)));
      case 'POST /suppressions/batch/remove':
        return json(200, await removeSuppressions(deps, principal, jsonBody(event, MAX_BATCH_BYTES)));
      default:
        throw new NotFoundError(`No route ${event.routeKey}.`);
    }
  };

export function createSuppressionsDeps(env: Record<string, string | undefined>): SuppressionsDeps & { rateLimitHeaders: RateLimitHeaders } {
  const config = loadEnv(readEnvSchema, env);
  const doc = createDocumentClient();
  const table = config[ENV.TABLE_NAME];
  return {
    suppressions: new DynamoSuppressionStore(doc, table),
    clock: systemClock,
    rateLimitHeaders: createRateLimitHeaders({ tenants: new CachedTenantStore(new DynamoTenantStore(doc, table)), limiter: new DynamoRateLimiter(doc, table) }),
  };
}

export const createSuppressionsHandler = (env: Record<string, string | undefined>) => {
  const deps = createSuppressionsDeps(env);
  return withApi(makeSuppressionsHandler(deps), { rateLimitHeaders: deps.rateLimitHeaders });
};
