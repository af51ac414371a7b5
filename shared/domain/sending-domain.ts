/**
 * A tenant's sending domain (Resend's `/domains` resource): an SES email identity with Easy DKIM,
 * the DNS records that prove ownership, and per-domain tracking and TLS options.
 */
export const DOMAIN_STATUSES = ['not_started', 'pending', 'verified', 'failed', 'partially_verified', 'partially_failed'] as const;
export type DomainStatus = (typeof DOMAIN_STATUSES)[number];

export type DomainRecordStatus = 'not_started' | 'pending' | 'verified' | 'failed' | 'temporary_failure';
export type TlsPolicy = 'enforced' | 'opportunistic';

/** One DNS record to publish, in Resend's record shape. */
export interface DomainRecord {
  readonly record: 'SPF' | 'DKIM';
  readonly name: string;
  readonly type: 'MX' | 'TXT' | 'CNAME';
  readonly value: string;
  readonly ttl: string;
  readonly status: DomainRecordStatus;
  readonly priority?: number;
}

export interface SendingDomain {
  readonly id: string;
  readonly tenantId: string;
  /** Lower-cased domain name, e.g. `mail.acme.com`. */
  readonly name: string;
  readonly region: string;
  readonly status: DomainStatus;
  readonly records: DomainRecord[];
  /** Custom MAIL FROM subdomain label (`send` → `send.acme.com`). */
  readonly customReturnPath: string;
  readonly openTracking: boolean;
  readonly clickTracking: boolean;
  readonly tls: TlsPolicy;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** RFC 1035 host name with at least two labels, no trailing dot: what SES accepts as a domain identity. */
const DOMAIN_NAME = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export function isDomainName(name: string): boolean {
  return DOMAIN_NAME.test(name);
}

/** The domain part of an address's domain, lower-cased (`Ada <a@Mail.Acme.com>` → `mail.acme.com`). */
export function domainOfAddress(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at < 0) return undefined;
  return address
    .slice(at + 1)
    .replace(/>\s*$/, '')
    .trim()
    .toLowerCase();
}

/** SES's verification states (DKIM and custom MAIL FROM), as Resend's record states. */
export function recordStatusOf(sesStatus: string | undefined): DomainRecordStatus {
  switch (sesStatus) {
    case 'SUCCESS':
      return 'verified';
    case 'FAILED':
      return 'failed';
    case 'TEMPORARY_FAILURE':
      return 'temporary_failure';
    case 'PENDING':
      return 'pending';
    default:
      return 'not_started';
  }
}

/**
 * The domain's status from its records: DKIM decides whether mail can be sent (`verified`, or
 * `partially_verified` while the custom MAIL FROM is not yet found); a failed DKIM is `failed`.
 */
export function domainStatusOf(dkim: DomainRecordStatus, mailFrom: DomainRecordStatus): DomainStatus {
  if (dkim === 'verified') return mailFrom === 'verified' ? 'verified' : mailFrom === 'failed' ? 'partially_failed' : 'partially_verified';
  if (dkim === 'failed') return 'failed';
  if (dkim === 'not_started') return 'not_started';
  return 'pending';
}

/** May mail be sent from a domain in this state? (DKIM verified.) */
export const isSendable = (status: DomainStatus): boolean => status === 'verified' || status === 'partially_verified' || status === 'partially_failed';

/**
 * The DNS records of an SES identity with Easy DKIM and a custom MAIL FROM, in Resend's shape
 * (names relative to the domain, as Resend shows them): the MAIL FROM MX and SPF TXT, and three
 * DKIM CNAMEs.
 */
export function identityRecords(input: {
  readonly region: string;
  readonly mailFromLabel: string;
  readonly dkimTokens: readonly string[];
  readonly dkim: DomainRecordStatus;
  readonly mailFrom: DomainRecordStatus;
}): DomainRecord[] {
  return [
    {
      record: 'SPF',
      name: input.mailFromLabel,
      type: 'MX',
      ttl: 'Auto',
      status: input.mailFrom,
      value: `feedback-smtp.${input.region}.amazonses.com`,
      priority: 10,
    },
    { record: 'SPF', name: input.mailFromLabel, type: 'TXT', ttl: 'Auto', status: input.mailFrom, value: '"v=spf1 include:amazonses.com ~all"' },
    ...input.dkimTokens.map(
      (token): DomainRecord => ({
        record: 'DKIM',
        name: `${token}._domainkey`,
        type: 'CNAME',
        ttl: 'Auto',
        status: input.dkim,
        value: `${token}.dkim.amazonses.com`,
      }),
    ),
  ];
}

/** A domain's delivery options, as the senders apply them (kept on the tenant record for verified domains). */
export interface DomainDelivery {
  readonly openTracking: boolean;
  readonly clickTracking: boolean;
  readonly tls: TlsPolicy;
}

export const deliveryOf = (d: DomainDelivery): DomainDelivery => ({ openTracking: d.openTracking, clickTracking: d.clickTracking, tls: d.tls });

/** Tracking of a configuration set: which of SES's Open and Click events its event destination asks for. */
export const TRACKING_VARIANTS = ['untracked', 'opens', 'clicks', 'tracked'] as const;

/**
 * The fixed SES configuration sets per-domain options map onto: tracking × TLS (`tls` = TLS
 * required, SES's `TlsPolicy: REQUIRE`). SES adds a pixel only with Open events and rewrites links
 * only with Click events on the set's event destination.
 */
export type ConfigurationSetVariant = `${(typeof TRACKING_VARIANTS)[number]}-${'optional' | 'tls'}`;

export const CONFIGURATION_SET_VARIANTS: readonly ConfigurationSetVariant[] = TRACKING_VARIANTS.flatMap((t) => [`${t}-optional` as const, `${t}-tls` as const]);

/** Configuration set name per variant (the senders' `MAILROOM_SES_DOMAIN_CONFIGURATION_SETS`). */
export type ConfigurationSetNames = Readonly<Partial<Record<ConfigurationSetVariant, string>>>;

export function configurationSetVariant(d: DomainDelivery): ConfigurationSetVariant {
  const tracking = d.openTracking && d.clickTracking ? 'tracked' : d.openTracking ? 'opens' : d.clickTracking ? 'clicks' : 'untracked';
  return `${tracking}-${d.tls === 'enforced' ? 'tls' : 'optional'}`;
}

/**
 * The configuration set a send names: the from-domain's own (its tracking and TLS) when the
 * domain has settings and the stack has that set, else the lane's default (undefined = none).
 */
export function configurationSetFor(laneDefault: string | undefined, domain: DomainDelivery | undefined, sets: ConfigurationSetNames): string | undefined {
  if (!domain) return laneDefault;
  return sets[configurationSetVariant(domain)] ?? laneDefault;
}
