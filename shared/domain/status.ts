/**
 * Email statuses and the transition table. Status only moves forward: every write that
 * changes it is conditional on the current status being one this table allows.
 */
export const STATUSES = [
  'scheduled',
  'queued',
  'sending',
  'retrying',
  'sent',
  'delivery_delayed',
  'delivered',
  'bounced',
  'complained',
  'opened',
  'clicked',
  'failed',
  'canceled',
  'suppressed',
] as const;
export type Status = (typeof STATUSES)[number];

const TRANSITIONS: Readonly<Record<Status, readonly Status[]>> = {
  // scheduled → scheduled: a reschedule (PATCH /emails/{id}) bumps the schedule version.
  scheduled: ['scheduled', 'queued', 'sending', 'canceled', 'suppressed', 'failed'],
  queued: ['sending', 'canceled', 'suppressed', 'failed'],
  sending: ['sent', 'retrying', 'failed', 'suppressed', 'sending'],
  retrying: ['sending', 'failed', 'suppressed'],
  sent: ['delivery_delayed', 'delivered', 'bounced', 'complained', 'opened', 'clicked'],
  delivery_delayed: ['delivered', 'bounced', 'complained', 'opened', 'clicked'],
  delivered: ['bounced', 'complained', 'opened', 'clicked'],
  opened: ['clicked', 'complained'],
  clicked: ['complained'],
  bounced: ['complained'],
  complained: [],
  // A redriven failed email is sent again from `failed` (DLQ redrive).
  failed: ['sending'],
  canceled: [],
  suppressed: [],
};

/** May an email move from `from` to `to`? */
export function canTransition(from: Status, to: Status): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Every status from which `to` may be reached: the condition of a forward-only write. */
export function statusesBefore(to: Status): Status[] {
  return STATUSES.filter((s) => canTransition(s, to));
}

/** Statuses from which a sender may claim an email for sending. */
export const CLAIMABLE: readonly Status[] = ['queued', 'scheduled', 'retrying', 'failed'];

/** Terminal for sending: the sender drops a message for an email in one of these. */
export const SEND_FINISHED: readonly Status[] = [
  'sent',
  'delivery_delayed',
  'delivered',
  'bounced',
  'complained',
  'opened',
  'clicked',
  'canceled',
  'suppressed',
];
