/**
 * Port for operating the lane dead-letter queues: look at what is there, send it back.
 * Used by the operator CLI (`mailroom dlq …`) and the `operations` API function.
 */
import type { Lane } from '#shared/config/lanes';

export interface DlqEntry {
  readonly messageId: string;
  readonly emailId: string;
  readonly tenantId: string;
  /** Why the sender put it there (`<code>: <message>`); absent when SQS's own redrive moved it. */
  readonly reason?: string;
  /** When the message entered the DLQ. */
  readonly enqueuedAt: string;
}

export type RedriveResult =
  /** AWS: an SQS message move task was started; it moves the messages in the background. */
  | { readonly kind: 'move_task'; readonly taskHandle: string }
  /**
   * Moved here and now, one message at a time (receive → send → delete). With a tenant filter,
   * `complete: false` says the scan stopped at its bound before the end of the DLQ: run it again.
   */
  | { readonly kind: 'moved'; readonly moved: number; readonly complete?: boolean };

/** Only one tenant's messages (what a tenant's admin key may see and redrive). */
export interface DlqFilter {
  readonly tenantId: string;
}

export interface DlqAdmin {
  /** Up to `max` messages from the lane's DLQ (only the filter's tenant's, when given), without consuming them. */
  list(lane: Lane, max: number, filter?: DlqFilter): Promise<DlqEntry[]>;
  /**
   * Moves the lane's DLQ back to the lane queue: every message, or with a filter only that tenant's
   * (the others stay where they are).
   */
  redrive(lane: Lane, filter?: DlqFilter): Promise<RedriveResult>;
}
