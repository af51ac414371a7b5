import { describe, expect, it } from 'vitest';
import { canTransition, CLAIMABLE, SEND_FINISHED, STATUSES, statusesBefore, type Status } from '#shared/domain/status';

/** Where a status sits on the email's road; a transition may never lead to a lower phase. */
const PHASE: Record<Status, number> = {
  scheduled: 0,
  queued: 1,
  sending: 2,
  retrying: 2,
  failed: 2,
  canceled: 9,
  suppressed: 9,
  sent: 3,
  delivery_delayed: 4,
  delivered: 5,
  bounced: 6,
  opened: 6,
  clicked: 7,
  complained: 8,
};

const PRE_SEND: Status[] = ['scheduled', 'queued', 'sending', 'retrying', 'failed'];
const POST_SEND: Status[] = ['sent', 'delivery_delayed', 'delivered', 'bounced', 'complained', 'opened', 'clicked'];

const edges = STATUSES.flatMap((from) => STATUSES.filter((to) => canTransition(from, to)).map((to) => [from, to] as const));

/** Statuses reachable from `start` through the table. */
function reachable(start: Status): Set<Status> {
  const seen = new Set<Status>();
  const todo: Status[] = [start];
  while (todo.length) {
    const s = todo.pop()!;
    for (const t of STATUSES) if (canTransition(s, t) && !seen.has(t)) seen.add(t), todo.push(t);
  }
  return seen;
}

describe('status transition table', () => {
  it.each(edges.map(([from, to]) => ({ from, to })))('never moves back a phase: $from → $to', ({ from, to }) => {
    expect(PHASE[to]).toBeGreaterThanOrEqual(PHASE[from]);
  });

  it('has every status in the phase map (a new status needs a deliberate place)', () => {
    expect(Object.keys(PHASE).sort()).toEqual([...STATUSES].sort());
  });

  it.each(POST_SEND)('never leads from %s back to a status that would send again', (status) => {
    const after = reachable(status);
    for (const pre of PRE_SEND) expect(after.has(pre), `${status} reaches ${pre}`).toBe(false);
  });

  it.each(['complained', 'canceled', 'suppressed'] as const)('%s is terminal: nothing follows it', (status) => {
    expect(STATUSES.filter((to) => canTransition(status, to))).toEqual([]);
  });

  it.each(['canceled', 'suppressed'] as const)('%s can never become sent', (status) => {
    expect(reachable(status).has('sent')).toBe(false);
  });

  it('refuses a late delivered after clicked, opened or bounced', () => {
    expect(canTransition('clicked', 'delivered')).toBe(false);
    expect(canTransition('opened', 'delivered')).toBe(false);
    expect(canTransition('bounced', 'delivered')).toBe(false);
    expect(canTransition('delivered', 'delivery_delayed')).toBe(false);
    expect(canTransition('sent', 'queued')).toBe(false);
  });

  it('lets a complaint arrive after anything SES reports, even a bounce or a click', () => {
    for (const s of ['sent', 'delivery_delayed', 'delivered', 'opened', 'clicked', 'bounced'] as const) expect(canTransition(s, 'complained')).toBe(true);
  });

  it('lets a failed email be sent again (DLQ redrive: failed → sending) but never straight to sent', () => {
    expect(canTransition('failed', 'sending')).toBe(true);
    expect(canTransition('failed', 'sent')).toBe(false);
    expect(canTransition('failed', 'queued')).toBe(false);
  });

  it('lets a sender whose lease expired be replaced (sending → sending) and sent only from sending', () => {
    expect(canTransition('sending', 'sending')).toBe(true);
    expect(statusesBefore('sent')).toEqual(['sending']);
  });

  it('allows cancelling only before the send starts', () => {
    expect(statusesBefore('canceled').sort()).toEqual(['queued', 'scheduled']);
  });

  it('claims only emails that still have to be sent', () => {
    for (const s of CLAIMABLE) expect(SEND_FINISHED).not.toContain(s);
    for (const s of CLAIMABLE) expect(canTransition(s, 'sending'), s).toBe(true);
    expect(CLAIMABLE).not.toContain('sending');
  });

  it('treats every status after sent as finished for sending', () => {
    for (const s of POST_SEND) expect(SEND_FINISHED).toContain(s);
  });
});
