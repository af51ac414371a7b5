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
  /**
   * Compiles an HTML template whose static markup (its own, its layout's and its partials')
   * was rewritten once by `rewrite`; undefined when the template cannot be expanded statically
   * or `rewrite` declines. Throws like `compile` on a broken template.
   */
  compileRewritten(source: string, name: string, rewrite: StaticHtmlRewrite): CompiledTemplatePart | undefined;
}

/**
 * The static markup of an HTML template with its layouts and partials expanded in place, every
 * Handlebars expression replaced by a placeholder (`staticPlaceholder(i)`, numbered in order).
 */
export interface StaticHtml {
  readonly html: string;
  /** Placeholder numbers that must be siblings: the opening, `{{else}}` and closing tags of each block. */
  readonly blocks: readonly (readonly number[])[];
}

/** Returns the rewritten markup with every placeholder kept once and in order, or undefined to decline. */
export type StaticHtmlRewrite = (input: StaticHtml) => string | undefined;

/** Private-use code points: they never reach a rendered email, and the source is refused if it has them. */
const PLACEHOLDER_OPEN = '\uE000';
const PLACEHOLDER_CLOSE = '\uE001';
/** Matches every placeholder in a StaticHtml (group 1: its number). */
export const STATIC_PLACEHOLDER = /\uE000(\d+)\uE001/g;
export const staticPlaceholder = (index: number): string => `${PLACEHOLDER_OPEN}${index}${PLACEHOLDER_CLOSE}`;

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
const FORBIDDEN_SEGMENTS = new Set(['constructor', '__proto__', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

const ALLOWED_URL_SCHEMES = new Set(['http', 'https', 'mailto', 'tel']);
const DATE_STYLES = new Set(['full', 'long', 'medium', 'short']);

type HelperOptions = Handlebars.HelperOptions & { data?: { baseUrl?: unknown } };

/** Builds a fresh environment; production code uses the shared `templateEnv`. */
export function createTemplateEnv(options: TemplateEnvOptions = {}): TemplateEnv {
  const hb = Handlebars.create();
  registerHelpers(hb);

  // Partials are compiled here, once, with HTML escaping: Handlebars would otherwise compile a
  // string partial lazily with the options of whichever template used it first.
  const partialSources = new Map<string, string>();
  for (const [name, source] of Object.entries(options.layouts ?? layouts)) {
    hb.registerPartial(`layouts/${name}`, compileChecked(hb, source, 'html', `layouts/${name}`));
    partialSources.set(`layouts/${name}`, source);
  }
  for (const [name, source] of Object.entries(options.partials ?? partials)) {
    hb.registerPartial(`partials/${name}`, compileChecked(hb, source, 'html', `partials/${name}`));
    partialSources.set(`partials/${name}`, source);
  }

  return {
    handlebars: hb,
    compile(source, kind, name = 'template') {
      const delegate = compileChecked(hb, source, kind, name);
      return (context, data) => delegate(context, { data: { ...data } });
    },
    compileRewritten(source, name, rewrite) {
      const ast = parseChecked(hb, source, name);
      if (source.includes(PLACEHOLDER_OPEN) || source.includes(PLACEHOLDER_CLOSE)) return undefined;
      const expanded = expandStatically(hb, ast, partialSources);
      if (!expanded) return undefined;
      const rewritten = rewrite({ html: expanded.html, blocks: expanded.blocks });
      if (rewritten === undefined || !applyRewrite(expanded, rewritten)) return undefined;
      // The ASTs were whitespace-processed when parsed; a second standalone pass could strip rewritten text.
      const compileOptions = { strict: true, noEscape: false, ignoreStandalone: true };
      const delegate = hb.compile(ast, compileOptions);
      const sitePartials: Record<string, Handlebars.TemplateDelegate> = {};
      for (const site of expanded.sites) sitePartials[site.name] = hb.compile(site.ast, compileOptions);
      return (context, data) => delegate(context, { data: { ...data }, partials: sitePartials });
    },
  };
}

// ----- static expansion (for work done once per template instead of once per render) -----

/** Deeper partial nesting than this is rendered the ordinary way. */
const MAX_PARTIAL_DEPTH = 8;

interface Expanded {
  readonly html: string;
  readonly blocks: number[][];
  /** The content statement (if any) between placeholder i-1 and i, for i = 0 … placeholders. */
  readonly gaps: (hbs.AST.ContentStatement | undefined)[];
  /** One private copy of a layout or partial per call site, renamed at the call site. */
  readonly sites: { readonly name: string; readonly ast: hbs.AST.Program }[];
}

interface BlockFrame {
  readonly program: hbs.AST.Program;
  readonly outer: BlockFrame | undefined;
}

class NotStatic extends Error {}

/**
 * Inlines every layout and partial the template names (statically, so each call site gets its
 * own copy) and turns every expression into a placeholder. Undefined for what cannot be
 * expanded: unescaped output (`{{{x}}}`), dynamic or unknown partials, inline partials, decorators.
 */
function expandStatically(hb: typeof Handlebars, ast: hbs.AST.Program, partialSources: ReadonlyMap<string, string>): Expanded | undefined {
  const pieces: string[] = [];
  const gaps: (hbs.AST.ContentStatement | undefined)[] = [undefined];
  const blocks: number[][] = [];
  const sites: { name: string; ast: hbs.AST.Program }[] = [];
  const seen = new Set<hbs.AST.ContentStatement>();
  let placeholders = 0;

  const placeholder = (): number => {
    const index = placeholders++;
    pieces.push(staticPlaceholder(index));
    gaps.push(undefined);
    return index;
  };
  const walk = (program: hbs.AST.Program, block: BlockFrame | undefined, depth: number): void => {
    for (const statement of program.body) visit(statement, block, depth);
  };
  const visit = (statement: hbs.AST.Statement, block: BlockFrame | undefined, depth: number): void => {
    switch (statement.type) {
      case 'ContentStatement': {
        const content = statement as hbs.AST.ContentStatement;
        if (seen.has(content) || gaps[gaps.length - 1] !== undefined) throw new NotStatic();
        seen.add(content);
        pieces.push(content.value);
        gaps[gaps.length - 1] = content;
        return;
      }
      case 'CommentStatement':
        placeholder();
        return;
      case 'MustacheStatement':
        if (!(statement as hbs.AST.MustacheStatement).escaped) throw new NotStatic();
        placeholder();
        return;
      case 'BlockStatement': {
        const { program, inverse } = statement as hbs.AST.BlockStatement;
        const group = [placeholder()];
        if (program) walk(program, block, depth);
        if (inverse) {
          group.push(placeholder());
          walk(inverse, block, depth);
        }
        group.push(placeholder());
        blocks.push(group);
        return;
      }
      case 'PartialStatement':
      case 'PartialBlockStatement': {
        const partial = statement as hbs.AST.PartialStatement | hbs.AST.PartialBlockStatement;
        if (partial.name.type === 'SubExpression' || depth >= MAX_PARTIAL_DEPTH) throw new NotStatic();
        const name = (partial.name as hbs.AST.PathExpression).original;
        if (name === '@partial-block') {
          if (!block || partial.type !== 'PartialStatement') throw new NotStatic();
          placeholder();
          walk(block.program, block.outer, depth + 1);
          placeholder();
          return;
        }
        const source = partialSources.get(name);
        if (source === undefined) throw new NotStatic();
        const site = { name: `~static/${sites.length}/${name}`, ast: hb.parse(source) };
        sites.push(site);
        placeholder();
        const inner = partial.type === 'PartialBlockStatement' ? { program: (partial as hbs.AST.PartialBlockStatement).program, outer: block } : block;
        walk(site.ast, inner, depth + 1);
        placeholder();
        (partial.name as { original: string }).original = site.name;
        return;
      }
      default:
        throw new NotStatic();
    }
  };

  try {
    walk(ast, undefined, 0);
  } catch (error) {
    if (error instanceof NotStatic) return undefined;
    throw error;
  }
  return { html: pieces.join(''), blocks, gaps, sites };
}

/** Writes the rewritten pieces back into the content statements; false when they do not line up. */
function applyRewrite(expanded: Expanded, rewritten: string): boolean {
  const values: string[] = [];
  let from = 0;
  let expected = 0;
  for (const match of rewritten.matchAll(STATIC_PLACEHOLDER)) {
    if (Number(match[1]) !== expected) return false;
    values.push(rewritten.slice(from, match.index));
    from = match.index + match[0].length;
    expected += 1;
  }
  values.push(rewritten.slice(from));
  if (values.length !== expanded.gaps.length) return false;
  for (const [i, value] of values.entries()) {
    const content = expanded.gaps[i];
    if (content) content.value = value;
    else if (value !== '') return false;
  }
  return true;
}

function compileChecked(hb: typeof Handlebars, source: string, kind: TemplatePartKind, name: string): Handlebars.TemplateDelegate {
  return hb.compile(parseChecked(hb, source, name), { strict: true, noEscape: kind === 'plain' });
}

function parseChecked(hb: typeof Handlebars, source: string, name: string): hbs.AST.Program {
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
  return ast;
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
  // biome-ignore lint/suspicious/noControlCharactersInRegex: browsers ignore control characters and spaces in URL schemes, so they are stripped before the check.
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
  return value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
}

/** Error messages on one line (Handlebars parse errors span several). */
function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ').trim();
}

/** The container-wide environment (built once per cold start). */
export const templateEnv: TemplateEnv = createTemplateEnv();
