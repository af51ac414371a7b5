/**
 * Bundle size and cold import per function: each functions/<name>/handler.ts bundled with the
 * options the CDK construct uses (infra/bundling.ts `functionBuildOptions`: ESM, split into chunks,
 * minified, source maps without sources content, no legal comments, the aliases, .hbs as text;
 * nothing external), then imported in fresh Node processes.
 *
 * "Cold bytes" are what a cold start reads: index.mjs and the chunks it imports statically. The
 * chunks behind an `import()` (renderer, SMTP transport, S3 client, ajv, the SDK's other credential
 * providers) ship in the same asset and count in "asset bytes" only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { coldPathOutputs, ENTRY_FILE, functionBuildOptions } from '#infra/bundling';
import { emitResult, progress, sectionArgs } from '../lib/child';
import { fakeFunctionEnv } from '../lib/fixtures';
import { median } from '../lib/stats';

/** What the sender's cold path would weigh without each group of packages (cumulative): the levers left, measured. */
export interface BundleLever {
  readonly without: string;
  /** Cold-path bytes of the sender built that way. */
  readonly bytes: number;
}

export interface BundlesArgs {
  readonly imports: number;
}

export interface PackageBytes {
  readonly name: string;
  readonly bytes: number;
}

export interface BundleResult {
  readonly name: string;
  /** JavaScript a cold start reads: index.mjs plus the chunks it imports statically (transitively). */
  readonly coldBytes: number;
  /** Files on that cold path (index.mjs + chunks). */
  readonly coldFiles: number;
  /** Every .mjs file in the asset (cold path + chunks loaded by `import()`). */
  readonly assetBytes: number;
  readonly assetFiles: number;
  /** The source maps next to them (shipped in the asset, read only with --enable-source-maps, and only for the files loaded). */
  readonly mapBytes: number;
  readonly importMs: number[];
  /** CPU ms of the same imports (source maps on). */
  readonly importCpuMs: number[];
  readonly importMsNoSourceMaps: number[];
  readonly importCpuMsNoSourceMaps: number[];
  readonly importError?: string;
  /** Largest contributors to the cold path by package, bytes in the minified output. */
  readonly topPackages: PackageBytes[];
  /** Largest packages found only in chunks behind an `import()` (deferred until first use). */
  readonly deferredPackages: PackageBytes[];
  /** CPU ms (source maps on) the first use of a deferred module costs once per container, after the cold import. */
  readonly firstUse?: { readonly module: string; readonly cpuMs: number[] };
}

/** Deferred modules whose first use is timed: the sender's HTML renderer (a template, or HTML without text). */
const FIRST_USE: Readonly<Record<string, string>> = { sender: 'shared/rendering/templates.ts' };

function packageOf(input: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (m) return m[1]!;
  return input.split('/')[0] ?? input;
}

function packageBytes(metafile: Metafile, files: Iterable<string>): Map<string, number> {
  const totals = new Map<string, number>();
  for (const file of files) {
    for (const [input, info] of Object.entries(metafile.outputs[file]!.inputs))
      totals.set(packageOf(input), (totals.get(packageOf(input)) ?? 0) + info.bytesInOutput);
  }
  return totals;
}

const top = (totals: Map<string, number>, n = 8): PackageBytes[] =>
  [...totals.entries()]
    .map(([name, bytes]) => ({ name, bytes }))
    .filter((p) => p.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, n);

const jsOutputs = (metafile: Metafile) => Object.keys(metafile.outputs).filter((f) => f.endsWith('.mjs'));
const sum = (metafile: Metafile, files: Iterable<string>) => [...files].reduce((n, f) => n + metafile.outputs[f]!.bytes, 0);

/**
 * Wall-clock ms of `import()` in fresh processes, and the CPU ms the import took (user + system of
 * the process during the import): on a loaded machine the wall clock measures the other work too,
 * the CPU time much less so — on Lambda the function has its CPU share to itself.
 */
function importTimes(file: string, count: number, sourceMaps: boolean, after?: string): { times: number[]; cpu: number[]; error?: string } {
  // With `after`: the entry is imported first, and what is timed is the import of `after` (a chunk's first use).
  const first = after ? `await import(${JSON.stringify(pathToFileURL(file).href)});` : '';
  const code = `${first}const c=process.cpuUsage();const t=performance.now();try{await import(${JSON.stringify(pathToFileURL(after ?? file).href)});const w=performance.now()-t;const u=process.cpuUsage(c);process.stdout.write(w+' '+(u.user+u.system)/1000)}catch(e){process.stdout.write('ERR '+String(e&&e.message||e).slice(0,300))}`;
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < count; i++) {
    const r = spawnSync(process.execPath, [...(sourceMaps ? ['--enable-source-maps'] : []), '--input-type=module', '-e', code], {
      // The runtime is Node 24: the SDK's warning for Node 20 (this machine) would not be printed there.
      env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...fakeFunctionEnv() },
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

/**
 * The sender's remaining levers, cumulatively: packages replaced by an empty module (`stub`: the
 * bundle would not run — this only weighs them) or left to the runtime (`external`).
 */
const SENDER_LEVERS: ReadonlyArray<{ without: string; stub?: readonly string[]; external?: readonly string[] }> = [
  { without: 'the X-Ray SDK (Powertools Tracer; tracing stays on)', stub: ['aws-xray-sdk-core'] },
  { without: "nodemailer's MIME builder (MailComposer, which the sender needs)", stub: ['nodemailer/lib/mail-composer/index.js'] },
  { without: "the bundled AWS SDK (`@aws-sdk/*`, `@smithy/*` external: the runtime's copy)", external: ['@aws-sdk/*', '@smithy/*'] },
];

/** The Powertools Tracer singleton (with the X-Ray SDK) alone, as every function imports it: what tracing costs a cold start. */
export interface TracerImport {
  readonly module: string;
  readonly bytes: number;
  readonly cpuMs: number[];
}

const TRACER_MODULE = 'shared/observability/tracer.ts';

const args = sectionArgs<BundlesArgs>();
const dir = mkdtempSync(join(tmpdir(), 'mailroom-bundles-'));
const target = `node${process.versions.node.split('.')[0]}`;
const results: BundleResult[] = [];
const levers: BundleLever[] = [];
let tracer: TracerImport | undefined;
try {
  const names = readdirSync('functions')
    .filter((n) => existsSync(join('functions', n, 'handler.ts')))
    .sort();
  for (const name of names) {
    const outdir = join(dir, name);
    const { metafile } = await build(functionBuildOptions(join('functions', name, 'handler.ts'), outdir, target));
    const cold = coldPathOutputs(metafile);
    const all = jsOutputs(metafile);
    const deferred = all.filter((f) => !cold.includes(f));
    const coldPackages = packageBytes(metafile, cold);
    const lazyPackages = packageBytes(metafile, deferred);
    for (const p of coldPackages.keys()) lazyPackages.delete(p);
    const coldBytes = sum(metafile, cold);
    const mapBytes = sum(
      metafile,
      Object.keys(metafile.outputs).filter((f) => f.endsWith('.map')),
    );
    progress(
      `bundle ${name}: ${(coldBytes / 1024).toFixed(0)} KiB cold (${cold.length} files) of ${(sum(metafile, all) / 1024).toFixed(0)} KiB; importing ${args.imports}× in fresh processes`,
    );
    const entry = join(outdir, ENTRY_FILE);
    const withMaps = importTimes(entry, args.imports, true);
    const withoutMaps = withMaps.error ? { times: [], cpu: [] } : importTimes(entry, Math.max(1, Math.ceil(args.imports / 4)), false);
    const deferredModule = FIRST_USE[name];
    const deferredChunk = deferredModule && Object.entries(metafile.outputs).find(([, o]) => o.entryPoint === deferredModule)?.[0];
    const firstUse = deferredChunk
      ? {
          module: deferredModule,
          cpuMs: importTimes(
            entry,
            Math.max(1, Math.ceil(args.imports / 4)),
            true,
            resolve(deferredChunk) /* metafile paths are relative to the repository root, the bench's cwd */,
          ).cpu,
        }
      : undefined;
    results.push({
      name,
      coldBytes,
      coldFiles: cold.length,
      assetBytes: sum(metafile, all),
      assetFiles: all.length,
      mapBytes,
      importMs: withMaps.times,
      importCpuMs: withMaps.cpu,
      importMsNoSourceMaps: withoutMaps.times,
      importCpuMsNoSourceMaps: withoutMaps.cpu,
      ...(withMaps.error ? { importError: withMaps.error } : {}),
      topPackages: top(coldPackages),
      deferredPackages: top(lazyPackages, 6),
      ...(firstUse ? { firstUse } : {}),
    });
    progress(
      `  median import ${median(withMaps.cpu).toFixed(1)} ms CPU, ${median(withMaps.times).toFixed(1)} ms wall${withMaps.error ? ` (error: ${withMaps.error})` : ''}`,
    );
  }
  {
    const { metafile } = await build(functionBuildOptions(TRACER_MODULE, join(dir, 'tracer'), target));
    const cold = coldPathOutputs(metafile);
    tracer = { module: TRACER_MODULE, bytes: sum(metafile, cold), cpuMs: importTimes(join(dir, 'tracer', ENTRY_FILE), args.imports, true).cpu };
    progress(`tracer alone: ${(tracer.bytes / 1024).toFixed(0)} KiB, median import ${median(tracer.cpuMs).toFixed(1)} ms CPU`);
  }
  const stub = join(process.cwd(), 'infra/stubs/no-source-map.cjs');
  const without = new Set<string>();
  const external: string[] = [];
  for (const lever of SENDER_LEVERS) {
    for (const p of lever.stub ?? []) without.add(p);
    external.push(...(lever.external ?? []));
    const options = functionBuildOptions(join('functions', 'sender', 'handler.ts'), join(dir, 'lever'), target);
    const { metafile } = await build({
      ...options,
      sourcemap: false,
      external: [...external],
      plugins: [{ name: 'without', setup: (b) => b.onResolve({ filter: /.*/ }, (a) => (without.has(a.path) ? { path: stub } : undefined)) }],
    });
    levers.push({ without: lever.without, bytes: sum(metafile, coldPathOutputs(metafile)) });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
emitResult({ bundles: results, senderLevers: levers, tracer });
