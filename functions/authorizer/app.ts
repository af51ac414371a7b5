import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { ENV, loadEnv, readEnvSchema } from '#shared/config/env';
import { createDocumentClient } from '#shared/adapters/aws-clients';
import { DynamoApiKeyStore } from '#shared/adapters/dynamodb-tenant-store';
import { principalToContext, type AuthorizerContext } from '#shared/http/api';
import { withPowertools } from '#shared/http/middy';
import type { ApiKeyStore } from '#shared/ports/index';
import { authenticate } from '#shared/use-cases/api-keys';

export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext | { tenantId: '' }>;

/**
 * API Gateway request authorizer (simple responses). An unknown key is still "authorized"
 * with an empty tenant, so the route answers Mailroom's JSON 401 instead of API Gateway's
 * bare 403; the functions refuse any request without a tenant. The key is never logged.
 */
export const makeAuthorizerHandler =
  (deps: { keys: ApiKeyStore }) =>
  async (event: Pick<APIGatewayRequestAuthorizerEventV2, 'headers'>): Promise<AuthorizerResult> => {
    const authorization = event.headers?.authorization ?? event.headers?.Authorization;
    const principal = await authenticate(deps, authorization);
    return principal ? { isAuthorized: true, context: principalToContext(principal) } : { isAuthorized: true, context: { tenantId: '' } };
  };

export function createAuthorizerHandler(env: Record<string, string | undefined>) {
  const config = loadEnv(readEnvSchema, env);
  const keys = new DynamoApiKeyStore(createDocumentClient(), config[ENV.TABLE_NAME]);
  return withPowertools(makeAuthorizerHandler({ keys }));
}
