import { describe, expect, it } from 'vitest';
import { BufferedEventPublisher } from '#shared/adapters/buffered-event-publisher';
import { MemoryEventPublisher } from '#shared/adapters/memory/memory-adapters';
import type { EventPublisher, MailroomEvent } from '#shared/ports/index';

const event = (i: number): MailroomEvent => ({ detailType: 'Email Sent', detail: { id: `e${i}`, at: `2030-01-01T00:00:0${i % 10}Z` } });

describe('BufferedEventPublisher', () => {
  it('holds events until flush, then publishes them all in one call to the inner publisher', async () => {
    const calls: number[] = [];
    const inner = new MemoryEventPublisher();
    const counting: EventPublisher = { publish: async (events) => (calls.push(events.length), inner.publish(events)) };
    const buffered = new BufferedEventPublisher(counting);
    for (let i = 0; i < 10; i++) await buffered.publish([event(i)]);
    expect(inner.events).toHaveLength(0);
    expect(buffered.pending).toBe(10);
    await buffered.flush();
    expect(calls).toEqual([10]);
    expect(inner.events.map((e) => e.detail.id)).toEqual(Array.from({ length: 10 }, (_, i) => `e${i}`));
    // Each event keeps the time it was raised, not the flush time.
    expect(inner.events[3]!.detail.at).toBe('2030-01-01T00:00:03Z');
    await buffered.flush();
    expect(calls).toEqual([10]);
  });

  it('never throws on a failed flush (statuses are already written) and does not resend the lost events', async () => {
    let fail = true;
    const seen: MailroomEvent[] = [];
    const flaky: EventPublisher = {
      publish: async (events) => {
        if (fail) throw new Error('ThrottlingException');
        seen.push(...events);
      },
    };
    const buffered = new BufferedEventPublisher(flaky);
    await buffered.publish([event(1)]);
    await expect(buffered.flush()).resolves.toBeUndefined();
    fail = false;
    await buffered.publish([event(2)]);
    await buffered.flush();
    expect(seen.map((e) => e.detail.id)).toEqual(['e2']);
  });
});
