import { ValidationError } from '#shared/domain/errors';

/**
 * Headers a caller may not set through `headers`: they decide who receives the message, who it
 * is from, how it is parsed, or how it is tracked, and Mailroom sets them itself.
 */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'sender',
  'reply-to',
  'subject',
  'date',
  'message-id',
  'return-path',
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
  'mime-version',
  'received',
  'dkim-signature',
  'domainkey-signature',
  'arc-seal',
  'arc-message-signature',
  'arc-authentication-results',
  'authentication-results',
  'x-ses-configuration-set',
  'x-ses-message-tags',
  'x-ses-source-arn',
  'x-ses-from-arn',
  'x-ses-return-path-arn',
  'x-mailroom-email-id',
  'list-unsubscribe',
  'list-unsubscribe-post',
]);

/** RFC 5322 field name: printable ASCII except colon; we also cap the length. */
const HEADER_NAME = /^[!-9;-~]{1,76}$/;
const CRLF = /[\r\n]/;
/** Other control characters (NUL, ESC, DEL…) have no business in a header value either. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: this regex exists to find control characters in header values.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;
/** Prefixes Mailroom and SES keep for themselves. */
const RESERVED_PREFIXES = ['x-mailroom-', 'x-ses-'];
/** Most custom headers per email. */
export const MAX_CUSTOM_HEADERS = 50;

/** Throws when a header name/value could inject headers or override Mailroom's own. */
export function assertSafeHeaders(headers: Record<string, string>): void {
  const entries = Object.entries(headers);
  if (entries.length > MAX_CUSTOM_HEADERS) throw new ValidationError(`Too many custom headers: ${entries.length}. At most ${MAX_CUSTOM_HEADERS}.`);
  const seen = new Set<string>();
  for (const [name, value] of entries) {
    if (!HEADER_NAME.test(name)) throw new ValidationError(`Header name "${printable(name)}" is not a valid header field name.`);
    const lower = name.toLowerCase();
    if (seen.has(lower)) throw new ValidationError(`Header "${name}" is given twice (header names are case-insensitive).`);
    seen.add(lower);
    if (RESERVED_HEADERS.has(lower) || RESERVED_PREFIXES.some((p) => lower.startsWith(p))) {
      throw new ValidationError(`Header "${name}" cannot be set through \`headers\`; use the matching field of the request instead, or leave it to Mailroom.`);
    }
    if (CRLF.test(value)) throw new ValidationError(`Header "${name}" contains a line break (CR or LF), which is not allowed.`);
    if (CONTROL.test(value)) throw new ValidationError(`Header "${name}" contains a control character, which is not allowed.`);
    if (value.length > 998) throw new ValidationError(`Header "${name}" is longer than 998 characters.`);
  }
}

export function hasLineBreak(value: string): boolean {
  return CRLF.test(value);
}

const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, '?').slice(0, 80);
