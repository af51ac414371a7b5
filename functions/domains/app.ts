import { ENV, loadEnv } from '#shared/config/env';
import { domainsEnvSchema } from '#shared/config/account-env';
import { createDocumentClient, createSesClient } from '#shared/adapters/aws-clients';
import { DynamoDomainStore } from '#shared/adapters/dynamodb-domain-store';
import { DynamoTenantStore } from '#shared/adapters/dynamodb-tenant-store';
import { CachedTenantStore } from '#shared/adapters/cached-tenant-store';
import { DynamoRateLimiter } from '#shared/adapters/dynamodb-rate-limiter';
import { createRateLimitHeaders } from '#shared/use-cases/rate-limit-status';
import { LocalDomainIdentities } from '#shared/adapters/local-domain-identities';
import { SesDomainIdentities } from '#shared/adapters/ses-domain-identities';
import { NotFoundError } from '#shared/domain/errors';
import { json, jsonBody, principalOf, type ApiEvent, type ApiResult } from '#shared/http/api';
import { withApi } from '#shared/http/middy';
import { systemClock } from '#shared/ports/index';
import { createDomain, deleteDomain, type DomainsDeps, getDomain, listDomains, updateDomain, verifyDomain } from '#shared/use-cases/domains';

const MAX_BODY_BYTES = 4_096;

/** `/domains…` in Resend's shape: sending domains as SES identities, their DNS records and verification. */
export const makeDomainsHandler =
  (deps: DomainsDeps) =>
  async (event: ApiEvent): Promise<ApiResult> => {
    const principal = principalOf(event);
    const id = event.pathParameters?.id ?? '';
    switch (event.routeKey) {
      case 'POST /domains':
        return json(201, await createDomain(deps, principal, jsonBody(event, MAX_BODY_BYTES)));
      case 'GET /domains':
        return json(200, await listDomains(deps, principal, { ...(event.queryStringParameters ?? {}) }));
      case 'GET /domains/{id}':
        return json(200, await getDomain(deps, principal, id));
      case 'PATCH /domains/{id}':
        return json(200, await updateDomain(deps, principal, id, jsonBody(event, MAX_BODY_BYTES)));
      case 'DELETE /domains/{id}':
        return json(200, await deleteDomain(deps, principal, id));
      case 'POST /domains/{id}/verify':
        return json(200, await verifyDomain(deps, principal, id));
      default:
        throw new NotFoundError(`No route ${event.routeKey}.`);
    }
  };

export function createDomainsDeps(env: Record<string, string | undefined>): DomainsDeps {
  const config = loadEnv(domainsEnvSchema, env);
  const doc = createDocumentClient();
  const table = config[ENV.TABLE_NAME];
  const region = config.AWS_REGION;
  return {
    domains: new DynamoDomainStore(doc, table),
    identities: config[ENV.IDENTITIES] === 'local' ? new LocalDomainIdentities(doc, table, region) : new SesDomainIdentities(createSesClient(5_000), region),
    tenants: new DynamoTenantStore(doc, table),
    clock: systemClock,
    region,
  };
}

/** `ratelimit-*` headers on every answer, as on every authenticated Mailroom answer (the tenant's email bucket). */
function rateLimitHeadersFor(env: Record<string, string | undefined>) {
  const config = loadEnv(domainsEnvSchema, env);
  const doc = createDocumentClient();
  const table = config[ENV.TABLE_NAME];
  return createRateLimitHeaders({ tenants: new CachedTenantStore(new DynamoTenantStore(doc, table)), limiter: new DynamoRateLimiter(doc, table) });
}

export const createDomainsHandler = (env: Record<string, string | undefined>) =>
  withApi(makeDomainsHandler(createDomainsDeps(env)), { rateLimitHeaders: rateLimitHeadersFor(env) });
