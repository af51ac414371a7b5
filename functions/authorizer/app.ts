import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { authorizerEnvSchema, ENV, loadEnv } from '#shared/config/env';
import { createDocumentClient } from '#shared/adapters/aws-clients';
import { DynamoApiKeyStore } from '#shared/adapters/dynamodb-tenant-store';
import { principalToContext, type AuthorizerContext } from '#shared/http/api';
import { withPowertools } from '#shared/http/middy';
import { restAwareAuthorizer } from '#shared/http/rest-v1';
import { logger } from '#shared/observability/logger';
import type { ApiKeyStore } from '#shared/ports/index';
import { AUTHORIZER_CACHE_SECONDS } from '#infra/definitions';
import { authenticate, keyUseRecorder } from '#shared/use-cases/api-keys';

export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext | { tenantId: ''; denied: 'missing' | 'invalid' }>;

/**
 * API Gateway request authorizer (simple responses). It never denies: API Gateway's own denials
 * are bare `{"message":"Forbidden"}` bodies the `resend` SDK cannot classify. A request without a
 * usable key goes on with an empty tenant and `denied: missing` (no `Authorization: Bearer …`,
 * Resend's 401 `missing_api_key`) or `denied: invalid` (a key that does not exist or was revoked,
 * Resend's 403 `invalid_api_key`); every function refuses a request without a tenant with that
 * error in Resend's shape. The authorizer has no identity source (so API Gateway calls it even
 * without an Authorization header) and therefore no gateway cache: answers are cached here, per
 * Authorization header, for AUTHORIZER_CACHE_SECONDS. The key is never logged.
 */
export const makeAuthorizerHandler = (deps: { keys: ApiKeyStore; cacheSeconds?: number; now?: () => number }) => {
  const cacheSeconds = deps.cacheSeconds ?? AUTHORIZER_CACHE_SECONDS;
  const now = deps.now ?? Date.now;
  const cache = answerCache(cacheSeconds, now);
  // A key's last use is written on a cache miss, at most once per key per cache period from this
  // container (without a cache here, as in local mode where the API server caches, per AUTHORIZER_CACHE_SECONDS).
  const recordUse = keyUseRecorder(
    { keys: deps.keys, clock: { now: () => new Date(now()) } },
    {
      intervalSeconds: cacheSeconds > 0 ? cacheSeconds : AUTHORIZER_CACHE_SECONDS,
      onError: (error) => logger.warn('could not record an API key’s last use', { error: error as Error }),
    },
  );
  return async (event: Pick<APIGatewayRequestAuthorizerEventV2, 'headers'>): Promise<AuthorizerResult> => {
    const authorization = event.headers?.authorization ?? event.headers?.Authorization;
    if (!authorization?.trim()) return { isAuthorized: true, context: { tenantId: '', denied: 'missing' } };
    return cache(authorization, async () => {
      const principal = await authenticate(deps, authorization);
      if (!principal) return { isAuthorized: true, context: { tenantId: '', denied: 'invalid' } };
      await recordUse(authorization);
      return { isAuthorized: true, context: principalToContext(principal) };
    });
  };
};

/** Most answers kept per container: a client sending random keys must not grow the cache without bound. */
const CACHE_ENTRIES = 10_000;

/**
 * The cache API Gateway would keep with an identity source: an answer (allowed or not) is reused
 * for `ttlSeconds` per Authorization header, so a revoked key may work until then. A failed
 * lookup is not cached; concurrent misses share one lookup.
 */
function answerCache(ttlSeconds: number, now: () => number) {
  const entries = new Map<string, { expires: number; answer: Promise<AuthorizerResult> }>();
  return (authorization: string, load: () => Promise<AuthorizerResult>): Promise<AuthorizerResult> => {
    if (ttlSeconds <= 0) return load();
    const hit = entries.get(authorization);
    if (hit && hit.expires > now()) return hit.answer;
    entries.delete(authorization);
    const answer = load();
    entries.set(authorization, { expires: now() + ttlSeconds * 1000, answer });
    answer.catch(() => entries.get(authorization)?.answer === answer && entries.delete(authorization));
    if (entries.size > CACHE_ENTRIES) entries.delete(entries.keys().next().value!);
    return answer;
  };
}

export function createAuthorizerHandler(env: Record<string, string | undefined>) {
  const config = loadEnv(authorizerEnvSchema, env);
  const keys = new DynamoApiKeyStore(createDocumentClient(), config[ENV.TABLE_NAME]);
  const cacheSeconds = config[ENV.AUTHORIZER_CACHE_SECONDS];
  // restAwareAuthorizer: the LocalStack profile's REST API wants an IAM policy instead of the simple answer.
  return withPowertools(restAwareAuthorizer(makeAuthorizerHandler({ keys, ...(cacheSeconds !== undefined ? { cacheSeconds } : {}) })));
}
