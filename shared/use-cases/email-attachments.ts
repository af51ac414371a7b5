import type { Principal } from '#shared/domain/api-key';
import type { AttachmentRef, EmailRecord } from '#shared/domain/email';
import { attachmentId } from '#shared/domain/attachment-id';
import { DependencyError, NotFoundError } from '#shared/domain/errors';
import type { AttachmentStore, EmailStore } from '#shared/ports/index';
import { getEmail } from './get-email';
import { pageByAfterBefore } from './resource-paging';

/** How long a `download_url` works (Resend's are short-lived too). */
export const DOWNLOAD_URL_SECONDS = 900;

export interface EmailAttachmentsDeps {
  readonly emails: EmailStore;
  readonly attachments?: AttachmentStore;
  readonly clock: { now(): Date };
}

async function view(deps: EmailAttachmentsDeps, email: EmailRecord, ref: AttachmentRef, index: number) {
  const store = deps.attachments;
  if (!store?.downloadUrl) throw new DependencyError('Attachment downloads are not configured on this deployment (no attachments bucket).');
  const expiresAt = new Date(deps.clock.now().getTime() + DOWNLOAD_URL_SECONDS * 1000);
  return {
    object: 'attachment' as const,
    id: attachmentId(email.id, index),
    filename: ref.filename,
    size: ref.size,
    content_type: ref.contentType ?? 'application/octet-stream',
    content_disposition: ref.contentId ? ('inline' as const) : ('attachment' as const),
    ...(ref.contentId ? { content_id: ref.contentId } : {}),
    download_url: await store.downloadUrl(ref.key, {
      expiresInSeconds: DOWNLOAD_URL_SECONDS,
      filename: ref.filename,
      ...(ref.contentType ? { contentType: ref.contentType } : {}),
    }),
    expires_at: expiresAt.toISOString(),
  };
}

/** `GET /emails/{id}/attachments`: the email's attachments with short-lived download URLs (Resend's pagination over a short list). */
export async function listEmailAttachments(deps: EmailAttachmentsDeps, principal: Principal, emailId: string, query: Record<string, string | undefined>) {
  const email = await getEmail(deps, principal, emailId);
  const refs = (email.attachments ?? []).map((ref, i) => ({ ref, i, id: attachmentId(email.id, i) }));
  const page = pageByAfterBefore(refs, (r) => r.id, query);
  return { object: 'list' as const, has_more: page.hasMore, data: await Promise.all(page.items.map((r) => view(deps, email, r.ref, r.i))) };
}

/** `GET /emails/{id}/attachments/{attachment_id}`. */
export async function getEmailAttachment(deps: EmailAttachmentsDeps, principal: Principal, emailId: string, id: string) {
  const email = await getEmail(deps, principal, emailId);
  const index = (email.attachments ?? []).findIndex((_, i) => attachmentId(email.id, i) === id);
  if (index < 0) throw new NotFoundError('Attachment not found.');
  return view(deps, email, email.attachments![index]!, index);
}
