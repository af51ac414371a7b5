import type { DomainRecord, DomainStatus, SendingDomain, TlsPolicy } from '#shared/domain/sending-domain';

/** A tenant's sending domains (`TENANT#<t>` / `DOMAIN#<id>`); a name belongs to one tenant at a time. */
export interface DomainStore {
  /** Writes a new domain; throws ConflictError when any tenant already has that name. */
  create(domain: SendingDomain): Promise<void>;
  get(tenantId: string, id: string): Promise<SendingDomain | undefined>;
  list(tenantId: string): Promise<SendingDomain[]>;
  /** Replaces the stored domain (same tenant and id). */
  update(domain: SendingDomain): Promise<void>;
  /** Removes the domain and frees its name; false when it did not exist. */
  delete(tenantId: string, id: string): Promise<boolean>;
  /** The domain registered under `name`, whichever tenant owns it. */
  findByName(name: string): Promise<SendingDomain | undefined>;
}

/** What the identity provider reports about a domain. */
export interface IdentityState {
  readonly status: DomainStatus;
  readonly records: DomainRecord[];
}

export interface IdentityOptions {
  /** Label of the custom MAIL FROM subdomain (`send` → `send.<domain>`). */
  readonly customReturnPath: string;
  readonly openTracking: boolean;
  readonly clickTracking: boolean;
  readonly tls: TlsPolicy;
}

/**
 * Email identities: SES v2 as deployed (Easy DKIM, custom MAIL FROM, a configuration set per
 * domain for tracking and TLS), a table-backed stand-in in local mode.
 */
export interface DomainIdentities {
  /** Creates (or adopts) the identity and answers the DNS records to publish. */
  create(name: string, options: IdentityOptions): Promise<IdentityState>;
  /** Current verification state, re-checked with the provider. */
  check(name: string): Promise<IdentityState>;
  /** Applies tracking and TLS options. */
  configure(name: string, options: IdentityOptions): Promise<void>;
  /** Deletes the identity; a missing one is not an error. */
  delete(name: string): Promise<void>;
}
