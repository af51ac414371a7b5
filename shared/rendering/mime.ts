import MailComposer from 'nodemailer/lib/mail-composer/index.js';

export interface MimeAttachment {
  readonly filename: string;
  readonly content: Buffer;
  readonly contentType?: string;
  /** For inline images referenced as `cid:<contentId>` in the HTML. */
  readonly cid?: string;
}

export interface MimeInput {
  readonly emailId: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly replyTo: readonly string[];
  readonly subject: string;
  readonly html?: string;
  readonly text?: string;
  readonly headers: Record<string, string>;
  readonly attachments?: readonly MimeAttachment[];
  readonly date: Date;
}

import { messageIdFor } from '#shared/domain/message-id';

export const CORRELATION_HEADER = 'X-Mailroom-Email-ID';

export { messageIdFor } from '#shared/domain/message-id';

/** What buildMime needs of a stored email, its rendered content, the recipients it goes to and its Date. */
export function mimeInputOf(
  email: { readonly id: string; readonly from: string; readonly replyTo: readonly string[]; readonly headers: Record<string, string> },
  content: {
    readonly subject: string;
    readonly html?: string;
    readonly text?: string;
    readonly headers?: Record<string, string>;
    readonly attachments?: readonly MimeAttachment[];
  },
  recipients: { readonly to: readonly string[]; readonly cc: readonly string[] },
  date: Date,
): MimeInput {
  return {
    emailId: email.id,
    from: email.from,
    to: recipients.to,
    cc: recipients.cc,
    replyTo: email.replyTo,
    subject: content.subject,
    ...(content.html !== undefined ? { html: content.html } : {}),
    ...(content.text !== undefined ? { text: content.text } : {}),
    headers: { ...email.headers, ...content.headers },
    ...(content.attachments ? { attachments: content.attachments } : {}),
    date,
  };
}

/**
 * Builds the complete MIME message once (nodemailer's MailComposer). The same bytes go to SES
 * (Content.Raw) or to the SMTP fallback. Bcc recipients are not written into the headers; they
 * travel in the envelope only.
 */
export async function buildMime(input: MimeInput): Promise<{ raw: Buffer; messageId: string }> {
  const messageId = messageIdFor(input.emailId, input.from);
  const composer = new MailComposer({
    from: input.from,
    to: [...input.to],
    cc: input.cc.length ? [...input.cc] : undefined,
    replyTo: input.replyTo.length ? [...input.replyTo] : undefined,
    subject: input.subject,
    html: input.html,
    text: input.text,
    messageId,
    date: input.date,
    headers: { ...input.headers, [CORRELATION_HEADER]: input.emailId },
    attachments: input.attachments?.map((a) => ({
      filename: a.filename,
      content: a.content,
      contentType: a.contentType,
      cid: a.cid,
      contentDisposition: a.cid ? ('inline' as const) : ('attachment' as const),
    })),
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const raw = await composer.compile().build();
  return { raw, messageId };
}
