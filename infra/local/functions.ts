/**
 * The handlers local mode runs, built from their real factories with a local environment.
 * A function folder adds itself here when it is written.
 */
import type { Lane } from '#shared/config/lanes';
import { createApiKeysHandler } from '#functions/api-keys/app';
import { createAuthorizerHandler } from '#functions/authorizer/app';
import { createDomainsHandler } from '#functions/domains/app';
import { createEmailsHandler } from '#functions/emails/app';
import { createFallbackHandler } from '#functions/fallback/app';
import { createHealthHandler } from '#functions/health/app';
import { createIngestHandler } from '#functions/ingest/app';
import { createOperationsHandler } from '#functions/operations/app';
import { createSenderHandler } from '#functions/sender/app';
import { createTemplatesHandler } from '#functions/templates/app';
import { createWebhooksHandler } from '#functions/webhooks/app';
import { createSuppressionsHandler } from '#functions/suppressions/app';
import { createUnsubscribeHandler } from '#functions/unsubscribe/app';
import type { SendEmailDeps } from '#shared/use-cases/send-email';
import type { FunctionName } from '../definitions';

type Env = Record<string, string | undefined>;
type AnyHandler = (event: any, context: any) => Promise<any>;

/** API functions by name (sender, tracking and intake are invoked by other triggers). */
export const API_FUNCTIONS: Partial<Record<FunctionName, (env: Env) => AnyHandler>> = {
  authorizer: createAuthorizerHandler,
  ingest: createIngestHandler,
  emails: createEmailsHandler,
  health: createHealthHandler,
  operations: createOperationsHandler,
  templates: createTemplatesHandler,
  suppressions: createSuppressionsHandler,
  unsubscribe: createUnsubscribeHandler,
  fallback: createFallbackHandler,
  'api-keys': createApiKeysHandler,
  webhooks: createWebhooksHandler,
  domains: createDomainsHandler,
};

/** One lane's sender; `customize` adjusts its wired dependencies (fault-injection tests). */
export const createLaneSender = (env: Env, lane: Lane, customize?: (deps: SendEmailDeps, lane: Lane) => SendEmailDeps): AnyHandler =>
  createSenderHandler(env, customize ? (deps) => customize(deps, lane) : undefined);
