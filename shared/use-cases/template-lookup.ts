import { ValidationError } from '#shared/domain/errors';
import { schemaFromVariables, TEMPLATE_ID, type TemplateContent, type TemplateVersion, type TenantTemplate } from '#shared/domain/template';
import type { TemplateStore } from '#shared/ports/index';
import type { LoadedTemplate } from '#shared/rendering/template-core';
import { getRepositoryTemplate } from '#shared/rendering/template-repository';
import type { TemplateInfo, TemplateLookup } from '#shared/use-cases/accept-email';

/**
 * Which template an accepted email uses, and the accept-time check of its variables. Only the
 * schema check and Handlebars run here (template-core.ts): ingest bundles neither juice nor
 * html-to-text. The tenant CRUD, previews and rendering are in templates.ts.
 *
 * template-core (ajv, Handlebars) is loaded by the first email that names a template, not at cold
 * start: in the Lambda bundles it is a separate chunk (infra/bundling.ts), and the sender, which
 * imports this module for `TemplateVersionCache` and `toLoadedTemplate` only, never loads it here.
 */
let core: Promise<typeof import('#shared/rendering/template-core')> | undefined;
const loadCore = () => (core ??= import('#shared/rendering/template-core'));
type TemplateCore = Awaited<ReturnType<typeof loadCore>>;

export interface TemplateLookupDeps {
  readonly templates: TemplateStore;
  /** Repository templates (default: the bundled `templates/`). */
  readonly repository?: (id: string) => LoadedTemplate | undefined;
}

/**
 * The template as the renderer sees it. The version is scoped by tenant so two tenants' `v1`
 * never share a cache entry; a draft keeps one entry (the cache recompiles when its body changed).
 */
export function toLoadedTemplate(content: TemplateContent, tenantId: string, id: string, version: number | 'draft'): LoadedTemplate {
  return {
    id,
    version: `${tenantId}/${version}`,
    source: 'tenant',
    subject: content.subject,
    html: content.html,
    ...(content.text !== undefined ? { text: content.text } : {}),
    meta: {
      ...(content.description !== undefined ? { description: content.description } : {}),
      ...(content.lane !== undefined ? { lane: content.lane } : {}),
      ...(content.schema !== undefined ? { schema: content.schema } : content.variables?.length ? { schema: schemaFromVariables(content.variables) } : {}),
      ...(content.sample !== undefined ? { sample: content.sample } : {}),
    },
  };
}

/** Keeps published versions (immutable) per container, so a busy sender reads each once. */
export class TemplateVersionCache {
  private readonly entries = new Map<string, TemplateVersion>();
  constructor(private readonly max = 200) {}

  async get(store: TemplateStore, tenantId: string, id: string, version: number): Promise<TemplateVersion | undefined> {
    const key = `${tenantId}#${id}#${version}`;
    const hit = this.entries.get(key);
    if (hit) return hit;
    const found = await store.getVersion(tenantId, id, version);
    if (found) {
      this.entries.set(key, found);
      if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    }
    return found;
  }
}

function templateInfo(
  { PREVIEW_DEFAULTS, checkTemplateRenders, validateTemplateVariables }: TemplateCore,
  loaded: LoadedTemplate,
  version: number | string,
  content?: Pick<TemplateContent, 'from' | 'replyTo'>,
): TemplateInfo {
  return {
    id: loaded.id,
    version,
    ...(content?.from || content?.replyTo
      ? { defaults: { ...(content.from ? { from: content.from } : {}), ...(content.replyTo ? { replyTo: content.replyTo } : {}) } }
      : {}),
    ...(loaded.meta.lane ? { lane: loaded.meta.lane } : {}),
    validate(variables) {
      validateTemplateVariables(loaded, variables);
      // Without a schema only a render finds a missing variable; do it now rather than fail in the sender.
      if (!loaded.meta.schema) checkTemplateRenders(loaded, variables, { baseUrl: PREVIEW_DEFAULTS.baseUrl, extraVariables: PREVIEW_DEFAULTS.extraVariables });
    },
  };
}

/**
 * The TemplateLookup accept-email uses: the tenant's published template first, then the
 * repository's. A tenant template that was never published (and shadows nothing) is a 422.
 */
export function createTemplateLookup(deps: TemplateLookupDeps, cache = new TemplateVersionCache()): TemplateLookup {
  return {
    async find(tenantId, id) {
      const own = validId(id) ? await deps.templates.get(tenantId, id) : undefined;
      if (own?.publishedVersion) {
        const stored = await cache.get(deps.templates, tenantId, id, own.publishedVersion);
        if (stored) return templateInfo(await loadCore(), toLoadedTemplate(stored, tenantId, id, stored.version), stored.version, stored);
      }
      const repo = repositoryOf(deps)(id);
      if (repo) return templateInfo(await loadCore(), repo, repo.version);
      // Resend's send by alias: the tenant's template whose alias this is (a list scan; see docs/api.md).
      const aliased = own ? undefined : await findTemplateByAlias(deps.templates, tenantId, id);
      if (aliased?.publishedVersion) {
        const stored = await cache.get(deps.templates, tenantId, aliased.id, aliased.publishedVersion);
        if (stored) return templateInfo(await loadCore(), toLoadedTemplate(stored, tenantId, aliased.id, stored.version), stored.version, stored);
      }
      if (aliased)
        throw new ValidationError(
          `Template "${id}" (${aliased.id}) has no published version yet. Publish it first (POST /templates/${aliased.id}/publish).`,
          'invalid_template',
        );
      if (own)
        throw new ValidationError(`Template "${id}" has no published version yet. Publish it first (POST /templates/${id}/publish).`, 'invalid_template');
      return undefined;
    },
  };
}

/** Most list pages an alias lookup reads (100 templates each). */
const ALIAS_SCAN_PAGES = 20;

/** The tenant's template with this alias (a scan of the list: the management endpoints and alias sends only). */
export async function findTemplateByAlias(templates: TemplateStore, tenantId: string, alias: string): Promise<TenantTemplate | undefined> {
  if (!validId(alias)) return undefined;
  let cursor: string | undefined;
  for (let page = 0; page < ALIAS_SCAN_PAGES; page++) {
    const found = await templates.list(tenantId, { limit: 100, ...(cursor ? { cursor } : {}) });
    const hit = found.templates.find((t) => t.alias === alias);
    if (hit) return hit;
    if (!found.cursor) return undefined;
    cursor = found.cursor;
  }
  return undefined;
}

const repositoryOf = (deps: Pick<TemplateLookupDeps, 'repository'>) => deps.repository ?? getRepositoryTemplate;

function validId(id: string): boolean {
  return TEMPLATE_ID.test(id);
}
