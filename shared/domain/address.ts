import { domainToASCII } from 'node:url';
import emailAddresses from 'email-addresses';

export interface ParsedAddress {
  /** Display name, if any. */
  readonly name?: string;
  /** `local@domain` with the domain in ASCII (punycode for IDN domains). */
  readonly address: string;
  readonly domain: string;
  /** Normalised form for headers: `"Name" <local@domain>` or `local@domain`. */
  readonly formatted: string;
}

/**
 * Parses one RFC 5322 mailbox (`Jane <jane@example.com>` or `jane@example.com`) with a real
 * grammar (email-addresses, RFC 6532 for UTF-8), and turns IDN domains into punycode.
 * Returns undefined for anything that is not exactly one mailbox with a dotted domain.
 */
export function parseAddress(input: string): ParsedAddress | undefined {
  if (input.length > 320 || /[\r\n\0]/.test(input)) return undefined;
  const parsed = emailAddresses.parseOneAddress({ input: input.trim(), rfc6532: true, rejectTLD: true });
  if (!parsed || parsed.type !== 'mailbox') return undefined;
  const domain = domainToASCII(parsed.domain.toLowerCase());
  if (!domain || !domain.includes('.') || domain.length > 253) return undefined;
  if (parsed.local.length > 64) return undefined;
  const address = `${parsed.local}@${domain}`;
  const name = parsed.name?.trim() || undefined;
  const formatted = name ? `${quoteName(name)} <${address}>` : address;
  return name ? { name, address, domain, formatted } : { address, domain, formatted };
}

function quoteName(name: string): string {
  return /^[\w .!#$%&'*+/=?^`{|}~-]*$/.test(name) && !name.includes('"') ? `"${name}"` : `"${name.replace(/["\\]/g, '\\$&')}"`;
}

/** Lower-cased bare address, for comparisons and suppression keys. */
export function normalizeAddress(input: string): string | undefined {
  return parseAddress(input)?.address.toLowerCase();
}
