import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { LANE_NAMES } from '#shared/config/lanes';
import { hasScope, type Principal } from '#shared/domain/api-key';
import { ConflictError, ForbiddenError, MalformedRequestError, NotFoundError, ValidationError } from '#shared/domain/errors';
import { encodeCursor, isCursor } from '#shared/domain/list-cursor';
import { toValidationError } from '#shared/domain/send-request';
import { TEMPLATE_ID, type TemplateContent, type TemplateVersion, type TenantTemplate } from '#shared/domain/template';
import type { Clock, TemplateStore, TenantStore } from '#shared/ports/index';
import { getRepositoryTemplate } from '#shared/rendering/template-repository';
import type { LoadedTemplate, RenderedTemplate } from '#shared/rendering/templates';
import { findTemplateByAlias, toLoadedTemplate } from '#shared/use-cases/template-lookup';

// The accept-time lookup lives apart so ingest's import graph stays free of the HTML renderer.
export { TemplateVersionCache, createTemplateLookup, toLoadedTemplate } from '#shared/use-cases/template-lookup';

/**
 * Tenant-managed templates (Resend's templates resource): a draft that `PATCH` edits, and
 * immutable numbered versions that `publish` cuts from it. Sends use the published version and
 * record its number, so an edit never changes an email already accepted. A template id resolves
 * to the tenant's own published template first, then to the repository's.
 */

export interface TemplatesDeps {
  readonly templates: TemplateStore;
  readonly clock: Clock;
  /** For the tenant's base URL in previews. */
  readonly tenants?: TenantStore;
  /** Repository templates (default: the bundled `templates/`). */
  readonly repository?: (id: string) => LoadedTemplate | undefined;
}

/** Largest template (all parts and meta, as JSON): keeps the DynamoDB item well under 400 KB. */
export const MAX_TEMPLATE_BYTES = 300_000;

const VARIABLE_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,49}$/;

/** Resend's template variable: `{key, type, fallback_value}`. */
const variableSchema = z
  .object({
    key: z.string().regex(VARIABLE_KEY, 'must be 1-50 letters, digits or `_`, not starting with a digit'),
    type: z.enum(['string', 'number']),
    fallback_value: z
      .union([z.string().max(2_000), z.number()])
      .nullable()
      .optional(),
  })
  .strict()
  .refine((v) => v.fallback_value === undefined || v.fallback_value === null || typeof v.fallback_value === v.type, {
    message: '`fallback_value` must match `type`',
  });

const contentFields = {
  name: z.string().min(1).max(200),
  description: z.string().max(1000),
  subject: z.string().min(1).max(998),
  alias: z.string().regex(TEMPLATE_ID, 'must be 1-64 lower-case letters, digits, `_` or `-`, starting with a letter or digit'),
  from: z.string().min(3).max(320),
  reply_to: z.union([z.string().min(3).max(320), z.array(z.string().min(3).max(320)).min(1).max(50)]),
  variables: z.array(variableSchema).max(50),
  html: z.string().min(1),
  text: z.string().min(1),
  lane: z.enum(LANE_NAMES),
  schema: z.record(z.string(), z.unknown()),
  sample: z.record(z.string(), z.unknown()),
};

const createSchema = z
  .object({
    id: z.string().regex(TEMPLATE_ID, 'must be 1-64 lower-case letters, digits, `_` or `-`, starting with a letter or digit').optional(),
    name: contentFields.name.optional(),
    description: contentFields.description.optional(),
    // Resend's templates may leave the subject to the send; Mailroom's JSON-Schema ones carry one.
    subject: contentFields.subject.nullable().optional(),
    html: contentFields.html,
    text: contentFields.text.nullable().optional(),
    lane: contentFields.lane.optional(),
    schema: contentFields.schema.optional(),
    sample: contentFields.sample.optional(),
    alias: contentFields.alias.nullable().optional(),
    from: contentFields.from.nullable().optional(),
    reply_to: contentFields.reply_to.nullable().optional(),
    variables: contentFields.variables.nullable().optional(),
  })
  .strict();

/** PATCH: any field; `null` removes an optional one. */
const updateSchema = z
  .object({
    name: contentFields.name.optional(),
    description: contentFields.description.nullable().optional(),
    subject: contentFields.subject.optional(),
    html: contentFields.html.optional(),
    text: contentFields.text.nullable().optional(),
    lane: contentFields.lane.nullable().optional(),
    schema: contentFields.schema.nullable().optional(),
    sample: contentFields.sample.nullable().optional(),
    alias: contentFields.alias.nullable().optional(),
    from: contentFields.from.nullable().optional(),
    reply_to: contentFields.reply_to.nullable().optional(),
    variables: contentFields.variables.nullable().optional(),
  })
  .strict();

/** Resend's body fields as Mailroom's content fields (`reply_to` → `replyTo`, variables camel-cased); `null` clears. */
function resendFields(input: { reply_to?: string | string[] | null; variables?: z.infer<typeof variableSchema>[] | null }) {
  return {
    ...(input.reply_to !== undefined ? { replyTo: input.reply_to === null ? null : Array.isArray(input.reply_to) ? input.reply_to : [input.reply_to] } : {}),
    ...(input.variables !== undefined
      ? {
          variables:
            input.variables === null
              ? null
              : input.variables.map((v) => ({ key: v.key, type: v.type, ...(v.fallback_value != null ? { fallbackValue: v.fallback_value } : {}) })),
        }
      : {}),
  };
}

const renderSchema = z
  .object({
    variables: z.record(z.string(), z.unknown()).optional(),
    /** `draft` (default for tenant templates), `published`, or a version number. */
    version: z.union([z.literal('draft'), z.literal('published'), z.number().int().positive()]).optional(),
  })
  .strict();

function assertCanRead(principal: Principal): void {
  if (!['templates:write', 'emails:send', 'emails:read'].some((s) => hasScope(principal, s as never))) {
    throw new ForbiddenError('This API key is not allowed to read templates (scope `templates:write`, `emails:send` or `emails:read`).');
  }
}

function assertCanWrite(principal: Principal): void {
  if (!hasScope(principal, 'templates:write')) throw new ForbiddenError('This API key is not allowed to change templates (scope `templates:write`).');
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ValidationError('The request body must be a JSON object.');
  const result = schema.safeParse(body);
  if (!result.success) throw toValidationError(result.error);
  return result.data;
}

/**
 * The renderer (Handlebars, ajv, juice, html-to-text) loads with the first write or preview, not at
 * cold start: listing, reading and deleting templates never need it (a separate chunk in the Lambda
 * bundles, infra/bundling.ts).
 */
let renderer: Promise<[typeof import('#shared/rendering/templates'), typeof import('#shared/rendering/template-env')]> | undefined;
const loadRenderer = () => (renderer ??= Promise.all([import('#shared/rendering/templates'), import('#shared/rendering/template-env')]));

/**
 * Refuses a template that cannot work: a Handlebars syntax error, prototype access, an invalid
 * schema, a sample that does not match the schema or does not render.
 */
async function checkContent(content: TemplateContent, id: string): Promise<void> {
  if (content.schema !== undefined && content.variables?.length)
    throw new ValidationError(`Template "${id}": give \`schema\` (JSON Schema) or \`variables\` (Resend's list), not both.`);
  const size = Buffer.byteLength(JSON.stringify(content), 'utf8');
  if (size > MAX_TEMPLATE_BYTES) throw new ValidationError(`Template "${id}" is ${size} bytes; at most ${MAX_TEMPLATE_BYTES} are allowed.`, 'invalid_template');
  const [{ PREVIEW_DEFAULTS, renderTemplate, validateTemplateVariables }, { templateEnv }] = await loadRenderer();
  templateEnv.compile(content.subject, 'plain', `template "${id}" (subject)`);
  templateEnv.compile(content.html, 'html', `template "${id}" (html)`);
  if (content.text !== undefined) templateEnv.compile(content.text, 'plain', `template "${id}" (text)`);
  const loaded = toLoadedTemplate(content, '~check', id, 'draft');
  if (content.sample !== undefined) {
    try {
      renderTemplate(loaded, content.sample, { baseUrl: PREVIEW_DEFAULTS.baseUrl, extraVariables: PREVIEW_DEFAULTS.extraVariables });
    } catch (error) {
      if (error instanceof ValidationError)
        throw new ValidationError(`\`sample\` does not render: ${error.message}`, error.code === 'invalid_template' ? 'invalid_template' : 'validation_error', {
          cause: error,
        });
      throw error;
    }
  } else if (content.schema !== undefined) {
    try {
      validateTemplateVariables(loaded, {});
    } catch (error) {
      // Only a broken schema matters here; `{}` missing required variables is expected.
      if (error instanceof ValidationError && error.code === 'invalid_template') throw error;
    }
  }
}

const defined = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as T;

/**
 * The API view of a tenant template: Resend's template object (`name`, `subject`, `html`, `text`,
 * `status`, `variables`, `alias`, `from`, `reply_to`, `published_at`, `current_version_id`,
 * `has_unpublished_versions`, timestamps) plus Mailroom's fields (`source`, `description`, `lane`,
 * `schema`, `sample`, `published_version`, `has_unpublished_changes`).
 */
export function toTemplateView(t: TenantTemplate) {
  const unpublished = !t.publishedAt || t.updatedAt > t.publishedAt;
  return {
    object: 'template' as const,
    id: t.id,
    source: 'tenant' as const,
    name: t.name,
    description: t.description ?? null,
    subject: t.subject === '' ? null : t.subject,
    html: t.html,
    text: t.text ?? null,
    alias: t.alias ?? null,
    from: t.from ?? null,
    reply_to: t.replyTo ?? null,
    variables: t.variables
      ? t.variables.map((v) => ({ key: v.key, type: v.type, fallback_value: v.fallbackValue ?? null, created_at: t.createdAt, updated_at: t.updatedAt }))
      : null,
    lane: t.lane ?? null,
    schema: t.schema ?? null,
    sample: t.sample ?? null,
    status: t.publishedVersion ? ('published' as const) : ('draft' as const),
    // Versions are numbered per template: the published one, or the draft before any publish.
    current_version_id: t.publishedVersion ? `${t.id}@v${t.publishedVersion}` : `${t.id}@draft`,
    published_version: t.publishedVersion ?? null,
    has_unpublished_versions: unpublished,
    has_unpublished_changes: unpublished,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    published_at: t.publishedAt ?? null,
  };
}

/** The API view of a repository template (read-only). */
export function toRepositoryTemplateView(t: LoadedTemplate) {
  return {
    object: 'template' as const,
    id: t.id,
    source: 'repository' as const,
    name: t.id,
    description: t.meta.description ?? null,
    subject: t.subject,
    html: t.html,
    text: t.text ?? null,
    lane: t.meta.lane ?? null,
    schema: t.meta.schema ?? null,
    sample: t.meta.sample ?? null,
    status: 'published' as const,
    published_version: t.version,
  };
}

const repositoryOf = (deps: Pick<TemplatesDeps, 'repository'>) => deps.repository ?? getRepositoryTemplate;

function validId(id: string): boolean {
  return TEMPLATE_ID.test(id);
}

/** `POST /templates`: creates the draft (not yet usable for sends until published). */
export async function createTemplate(deps: TemplatesDeps, principal: Principal, body: unknown): Promise<TenantTemplate> {
  assertCanWrite(principal);
  const input = parse(createSchema, body);
  const id = input.id ?? `tpl_${randomBytes(8).toString('hex')}`;
  const { id: _id, reply_to: _r, variables: _v, ...rest } = input;
  const content = defined({ ...rest, ...resendFields(input), subject: input.subject ?? '', name: input.name ?? id }) as TemplateContent;
  await assertAliasFree(deps, principal.tenantId, content.alias, id);
  await checkContent(content, id);
  const now = deps.clock.now().toISOString();
  // A re-created id continues the numbering of a deleted one: a version number is never reused.
  const lastVersion = await deps.templates.latestVersionNumber(principal.tenantId, id);
  const template: TenantTemplate = { ...content, tenantId: principal.tenantId, id, lastVersion, createdAt: now, updatedAt: now };
  await deps.templates.create(template);
  return template;
}

/** `GET /templates/{id}`: the tenant's template, else the repository's (read-only). */
export async function getTemplate(deps: TemplatesDeps, principal: Principal, id: string) {
  assertCanRead(principal);
  const own = await findOwn(deps, principal.tenantId, id);
  if (own) return toTemplateView(own);
  const repo = repositoryOf(deps)(id);
  if (repo) return toRepositoryTemplateView(repo);
  throw new NotFoundError(`Template "${id.slice(0, 64)}" not found.`);
}

/** `GET /templates`: the tenant's templates, by id, cursor-paginated. */
/** Resend's `after=<template id>`: one of the caller's templates, as a cursor at its place. */
async function templateCursor(deps: TemplatesDeps, principal: Principal, id: string): Promise<string> {
  if (!TEMPLATE_ID.test(id) || !(await deps.templates.get(principal.tenantId, id))) {
    throw new MalformedRequestError('`after` must be the id of one of your templates or a `next_cursor` this API returned.');
  }
  return encodeCursor([id]);
}

export async function listTemplates(deps: TemplatesDeps, principal: Principal, query: { limit?: string; after?: string }) {
  assertCanRead(principal);
  const limit = query.limit === undefined || query.limit === '' ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ValidationError('`limit` must be an integer from 1 to 100.');
  // Resend's `after=<template id>` (exclusive) or Mailroom's `next_cursor`; the store validates cursors.
  const after = query.after ? (isCursor(query.after) ? query.after : await templateCursor(deps, principal, query.after)) : undefined;
  const page = await deps.templates.list(principal.tenantId, { limit, ...(after ? { cursor: after } : {}) });
  return {
    object: 'list' as const,
    has_more: page.cursor !== undefined,
    ...(page.cursor ? { next_cursor: page.cursor } : {}),
    data: page.templates.map(toTemplateView),
  };
}

/** Resend's endpoints take a template id or its alias. */
async function findOwn(deps: TemplatesDeps, tenantId: string, idOrAlias: string): Promise<TenantTemplate | undefined> {
  if (!validId(idOrAlias)) return undefined;
  return (await deps.templates.get(tenantId, idOrAlias)) ?? (await findTemplateByAlias(deps.templates, tenantId, idOrAlias));
}

/** An alias names one template: refused (409) when another template has it as id or alias. */
async function assertAliasFree(deps: TemplatesDeps, tenantId: string, alias: string | undefined, selfId: string): Promise<void> {
  if (!alias) return;
  const other = (await deps.templates.get(tenantId, alias)) ?? (await findTemplateByAlias(deps.templates, tenantId, alias));
  if (other && other.id !== selfId) throw new ConflictError(`The alias "${alias}" is already used by template "${other.id}".`, 'invalid_state');
}

async function ownTemplate(deps: TemplatesDeps, principal: Principal, id: string): Promise<TenantTemplate> {
  const own = await findOwn(deps, principal.tenantId, id);
  if (!own) {
    if (repositoryOf(deps)(id))
      throw new ForbiddenError(
        `Template "${id}" ships with Mailroom and cannot be changed over the API; create your own with the same id to override it.`,
        'invalid_access',
      );
    throw new NotFoundError(`Template "${id.slice(0, 64)}" not found.`);
  }
  return own;
}

/** `PATCH /templates/{id}`: edits the draft. Published versions, and emails that use them, do not change. */
export async function updateTemplate(deps: TemplatesDeps, principal: Principal, id: string, body: unknown): Promise<TenantTemplate> {
  assertCanWrite(principal);
  const patch = parse(updateSchema, body);
  const current = await ownTemplate(deps, principal, id);
  const { reply_to: _r, variables: _v, ...plain } = patch;
  const merged = { ...current, ...plain, ...resendFields(patch) } as Record<string, unknown>;
  const content = defined({
    name: merged.name,
    description: merged.description,
    subject: merged.subject,
    html: merged.html,
    text: merged.text,
    lane: merged.lane,
    schema: merged.schema,
    sample: merged.sample,
    alias: merged.alias,
    from: merged.from,
    replyTo: merged.replyTo,
    variables: merged.variables,
  }) as unknown as TemplateContent;
  if (content.alias !== current.alias) await assertAliasFree(deps, principal.tenantId, content.alias, current.id);
  await checkContent(content, current.id);
  const updated = await deps.templates.updateDraft(principal.tenantId, current.id, content, deps.clock.now().toISOString());
  if (!updated) throw new NotFoundError(`Template "${id}" not found.`);
  return updated;
}

/** `DELETE /templates/{id}`. Published versions stay readable for emails already accepted. */
export async function deleteTemplate(deps: TemplatesDeps, principal: Principal, id: string): Promise<{ object: 'template'; id: string; deleted: true }> {
  assertCanWrite(principal);
  const own = await ownTemplate(deps, principal, id);
  if (!(await deps.templates.delete(principal.tenantId, own.id))) throw new NotFoundError(`Template "${id}" not found.`);
  return { object: 'template', id: own.id, deleted: true };
}

/** `POST /templates/{id}/duplicate`: a new draft with the same content (no alias: aliases are unique). */
export async function duplicateTemplate(deps: TemplatesDeps, principal: Principal, id: string): Promise<TenantTemplate> {
  assertCanWrite(principal);
  const source = await ownTemplate(deps, principal, id);
  const copyId = `tpl_${randomBytes(8).toString('hex')}`;
  const { tenantId: _t, id: _i, publishedVersion: _p, publishedAt: _pa, lastVersion: _l, createdAt: _c, updatedAt: _u, alias: _a, ...content } = source;
  const now = deps.clock.now().toISOString();
  const copy: TenantTemplate = {
    ...content,
    name: `${source.name} (copy)`,
    tenantId: principal.tenantId,
    id: copyId,
    lastVersion: 0,
    createdAt: now,
    updatedAt: now,
  };
  await deps.templates.create(copy);
  return copy;
}

/** `POST /templates/{id}/publish`: the draft becomes the next immutable version, used by new sends. */
export async function publishTemplate(deps: TemplatesDeps, principal: Principal, id: string): Promise<TemplateVersion> {
  assertCanWrite(principal);
  const draft = await ownTemplate(deps, principal, id);
  await checkContent(draft, draft.id);
  return deps.templates.publish(draft, deps.clock.now().toISOString());
}

/**
 * `POST /templates/{id}/render`: renders without sending. Tenant templates render their draft
 * unless `version` says `published` or a number; variables default to the template's sample.
 */
export async function previewTemplate(
  deps: TemplatesDeps,
  principal: Principal,
  id: string,
  body: unknown,
): Promise<RenderedTemplate & { id: string; version: number | string | 'draft' }> {
  assertCanRead(principal);
  const input = parse(renderSchema, body ?? {});
  const own = validId(id) ? await deps.templates.get(principal.tenantId, id) : undefined;
  let loaded: LoadedTemplate;
  let version: number | string;
  if (own) {
    const wanted = input.version ?? 'draft';
    if (wanted === 'draft') {
      loaded = toLoadedTemplate(own, principal.tenantId, id, 'draft');
      version = 'draft';
    } else {
      const number = wanted === 'published' ? own.publishedVersion : wanted;
      const stored = number ? await deps.templates.getVersion(principal.tenantId, id, number) : undefined;
      if (!stored)
        throw new NotFoundError(wanted === 'published' ? `Template "${id}" has no published version yet.` : `Template "${id}" has no version ${wanted}.`);
      loaded = toLoadedTemplate(stored, principal.tenantId, id, stored.version);
      version = stored.version;
    }
  } else {
    const repo = repositoryOf(deps)(id);
    if (!repo) throw new NotFoundError(`Template "${id.slice(0, 64)}" not found.`);
    loaded = repo;
    version = repo.version;
  }
  const tenant = await deps.tenants?.get(principal.tenantId);
  const [{ PREVIEW_DEFAULTS, renderTemplate }] = await loadRenderer();
  const rendered = renderTemplate(loaded, input.variables ?? loaded.meta.sample ?? {}, {
    baseUrl: tenant?.baseUrl ?? PREVIEW_DEFAULTS.baseUrl,
    extraVariables: PREVIEW_DEFAULTS.extraVariables,
  });
  return { id, version, ...rendered };
}
