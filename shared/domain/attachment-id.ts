import { createHash } from 'node:crypto';

/** A stable, UUID-shaped id for the email's n-th attachment (attachments never change after acceptance). */
export function attachmentId(emailId: string, index: number): string {
  const h = createHash('sha256').update(`${emailId}\n${index}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((Number.parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
