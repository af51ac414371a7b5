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
