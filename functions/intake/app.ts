import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { ENV, intakeEnvSchema, loadEnv } from '#shared/config/env';
import { createSqsMessageRetry } from '#shared/adapters/sqs-message-retry';
import { publisherRefusal, type PublisherBinding } from '#shared/domain/publishers';
import { ConflictError, MailroomError } from '#shared/domain/errors';
import type { Principal } from '#shared/domain/api-key';
import { withPowertools } from '#shared/http/middy';
import { queuedEventHandler } from '#shared/http/queued-events';
import type { MessageRetry } from '#shared/ports/message-retry';
import { logger } from '#shared/observability/logger';
import { metrics, METRIC } from '#shared/observability/metrics';
import { acceptEmail, type AcceptEmailDeps } from '#shared/use-cases/accept-email';
import { createAcceptEmailDeps } from '#shared/wiring/accept-email';

/** detail-type of the events the intake accepts (the rule on the Mailroom bus matches it). */
export const EMAIL_REQUESTED_DETAIL_TYPE = 'Email Requested';

/** `detail` = the POST /emails body plus who it is for and how to de-duplicate it. */
const intakeEventSchema = z.looseObject({
  id: z.string().min(1),
  'detail-type': z.literal(EMAIL_REQUESTED_DETAIL_TYPE),
  /** Who put the event (EventBridge sets it): checked against the publisher bindings. */
  account: z.string().optional(),
  source: z.string().optional(),
  detail: z.looseObject({
    tenant: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a tenant id'),
    idempotencyKey: z.string().min(1).max(256).optional(),
    /** Same as the Mailroom-Lane header. */
    lane: z.string().optional(),
  }),
});

export type IntakeResult =
  | { readonly status: 'accepted'; readonly id: string }
  | { readonly status: 'rejected'; readonly name: string; readonly message: string };

/** A refusal a retry cannot fix: recorded and counted, never retried. Everything else throws. */
function isFinalRefusal(error: unknown): error is MailroomError {
  if (!(error instanceof MailroomError)) return false;
  if (error instanceof ConflictError && error.code === 'concurrent_idempotent_requests') return false;
  return error.statusCode >= 400 && error.statusCode < 500 && error.statusCode !== 429;
}

function reject(name: string, message: string, eventId: unknown): IntakeResult {
  logger.warn('"Email Requested" event refused', { name, message, eventId });
  metrics.singleMetric().addDimension('Reason', 'intake_invalid').addMetric(METRIC.EmailsRejected, 'Count', 1);
  return { status: 'rejected', name, message };
}

export interface IntakeDeps extends AcceptEmailDeps {
  /**
   * Which publisher (event `account` + `source`) may request mail for which tenants. Absent (local
   * mode, CLI): not checked. The CDK app always sets it; an empty list refuses every event.
   */
  readonly publishers?: readonly PublisherBinding[];
  /** Backs a failed queue record off before its redelivery. */
  readonly retry?: MessageRetry;
}

/**
 * EventBridge intake, one event: an "Email Requested" event is accepted exactly like POST /emails
 * (same validation, same idempotency: the key is `detail.idempotencyKey`, else the event id, so a
 * redelivered event is accepted once) — but only from a publisher bound to the event's tenant.
 */
export const makeIntakeEventHandler =
  (deps: IntakeDeps) =>
  async (event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<IntakeResult> => {
    const parsed = intakeEventSchema.safeParse(event);
    if (!parsed.success) {
      return reject(
        'validation_error',
        parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .join('; '),
        (event as { id?: unknown })?.id,
      );
    }
    const { tenant, idempotencyKey, lane, ...body } = parsed.data.detail;
    if (deps.publishers) {
      const refusal = publisherRefusal(deps.publishers, { account: parsed.data.account, source: parsed.data.source, tenant });
      if (refusal) return reject('restricted_api_key', refusal, parsed.data.id);
    }
    if (deps.tenants && !(await deps.tenants.get(tenant))) return reject('validation_error', `Unknown tenant ${tenant}.`, parsed.data.id);
    if (context?.getRemainingTimeInMillis) deps.idempotency.registerLambdaContext?.(context);
    const principal: Principal = { tenantId: tenant, scopes: ['emails:send'], keyPrefix: 'eventbridge' };
    try {
      const result = await acceptEmail(deps, {
        principal,
        body,
        // An explicit key shares the API's key space; the fallback is the EventBridge event id.
        idempotencyKey: idempotencyKey ?? `event:${parsed.data.id}`,
        ...(lane !== undefined ? { laneHeader: lane } : {}),
      });
      metrics.addMetric(METRIC.EmailsAccepted, 'Count', 1);
      logger.info('"Email Requested" accepted', { emailId: result.id, tenantId: tenant });
      return { status: 'accepted', id: result.id };
    } catch (error) {
      if (isFinalRefusal(error)) return reject(error.code, error.message, parsed.data.id);
      throw error;
    }
  };

/**
 * The intake function: the "Email Requested" rule delivers into the intake queue, whose event
 * source mapping hands batches here (partial batch failures, backoff, DLQ; shared/http/queued-events.ts).
 * A bare event (direct invoke, `mailroom events request`) is handled on its own.
 */
export const makeIntakeHandler = (deps: IntakeDeps) => {
  const one = makeIntakeEventHandler(deps);
  return queuedEventHandler((event, _delivery, context) => one(event, context), deps.retry ? { retry: deps.retry } : {});
};

export function createIntakeDeps(env: Record<string, string | undefined>): IntakeDeps {
  const publishers = loadEnv(intakeEnvSchema, env)[ENV.INTAKE_PUBLISHERS];
  return { ...createAcceptEmailDeps(env), retry: createSqsMessageRetry(), ...(publishers ? { publishers } : {}) };
}

export const createIntakeHandler = (env: Record<string, string | undefined>) => withPowertools(makeIntakeHandler(createIntakeDeps(env)));
