import juice from 'juice/client';
import { STATIC_PLACEHOLDER, type StaticHtml } from '#shared/rendering/template-env';

/**
 * CSS inlining with juice. `inlineCss` works on a rendered email; `inlineCssStatically` works once
 * on a template's static markup (expressions replaced by placeholders) and declines whenever the
 * result could differ from inlining each rendered email, so the caller falls back to that.
 */

const JUICE_OPTIONS = {
  removeStyleTags: true,
  // What cannot be inlined (media queries, :hover) stays in a <style> block in <head>.
  preserveMediaQueries: true,
  preservePseudos: true,
  preserveFontFaces: true,
  applyWidthAttributes: true,
  applyAttributesTableElements: true,
} as const;

/** Inlines the `<style>` rules of a rendered HTML document into its elements. */
export function inlineCss(html: string): string {
  return juice(html, JUICE_OPTIONS);
}

/**
 * Inlines the CSS of a template's static markup, or returns undefined when the per-email result
 * could depend on the variables. It is the same per email when every element the CSS can select
 * is in the static markup with static selector-relevant attributes, its ancestors do not depend
 * on the variables, and no rule looks at siblings, position, counters or attribute values:
 * - expressions only in text, comments, `<title>` or quoted attribute values other than
 *   class, id, style and the sizing/table attributes juice reads or writes;
 * - explicitly closed, properly nested elements (no implied closing an optional block could change),
 *   every block's `{{#…}}`, `{{else}}` and `{{/…}}` under the same parent, no `<style>` inside a block;
 * - selectors of type, class, id, descendant and child only (plus juice's ignored `:hover` family);
 *   no counters or generated content.
 * Escaped values cannot add elements, so the rendered email's DOM is the static one with blocks
 * repeated or dropped and text filled in.
 */
export function inlineCssStatically(input: StaticHtml): string | undefined {
  const scanned = scanStatic(input.html);
  if (!scanned) return undefined;
  for (const block of input.blocks) {
    const first = block[0] ?? -1;
    const last = block[block.length - 1] ?? -1;
    const parent = scanned.parents.get(first);
    if (parent === undefined || block.some((index) => scanned.parents.get(index) !== parent)) return undefined;
    if (scanned.styleAfterPlaceholder.some((before) => before >= first && before < last)) return undefined;
  }
  if (!scanned.styles.every(isStaticCss)) return undefined;
  return inlineCss(input.html);
}

// ----- the static markup -----

const VOID_ELEMENTS = new Set([
  'area',
  'base',
  'basefont',
  'br',
  'col',
  'command',
  'embed',
  'frame',
  'hr',
  'img',
  'input',
  'isindex',
  'keygen',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);
/** Elements whose content juice's parser (htmlparser2) reads as text. */
const RAW_TEXT_ELEMENTS = new Set(['script', 'style', 'title', 'textarea', 'xmp']);
/** Parsed differently by browsers and parsers alike: rendered the ordinary way. */
const DECLINED_ELEMENTS = new Set(['noscript', 'iframe', 'noembed', 'noframes', 'plaintext', 'svg', 'math', 'template']);
/** Attributes selectors or juice read or write: an expression in one makes the result per-email. */
const STYLE_ATTRIBUTES = new Set([
  'class',
  'id',
  'style',
  'width',
  'height',
  'bgcolor',
  'background',
  'align',
  'valign',
  'border',
  'cellpadding',
  'cellspacing',
]);

/** htmlparser2's implied end tags (what juice's parser closes on its own), as `opened tag → open tags it closes`. */
const P = new Set(['p']);
const FORM = new Set(['input', 'option', 'optgroup', 'select', 'button', 'datalist', 'textarea']);
const IMPLIED_CLOSE = new Map<string, ReadonlySet<string>>([
  ['tr', new Set(['tr', 'th', 'td'])],
  ['th', new Set(['th'])],
  ['td', new Set(['thead', 'th', 'td'])],
  ['body', new Set(['head', 'link', 'script'])],
  ['li', new Set(['li'])],
  ['select', FORM],
  ['input', FORM],
  ['output', FORM],
  ['button', FORM],
  ['datalist', FORM],
  ['textarea', FORM],
  ['option', new Set(['option'])],
  ['optgroup', new Set(['optgroup', 'option'])],
  ['dd', new Set(['dt', 'dd'])],
  ['dt', new Set(['dt', 'dd'])],
  ['rt', new Set(['rt', 'rp'])],
  ['rp', new Set(['rt', 'rp'])],
  ['tbody', new Set(['thead', 'tbody'])],
  ['tfoot', new Set(['thead', 'tbody'])],
  ...[
    'p',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'address',
    'article',
    'aside',
    'blockquote',
    'details',
    'div',
    'dl',
    'fieldset',
    'figcaption',
    'figure',
    'footer',
    'form',
    'header',
    'hr',
    'main',
    'nav',
    'ol',
    'pre',
    'section',
    'table',
    'ul',
  ].map((tag) => [tag, P] as const),
]);

interface Scanned {
  /** Where each placeholder sits: `e<n>` under element n (0: top level), `a<n>.<attr>` in an attribute. */
  readonly parents: Map<number, string>;
  readonly styles: string[];
  /** For each `<style>`, the number of the last placeholder before it (-1: none). */
  readonly styleAfterPlaceholder: number[];
}

class Declined extends Error {}

function scanStatic(html: string): Scanned | undefined {
  const parents = new Map<number, string>();
  const styles: string[] = [];
  const styleAfterPlaceholder: number[] = [];
  const stack: { name: string; id: number }[] = [];
  let nextId = 1;
  let lastPlaceholder = -1;
  const where = () => `e${stack[stack.length - 1]?.id ?? 0}`;
  const see = (text: string, parent: string) => {
    for (const match of text.matchAll(STATIC_PLACEHOLDER)) {
      lastPlaceholder = Number(match[1]);
      parents.set(lastPlaceholder, parent);
    }
  };
  const hasPlaceholder = (text: string) => text.search(STATIC_PLACEHOLDER) !== -1;
  const indexOrDecline = (index: number) => {
    if (index === -1) throw new Declined();
    return index;
  };

  try {
    let i = 0;
    while (i < html.length) {
      const lt = html.indexOf('<', i);
      see(html.slice(i, lt === -1 ? html.length : lt), where());
      if (lt === -1) break;
      if (html.startsWith('<!--', lt)) {
        const end = indexOrDecline(html.indexOf('-->', lt + 4));
        see(html.slice(lt, end), where());
        i = end + 3;
        continue;
      }
      if (html[lt + 1] === '!' || html[lt + 1] === '?') {
        const end = indexOrDecline(html.indexOf('>', lt));
        if (hasPlaceholder(html.slice(lt, end))) throw new Declined();
        i = end + 1;
        continue;
      }
      if (html[lt + 1] === '/') {
        const end = /^<\/([a-zA-Z][^\s/>]*)\s*>/.exec(html.slice(lt, lt + 256));
        if (!end || stack.pop()?.name !== end[1]?.toLowerCase()) throw new Declined();
        i = lt + end[0].length;
        continue;
      }
      const open = /^<([a-zA-Z][^\s/>]*)/.exec(html.slice(lt, lt + 256));
      if (!open) {
        // A lone "<" is text.
        see('<', where());
        i = lt + 1;
        continue;
      }
      const name = (open[1] ?? '').toLowerCase();
      if (hasPlaceholder(name) || DECLINED_ELEMENTS.has(name)) throw new Declined();
      const id = nextId++;
      let j = lt + open[0].length;
      let selfClosing = false;
      for (;;) {
        while (/\s/.test(html[j] ?? '')) j += 1;
        if (j >= html.length) throw new Declined();
        if (html[j] === '>') break;
        if (html.startsWith('/>', j)) {
          selfClosing = true;
          j += 1;
          break;
        }
        const attribute = /^[^\s"'>/=]+/.exec(html.slice(j, j + 256))?.[0];
        if (!attribute || hasPlaceholder(attribute)) throw new Declined();
        j += attribute.length;
        while (/\s/.test(html[j] ?? '')) j += 1;
        if (html[j] !== '=') continue;
        j += 1;
        while (/\s/.test(html[j] ?? '')) j += 1;
        const quote = html[j];
        if (quote === '"' || quote === "'") {
          const end = indexOrDecline(html.indexOf(quote, j + 1));
          const value = html.slice(j + 1, end);
          if (hasPlaceholder(value) && STYLE_ATTRIBUTES.has(attribute.toLowerCase())) throw new Declined();
          see(value, `a${id}.${attribute.toLowerCase()}`);
          j = end + 1;
        } else {
          const value = /^[^\s>]*/.exec(html.slice(j))?.[0] ?? '';
          if (hasPlaceholder(value)) throw new Declined();
          j += value.length;
        }
      }
      i = j + 1;
      const top = stack[stack.length - 1];
      if (top && IMPLIED_CLOSE.get(name)?.has(top.name)) throw new Declined();
      if (VOID_ELEMENTS.has(name)) continue;
      if (selfClosing) throw new Declined();
      if (RAW_TEXT_ELEMENTS.has(name)) {
        const close = indexOrDecline(html.toLowerCase().indexOf(`</${name}`, i));
        const content = html.slice(i, close);
        if (name === 'title') see(content, `e${id}`);
        else if (hasPlaceholder(content)) throw new Declined();
        if (name === 'style') {
          styles.push(content);
          styleAfterPlaceholder.push(lastPlaceholder);
        }
        const end = /^<\/[a-zA-Z]+\s*>/.exec(html.slice(close, close + 64));
        if (!end) throw new Declined();
        i = close + end[0].length;
        continue;
      }
      stack.push({ name, id });
    }
  } catch (error) {
    if (error instanceof Declined) return undefined;
    throw error;
  }
  return stack.length === 0 ? { parents, styles, styleAfterPlaceholder } : undefined;
}

// ----- the stylesheet -----

/** Pseudo-classes juice leaves in the <style> block instead of inlining. */
const IGNORED_PSEUDOS = new Set(['hover', 'active', 'focus', 'visited', 'link']);
const ALLOWED_AT_RULES = /^@(media|font-face)\b/i;

/** True when every selector is position-independent (see inlineCssStatically). */
function isStaticCss(css: string): boolean {
  const uncommented = css.replace(/\/\*[\s\S]*?\*\//g, '');
  if (/counter-(reset|increment|set)|(^|[;{\s])content\s*:|var\(|\\/i.test(uncommented)) return false;
  // Drop declaration blocks (innermost braces) and strings; what is left are selectors and at-rule preludes.
  if (/["']/.test(uncommented.replace(/\{[^{}]*\}/g, '{}'))) return false;
  const preludes = uncommented
    .replace(/\{[^{}]*\}/g, ';')
    .split(/[{};]/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
  return preludes.every((prelude) => {
    if (prelude.startsWith('@')) return ALLOWED_AT_RULES.test(prelude);
    if (/[+~[\]()]/.test(prelude)) return false;
    return [...prelude.matchAll(/:+([\w-]*)/g)].every(
      (pseudo) => pseudo[0].startsWith(':') && !pseudo[0].startsWith('::') && IGNORED_PSEUDOS.has((pseudo[1] ?? '').toLowerCase()),
    );
  });
}
