import { isMuted } from '#shared/domain/outbound-events';
import type { EventPublisher, MailroomEvent } from '#shared/ports/index';

/** Leaves muted outbound events off the bus (shared/domain/outbound-events.ts) and publishes the rest. */
export class MutedEventPublisher implements EventPublisher {
  private readonly muted: ReadonlySet<string>;

  constructor(
    private readonly inner: EventPublisher,
    muted: Iterable<string>,
  ) {
    this.muted = new Set(muted);
  }

  async publish(events: readonly MailroomEvent[]): Promise<void> {
    const kept = events.filter((e) => !isMuted(this.muted, e));
    if (kept.length > 0) await this.inner.publish(kept);
  }
}
