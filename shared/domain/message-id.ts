/**
 * `<emailId@sender-domain>`: the RFC 5322 Message-ID Mailroom stamps on an email. Unique, its
 * domain the sender's own, and known from the moment the email is accepted (GET /emails/{id}
 * reports it before the message is built).
 */
export function messageIdFor(emailId: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'mailroom.local';
  return `<${emailId}@${domain}>`;
}
