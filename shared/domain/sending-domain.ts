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
