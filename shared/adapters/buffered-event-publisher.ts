import { logger } from '#shared/observability/logger';
import type { EventPublisher, MailroomEvent } from '#shared/ports/index';

/**
 * Collects the events of one invocation and puts them on the bus together when the handler
 * flushes: the EventBridge publisher sends ≤10 entries per PutEvents, so a sender batch of 10
 * emails costs one call instead of ten. Each event keeps the time it was raised (`detail.at`).
 * Publishing stays best effort, as for a single event: a failed flush is logged, never thrown,
 * because the statuses in the table are already written and are the truth.
 */
export class BufferedEventPublisher implements EventPublisher {
  private buffer: MailroomEvent[] = [];

  constructor(private readonly inner: EventPublisher) {}

  async publish(events: readonly MailroomEvent[]): Promise<void> {
    this.buffer.push(...events);
  }

  /** Events waiting for flush(). */
  get pending(): number {
    return this.buffer.length;
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const events = this.buffer;
    this.buffer = [];
    try {
      await this.inner.publish(events);
    } catch (error) {
      logger.warn('Could not publish status events', {
        count: events.length,
        detailTypes: [...new Set(events.map((e) => e.detailType))],
        error: (error as Error).message,
      });
    }
  }
}
