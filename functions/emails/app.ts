import { ENV, loadEnv, readEnvSchema } from '#shared/config/env';
import { createDocumentClient } from '#shared/adapters/aws-clients';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { NotFoundError } from '#shared/domain/errors';
import { json, principalOf, requireScope, type ApiEvent, type ApiResult } from '#shared/http/api';
import { withApi } from '#shared/http/middy';
import type { EmailStore } from '#shared/ports/index';
import { getEmail, listEmails, toEmailView } from '#shared/use-cases/get-email';

export interface EmailsDeps {
  readonly emails: EmailStore;
}

/** `GET /emails`, `GET /emails/{id}`. */
export const makeEmailsHandler =
  (deps: EmailsDeps) =>
  async (event: ApiEvent): Promise<ApiResult> => {
    const principal = principalOf(event);
    const id = event.pathParameters?.id;
    switch (event.routeKey) {
      case 'GET /emails':
        return json(200, await listEmails(deps, requireScope(principal, 'emails:read'), { ...(event.queryStringParameters ?? {}) }));
      case 'GET /emails/{id}':
        return json(200, toEmailView(await getEmail(deps, requireScope(principal, 'emails:read'), id ?? '')));
      default:
        throw new NotFoundError(`No route ${event.routeKey}.`);
    }
  };

export function createEmailsDeps(env: Record<string, string | undefined>): EmailsDeps {
  const config = loadEnv(readEnvSchema, env);
  return { emails: new DynamoEmailStore(createDocumentClient(), config[ENV.TABLE_NAME]) };
}

export const createEmailsHandler = (env: Record<string, string | undefined>) => withApi(makeEmailsHandler(createEmailsDeps(env)));
