import { ENV, loadEnv, unsubscribeEnvSchema } from '#shared/config/env';
import { createDocumentClient } from '#shared/adapters/aws-clients';
import { DynamoSuppressionStore } from '#shared/adapters/dynamodb-suppression-store';
import { createSigningKeySource } from '#shared/adapters/signing-key';
import { NotFoundError } from '#shared/domain/errors';
import { InvalidUnsubscribeTokenError } from '#shared/domain/unsubscribe-token';
import { header, json, type ApiEvent, type ApiResult } from '#shared/http/api';
import { withApi } from '#shared/http/middy';
import { systemClock } from '#shared/ports/index';
import { checkUnsubscribeToken, unsubscribe, type UnsubscribeDeps } from '#shared/use-cases/unsubscribe';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(statusCode: number, title: string, body: string): ApiResult {
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
      'referrer-policy': 'no-referrer',
    },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title><style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}</style></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
  };
}

const wantsHtml = (event: ApiEvent) => /text\/html/i.test(header(event, 'accept') ?? '');

/**
 * RFC 8058 one-click unsubscribe (public route; the signed token is the authorization).
 * POST (mail clients send `List-Unsubscribe=One-Click`) suppresses the address for the tenant's
 * marketing mail and answers 200; GET shows a confirmation page whose form POSTs the same URL, so
 * link scanners that only GET never unsubscribe anyone.
 */
export const makeUnsubscribeHandler =
  (deps: UnsubscribeDeps) =>
  async (event: ApiEvent): Promise<ApiResult> => {
    const token = event.pathParameters?.token ?? '';
    try {
      switch (event.routeKey) {
        case 'GET /unsubscribe/{token}': {
          await checkUnsubscribeToken(deps, token);
          return page(
            200,
            'Unsubscribe',
            `<p>Stop receiving marketing email from this sender? Transactional messages (receipts, password resets) will still arrive.</p><form method="post" action="${escapeHtml(encodeURIComponent(token))}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
          );
        }
        case 'POST /unsubscribe/{token}': {
          await unsubscribe(deps, token);
          if (wantsHtml(event)) return page(200, 'You are unsubscribed', '<p>You will not receive marketing email from this sender any more.</p>');
          return json(200, { object: 'unsubscribe', unsubscribed: true });
        }
        default:
          throw new NotFoundError(`No route ${event.routeKey}.`);
      }
    } catch (error) {
      if (error instanceof InvalidUnsubscribeTokenError && (event.routeKey.startsWith('GET') || wantsHtml(event))) {
        return page(403, 'Link not valid', `<p>${escapeHtml(error.message)}</p>`);
      }
      throw error;
    }
  };

export function createUnsubscribeDeps(env: Record<string, string | undefined>): UnsubscribeDeps {
  const config = loadEnv(unsubscribeEnvSchema, env);
  return {
    suppressions: new DynamoSuppressionStore(createDocumentClient(), config[ENV.TABLE_NAME]),
    clock: systemClock,
    signingKey: createSigningKeySource({ key: config[ENV.UNSUBSCRIBE_SIGNING_KEY], secretArn: config[ENV.UNSUBSCRIBE_SECRET_ARN] }),
  };
}

export const createUnsubscribeHandler = (env: Record<string, string | undefined>) => withApi(makeUnsubscribeHandler(createUnsubscribeDeps(env)));
