import { ValidationError } from '#shared/domain/errors';

/**
 * Headers a caller may not set through `headers`: they decide who receives the message, who it
 * is from, how it is parsed, or how it is tracked, and Mailroom sets them itself.
 */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set(
  [
    'from', 'to', 'cc', 'bcc', 'sender', 'reply-to', 'subject', 'date', 'message-id', 'return-path',
    'content-type', 'content-transfer-encoding', 'content-disposition', 'mime-version',
    'received', 'dkim-signature', 'domainkey-signature', 'arc-seal', 'arc-message-signature', 'arc-authentication-results',
    'authentication-results', 'x-ses-configuration-set', 'x-ses-message-tags', 'x-ses-source-arn', 'x-ses-from-arn',
    'x-ses-return-path-arn', 'x-mailroom-email-id', 'list-unsubscribe', 'list-unsubscribe-post',
  ],
);

/** RFC 5322 field name: printable ASCII except colon; we also cap the length. */
const HEADER_NAME = /^[!-9;-~]{1,76}$/;
const CRLF = /[\r\n]/;

/** Throws when a header name/value could inject headers or override Mailroom's own. */
export function assertSafeHeaders(headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) throw new ValidationError(`Header name "${printable(name)}" is not a valid header field name.`);
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new ValidationError(`Header "${name}" cannot be set through \`headers\`; use the matching field of the request instead, or leave it to Mailroom.`);
    }
    if (CRLF.test(value)) throw new ValidationError(`Header "${name}" contains a line break (CR or LF), which is not allowed.`);
    if (value.length > 998) throw new ValidationError(`Header "${name}" is longer than 998 characters.`);
  }
}

export function hasLineBreak(value: string): boolean {
  return CRLF.test(value);
}

const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, '?').slice(0, 80);
