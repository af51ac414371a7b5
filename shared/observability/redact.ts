import { createHash } from 'node:crypto';

export type RecipientLogging = 'mask' | 'hash' | 'full';

/** `jane.doe@example.com` → `j***@example.com`; the domain stays readable for operators. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${address[0]}***${address.slice(at)}`;
}

export function hashAddress(address: string): string {
  return createHash('sha256').update(address.trim().toLowerCase()).digest('hex').slice(0, 16);
}

/** Renders an address for logs and outbound events according to the configured mode. */
export function redactAddress(address: string, mode: RecipientLogging = 'mask'): string {
  if (mode === 'full') return address;
  if (mode === 'hash') return hashAddress(address);
  return maskAddress(address);
}

/** Anything shaped like an address inside free text (error messages, SDK errors, stack traces). */
const ADDRESS_IN_TEXT = /[^\s"'<>()[\]{}@,;:\\/=]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]{2,}/g;

/** Redacts every address found in `text` (mode `full` leaves it alone). */
export function redactAddressesIn(text: string, mode: RecipientLogging = 'mask'): string {
  if (mode === 'full' || !text.includes('@')) return text;
  return text.replace(ADDRESS_IN_TEXT, (address) => redactAddress(address, mode));
}

/**
 * A JSON replacer for the Logger: every string value of every log line passes through
 * redactAddressesIn, so no code path (an SDK error message, a stack, a forgotten field) can write
 * a full recipient address to the logs.
 */
export function logRedactor(mode: RecipientLogging): ((key: string, value: unknown) => unknown) | undefined {
  if (mode === 'full') return undefined;
  return (_key, value) => (typeof value === 'string' ? redactAddressesIn(value, mode) : value);
}
