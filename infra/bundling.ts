/**
 * esbuild options every Lambda bundle is built with, in one place: MailroomFunction
 * (infra/constructs/mailroom-function.ts) passes them to NodejsFunction and the bench
 * (bench/sections/bundles.ts) builds with the same, so it measures what ships.
 */

/** Lets CommonJS dependencies `require()` inside the ESM bundle. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __mailroomCreateRequire } from 'node:module';const require = __mailroomCreateRequire(import.meta.url);";

/**
 * Packages replaced at bundle time. juice calls cheerio's full entry, which drags in parse5,
 * undici and iconv-lite for `fromURL`/encoding sniffing; juice always parses with htmlparser2
 * (it passes `xml` options), which is exactly what `cheerio/slim` does, without them.
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  cheerio: 'cheerio/slim',
  // Handlebars' compiler falls back to its own SourceNode without `source-map` (template source maps are never built).
  // A path alias resolves from esbuild's working directory: the repository root, for the CDK build and the bench alike.
  'source-map': './infra/stubs/no-source-map.cjs',
};

export const BUNDLE_OPTIONS = {
  format: 'esm',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  /** Stack traces keep file:line; the map no longer embeds every source (smaller, faster to load with --enable-source-maps). */
  sourcesContent: false,
  legalComments: 'none',
  loader: { '.hbs': 'text' },
  banner: ESM_REQUIRE_BANNER,
  alias: BUNDLE_ALIASES,
} as const;
