import { compile as compileHtmlToText } from 'html-to-text';
import { inlineCss, inlineCssStatically } from '#shared/rendering/inline-css';
import {
  type CacheEntry,
  type LoadedTemplate,
  type RenderedTemplate,
  type RenderOptions,
  PREVIEW_DEFAULTS,
  cacheEntry,
  compiledParts,
  renderInput,
  runPart,
} from '#shared/rendering/template-core';
import { type CompiledTemplatePart, templateEnv } from '#shared/rendering/template-env';

export {
  type LoadedTemplate,
  type RenderedTemplate,
  type RenderOptions,
  type TemplateMeta,
  DEFAULT_BRAND,
  PREVIEW_DEFAULTS,
  cachedTemplateCount,
  checkTemplateRenders,
  clearTemplateCache,
  templateCacheKey,
  validateTemplateVariables,
} from '#shared/rendering/template-core';

/**
 * Template rendering: variables are checked against the template's JSON Schema, then subject,
 * HTML (CSS inlined with juice) and text are rendered by the shared Handlebars environment.
 * CSS is inlined once per template version into its markup when that gives the same HTML as
 * inlining every rendered email (see inline-css.ts), else into every rendered email. The
 * checks that need no HTML tooling live in template-core.ts.
 */

/** Where a template's CSS is inlined: once into its compiled markup, or into every rendered email. */
export type CssInlining = 'compiled' | 'per-render';

/** Renders subject, HTML and text; throws ValidationError naming the offending variables. */
export function renderTemplate(template: LoadedTemplate, variables: Record<string, unknown>, options: RenderOptions = {}): RenderedTemplate {
  return render(template, variables, options, 'compiled');
}

/**
 * Renders with juice run over the rendered HTML, whatever the template: the reference the
 * compiled inlining must equal (tests compare them), and what templates it declines get anyway.
 */
export function renderTemplateInliningPerRender(template: LoadedTemplate, variables: Record<string, unknown>, options: RenderOptions = {}): RenderedTemplate {
  return render(template, variables, options, 'per-render');
}

/** How `renderTemplate` inlines this template's CSS (compiles it if needed). */
export function cssInliningOf(template: LoadedTemplate): CssInlining {
  return inlinedHtmlOf(cacheEntry(template)) ? 'compiled' : 'per-render';
}

function render(template: LoadedTemplate, variables: Record<string, unknown>, options: RenderOptions, inlining: CssInlining): RenderedTemplate {
  const entry = cacheEntry(template);
  const { context, data } = renderInput(entry, variables, options);
  const parts = compiledParts(entry);
  const inlinedHtml = inlining === 'compiled' ? inlinedHtmlOf(entry) : undefined;

  const subject = runPart(template, 'subject', parts.subject, context, data).replace(/\s+/g, ' ').trim();
  const html = inlinedHtml ? runPart(template, 'html', inlinedHtml, context, data) : inlineCss(runPart(template, 'html', parts.html, context, data));
  // html-to-text reads neither <style> nor style attributes, so the inlined HTML gives the same text.
  const text = parts.text ? tidyText(runPart(template, 'text', parts.text, context, data)) : tidyText(htmlToText()(html));
  return { subject, html, text };
}

/** Renders the template with its `meta.sample`, a placeholder base URL and unsubscribe link. */
export function renderTemplatePreview(template: LoadedTemplate, options: RenderOptions = {}): RenderedTemplate {
  return renderTemplate(template, template.meta.sample ?? {}, {
    baseUrl: options.baseUrl ?? PREVIEW_DEFAULTS.baseUrl,
    extraVariables: { ...PREVIEW_DEFAULTS.extraVariables, ...options.extraVariables },
  });
}

/** The HTML part with its CSS inlined once, when that equals inlining every rendered email. */
function inlinedHtmlOf(entry: CacheEntry): CompiledTemplatePart | undefined {
  if (entry.inlinedHtml === undefined) {
    const { id, html } = entry.template;
    entry.inlinedHtml = templateEnv.compileRewritten(html, `template "${id}" (html)`, inlineCssStatically) ?? null;
  }
  return entry.inlinedHtml ?? undefined;
}

// ----- text -----

let htmlToTextConverter: ((html: string) => string) | undefined;

/** The plain-text part Mailroom generates for an HTML-only email (as Resend does), the same way as for templates. */
export function textFromHtml(html: string): string {
  return tidyText(htmlToText()(html));
}

/** Built on first use (not at import), so a bundle that never converts HTML to text drops html-to-text. */
function htmlToText(): (html: string) => string {
  htmlToTextConverter ??= compileHtmlToText({
    wordwrap: 78,
    selectors: [
      { selector: 'a', options: { linkBrackets: ['[', ']'], hideLinkHrefIfSameAsText: true } },
      { selector: 'img', format: 'skip' },
      { selector: '.preheader', format: 'skip' },
      { selector: 'table.data-table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
      { selector: 'h1', options: { uppercase: false } },
      { selector: 'h2', options: { uppercase: false } },
    ],
  });
  return htmlToTextConverter;
}

function tidyText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
