import { ACTIVITY_DETAIL_TYPES } from '#shared/domain/activity';
import { WEBHOOK_SUBSCRIBED_FIELD } from '#shared/domain/outbound-events';
import { webhookTypeOf } from '#shared/domain/webhook';
import { logger } from '#shared/observability/logger';
import type { EventPublisher, MailroomEvent, TenantStore } from '#shared/ports/index';

/**
 * Marks each event a webhook of its tenant subscribes to (`webhook_subscribed: true`), then
 * publishes through `inner`; the webhook fan-out rule forwards marked events and the types the
 * activity log records, nothing else (shared/domain/outbound-events.ts). The tenant comes from the
 * function's tenant cache (one GetItem per tenant per TTL per container), so a new webhook gets
 * events within that TTL. When in doubt it marks: a tenant whose subscriptions are not known yet
 * (no `webhookEvents`), a missing tenant or a failed read — an extra forward costs a little, a
 * missing one loses a webhook event.
 */
export class SubscriptionFlagEventPublisher implements EventPublisher {
  constructor(
    private readonly inner: EventPublisher,
    private readonly tenants: Pick<TenantStore, 'get'>,
  ) {}

  async publish(events: readonly MailroomEvent[]): Promise<void> {
    await this.inner.publish(await Promise.all(events.map((e) => this.flagged(e))));
  }

  private async flagged(event: MailroomEvent): Promise<MailroomEvent> {
    const type = webhookTypeOf(event.detailType, event.detail);
    // Not a webhook type (nobody there listens), or one the fan-out always receives: nothing to mark.
    if (!type || ACTIVITY_DETAIL_TYPES.includes(event.detailType)) return event;
    const tenantId = typeof event.detail.tenant === 'string' ? event.detail.tenant : undefined;
    let subscribed = true;
    if (tenantId) {
      try {
        const known = (await this.tenants.get(tenantId))?.webhookEvents;
        subscribed = known === undefined || known.includes(type);
      } catch (error) {
        logger.warn('Could not read the tenant to mark webhook subscriptions; the event goes to the fan-out', {
          tenantId,
          error: (error as Error).message,
        });
      }
    }
    return subscribed ? { detailType: event.detailType, detail: { ...event.detail, [WEBHOOK_SUBSCRIBED_FIELD]: true } } : event;
  }
}
