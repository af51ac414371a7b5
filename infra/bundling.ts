/**
 * How every Lambda bundle is built, in one place: MailroomFunction (infra/constructs/mailroom-function.ts)
 * bundles its asset with `bundleFunction` and the bench (bench/sections/bundles.ts) builds with the
 * same `functionBuildOptions`, so it measures what ships.
 *
 * The bundles are split (esbuild `splitting`, ESM): a dynamic `import()` — the HTML renderer, the
 * SMTP transport, the S3 client, ajv — becomes a chunk file under `chunks/` in the same asset, which
 * Node reads and evaluates only when that `import()` runs. The entry file `index.mjs` and the chunks
 * it imports statically are what a cold start loads (the cold path); `coldPathOutputs` finds them.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, buildSync, type Metafile } from 'esbuild';

/** Repository root (infra/ → ..): the esbuild working directory, for the CDK build and the bench alike. */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Lets CommonJS dependencies `require()` inside the ESM bundle (every output file, chunks included, gets it). */
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

/** The Lambda handler file: `index.mjs` exporting `handler` (Lambda's handler string `index.handler`). */
export const ENTRY_FILE = 'index.mjs';
/** Where the split-off chunks go inside the asset. */
export const CHUNK_DIR = 'chunks';

export const BUNDLE_OPTIONS = {
  format: 'esm',
  splitting: true,
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

/**
 * esbuild options of one function: `entry` (functions/<name>/handler.ts) → `outdir`/index.mjs plus
 * `outdir`/chunks/*.mjs, each with its source map. `target` is esbuild's (`node24` for the runtime).
 */
export function functionBuildOptions(entry: string, outdir: string, target: string): BuildOptions & { metafile: true } {
  return {
    absWorkingDir: REPO_ROOT,
    entryPoints: { index: path.resolve(REPO_ROOT, entry) },
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: `${CHUNK_DIR}/[name]-[hash]`,
    bundle: true,
    platform: 'node',
    target,
    format: BUNDLE_OPTIONS.format,
    splitting: BUNDLE_OPTIONS.splitting,
    mainFields: [...BUNDLE_OPTIONS.mainFields],
    minify: BUNDLE_OPTIONS.minify,
    sourcemap: BUNDLE_OPTIONS.sourcemap,
    sourcesContent: BUNDLE_OPTIONS.sourcesContent,
    legalComments: BUNDLE_OPTIONS.legalComments,
    loader: { ...BUNDLE_OPTIONS.loader },
    banner: { js: BUNDLE_OPTIONS.banner },
    alias: { ...BUNDLE_OPTIONS.alias },
    // The runtime ships AWS SDK v3; bundling our pinned copy instead keeps behaviour identical to
    // the tests and avoids surprise SDK upgrades: nothing is external.
    external: [],
    metafile: true,
    logLevel: 'silent',
  };
}

/** esbuild's target for a Lambda runtime name: `nodejs24.x` → `node24`. */
export function esbuildTarget(runtimeName: string): string {
  const major = /^nodejs(\d+)\.x$/.exec(runtimeName)?.[1];
  if (!major) throw new Error(`not a Node.js runtime: ${runtimeName}`);
  return `node${major}`;
}

/** Bundles one function synchronously (CDK's local bundling is synchronous); throws esbuild's errors. */
export function bundleFunction(entry: string, outdir: string, target: string): Metafile {
  const result = buildSync(functionBuildOptions(entry, outdir, target));
  return result.metafile;
}

/**
 * The JavaScript files a cold start reads: the entry and, transitively, every chunk it imports
 * with a static `import` (not the `import()` ones). Paths as the metafile names them.
 */
export function coldPathOutputs(metafile: Metafile): string[] {
  const outputs = metafile.outputs;
  const entry = Object.keys(outputs).find((file) => path.basename(file) === ENTRY_FILE && outputs[file]!.entryPoint);
  if (!entry) throw new Error(`no ${ENTRY_FILE} among the outputs`);
  const seen = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length) {
    for (const dep of outputs[queue.pop()!]!.imports) {
      if (dep.kind !== 'import-statement' || dep.external || seen.has(dep.path)) continue;
      seen.add(dep.path);
      queue.push(dep.path);
    }
  }
  return [...seen];
}
