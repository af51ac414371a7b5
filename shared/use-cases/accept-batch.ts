import { hasScope, type Principal } from '#shared/domain/api-key';
import type { EmailRecord } from '#shared/domain/email';
import { DependencyError, ForbiddenError, MailroomError, ValidationError } from '#shared/domain/errors';
import { logger } from '#shared/observability/logger';
import type { QueuedMessage } from '#shared/ports/index';
import { chooseLane, prepareEmail, requireTenant, type AcceptEmailDeps } from './accept-email';
import { abandonUnqueued, laneMessageFor, MAX_SQS_DELAY_SECONDS, reportAcceptedEventFailure, reportCleanupFailure, secondsUntilDue } from './dispatch-email';
import { emailEvent } from './email-events';
import { pacedSendTimes, parsePacingHeaders } from './pacing';

/** Most emails in one `POST /emails/batch` (Resend's limit). */
export const MAX_BATCH_SIZE = 100;

export type BatchValidation = 'strict' | 'permissive';

export interface AcceptBatchInput {
  readonly principal: Principal;
  readonly body: unknown;
  /** `x-batch-validation` header: strict (default) or permissive. */
  readonly validation?: string;
  readonly laneHeader?: string;
  readonly idempotencyKey?: string;
  /** Header lookup for the `Mailroom-Send-*` pacing headers. */
  readonly header?: (name: string) => string | undefined;
}

export interface BatchError {
  readonly index: number;
  readonly message: string;
}

export interface BatchResult {
  readonly data: { id: string }[];
  /** Permissive mode only: the items that were not accepted, by index in the request array. */
  readonly errors?: BatchError[];
}

export function parseBatchValidation(value: string | undefined): BatchValidation {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === 'strict') return 'strict';
  if (v === 'permissive') return 'permissive';
  throw new ValidationError(`Invalid \`x-batch-validation\` header "${value!.slice(0, 40)}": use strict or permissive.`);
}

/** Resend-style summary of invalid items for a strict batch's 422. */
function strictMessage(errors: readonly BatchError[]): string {
  const shown = errors.slice(0, 5).map((e) => `emails[${e.index}]: ${e.message}`);
  const more = errors.length > 5 ? ` (and ${errors.length - 5} more invalid emails)` : '';
  return `The batch was not sent (x-batch-validation: strict). ${shown.join(' ')}${more}`;
}

/**
 * Accepts up to 100 emails in one request.
 *
 * Primary course: check the array → under the batch's idempotency key: prepare every item as a
 * single send would (validation, sender, template, lane, scheduled_at) → apply campaign pacing
 * (`Mailroom-Send-Start`, `-Interval`, `-Hourly-Cap`) → take the batch's count from the tenant's
 * rate limit → write the records (DynamoDB batches of 25) → enqueue them per lane (SQS batches of
 * 10) or schedule the ones due in more than 15 minutes.
 * Strict: any invalid item → 422 naming it, nothing stored; a storage or queue failure cancels
 * what was stored and fails the request (503, key released, retry is safe).
 * Permissive: invalid or unqueueable items are reported in `errors` by index; the rest go out.
 */
export async function acceptBatch(deps: AcceptEmailDeps, input: AcceptBatchInput): Promise<BatchResult> {
  const { principal } = input;
  if (!hasScope(principal, 'emails:send')) throw new ForbiddenError('This API key is not allowed to send emails (scope `emails:send`).');
  const mode = parseBatchValidation(input.validation);
  const items = input.body;
  if (!Array.isArray(items)) throw new ValidationError(`The request body must be a JSON array of 1 to ${MAX_BATCH_SIZE} emails.`);
  if (items.length === 0) throw new ValidationError('The batch is empty: send 1 to 100 emails.');
  if (items.length > MAX_BATCH_SIZE) throw new ValidationError(`Too many emails in one batch: ${items.length}. At most ${MAX_BATCH_SIZE}.`);
  const get = input.header ?? (() => undefined);
  const pacingHeaders = Object.fromEntries(
    ['mailroom-send-start', 'mailroom-send-interval', 'mailroom-hourly-cap'].map((h) => [h, get(h)]).filter(([, v]) => v !== undefined),
  );

  const tenant = await requireTenant(deps.tenants, principal);
  const accept = async (): Promise<BatchResult> => {
    const now = deps.clock.now();
    const pacing = parsePacingHeaders((name) => pacingHeaders[name], now);
    chooseLane(input.laneHeader, undefined, principal, tenant); // a bad lane header fails the whole batch
    const errors: BatchError[] = [];
    const accepted: { index: number; record: EmailRecord }[] = [];
    for (const [index, item] of items.entries()) {
      try {
        const { record, request } = await prepareEmail(deps, {
          principal,
          body: item,
          ...(input.laneHeader !== undefined ? { laneHeader: input.laneHeader } : {}),
          tenant,
        });
        if (request.attachments.length > 0)
          throw new ValidationError('Attachments are not supported in batch sends; send this email on its own with POST /emails.', 'invalid_attachment');
        if (pacing && request.scheduledAt !== undefined)
          throw new ValidationError(
            "`scheduled_at` cannot be combined with the Mailroom-Send-* pacing headers: the pacing sets each email's time.",
            'invalid_scheduled_at',
          );
        accepted.push({ index, record });
      } catch (error) {
        if (!(error instanceof MailroomError) || error.statusCode >= 500) throw error;
        errors.push({ index, message: error.message });
      }
    }
    if (mode === 'strict' && errors.length > 0) throw new ValidationError(strictMessage(errors));
    if (accepted.length === 0) return { data: [], errors };

    if (pacing) {
      const times = pacedSendTimes(accepted.length, pacing);
      accepted.forEach((a, i) => {
        a.record = pace(a.record, times[i]!, now);
      });
    }
    await deps.rateLimiter.consume(tenant.id, accepted.length, tenant.limits);

    const failed = new Map<string, string>();
    const stored = await deps.emails.createMany(accepted.map((a) => a.record)).catch((error: unknown) => {
      throw new DependencyError('The batch could not be stored. Nothing was sent; retry the request (with the same Idempotency-Key).', { cause: error });
    });
    for (const id of stored.failedIds) failed.set(id, 'The email could not be stored; nothing was sent for it. Retry it.');
    if (mode === 'strict' && failed.size > 0)
      await abandon(
        deps,
        accepted.map((a) => a.record).filter((r) => !failed.has(r.id)),
        'storage',
      );

    const toQueue = accepted.map((a) => a.record).filter((r) => !failed.has(r.id));
    for (const id of await dispatchMany(deps, toQueue)) failed.set(id, 'The email could not be queued; nothing was sent for it. Retry it.');
    if (mode === 'strict' && failed.size > 0) await abandon(deps, toQueue, 'queue');
    for (const record of toQueue.filter((r) => failed.has(r.id))) {
      await abandonUnqueued(deps, record.id);
    }

    const ok = accepted.filter((a) => !failed.has(a.record.id));
    for (const a of accepted) if (failed.has(a.record.id)) errors.push({ index: a.index, message: failed.get(a.record.id)! });
    errors.sort((a, b) => a.index - b.index);
    await deps.events
      ?.publish(
        ok.map(({ record }) => ({
          detailType: 'Email Accepted',
          detail: { id: record.id, tenant: record.tenantId, lane: record.lane, status: record.status, batch: true },
        })),
      )
      .catch((error: unknown) =>
        reportAcceptedEventFailure(
          ok.map((a) => a.record.id),
          error,
        ),
      );
    const data = ok.map((a) => ({ id: a.record.id }));
    return mode === 'permissive' ? { data, errors } : { data };
  };
  if (!input.idempotencyKey) return accept();
  return deps.idempotency.run(
    `${principal.tenantId}#batch#${input.idempotencyKey}`,
    { emails: items, validation: mode, pacing: pacingHeaders, lane: input.laneHeader ?? null },
    accept,
  );
}

/** A paced email's record: scheduled at its slot (or queued when the slot is now). */
function pace(record: EmailRecord, at: Date, now: Date): EmailRecord {
  if (at.getTime() <= now.getTime()) return record;
  const scheduledAt = at.toISOString();
  return {
    ...record,
    status: 'scheduled',
    lastEvent: 'scheduled',
    scheduledAt,
    events: [emailEvent('scheduled', now, { lane: record.lane, scheduled_at: scheduledAt, paced: true })],
  };
}

/**
 * Puts stored emails on their way: one SendMessageBatch per 10 per lane (with each email's
 * delay), a schedule each for those due in more than 15 minutes. Returns the ids that failed.
 */
async function dispatchMany(deps: AcceptEmailDeps, records: readonly EmailRecord[]): Promise<string[]> {
  const failed: string[] = [];
  const byLane = new Map<EmailRecord['lane'], QueuedMessage[]>();
  const later: EmailRecord[] = [];
  for (const record of records) {
    const delay = secondsUntilDue(record, deps.clock);
    if (delay > MAX_SQS_DELAY_SECONDS) later.push(record);
    else byLane.set(record.lane, [...(byLane.get(record.lane) ?? []), { body: laneMessageFor(record), ...(delay > 0 ? { delaySeconds: delay } : {}) }]);
  }
  for (const [lane, messages] of byLane) {
    try {
      failed.push(...(await deps.queue.enqueueMany(lane, messages)).failedIds);
    } catch (error) {
      logger.warn('A lane batch could not be queued', { lane, error: error as Error });
      failed.push(...messages.map((m) => m.body.emailId));
    }
  }
  for (let i = 0; i < later.length; i += 10) {
    await Promise.all(
      later.slice(i, i + 10).map(async (record) => {
        try {
          if (!deps.scheduler) throw new Error('No scheduler is configured for sends more than 15 minutes ahead');
          await deps.scheduler.schedule({ emailId: record.id, lane: record.lane, at: new Date(record.scheduledAt!), message: laneMessageFor(record) });
        } catch (error) {
          logger.warn('An email of a batch could not be scheduled', { emailId: record.id, error: error as Error });
          failed.push(record.id);
        }
      }),
    );
  }
  return failed;
}

/** Strict batch that could not be stored or queued whole: cancel what was stored, fail the request. */
async function abandon(deps: AcceptEmailDeps, records: readonly EmailRecord[], stage: 'storage' | 'queue'): Promise<never> {
  // Canceled is final and never claimed, so a message that did reach a queue is dropped by the sender.
  await Promise.all(
    records.map((r) =>
      deps.emails
        .transition(r.id, { to: 'canceled', event: emailEvent('canceled', deps.clock.now(), { reason: `batch_${stage}_failed` }) })
        .catch((error: unknown) =>
          reportCleanupFailure(`cancel an email of a strict batch that could not be ${stage === 'storage' ? 'stored' : 'queued'} whole`, r.id, error),
        ),
    ),
  );
  await Promise.all(
    records
      .filter((r) => secondsUntilDue(r, deps.clock) > MAX_SQS_DELAY_SECONDS)
      .map((r) => deps.scheduler?.cancel(r.id).catch((error: unknown) => reportCleanupFailure('delete the schedule of a canceled batch email', r.id, error))),
  );
  throw new DependencyError(
    `The batch could not be ${stage === 'storage' ? 'stored' : 'queued'} whole, so none of it was sent (x-batch-validation: strict). Retry the request (with the same Idempotency-Key).`,
  );
}
