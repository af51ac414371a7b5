import { isLane, type Lane } from '#shared/config/lanes';
import { ValidationError } from '#shared/domain/errors';
import type { Status } from '#shared/domain/status';
import type { DlqAdmin, DlqFilter, RedriveResult } from '#shared/ports/dlq';
import type { Clock, EmailStore } from '#shared/ports/index';

export interface DlqDeps {
  readonly dlq: DlqAdmin;
  readonly clock: Clock;
  /** When given, each entry shows the email's current status and last error. */
  readonly emails?: EmailStore;
}

export interface DlqListing {
  readonly lane: Lane;
  readonly messages: Array<{
    readonly messageId: string;
    readonly emailId: string;
    readonly tenantId: string;
    readonly reason?: string;
    readonly enqueuedAt: string;
    readonly ageSeconds: number;
    readonly status?: Status;
  }>;
}

export const MAX_DLQ_LIST = 100;

function laneOf(value: string): Lane {
  if (!isLane(value)) throw new ValidationError(`Unknown lane "${value.slice(0, 40)}". Use critical, transactional, marketing or bulk.`);
  return value;
}

/**
 * Lists what sits in a lane's DLQ (up to `max`, oldest first) without consuming it: everything for an
 * operator, only `tenantId`'s emails for a tenant (the message says whose it is, and with the email
 * store the record must agree, so a message naming the wrong tenant is never shown to it).
 */
export async function listDlq(deps: DlqDeps, input: { lane: string; max?: number; tenantId?: string }): Promise<DlqListing> {
  const lane = laneOf(input.lane);
  const max = Math.max(1, Math.min(MAX_DLQ_LIST, Math.floor(input.max ?? 20)));
  const filter: DlqFilter | undefined = input.tenantId !== undefined ? { tenantId: input.tenantId } : undefined;
  const entries = await deps.dlq.list(lane, max, filter);
  const now = deps.clock.now().getTime();
  const records = deps.emails ? await Promise.all(entries.map((e) => (e.emailId ? deps.emails!.get(e.emailId) : Promise.resolve(undefined)))) : [];
  return {
    lane,
    messages: entries
      .map((e, i) => ({ entry: e, record: records[i] }))
      .filter(({ entry, record }) => !filter || (entry.tenantId === filter.tenantId && (!deps.emails || record?.tenantId === filter.tenantId)))
      .map(({ entry, record }) => ({
        ...entry,
        ageSeconds: Math.max(0, Math.round((now - Date.parse(entry.enqueuedAt)) / 1000)),
        ...(record?.status ? { status: record.status } : {}),
      })),
  };
}

/**
 * Sends a lane's DLQ back to the lane queue: all of it (operator), or only `tenantId`'s messages (a
 * tenant's admin). Each email is then claimed again from `failed` (or wherever it stopped) and sent
 * once: the claim's conditional write stops a second sender.
 */
export async function redriveDlq(deps: Pick<DlqDeps, 'dlq'>, input: { lane: string; tenantId?: string }): Promise<RedriveResult & { lane: Lane }> {
  const lane = laneOf(input.lane);
  return { lane, ...(await deps.dlq.redrive(lane, input.tenantId !== undefined ? { tenantId: input.tenantId } : undefined)) };
}
