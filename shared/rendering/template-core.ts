import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import type { Lane } from '#shared/config/lanes';
import { MailroomError, ValidationError } from '#shared/domain/errors';
import { type CompiledTemplatePart, type TemplateRenderData, templateEnv } from '#shared/rendering/template-env';

/**
 * What every use of a template needs, without CSS inlining or HTML-to-text: the compile cache,
 * variables checked against the template's JSON Schema (ajv), and the Handlebars parts. Accepting
 * an email only checks (`validateTemplateVariables`, `checkTemplateRenders`), so its import graph
 * stops here; rendering an email (templates.ts) adds juice and html-to-text on top.
 */

export interface TemplateMeta {
  readonly description?: string;
  readonly lane?: Lane;
  /** JSON Schema (draft 2020-12 when `$schema` says so, else draft-07) of the variables. */
  readonly schema?: object;
  /** Variables for previews. */
  readonly sample?: Record<string, unknown>;
}

export interface LoadedTemplate {
  readonly id: string;
  /** Immutable: a changed template gets a new version (the compile cache relies on it). */
  readonly version: number | string;
  readonly source: 'repository' | 'tenant';
  readonly subject: string;
  readonly html: string;
  readonly text?: string;
  readonly meta: TemplateMeta;
}

export interface RenderOptions {
  /** Tenant base URL the `url` helper joins relative paths with. */
  readonly baseUrl?: string;
  /** Variables the system supplies (unsubscribe_url, brand); not schema-checked, and they win over the caller's. */
  readonly extraVariables?: Record<string, unknown>;
}

export interface RenderedTemplate {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

/** Used by the layout when neither the variables nor the system name a brand. */
export const DEFAULT_BRAND = { name: 'Mailroom' } as const;

/** What previews use where the caller gives nothing (no real tenant, no real recipient). */
export const PREVIEW_DEFAULTS = {
  baseUrl: 'https://example.com',
  extraVariables: { unsubscribe_url: 'https://example.com/unsubscribe/preview' },
} as const;

/** Most templates a container keeps compiled; the least recently used go first. */
const MAX_CACHED_TEMPLATES = 500;

export interface CompiledParts {
  readonly subject: CompiledTemplatePart;
  readonly html: CompiledTemplatePart;
  readonly text?: CompiledTemplatePart;
}

export interface CacheEntry {
  readonly template: LoadedTemplate;
  readonly schemaJson: string | undefined;
  parts?: CompiledParts;
  /** The HTML with its CSS inlined once (templates.ts fills it); `null`: inlined per render instead. */
  inlinedHtml?: CompiledTemplatePart | null;
  /** `null`: the template has no schema. */
  validator?: { readonly validate: ValidateFunction; readonly ajv: Ajv } | null;
}

const cache = new Map<string, CacheEntry>();

/** Checks variables against the template's schema without rendering (accept-time check). */
export function validateTemplateVariables(template: LoadedTemplate, variables: unknown): void {
  checkedVariables(cacheEntry(template), variables);
}

/**
 * Renders subject, HTML and text through Handlebars only (no CSS inlining, no HTML-to-text) and
 * throws the ValidationError a full render would: what an accept-time check of a template without
 * a schema needs, since only a render finds a missing variable there.
 */
export function checkTemplateRenders(template: LoadedTemplate, variables: Record<string, unknown>, options: RenderOptions = {}): void {
  const entry = cacheEntry(template);
  const { context, data } = renderInput(entry, variables, options);
  const parts = compiledParts(entry);
  runPart(template, 'subject', parts.subject, context, data);
  runPart(template, 'html', parts.html, context, data);
  if (parts.text) runPart(template, 'text', parts.text, context, data);
}

/** The Handlebars context and data of one render: checked variables, the default brand, system variables. */
export function renderInput(
  entry: CacheEntry,
  variables: Record<string, unknown>,
  options: RenderOptions,
): { context: Record<string, unknown>; data: TemplateRenderData } {
  const filled = checkedVariables(entry, variables);
  const context: Record<string, unknown> = { brand: DEFAULT_BRAND, ...filled, ...options.extraVariables };
  const data: TemplateRenderData = options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl };
  return { context, data };
}

/** Cache key of a template: source, id and version. */
export function templateCacheKey(template: Pick<LoadedTemplate, 'source' | 'id' | 'version'>): string {
  return `${template.source}:${template.id}@${String(template.version)}`;
}

/** Number of templates compiled in this container (for health output and tests). */
export function cachedTemplateCount(): number {
  return cache.size;
}

/** Empties the compile cache. */
export function clearTemplateCache(): void {
  for (const entry of cache.values()) dropValidator(entry);
  cache.clear();
}

export function cacheEntry(template: LoadedTemplate): CacheEntry {
  const key = templateCacheKey(template);
  const cached = cache.get(key);
  if (cached && sameContent(cached, template)) {
    // Re-insert: Map order is the LRU order.
    cache.delete(key);
    cache.set(key, cached);
    return cached;
  }
  // A different body under a known key means an id was reused: never serve the stale one.
  if (cached) dropValidator(cached);
  const entry: CacheEntry = { template, schemaJson: schemaJson(template.meta.schema) };
  cache.delete(key);
  cache.set(key, entry);
  if (cache.size > MAX_CACHED_TEMPLATES) {
    const [oldestKey, oldest] = cache.entries().next().value as [string, CacheEntry];
    dropValidator(oldest);
    cache.delete(oldestKey);
  }
  return entry;
}

function sameContent(entry: CacheEntry, template: LoadedTemplate): boolean {
  const cached = entry.template;
  if (cached === template) return true;
  return (
    cached.subject === template.subject &&
    cached.html === template.html &&
    cached.text === template.text &&
    (cached.meta.schema === template.meta.schema || entry.schemaJson === schemaJson(template.meta.schema))
  );
}

function schemaJson(schema: object | undefined): string | undefined {
  return schema === undefined ? undefined : JSON.stringify(schema);
}

export function compiledParts(entry: CacheEntry): CompiledParts {
  if (!entry.parts) {
    const { id, subject, html, text } = entry.template;
    entry.parts = {
      subject: templateEnv.compile(subject, 'plain', `template "${id}" (subject)`),
      html: templateEnv.compile(html, 'html', `template "${id}" (html)`),
      ...(text === undefined ? {} : { text: templateEnv.compile(text, 'plain', `template "${id}" (text)`) }),
    };
  }
  return entry.parts;
}

// ----- variables -----

let ajvDraft7: Ajv | undefined;
let ajv2020: Ajv | undefined;

function ajvFor(schema: object): Ajv {
  const declared = (schema as { $schema?: unknown }).$schema;
  if (typeof declared === 'string' && declared.includes('2020-12')) {
    ajv2020 ??= withFormats(new Ajv2020(AJV_OPTIONS));
    return ajv2020;
  }
  ajvDraft7 ??= withFormats(new Ajv(AJV_OPTIONS));
  return ajvDraft7;
}

// useDefaults: a schema `default` fills an absent variable before rendering.
const AJV_OPTIONS = { allErrors: true, strict: false, useDefaults: true } as const;

/** The formats templates use, without pulling in ajv-formats. */
function withFormats(ajv: Ajv): Ajv {
  ajv.addFormat('uri', (value: string) => {
    try {
      return new URL(value).protocol.length > 1;
    } catch {
      return false;
    }
  });
  ajv.addFormat('email', /^[^\s@]+@[^\s@]+\.[^\s@]+$/);
  ajv.addFormat(
    'date-time',
    (value: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(value) && !Number.isNaN(Date.parse(value)),
  );
  ajv.addFormat('date', (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value)));
  return ajv;
}

function validatorOf(entry: CacheEntry): ValidateFunction | undefined {
  if (entry.validator === undefined) {
    const schema = entry.template.meta.schema;
    if (schema === undefined) {
      entry.validator = null;
    } else {
      // Without $id, so a new version of the same schema compiles instead of clashing with the old one.
      const { $id: _ignored, ...anonymous } = schema as Record<string, unknown>;
      const ajv = ajvFor(schema);
      try {
        entry.validator = { validate: ajv.compile(anonymous), ajv };
      } catch (error) {
        throw new ValidationError(`template "${entry.template.id}": meta schema is invalid: ${(error as Error).message}`, 'invalid_template', { cause: error });
      }
    }
  }
  return entry.validator?.validate;
}

function dropValidator(entry: CacheEntry): void {
  if (entry.validator) entry.validator.ajv.removeSchema(entry.validator.validate.schema);
}

/** Validates a copy of the variables, applies schema defaults and fills declared optional ones with null. */
function checkedVariables(entry: CacheEntry, variables: unknown): Record<string, unknown> {
  const { id, meta } = entry.template;
  if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) {
    throw new ValidationError(`template "${id}": variables must be an object`);
  }
  let copy: Record<string, unknown>;
  try {
    copy = structuredClone(variables) as Record<string, unknown>;
  } catch (error) {
    throw new ValidationError(`template "${id}": variables must be plain JSON values`, 'validation_error', { cause: error });
  }
  const validate = validatorOf(entry);
  if (validate && !validate(copy)) {
    throw new ValidationError(`template "${id}": ${describeErrors(validate.errors ?? [])}`);
  }
  if (meta.schema) fillOptional(meta.schema, copy);
  return copy;
}

/**
 * Strict mode throws on a missing path, so every property the schema declares but the caller
 * left out becomes `null`: `{{nickname}}` renders empty and `{{#if nickname}}` is false, while
 * an undeclared `{{typo}}` still fails loudly. Follows `properties` and `items` (no `$ref`).
 */
function fillOptional(schema: unknown, value: unknown): void {
  if (!isRecord(schema)) return;
  if (isRecord(value) && !Array.isArray(value) && isRecord(schema.properties)) {
    for (const [key, propertySchema] of Object.entries(schema.properties)) {
      if (Object.hasOwn(value, key)) fillOptional(propertySchema, value[key]);
      else Object.defineProperty(value, key, { value: null, enumerable: true, writable: true, configurable: true });
    }
  }
  if (Array.isArray(value) && isRecord(schema.items)) {
    for (const item of value) fillOptional(schema.items, item);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function describeErrors(errors: ErrorObject[]): string {
  const messages = errors.map((error) => {
    const path = pointerToPath(error.instancePath);
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case 'required':
        return `variable "${joinPath(path, String(params.missingProperty))}" is required`;
      case 'additionalProperties':
        return `variable "${joinPath(path, String(params.additionalProperty))}" is not allowed`;
      case 'enum':
        return `${variableLabel(path)} must be one of ${JSON.stringify(params.allowedValues)}`;
      default:
        return `${variableLabel(path)} ${error.message ?? 'is invalid'}`;
    }
  });
  return [...new Set(messages)].join('; ');
}

const variableLabel = (path: string) => (path === '' ? 'variables' : `variable "${path}"`);
const joinPath = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

/** `/items/0/qty` → `items[0].qty` */
function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, token) => (/^\d+$/.test(token) ? `${path}[${token}]` : joinPath(path, token)), '');
}

// ----- rendering -----

export function runPart(
  template: LoadedTemplate,
  part: 'subject' | 'html' | 'text',
  compiled: CompiledTemplatePart,
  context: Record<string, unknown>,
  data: TemplateRenderData,
): string {
  try {
    return compiled(context, data);
  } catch (error) {
    throw renderError(template, part, error);
  }
}

/** Turns Handlebars' `"x" not defined in [object Object] - 3:4` into a message naming the variable. */
function renderError(template: LoadedTemplate, part: 'subject' | 'html' | 'text', error: unknown): MailroomError {
  const where = `template "${template.id}" (${part})`;
  if (error instanceof MailroomError)
    return new ValidationError(`${where}: ${error.message}`, error.code === 'invalid_template' ? 'invalid_template' : 'validation_error', { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  const strict = /^"(.+)" not defined in .* - (\d+):(\d+)$/.exec(message);
  if (strict) {
    const [, name = '', line, column] = strict;
    const source = part === 'subject' ? template.subject : part === 'html' ? template.html : (template.text ?? '');
    const written = /^[\w@./[\]-]+/.exec(source.split('\n')[Number(line) - 1]?.slice(Number(column)) ?? '')?.[0];
    // The position may point into a layout or partial; only trust it when it names the same variable.
    const path = written?.endsWith(name) ? written : name;
    const at = written?.endsWith(name) ? ` (line ${line})` : '';
    return new ValidationError(`${where}: variable "${path}" is not defined${at}`, 'validation_error', { cause: error });
  }
  if (error instanceof TypeError) {
    return new ValidationError(`${where}: a variable is missing or has the wrong shape (${message})`, 'validation_error', { cause: error });
  }
  return new ValidationError(`${where}: ${message}`, 'invalid_template', { cause: error });
}
