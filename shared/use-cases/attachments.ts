import { extname } from 'node:path';
import type { AttachmentRef } from '#shared/domain/email';
import { ValidationError } from '#shared/domain/errors';
import type { SendEmailRequest } from '#shared/domain/send-request';
import type { Fetcher } from '#shared/ports/fetcher';
import type { AttachmentStore } from '#shared/ports/index';
import type { AttachmentIntake } from './accept-email';

/**
 * Attachments at accept time: decode `content` (base64) or fetch `path` (https), refuse the file
 * types SES refuses, keep the whole message under SES's 40 MB, put the bytes in S3 and keep only
 * references on the email record.
 */

/** SES v2's limit on a whole message, after base64 encoding. */
export const MAX_MESSAGE_BYTES = 40 * 1024 * 1024;
/** Room left in that limit for headers and the HTML and text bodies. */
export const BODY_ALLOWANCE_BYTES = 1024 * 1024;
export const PATH_FETCH_TIMEOUT_MS = 10_000;

/** File extensions SES will not send (Amazon SES Developer Guide, "Unsupported attachment types"). */
export const BLOCKED_EXTENSIONS: ReadonlySet<string> = new Set(
  (
    'ade adp app asp bas bat cer chm cmd com cpl crt csh der exe fxp gadget hlp hta inf ins isp its js jse ksh lib lnk ' +
    'mad maf mag mam maq mar mas mat mau mav maw mda mdb mde mdt mdw mdz msc msh msh1 msh2 mshxml msh1xml msh2xml msi msp mst ' +
    'ops pcd pif plg prf prg reg scf scr sct shb shs sys ps1 ps1xml ps2 ps2xml psc1 psc2 tmp url vb vbe vbs vps vsmacros ' +
    'vss vst vsw vxd ws wsc wsf wsh xnk'
  ).split(' '),
);

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  txt: 'text/plain',
  csv: 'text/csv',
  html: 'text/html',
  htm: 'text/html',
  ics: 'text/calendar',
  json: 'application/json',
  xml: 'application/xml',
  zip: 'application/zip',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const CONTENT_TYPE = /^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/;

/** Bytes a part of `n` bytes takes in the message: base64 with 76-character lines and CRLF. */
export const encodedSize = (n: number) => Math.ceil(n / 3) * 4 * (78 / 76) + 200;

export type { Fetcher } from '#shared/ports/fetcher';
export { isNonPublicAddress } from '#shared/domain/network-address';

export interface AttachmentIntakeDeps {
  readonly store: AttachmentStore;
  /** Fetches a `path` attachment: the SSRF-guarded HTTPS fetcher (shared/adapters/public-fetcher.ts); tests give their own. */
  readonly fetch: Fetcher;
  readonly timeoutMs?: number;
  readonly maxMessageBytes?: number;
}

type RequestAttachment = SendEmailRequest['attachments'][number];

function refuse(message: string): never {
  throw new ValidationError(message, 'invalid_attachment');
}

function filenameOf(a: RequestAttachment, i: number): string {
  let name = a.filename;
  if (!name && a.path) {
    try {
      name = decodeURIComponent(new URL(a.path).pathname.split('/').pop() ?? '');
    } catch {
      name = undefined;
    }
  }
  if (!name) refuse(`attachments[${i}]: a \`filename\` is required.`);
  if (/[\r\n\0/\\]/.test(name)) refuse(`attachments[${i}]: the filename "${name.slice(0, 80)}" may not contain line breaks or slashes.`);
  return name;
}

/** Throws 422 `invalid_attachment` for a file type SES refuses (also `x.pdf.exe`, `X.EXE`, `x.exe.`). */
export function assertAllowedFilename(filename: string): void {
  const ext = extname(filename.trim().replace(/[.\s]+$/, ''))
    .slice(1)
    .toLowerCase();
  if (BLOCKED_EXTENSIONS.has(ext)) {
    refuse(
      `Attachment "${filename}" has a file type that cannot be sent (.${ext}). SES refuses these extensions: ${[...BLOCKED_EXTENSIONS]
        .map((e) => `.${e}`)
        .slice(0, 12)
        .join(', ')}, …`,
    );
  }
}

function decodeContent(a: RequestAttachment, filename: string): Buffer {
  if (Array.isArray(a.content)) return Buffer.from(a.content);
  const text = (a.content as string).replace(/\s+/g, '');
  if (!BASE64.test(text) || text.length % 4 === 1) refuse(`Attachment "${filename}": \`content\` is not valid base64.`);
  return Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
}

async function fetchPath(deps: AttachmentIntakeDeps, path: string, filename: string, maxBytes: number): Promise<{ body: Buffer; contentType?: string }> {
  let url: URL;
  try {
    url = new URL(path);
  } catch {
    refuse(`Attachment "${filename}": \`path\` is not a URL.`);
  }
  if (url.protocol !== 'https:') refuse(`Attachment "${filename}": \`path\` must be an https URL.`);
  const fetcher = deps.fetch;
  const signal = AbortSignal.timeout(deps.timeoutMs ?? PATH_FETCH_TIMEOUT_MS);
  let response: Response;
  try {
    // Redirects could lead to plain http or elsewhere: the URL given is the one fetched.
    response = await fetcher(url.href, { signal, redirect: 'error' });
  } catch (error) {
    throw new ValidationError(
      `Attachment "${filename}": could not fetch ${url.host} (${(error as Error).name === 'TimeoutError' ? 'timed out' : (error as Error).message}).`,
      'invalid_attachment',
      { cause: error },
    );
  }
  if (!response.ok) refuse(`Attachment "${filename}": fetching \`path\` answered HTTP ${response.status}.`);
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) refuse(`Attachment "${filename}" (${declared} bytes) would make the message larger than SES's 40 MB.`);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of (response.body ?? []) as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > maxBytes) {
        await response.body?.cancel().catch(() => undefined);
        refuse(`Attachment "${filename}" would make the message larger than SES's 40 MB.`);
      }
      chunks.push(Buffer.from(chunk));
    }
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw new ValidationError(
      `Attachment "${filename}": reading ${url.host} failed (${(error as Error).name === 'TimeoutError' ? 'timed out' : (error as Error).message}).`,
      'invalid_attachment',
      { cause: error },
    );
  }
  const contentType = response.headers.get('content-type')?.split(';')[0]?.trim();
  return { body: Buffer.concat(chunks), ...(contentType ? { contentType } : {}) };
}

/** S3 key of one attachment: `<tenant>/<emailId>/<n>-<filename>` (filename made key-safe). */
export function attachmentKey(tenantId: string, emailId: string, index: number, filename: string): string {
  const safe =
    filename
      .normalize('NFC')
      .replace(/[^\w.-]+/g, '_')
      .slice(-120) || 'file';
  return `${tenantId}/${emailId}/${index}-${safe}`;
}

/** The AttachmentIntake accept-email uses. */
export function createAttachmentIntake(deps: AttachmentIntakeDeps): AttachmentIntake {
  const limit = (deps.maxMessageBytes ?? MAX_MESSAGE_BYTES) - BODY_ALLOWANCE_BYTES;
  return {
    async store(emailId, tenantId, attachments, expiresAt) {
      // Check everything that can be checked before anything is fetched or stored.
      const names = attachments.map((a, i) => {
        const filename = filenameOf(a, i);
        assertAllowedFilename(filename);
        if ((a.content === undefined) === (a.path === undefined))
          refuse(`Attachment "${filename}": give exactly one of \`content\` (base64) or \`path\` (https URL).`);
        if (a.content_type !== undefined && !CONTENT_TYPE.test(a.content_type))
          refuse(`Attachment "${filename}": \`content_type\` "${a.content_type.slice(0, 60)}" is not a media type.`);
        if (a.content_id !== undefined && !/^[^\s<>"]{1,78}$/.test(a.content_id))
          refuse(`Attachment "${filename}": \`content_id\` must be 1-78 characters without spaces, quotes or angle brackets.`);
        return filename;
      });
      const parts: Array<{ body: Buffer; contentType?: string }> = [];
      let total = 0;
      for (const [i, a] of attachments.entries()) {
        const filename = names[i]!;
        const part =
          a.content !== undefined
            ? { body: decodeContent(a, filename) }
            : await fetchPath(deps, a.path!, filename, Math.floor(((limit - total) * 76) / 78 / 4) * 3);
        total += encodedSize(part.body.length);
        if (total > limit) refuse(`The attachments make the message larger than SES's 40 MB limit (after base64 encoding); "${filename}" is over the limit.`);
        parts.push(part);
      }
      const refs: AttachmentRef[] = attachments.map((a, i) => {
        const filename = names[i]!;
        const ext = extname(filename).slice(1).toLowerCase();
        const contentType = a.content_type ?? parts[i]!.contentType ?? CONTENT_TYPES[ext] ?? 'application/octet-stream';
        return {
          filename,
          contentType,
          ...(a.content_id ? { contentId: a.content_id } : {}),
          key: attachmentKey(tenantId, emailId, i, filename),
          size: parts[i]!.body.length,
        };
      });
      await Promise.all(refs.map((ref, i) => deps.store.put(ref.key, parts[i]!.body, ref.contentType, expiresAt)));
      return refs;
    },
  };
}
