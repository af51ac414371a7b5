import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { createIngestDeps } from '#functions/ingest/app';
import { ConflictError, MailroomError } from '#shared/domain/errors';
import type { Principal } from '#shared/domain/api-key';
import { withPowertools } from '#shared/http/middy';
import { logger } from '#shared/observability/logger';
import { metrics, METRIC } from '#shared/observability/metrics';
import { acceptEmail, type AcceptEmailDeps } from '#shared/use-cases/accept-email';

/** detail-type of the events the intake accepts (the rule on the Mailroom bus matches it). */
export const EMAIL_REQUESTED_DETAIL_TYPE = 'Email Requested';

/** `detail` = the POST /emails body plus who it is for and how to de-duplicate it. */
const intakeEventSchema = z.looseObject({
  id: z.string().min(1),
  'detail-type': z.literal(EMAIL_REQUESTED_DETAIL_TYPE),
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

/**
 * EventBridge intake: an "Email Requested" event is accepted exactly like POST /emails (same
 * validation, same idempotency: the key is `detail.idempotencyKey`, else the event id, so a
 * redelivered event is accepted once).
 */
export const makeIntakeHandler =
  (deps: AcceptEmailDeps) =>
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

export const createIntakeDeps = (env: Record<string, string | undefined>): AcceptEmailDeps => createIngestDeps(env);

export const createIntakeHandler = (env: Record<string, string | undefined>) => withPowertools(makeIntakeHandler(createIntakeDeps(env)));
