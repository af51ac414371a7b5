/**
 * Bundle size and cold import per function: each functions/<name>/handler.ts bundled with esbuild
 * with the options the CDK construct uses (infra/bundling.ts: ESM, minified, source maps without
 * sources content, no legal comments, the cheerio alias, .hbs as text; nothing external), then
 * imported in fresh Node processes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { BUNDLE_OPTIONS } from '#infra/bundling';
import { emitResult, progress, sectionArgs } from '../lib/child';
import { fakeFunctionEnv } from '../lib/fixtures';
import { median } from '../lib/stats';

/** What the sender would weigh without each group of packages (cumulative): the levers, measured. */
export interface BundleLever {
  readonly without: string;
  readonly bytes: number;
}

export interface BundlesArgs {
  readonly imports: number;
}

export interface BundleResult {
  readonly name: string;
  readonly bytes: number;
  /** The source map next to it (shipped in the asset, read only with --enable-source-maps). */
  readonly mapBytes: number;
  readonly importMs: number[];
  /** CPU ms of the same imports (source maps on). */
  readonly importCpuMs: number[];
  readonly importMsNoSourceMaps: number[];
  readonly importCpuMsNoSourceMaps: number[];
  readonly importError?: string;
  /** Largest contributors by package, bytes in the minified output. */
  readonly topPackages: Array<{ name: string; bytes: number }>;
}

function packageOf(input: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (m) return m[1]!;
  return input.split('/')[0] ?? input;
}

function topPackages(metafile: Metafile): Array<{ name: string; bytes: number }> {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, info] of Object.entries(output.inputs)) totals.set(packageOf(input), (totals.get(packageOf(input)) ?? 0) + info.bytesInOutput);
  }
  return [...totals.entries()]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 8);
}

/**
 * Wall-clock ms of `import()` in fresh processes, and the CPU ms the import took (user + system of
 * the process during the import): on a loaded machine the wall clock measures the other work too,
 * the CPU time much less so — on Lambda the function has its CPU share to itself.
 */
function importTimes(file: string, count: number, sourceMaps: boolean): { times: number[]; cpu: number[]; error?: string } {
  const code = `const c=process.cpuUsage();const t=performance.now();try{await import(${JSON.stringify(pathToFileURL(file).href)});const w=performance.now()-t;const u=process.cpuUsage(c);process.stdout.write(w+' '+(u.user+u.system)/1000)}catch(e){process.stdout.write('ERR '+String(e&&e.message||e).slice(0,300))}`;
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < count; i++) {
    const r = spawnSync(process.execPath, [...(sourceMaps ? ['--enable-source-maps'] : []), '--input-type=module', '-e', code], {
      env: { PATH: process.env.PATH ?? '', ...fakeFunctionEnv() },
      encoding: 'utf8',
      timeout: 30_000,
    });
    const out = r.stdout.trim();
    if (out.startsWith('ERR') || r.status !== 0) return { times, cpu, error: out || r.stderr.slice(0, 300) };
    const [wall, used] = out.split(' ').map(Number);
    times.push(wall!);
    cpu.push(used!);
  }
  return { times, cpu };
}

const args = sectionArgs<BundlesArgs>();
const dir = mkdtempSync(join(tmpdir(), 'mailroom-bundles-'));
const results: BundleResult[] = [];
const levers: BundleLever[] = [];
try {
  const names = readdirSync('functions')
    .filter((n) => existsSync(join('functions', n, 'handler.ts')))
    .sort();
  for (const name of names) {
    const outfile = join(dir, name, 'index.mjs');
    const result = await build({
      entryPoints: [join('functions', name, 'handler.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: BUNDLE_OPTIONS.format,
      mainFields: [...BUNDLE_OPTIONS.mainFields],
      minify: BUNDLE_OPTIONS.minify,
      sourcemap: BUNDLE_OPTIONS.sourcemap,
      sourcesContent: BUNDLE_OPTIONS.sourcesContent,
      legalComments: BUNDLE_OPTIONS.legalComments,
      alias: { ...BUNDLE_OPTIONS.alias },
      banner: { js: BUNDLE_OPTIONS.banner },
      loader: { ...BUNDLE_OPTIONS.loader },
      metafile: true,
      logLevel: 'silent',
    });
    const bytes = Object.entries(result.metafile.outputs)
      .filter(([f]) => f.endsWith('.mjs'))
      .reduce((n, [, o]) => n + o.bytes, 0);
    const mapBytes = Object.entries(result.metafile.outputs)
      .filter(([f]) => f.endsWith('.map'))
      .reduce((n, [, o]) => n + o.bytes, 0);
    progress(`bundle ${name}: ${(bytes / 1024).toFixed(0)} KiB; importing ${args.imports}× in fresh processes`);
    const withMaps = importTimes(outfile, args.imports, true);
    const withoutMaps = withMaps.error ? { times: [], cpu: [] } : importTimes(outfile, Math.max(1, Math.ceil(args.imports / 4)), false);
    results.push({
      name,
      bytes,
      mapBytes,
      importMs: withMaps.times,
      importCpuMs: withMaps.cpu,
      importMsNoSourceMaps: withoutMaps.times,
      importCpuMsNoSourceMaps: withoutMaps.cpu,
      ...(withMaps.error ? { importError: withMaps.error } : {}),
      topPackages: topPackages(result.metafile),
    });
    progress(`  median import ${median(withMaps.times).toFixed(1)} ms${withMaps.error ? ` (error: ${withMaps.error})` : ''}`);
  }
  // The sender's levers: the same build with groups of packages replaced by an empty module
  // (cumulative; the bundle would not run — this only weighs what each group costs).
  const groups: Array<[string, string[]]> = [
    ['the HTML renderer (juice, cheerio, html-to-text)', ['juice/client', 'html-to-text']],
    ["nodemailer's SMTP transport", ['nodemailer']],
    ['ajv (template variable schemas)', ['ajv', 'ajv/dist/2020.js']],
    ['the X-Ray SDK (Powertools Tracer)', ['aws-xray-sdk-core']],
    ['@aws-sdk/client-s3 (attachments)', ['@aws-sdk/client-s3']],
  ];
  const stub = join(process.cwd(), 'infra/stubs/no-source-map.cjs');
  const without = new Set<string>();
  for (const [label, packages] of groups) {
    for (const p of packages) without.add(p);
    const r = await build({
      entryPoints: [join('functions', 'sender', 'handler.ts')],
      outfile: join(dir, 'lever', 'index.mjs'),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: BUNDLE_OPTIONS.format,
      mainFields: [...BUNDLE_OPTIONS.mainFields],
      minify: true,
      alias: { ...BUNDLE_OPTIONS.alias },
      loader: { ...BUNDLE_OPTIONS.loader },
      banner: { js: BUNDLE_OPTIONS.banner },
      metafile: true,
      logLevel: 'silent',
      plugins: [{ name: 'without', setup: (b) => b.onResolve({ filter: /.*/ }, (a) => (without.has(a.path) ? { path: stub } : undefined)) }],
    });
    levers.push({ without: label, bytes: Object.values(r.metafile.outputs).reduce((n, o) => n + o.bytes, 0) });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
emitResult({ bundles: results, senderLevers: levers });
