import type { DomainDelivery } from './sending-domain';
import type { Lane } from '#shared/config/lanes';
import type { WebhookEventType } from './webhook';

export interface TenantLimits {
  /** Sustained API requests per second (token bucket refill). */
  readonly requestsPerSecond: number;
  /** Token bucket size. */
  readonly burst: number;
  readonly emailsPerDay: number;
  /** Per sender address, per hour; 0 = no cap. */
  readonly perSenderHourlyCap: number;
}

export interface Tenant {
  readonly id: string;
  readonly name?: string;
  /** Domains (`example.com`) or full addresses (`news@example.com`) the tenant may send from. Empty = any. */
  readonly allowedSenders: string[];
  /** Verified sending domains (`/domains`), kept in step by the domains function; allowed like `allowedSenders` entries. */
  readonly verifiedDomains?: string[];
  /** Tracking and TLS of each verified domain (`/domains`), kept in step by the domains function: the senders pick the SES configuration set by it. */
  readonly domainDelivery?: Readonly<Record<string, DomainDelivery>>;
  /**
   * The event types the tenant's enabled webhooks subscribe to (their union), kept in step by the
   * webhooks function: publishers mark an event the fan-out must see by it. Absent (a tenant from
   * before it was kept) = not known, so every event is marked until the fan-out fills it in.
   */
  readonly webhookEvents?: WebhookEventType[];
  readonly defaultLane?: Lane;
  readonly sesTenantName?: string;
  readonly retentionDays: number;
  readonly limits: TenantLimits;
  /** Base URL joined by the `url` template helper. */
  readonly baseUrl?: string;
  readonly createdAt: string;
  updatedAt: string;
}

export const DEFAULT_LIMITS: TenantLimits = {
  requestsPerSecond: 50,
  burst: 200,
  emailsPerDay: 100_000,
  perSenderHourlyCap: 0,
};
