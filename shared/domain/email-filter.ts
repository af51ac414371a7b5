import type { EmailRecord } from './email';

/** `GET /emails` filters checked on each email read (beyond status and lane, which the index query filters). */
export interface EmailMatch {
  /** A to/cc/bcc recipient contains this text (case-insensitive). */
  readonly recipient?: string;
  /** The subject starts with this text (case-insensitive). */
  readonly subject?: string;
  /** The From address contains this text (case-insensitive). */
  readonly from?: string;
  /** The email carries this tag (and this value, when given). */
  readonly tag?: { readonly name: string; readonly value?: string };
  /** Created at or after this ISO time. */
  readonly createdAfter?: string;
  /** Created before this ISO time. */
  readonly createdBefore?: string;
  /** The provider's message id (SES or SMTP), exactly. */
  readonly providerMessageId?: string;
}

/** Whether any of the read-time filters is set (a filtered list reads more than one index page). */
export const hasMatch = (m: EmailMatch) =>
  m.recipient !== undefined ||
  m.subject !== undefined ||
  m.from !== undefined ||
  m.tag !== undefined ||
  m.createdAfter !== undefined ||
  m.createdBefore !== undefined;

/** Does the email pass every filter that is set? */
export function matchesEmail(
  email: Pick<EmailRecord, 'to' | 'cc' | 'bcc' | 'subject' | 'from' | 'tags' | 'createdAt' | 'providerMessageId'>,
  m: EmailMatch,
): boolean {
  const has = (text: string | undefined, part: string) => (text ?? '').toLowerCase().includes(part.toLowerCase());
  if (m.recipient && ![...(email.to ?? []), ...(email.cc ?? []), ...(email.bcc ?? [])].some((a) => has(a, m.recipient!))) return false;
  if (m.subject && !(email.subject ?? '').toLowerCase().startsWith(m.subject.toLowerCase())) return false;
  if (m.from && !has(email.from, m.from)) return false;
  if (m.tag && !(email.tags ?? []).some((t) => t.name === m.tag!.name && (m.tag!.value === undefined || t.value === m.tag!.value))) return false;
  if (m.createdAfter && email.createdAt < m.createdAfter) return false;
  if (m.createdBefore && email.createdAt >= m.createdBefore) return false;
  if (m.providerMessageId && email.providerMessageId !== m.providerMessageId) return false;
  return true;
}
