/**
 * The tenant's copy of its webhook subscriptions (`Tenant.webhookEvents`).
 *
 * Primary course: after a webhook is created, changed, deleted or disabled (by the API or after a
 * failure streak), the union of the event types the tenant's enabled webhooks subscribe to is
 * written on the tenant record, where the publishers' tenant cache reads it to mark the events the
 * webhook fan-out must see. Reading a webhook or the list re-syncs it (no write when it is current),
 * which backfills tenants from before the record carried it; so does the fan-out when it receives a
 * marked event no webhook wanted.
 */
import { subscribedTypes, type Webhook, type WebhookEventType } from '#shared/domain/webhook';
import type { Clock, TenantStore } from '#shared/ports/index';
import type { WebhookStore } from '#shared/ports/webhooks';

export interface SubscriptionSyncDeps {
  readonly webhooks: Pick<WebhookStore, 'list'>;
  /** Read before the write: an uncached store, so the write does not put back a stale tenant. */
  readonly tenants: TenantStore;
  readonly clock: Clock;
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((t, i) => t === b[i]);

/**
 * Writes the union of the tenant's enabled webhooks' event types on its record when it differs;
 * answers the union (undefined when the tenant does not exist). `known` spares the list when the
 * caller has just read it.
 */
export async function syncWebhookSubscriptions(
  deps: SubscriptionSyncDeps,
  tenantId: string,
  known?: readonly Webhook[],
): Promise<WebhookEventType[] | undefined> {
  const types = subscribedTypes(known ?? (await deps.webhooks.list(tenantId)));
  const tenant = await deps.tenants.get(tenantId);
  if (!tenant) return undefined;
  if (tenant.webhookEvents && same(tenant.webhookEvents, types)) return types;
  await deps.tenants.put({ ...tenant, webhookEvents: types, updatedAt: deps.clock.now().toISOString() });
  return types;
}
