/**
 * `GET /emails/{id}/raw` (Mailroom's extension): the email's MIME message, rebuilt.
 *
 * Primary course: load the caller's email (another tenant's is 404) → refuse one that never reached
 * a send attempt (there is no message yet: nothing was built) → render its content with the
 * sender's ContentBuilder (template version and variables recorded at accept time, attachments
 * from S3) → build the MIME with the sender's own `buildMime`, with the stored Date and the same
 * Message-ID and recipients (minus suppressed ones) as the send. The result is the message as sent
 * except for the MIME boundaries (random per build) and the per-send one-click unsubscribe link of
 * marketing and bulk mail (a signed token, not re-created: those headers are absent).
 */
import type { Principal } from '#shared/domain/api-key';
import { normalizeAddress } from '#shared/domain/address';
import type { EmailRecord } from '#shared/domain/email';
import { DependencyError, NotFoundError, PayloadTooLargeError } from '#shared/domain/errors';
import { isTransientDependencyError } from '#shared/domain/failure-classification';
import { buildMime, mimeInputOf } from '#shared/rendering/mime';
import type { ContentBuilder, EmailStore } from '#shared/ports/index';
import { getEmail } from './get-email';

/** Largest message answered: a Lambda response is at most 6 MB. */
export const MAX_RAW_BYTES = 5_000_000;

/** Did a provider get (or nearly get) this email's message? Only then is there a message to show. */
export const reachedSendAttempt = (email: Pick<EmailRecord, 'sentAt' | 'providerAttempts'>): boolean =>
  Boolean(email.sentAt) || (email.providerAttempts?.length ?? 0) > 0;

/** The Date the message carried: stored since the send; older emails and never-accepted ones approximate it. */
function dateOf(email: EmailRecord): Date {
  const lastAttempt = email.providerAttempts?.at(-1)?.t;
  return new Date(email.messageDate ?? email.sentAt ?? (lastAttempt ? new Date(lastAttempt * 1000).toISOString() : email.updatedAt));
}

/** The email's MIME message as the sender built it, and a file name for it. */
export async function rawEmail(
  deps: { emails: EmailStore; content: ContentBuilder },
  principal: Principal,
  id: string,
): Promise<{ raw: Buffer; filename: string }> {
  const email = await getEmail(deps, principal, id);
  if (!reachedSendAttempt(email)) {
    throw new NotFoundError(
      `Email ${email.id} has no raw message: it is built when the email is sent, and this one (${email.status}) never reached a provider.`,
    );
  }
  let content: Awaited<ReturnType<ContentBuilder['build']>>;
  try {
    content = await deps.content.build(email);
  } catch (error) {
    // An attachment read that failed (S3) may work next time; a template that is gone or no longer renders will not.
    if (isTransientDependencyError(error))
      throw new DependencyError('The message could not be rebuilt right now (reading its attachments failed); try again.', { cause: error });
    throw new NotFoundError(`Email ${email.id}'s message can no longer be rebuilt: ${String((error as Error).message).slice(0, 300)}`);
  }
  const suppressed = new Set(email.suppressedRecipients ?? []);
  const keep = (list: string[]) => (suppressed.size ? list.filter((r) => !suppressed.has(r) && !suppressed.has(normalizeAddress(r) ?? r)) : list);
  const { raw } = await buildMime(mimeInputOf(email, content, { to: keep(email.to), cc: keep(email.cc) }, dateOf(email)));
  if (raw.length > MAX_RAW_BYTES) {
    throw new PayloadTooLargeError(
      `The message is ${raw.length} bytes, more than this API returns (${MAX_RAW_BYTES}); its attachments are at GET /emails/${email.id}/attachments.`,
    );
  }
  return { raw, filename: `${email.id}.eml` };
}
