import Handlebars from 'handlebars';
import { ValidationError } from '#shared/domain/errors';
import { layouts, partials } from '#shared/rendering/template-bundle.generated';

/**
 * The Handlebars environment every Mailroom template renders in: an isolated instance with the
 * house helpers, the repository layouts and partials, strict mode and prototype access off.
 */

/** Which escaping a template part needs: HTML escapes, subject and text do not. */
export type TemplatePartKind = 'html' | 'plain';

/** Data the renderer hands to every template (readable as `@baseUrl` and by the `url` helper). */
export interface TemplateRenderData {
  readonly baseUrl?: string;
}

export type CompiledTemplatePart = (context: Record<string, unknown>, data: TemplateRenderData) => string;

export interface TemplateEnv {
  /** The isolated Handlebars instance (helpers and partials registered). */
  readonly handlebars: typeof Handlebars;
  /** Parses, checks and compiles one template source; throws ValidationError `invalid_template`. */
  compile(source: string, kind: TemplatePartKind, name?: string): CompiledTemplatePart;
}

export interface TemplateEnvOptions {
  /** Layout sources by name (`base` is registered as `layouts/base`). */
  readonly layouts?: Readonly<Record<string, string>>;
  /** Partial sources by name (`button` is registered as `partials/button`). */
  readonly partials?: Readonly<Record<string, string>>;
}

/**
 * Names a template may never reach for. Handlebars already refuses non-own properties at run
 * time; rejecting them at compile time gives the author an error instead of an empty string.
 */
const FORBIDDEN_SEGMENTS = new Set([
  'constructor',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

const ALLOWED_URL_SCHEMES = new Set(['http', 'https', 'mailto', 'tel']);
const DATE_STYLES = new Set(['full', 'long', 'medium', 'short']);

type HelperOptions = Handlebars.HelperOptions & { data?: { baseUrl?: unknown } };

/** Builds a fresh environment; production code uses the shared `templateEnv`. */
export function createTemplateEnv(options: TemplateEnvOptions = {}): TemplateEnv {
  const hb = Handlebars.create();
  registerHelpers(hb);

  // Partials are compiled here, once, with HTML escaping: Handlebars would otherwise compile a
  // string partial lazily with the options of whichever template used it first.
  for (const [name, source] of Object.entries(options.layouts ?? layouts)) {
    hb.registerPartial(`layouts/${name}`, compileChecked(hb, source, 'html', `layouts/${name}`));
  }
  for (const [name, source] of Object.entries(options.partials ?? partials)) {
    hb.registerPartial(`partials/${name}`, compileChecked(hb, source, 'html', `partials/${name}`));
  }

  return {
    handlebars: hb,
    compile(source, kind, name = 'template') {
      const delegate = compileChecked(hb, source, kind, name);
      return (context, data) => delegate(context, { data: { ...data } });
    },
  };
}

function compileChecked(hb: typeof Handlebars, source: string, kind: TemplatePartKind, name: string): Handlebars.TemplateDelegate {
  let ast: hbs.AST.Program;
  try {
    ast = hb.parse(source);
  } catch (error) {
    throw new ValidationError(`${name}: ${oneLine(error)}`, 'invalid_template', { cause: error });
  }
  const forbidden = findForbiddenPath(ast);
  if (forbidden) {
    throw new ValidationError(`${name}: "${forbidden}" is not allowed in a template (prototype access)`, 'invalid_template');
  }
  return hb.compile(ast, { strict: true, noEscape: kind === 'plain' });
}

function findForbiddenPath(ast: hbs.AST.Program): string | undefined {
  let found: string | undefined;
  const visitor = new Handlebars.Visitor();
  visitor.PathExpression = function (path: hbs.AST.PathExpression) {
    if (!found && path.parts.some((part) => FORBIDDEN_SEGMENTS.has(part))) found = path.original;
  };
  visitor.accept(ast);
  return found;
}

function registerHelpers(hb: typeof Handlebars): void {
  hb.registerHelper('formatDate', formatDate);
  hb.registerHelper('formatCurrency', formatCurrency);
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('ifEquals', function (this: unknown, a: unknown, b: unknown, options: HelperOptions) {
    return a === b ? options.fn(this) : options.inverse(this);
  });
  hb.registerHelper('url', url);
  hb.registerHelper('default', (value: unknown, fallback: unknown) => (value === undefined || value === null || value === '' ? fallback : value));
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
const currencyFormats = new Map<string, Intl.NumberFormat>();

/** `{{formatDate value locale="de-DE" timeZone="Europe/Berlin" dateStyle="long" timeStyle="short"}}` */
function formatDate(value: unknown, options: HelperOptions): string {
  const date = toDate(value);
  const hash = options.hash as Record<string, unknown>;
  const locale = stringArg(hash.locale, 'en-US', 'formatDate', 'locale');
  const timeZone = stringArg(hash.timeZone, 'UTC', 'formatDate', 'timeZone');
  const dateStyle = hash.dateStyle === undefined || hash.dateStyle === null ? undefined : styleArg(hash.dateStyle, 'dateStyle');
  const timeStyle = hash.timeStyle === undefined || hash.timeStyle === null ? undefined : styleArg(hash.timeStyle, 'timeStyle');
  const styles = dateStyle || timeStyle ? { dateStyle, timeStyle } : { dateStyle: 'medium' as const };
  const key = JSON.stringify([locale, timeZone, styles.dateStyle, styles.timeStyle]);
  let format = dateFormats.get(key);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat(locale, { timeZone, ...styles });
    } catch (error) {
      throw new ValidationError(`formatDate: ${oneLine(error)}`, 'validation_error', { cause: error });
    }
    dateFormats.set(key, format);
  }
  return format.format(date);
}

/** `{{formatCurrency amount "EUR" locale="de-DE"}}`: amount in major units (19.99). */
function formatCurrency(amount: unknown, currency: unknown, options: HelperOptions): string {
  const value = typeof amount === 'string' && amount.trim() !== '' ? Number(amount) : amount;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValidationError(`formatCurrency: amount ${describe(amount)} is not a number`);
  }
  if (typeof currency !== 'string' || !/^[A-Za-z]{3}$/.test(currency)) {
    throw new ValidationError(`formatCurrency: currency ${describe(currency)} is not an ISO 4217 code`);
  }
  const locale = stringArg((options.hash as Record<string, unknown>).locale, 'en-US', 'formatCurrency', 'locale');
  const key = `${locale}|${currency.toUpperCase()}`;
  let format = currencyFormats.get(key);
  if (!format) {
    try {
      format = new Intl.NumberFormat(locale, { style: 'currency', currency: currency.toUpperCase() });
    } catch (error) {
      throw new ValidationError(`formatCurrency: ${oneLine(error)}`, 'validation_error', { cause: error });
    }
    currencyFormats.set(key, format);
  }
  return format.format(value);
}

/**
 * `{{url "orders" order.id}}` joins the tenant base URL with a path (later arguments are
 * URI-encoded segments); `{{url reset_url}}` passes an absolute http(s)/mailto/tel URL through.
 * Refuses any other scheme (`javascript:`, `data:` …).
 */
function url(...args: unknown[]): string {
  const options = args.pop() as HelperOptions;
  if (args.length === 0) throw new ValidationError('url: a path or URL is required');
  const [first, ...rest] = args.map((arg, i) => {
    if (typeof arg !== 'string' && typeof arg !== 'number') throw new ValidationError(`url: argument ${i + 1} is ${describe(arg)}, expected a string`);
    return String(arg);
  }) as [string, ...string[]];

  const scheme = schemeOf(first);
  if (scheme !== undefined) {
    if (!ALLOWED_URL_SCHEMES.has(scheme)) throw new ValidationError(`url: the "${scheme}:" scheme is not allowed`);
    if (rest.length > 0) throw new ValidationError('url: extra path segments cannot follow an absolute URL');
    return first.trim();
  }

  const baseUrl = options.data?.baseUrl;
  if (typeof baseUrl !== 'string' || baseUrl === '') throw new ValidationError(`url: no base URL to join "${first}" with (set the tenant's baseUrl)`);
  const baseScheme = schemeOf(baseUrl);
  if (baseScheme !== 'http' && baseScheme !== 'https') throw new ValidationError('url: the base URL must be http(s)');

  const path = [first.trim().replace(/^[/\\]+/, ''), ...rest.map((segment) => encodeURIComponent(segment))]
    .map((part, i, all) => (i < all.length - 1 ? part.replace(/\/+$/, '') : part))
    .filter((part) => part !== '')
    .join('/');
  return path === '' ? baseUrl : `${baseUrl.replace(/\/+$/, '')}/${path}`;
}

/** The scheme as a browser would read it: control characters and whitespace are ignored. */
function schemeOf(value: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const compact = value.replace(/[\u0000-\u0020\u007f]+/g, '').toLowerCase();
  return /^([a-z][a-z0-9+.-]*):/.exec(compact)?.[1];
}

function toDate(value: unknown): Date {
  const date = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new ValidationError(`formatDate: ${describe(value)} is not a valid date`);
  return date;
}

/** Absent and `null` (an optional variable left out) both mean "use the default". */
function stringArg(value: unknown, fallback: string, helper: string, name: string): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || value === '') throw new ValidationError(`${helper}: ${name} must be a non-empty string`);
  return value;
}

function styleArg(value: unknown, name: string): 'full' | 'long' | 'medium' | 'short' {
  if (typeof value !== 'string' || !DATE_STYLES.has(value)) throw new ValidationError(`formatDate: ${name} must be full, long, medium or short`);
  return value as 'full' | 'long' | 'medium' | 'short';
}

function describe(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value) ?? String(value);
}

/** Error messages on one line (Handlebars parse errors span several). */
function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ').trim();
}

/** The container-wide environment (built once per cold start). */
export const templateEnv: TemplateEnv = createTemplateEnv();
