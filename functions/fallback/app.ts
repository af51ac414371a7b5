import { MethodNotAllowedError, NotFoundError } from '#shared/domain/errors';
import type { ApiEvent, ApiResult } from '#shared/http/api';
import { withApi } from '#shared/http/middy';
import { ROUTES } from '#infra/definitions';

/** One matcher per route path (`/emails/{id}` → `^/emails/[^/]+$`). */
const PATHS = [...new Set(ROUTES.map((r) => r.path))].map((path) => new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`));

/**
 * The `$default` route: every request no other route matched. A path Mailroom knows with another
 * method is 405 `method_not_allowed`, anything else 404 `not_found`, both in Resend's error shape
 * (API Gateway's own answer would be a bare `{"message":"Not Found"}` the `resend` SDK cannot name).
 * It needs no API key, so it reveals nothing but the public route table.
 */
export const makeFallbackHandler =
  () =>
  async (event: Pick<ApiEvent, 'rawPath' | 'requestContext'>): Promise<ApiResult> => {
    const method = event.requestContext?.http?.method ?? 'GET';
    const path = (event.rawPath ?? '/').replace(/\/+$/, '') || '/';
    if (PATHS.some((p) => p.test(path))) {
      const allowed = ROUTES.filter((r) => new RegExp(`^${r.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(path)).map((r) => r.method);
      throw new MethodNotAllowedError(`Method ${method} is not allowed on ${path}; use ${[...new Set(allowed)].join(', ')}.`, [...new Set(allowed)]);
    }
    throw new NotFoundError(`The requested endpoint ${method} ${path} does not exist.`);
  };

export const createFallbackHandler = (_env: Record<string, string | undefined>) => withApi(makeFallbackHandler() as (event: ApiEvent) => Promise<ApiResult>);
