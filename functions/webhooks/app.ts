import { ENV, loadEnv } from '#shared/config/env';
import { webhooksEnvSchema } from '#shared/config/account-env';
import { createDocumentClient, createSqsClient } from '#shared/adapters/aws-clients';
import { DynamoWebhookEventLog, DynamoWebhookStore } from '#shared/adapters/dynamodb-webhooks';
import { DynamoTenantStore } from '#shared/adapters/dynamodb-tenant-store';
import { CachedTenantStore } from '#shared/adapters/cached-tenant-store';
import { DynamoRateLimiter } from '#shared/adapters/dynamodb-rate-limiter';
import { createRateLimitHeaders } from '#shared/use-cases/rate-limit-status';
import { SqsWebhookQueue } from '#shared/adapters/sqs-webhook-queue';
import { NotFoundError } from '#shared/domain/errors';
import { json, jsonBody, principalOf, type ApiEvent, type ApiResult } from '#shared/http/api';
import { withApi } from '#shared/http/middy';
import { systemClock } from '#shared/ports/index';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  getWebhookEvent,
  listWebhookEventAttempts,
  listWebhookEvents,
  listWebhooks,
  replayWebhookEvent,
  rotateWebhookSecret,
  updateWebhook,
  type WebhooksDeps,
} from '#shared/use-cases/webhooks';

const MAX_BODY_BYTES = 8_192;

/** `/webhooks…` in Resend's shape: CRUD, secret rotation, delivery log and replay. */
export const makeWebhooksHandler =
  (deps: WebhooksDeps) =>
  async (event: ApiEvent): Promise<ApiResult> => {
    const principal = principalOf(event);
    const id = event.pathParameters?.id ?? '';
    const eventId = event.pathParameters?.eventId ?? '';
    const query = { ...(event.queryStringParameters ?? {}) };
    switch (event.routeKey) {
      case 'POST /webhooks':
        return json(201, await createWebhook(deps, principal, jsonBody(event, MAX_BODY_BYTES)));
      case 'GET /webhooks':
        return json(200, await listWebhooks(deps, principal, query));
      case 'GET /webhooks/{id}':
        return json(200, await getWebhook(deps, principal, id));
      case 'PATCH /webhooks/{id}':
        return json(200, await updateWebhook(deps, principal, id, jsonBody(event, MAX_BODY_BYTES)));
      case 'DELETE /webhooks/{id}':
        return json(200, await deleteWebhook(deps, principal, id));
      case 'POST /webhooks/{id}/signing-secret/rotate':
        return json(200, await rotateWebhookSecret(deps, principal, id));
      case 'GET /webhooks/{id}/events':
        return json(200, await listWebhookEvents(deps, principal, id, query));
      case 'GET /webhooks/{id}/events/{eventId}':
        return json(200, await getWebhookEvent(deps, principal, id, eventId));
      case 'GET /webhooks/{id}/events/{eventId}/attempts':
        return json(200, await listWebhookEventAttempts(deps, principal, id, eventId, query));
      case 'POST /webhooks/{id}/events/{eventId}/replay':
        return json(200, await replayWebhookEvent(deps, principal, id, eventId));
      default:
        throw new NotFoundError(`No route ${event.routeKey}.`);
    }
  };

export function createWebhooksDeps(env: Record<string, string | undefined>): WebhooksDeps {
  const config = loadEnv(webhooksEnvSchema, env);
  const doc = createDocumentClient();
  return {
    webhooks: new DynamoWebhookStore(doc, config[ENV.TABLE_NAME]),
    log: new DynamoWebhookEventLog(doc, config[ENV.TABLE_NAME]),
    queue: new SqsWebhookQueue(createSqsClient(), config[ENV.WEBHOOK_QUEUE_URL], config[ENV.WEBHOOK_DLQ_URL]),
    clock: systemClock,
    // Uncached: the tenant is read right before its `webhookEvents` is written back.
    tenants: new DynamoTenantStore(doc, config[ENV.TABLE_NAME]),
    allowLoopback: config[ENV.WEBHOOK_ALLOW_LOOPBACK],
  };
}

/** `ratelimit-*` headers on every answer, as on every authenticated Mailroom answer (the tenant's email bucket). */
function rateLimitHeadersFor(env: Record<string, string | undefined>) {
  const config = loadEnv(webhooksEnvSchema, env);
  const doc = createDocumentClient();
  const table = config[ENV.TABLE_NAME];
  return createRateLimitHeaders({ tenants: new CachedTenantStore(new DynamoTenantStore(doc, table)), limiter: new DynamoRateLimiter(doc, table) });
}

export const createWebhooksHandler = (env: Record<string, string | undefined>) =>
  withApi(makeWebhooksHandler(createWebhooksDeps(env)), { rateLimitHeaders: rateLimitHeadersFor(env) });
