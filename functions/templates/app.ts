import { ENV, loadEnv, readEnvSchema } from '#shared/config/env';
import { createDocumentClient } from '#shared/adapters/aws-clients';
import { DynamoTemplateStore } from '#shared/adapters/dynamodb-template-store';
import { DynamoTenantStore } from '#shared/adapters/dynamodb-tenant-store';
import { CachedTenantStore } from '#shared/adapters/cached-tenant-store';
import { DynamoRateLimiter } from '#shared/adapters/dynamodb-rate-limiter';
import { createRateLimitHeaders, type RateLimitHeaders } from '#shared/use-cases/rate-limit-status';
import { NotFoundError } from '#shared/domain/errors';
import { json, jsonBody, principalOf, type ApiEvent, type ApiResult } from '#shared/http/api';
import { withApi } from '#shared/http/middy';
import { systemClock } from '#shared/ports/index';
import {
  createTemplate,
  deleteTemplate,
  duplicateTemplate,
  getTemplate,
  listTemplates,
  previewTemplate,
  publishTemplate,
  toTemplateView,
  updateTemplate,
  type TemplatesDeps,
} from '#shared/use-cases/templates';

/** Largest request body: a template is at most 300 KB of JSON. */
const MAX_BODY_BYTES = 1_000_000;

/** Publish and render may come without a body. */
const optionalBody = (event: ApiEvent): unknown =>
  event.body === undefined || event.body === null || event.body === '' ? {} : jsonBody(event, MAX_BODY_BYTES);

/** `/templates…`: tenant templates (create, read, list, edit the draft, delete, publish, render a preview). */
export const makeTemplatesHandler =
  (deps: TemplatesDeps) =>
  async (event: ApiEvent): Promise<ApiResult> => {
    const principal = principalOf(event);
    const id = event.pathParameters?.id ?? '';
    switch (event.routeKey) {
      case 'GET /templates':
        return json(200, await listTemplates(deps, principal, { ...(event.queryStringParameters ?? {}) }));
      case 'POST /templates':
        return json(201, toTemplateView(await createTemplate(deps, principal, jsonBody(event, MAX_BODY_BYTES))));
      case 'GET /templates/{id}':
        return json(200, await getTemplate(deps, principal, id));
      case 'PATCH /templates/{id}':
        return json(200, toTemplateView(await updateTemplate(deps, principal, id, jsonBody(event, MAX_BODY_BYTES))));
      case 'DELETE /templates/{id}':
        return json(200, await deleteTemplate(deps, principal, id));
      case 'POST /templates/{id}/duplicate':
        return json(200, toTemplateView(await duplicateTemplate(deps, principal, id)));
      case 'POST /templates/{id}/publish': {
        const version = await publishTemplate(deps, principal, id);
        return json(200, { object: 'template', id: version.id, version: version.version, published_at: version.publishedAt });
      }
      case 'POST /templates/{id}/render': {
        const { subject, html, text, version } = await previewTemplate(deps, principal, id, optionalBody(event));
        return json(200, { object: 'template_preview', id, version, subject, html, text });
      }
      default:
        throw new NotFoundError(`No route ${event.routeKey}.`);
    }
  };

export function createTemplatesDeps(env: Record<string, string | undefined>): TemplatesDeps & { rateLimitHeaders: RateLimitHeaders } {
  const config = loadEnv(readEnvSchema, env);
  const doc = createDocumentClient();
  const table = config[ENV.TABLE_NAME];
  const tenants = new CachedTenantStore(new DynamoTenantStore(doc, table));
  return {
    templates: new DynamoTemplateStore(doc, table),
    tenants,
    clock: systemClock,
    rateLimitHeaders: createRateLimitHeaders({ tenants, limiter: new DynamoRateLimiter(doc, table) }),
  };
}

export const createTemplatesHandler = (env: Record<string, string | undefined>) => {
  const deps = createTemplatesDeps(env);
  return withApi(makeTemplatesHandler(deps), { rateLimitHeaders: deps.rateLimitHeaders });
};
