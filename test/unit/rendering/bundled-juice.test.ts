import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_OPTIONS } from '#infra/bundling';
import { inlineCss } from '#shared/rendering/inline-css';
import { repositoryTemplates } from '#shared/rendering/template-repository';
import { renderTemplateInliningPerRender, PREVIEW_DEFAULTS } from '#shared/rendering/templates';

/**
 * The Lambda bundles alias cheerio to cheerio/slim (infra/bundling.ts), while tests run juice
 * with the full cheerio. juice always parses with htmlparser2, so the two must inline alike.
 */
describe('juice as bundled for Lambda (cheerio/slim)', () => {
  let dir: string;
  let bundledInlineCss: (html: string) => string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'mailroom-juice-'));
    const outfile = path.join(dir, 'inline-css.mjs');
    await build({
      entryPoints: ['shared/rendering/inline-css.ts'],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: BUNDLE_OPTIONS.format,
      mainFields: [...BUNDLE_OPTIONS.mainFields],
      alias: { ...BUNDLE_OPTIONS.alias },
      banner: { js: BUNDLE_OPTIONS.banner },
      metafile: true,
      logLevel: 'silent',
    });
    ({ inlineCss: bundledInlineCss } = (await import(pathToFileURL(outfile).href)) as { inlineCss: (html: string) => string });
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('inlines every shipped template (rendered with its sample) exactly like juice with the full cheerio', () => {
    expect(repositoryTemplates.size).toBeGreaterThan(0);
    for (const template of repositoryTemplates.values()) {
      const { html } = renderTemplateInliningPerRender(template, template.meta.sample ?? {}, {
        baseUrl: PREVIEW_DEFAULTS.baseUrl,
        extraVariables: PREVIEW_DEFAULTS.extraVariables,
      });
      // Re-inline the rendered HTML with its <style> put back: both inliners see the same input.
      const input = `<html><head><style>p.x{color:red} td b{font-weight:700} @media (max-width:600px){p{margin:0}} a:hover{color:blue}</style></head><body>${html}</body></html>`;
      expect(bundledInlineCss(input)).toBe(inlineCss(input));
    }
  });

  it('keeps entities, comments, conditional comments, tables and attributes juice writes the same', () => {
    const input = [
      '<!DOCTYPE html><html><head><meta charset="utf-8"><style>table{width:600px} td.c{padding:4px} .btn{background:#0a0;color:#fff}</style></head><body>',
      '<!--[if mso]><table><tr><td><![endif]--><p>Caf&eacute; &amp; &lt;tea&gt; &nbsp;&#128512; “quotes”</p>',
      '<table class="t"><tr><td class="c">1</td><td class="c" width="10">2</td></tr></table><a class="btn" href="https://x.example/?a=1&amp;b=2">Go</a>',
      '<!-- note --><img src="cid:logo" alt="">',
      '</body></html>',
    ].join('');
    const bundled = bundledInlineCss(input);
    expect(bundled).toBe(inlineCss(input));
    expect(bundled).toContain('style="background: #0a0; color: #fff;"');
  });
});
