import type { EmailRecord, TemplateRef } from '#shared/domain/email';
import { logger } from '#shared/observability/logger';
import type { AttachmentStore, ContentBuilder, EmailContent, TemplateStore, TenantStore } from '#shared/ports/index';
import type { MimeAttachment } from '#shared/rendering/mime';
import { getRepositoryTemplate } from '#shared/rendering/template-repository';
import type { LoadedTemplate } from '#shared/rendering/templates';
import { TemplateVersionCache, toLoadedTemplate } from './template-lookup';

/**
 * The HTML renderer (Handlebars' HTML parts, juice, cheerio, html-to-text) is loaded by the first
 * email that needs it, not at cold start: the sender's import stays short, and a container that only
 * sends emails with both parts given never loads it.
 */
let renderer: Promise<typeof import('#shared/rendering/templates')> | undefined;
const loadRenderer = () => (renderer ??= import('#shared/rendering/templates'));

export interface TemplateContentDeps {
  /** Tenant templates (published versions). */
  readonly templates?: TemplateStore;
  /** The tenant's `baseUrl` for the `url` helper. */
  readonly tenants?: TenantStore;
  /** Attachment bytes (S3). */
  readonly attachments?: AttachmentStore;
  /** Variables the system supplies per email (`unsubscribe_url`…); they win over the caller's. */
  readonly extraVariables?: (email: EmailRecord) => Record<string, unknown> | Promise<Record<string, unknown>>;
  readonly repository?: (id: string) => LoadedTemplate | undefined;
  readonly versionCache?: TemplateVersionCache;
}

/** The email's template names something that no longer exists: retrying will not help. */
export class TemplateUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateUnavailableError';
  }
}

/**
 * The sender's ContentBuilder: renders the email's template at the version recorded when it was
 * accepted (a number: the tenant's published version; a string: the repository template's
 * content hash) with the stored variables. Explicit subject/html/text on the record win over the
 * template's. Attachments are read from the store; inline ones (content_id) get their cid.
 */
export function createTemplateContentBuilder(deps: TemplateContentDeps): ContentBuilder {
  const cache = deps.versionCache ?? new TemplateVersionCache();
  const repository = deps.repository ?? getRepositoryTemplate;

  async function load(email: EmailRecord, ref: TemplateRef): Promise<LoadedTemplate> {
    if (typeof ref.version === 'number') {
      const stored = deps.templates ? await cache.get(deps.templates, email.tenantId, ref.id, ref.version) : undefined;
      if (!stored) throw new TemplateUnavailableError(`Template "${ref.id}" version ${ref.version} is not available.`);
      return toLoadedTemplate(stored, email.tenantId, ref.id, stored.version);
    }
    const repo = repository(ref.id);
    if (!repo) throw new TemplateUnavailableError(`Template "${ref.id}" is not in this deployment.`);
    // A deploy between accept and send changed the shipped template: its old text is gone.
    if (repo.version !== ref.version)
      logger.warn('Repository template changed since the email was accepted', { template: ref.id, accepted: ref.version, current: repo.version });
    return repo;
  }

  async function attachmentsOf(email: EmailRecord): Promise<MimeAttachment[] | undefined> {
    const refs = email.attachments ?? [];
    if (refs.length === 0) return undefined;
    if (!deps.attachments) throw new Error('The email has attachments but no attachment store is configured.');
    const store = deps.attachments;
    return Promise.all(
      refs.map(async (ref) => ({
        filename: ref.filename,
        content: await store.get(ref.key),
        ...(ref.contentType ? { contentType: ref.contentType } : {}),
        ...(ref.contentId ? { cid: ref.contentId } : {}),
      })),
    );
  }

  return {
    async build(email) {
      const attachments = await attachmentsOf(email);
      const withAttachments = (content: EmailContent): EmailContent => (attachments ? { ...content, attachments } : content);
      if (!email.template) {
        // An HTML-only email gets a generated plain-text part, as Resend does; `text: ""` opts out.
        const text = email.text ?? (email.html !== undefined ? (await loadRenderer()).textFromHtml(email.html) : undefined);
        return withAttachments({
          subject: email.subject ?? '',
          ...(email.html !== undefined ? { html: email.html } : {}),
          ...(text ? { text } : {}),
        });
      }
      const template = await load(email, email.template);
      const tenant = await deps.tenants?.get(email.tenantId);
      const extra = deps.extraVariables ? await deps.extraVariables(email) : undefined;
      const { renderTemplate } = await loadRenderer();
      const rendered = renderTemplate(template, email.template.variables, {
        ...(tenant?.baseUrl ? { baseUrl: tenant.baseUrl } : {}),
        ...(extra ? { extraVariables: extra } : {}),
      });
      return withAttachments({
        subject: email.subject ?? rendered.subject,
        html: email.html ?? rendered.html,
        text: email.text ?? rendered.text,
      });
    },
  };
}
