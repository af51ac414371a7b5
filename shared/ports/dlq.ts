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
  /** Moved here and now, one message at a time (receive → send → delete). */
  | { readonly kind: 'moved'; readonly moved: number };

export interface DlqAdmin {
  /** Up to `max` messages from the lane's DLQ, without consuming them. */
  list(lane: Lane, max: number): Promise<DlqEntry[]>;
  /** Moves every message of the lane's DLQ back to the lane queue. */
  redrive(lane: Lane): Promise<RedriveResult>;
}
