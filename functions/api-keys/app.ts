import { ENV, loadEnv, readEnvSchema } from '#shared/config/env';
import { createDocumentClient } from '#shared/adapters/aws-clients';
import { DynamoDomainStore } from '#shared/adapters/dynamodb-domain-store';
import { DynamoApiKeyStore, DynamoTenantStore } from '#shared/adapters/dynamodb-tenant-store';
import { CachedTenantStore } from '#shared/adapters/cached-tenant-store';
import { DynamoRateLimiter } from '#shared/adapters/dynamodb-rate-limiter';
import { createRateLimitHeaders } from '#shared/use-cases/rate-limit-status';
import { NotFoundError } from '#shared/domain/errors';
import { json, jsonBody, principalOf, type ApiEvent, type ApiResult } from '#shared/http/api';
import { withApi } from '#shared/http/middy';
import { systemClock } from '#shared/ports/index';
import { createApiKeyResource, deleteApiKeyResource, listApiKeyResources, type ApiKeysResourceDeps } from '#shared/use-cases/api-keys-resource';

const MAX_BODY_BYTES = 4_096;

/** `POST /api-keys`, `GET /api-keys`, `DELETE /api-keys/{id}` (Resend's shape). */
export const makeApiKeysHandler =
  (deps: ApiKeysResourceDeps) =>
  async (event: ApiEvent): Promise<ApiResult> => {
    const principal = principalOf(event);
    switch (event.routeKey) {
      case 'POST /api-keys':
        return json(201, await createApiKeyResource(deps, principal, jsonBody(event, MAX_BODY_BYTES)));
      case 'GET /api-keys':
        return json(200, await listApiKeyResources(deps, principal, { ...(event.queryStringParameters ?? {}) }));
      case 'DELETE /api-keys/{id}':
        return json(200, await deleteApiKeyResource(deps, principal, event.pathParameters?.id ?? ''));
      default:
        throw new NotFoundError(`No route ${event.routeKey}.`);
    }
  };

export function createApiKeysDeps(env: Record<string, string | undefined>): ApiKeysResourceDeps {
  const config = loadEnv(readEnvSchema, env);
  const doc = createDocumentClient();
  return { keys: new DynamoApiKeyStore(doc, config[ENV.TABLE_NAME]), domains: new DynamoDomainStore(doc, config[ENV.TABLE_NAME]), clock: systemClock };
}

/** `ratelimit-*` headers on every answer, as on every authenticated Mailroom answer (the tenant's email bucket). */
function rateLimitHeadersFor(env: Record<string, string | undefined>) {
  const config = loadEnv(readEnvSchema, env);
  const doc = createDocumentClient();
  const table = config[ENV.TABLE_NAME];
  return createRateLimitHeaders({ tenants: new CachedTenantStore(new DynamoTenantStore(doc, table)), limiter: new DynamoRateLimiter(doc, table) });
}

export const createApiKeysHandler = (env: Record<string, string | undefined>) =>
  withApi(makeApiKeysHandler(createApiKeysDeps(env)), { rateLimitHeaders: rateLimitHeadersFor(env) });
