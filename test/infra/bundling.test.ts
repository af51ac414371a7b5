import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK_DIR, ENTRY_FILE } from '#infra/bundling';
import { MailroomFunction } from '#infra/constructs/mailroom-function';
import { cdkJsonContext } from './fixture';

/** One synthesized asset directory: its JavaScript files and what each one's source map lists. */
interface Asset {
  readonly dir: string;
  /** Paths relative to the asset, e.g. `index.mjs`, `chunks/chunk-X.mjs`. */
  readonly files: string[];
  sources(file: string): string[];
  /** The files a cold start reads: the entry and the chunks it imports statically, transitively. */
  coldPath(): string[];
  /** Every file an `import`/`import()` in `file` names, relative to the asset. */
  importsOf(file: string): { static: string[]; dynamic: string[] };
}

function readAsset(dir: string): Asset {
  const files = [
    ENTRY_FILE,
    ...readdirSync(path.join(dir, CHUNK_DIR))
      .filter((f) => f.endsWith('.mjs'))
      .map((f) => `${CHUNK_DIR}/${f}`),
  ];
  const importsOf = (file: string) => {
    const code = readFileSync(path.join(dir, file), 'utf8');
    const resolve = (specifier: string) => path.posix.join(path.posix.dirname(file), specifier);
    // Minified ESM: `import{a as b}from"./chunks/x.mjs"`, `import"./x.mjs"`; dynamic: `import("./chunks/x.mjs")`.
    const statics = [...code.matchAll(/(?:from|import)\s*"(\.{1,2}\/[^"]+\.mjs)"/g)].map((m) => resolve(m[1]!));
    const dynamics = [...code.matchAll(/import\(\s*"(\.{1,2}\/[^"]+\.mjs)"\s*\)/g)].map((m) => resolve(m[1]!));
    return { static: statics, dynamic: dynamics };
  };
  return {
    dir,
    files,
    sources: (file) => (JSON.parse(readFileSync(path.join(dir, `${file}.map`), 'utf8')) as { sources: string[] }).sources,
    importsOf,
    coldPath() {
      const seen = new Set([ENTRY_FILE]);
      const queue = [ENTRY_FILE];
      while (queue.length) {
        for (const next of importsOf(queue.pop()!).static) {
          if (seen.has(next)) continue;
          seen.add(next);
          queue.push(next);
        }
      }
      return [...seen];
    },
  };
}

const sourcesOf = (asset: Asset, files: readonly string[]) => files.flatMap((file) => asset.sources(file));
const has = (sources: readonly string[], fragment: string) => sources.some((source) => source.includes(fragment));

function importInFreshNode(file: string, then = 'process.stdout.write(typeof m.handler)'): { stdout: string; stderr: string; status: number | null } {
  const code = `const m = await import(${JSON.stringify(pathToFileURL(file).href)}); ${then}`;
  const run = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', code], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_REGION: 'us-east-1',
      MAILROOM_TABLE_NAME: 'mailroom-main',
      MAILROOM_LANE: 'transactional',
      MAILROOM_LANE_QUEUE_URLS: JSON.stringify({
        critical: 'https://sqs.us-east-1.amazonaws.com/0/c',
        transactional: 'https://sqs.us-east-1.amazonaws.com/0/t',
        marketing: 'https://sqs.us-east-1.amazonaws.com/0/m',
        bulk: 'https://sqs.us-east-1.amazonaws.com/0/b',
      }),
      MAILROOM_LANE_DLQ_URLS: JSON.stringify({
        critical: 'https://sqs.us-east-1.amazonaws.com/0/cd',
        transactional: 'https://sqs.us-east-1.amazonaws.com/0/td',
        marketing: 'https://sqs.us-east-1.amazonaws.com/0/md',
        bulk: 'https://sqs.us-east-1.amazonaws.com/0/bd',
      }),
      MAILROOM_SES_CONFIGURATION_SET: 'mailroom',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { stdout: run.stdout, stderr: run.stderr, status: run.status };
}

/** Real esbuild runs through MailroomFunction, as `cdk synth` bundles the sender and the templates function. */
describe('MailroomFunction bundling (sender and templates, bundled for real)', () => {
  let outdir: string;
  let sender: Asset;
  let templates: Asset;

  beforeAll(() => {
    outdir = mkdtempSync(path.join(tmpdir(), 'mailroom-bundling-'));
    const app = new App({ outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': ['**'] } });
    const stack = new Stack(app, 'Bundling');
    const senderFn = new MailroomFunction(stack, 'Sender', { name: 'sender' });
    const templatesFn = new MailroomFunction(stack, 'Templates', { name: 'templates' });
    const assembly = app.synth();
    const template = assembly.getStackByName('Bundling').template as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const assetOf = (fn: MailroomFunction) => {
      const { Handler, Code } = template.Resources[stack.getLogicalId(fn.node.defaultChild as never)]!.Properties as {
        Handler: string;
        Code: { S3Key: string };
      };
      expect(Handler).toBe('index.handler');
      const dir = path.join(outdir, `asset.${Code.S3Key.replace(/\.zip$/, '')}`);
      if (!existsSync(path.join(dir, ENTRY_FILE))) throw new Error(`no bundled ${ENTRY_FILE} in ${dir}`);
      return readAsset(dir);
    };
    sender = assetOf(senderFn);
    templates = assetOf(templatesFn);
  }, 180_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("keeps what the sender's SES path does not run out of its cold path, in chunks of the same asset", () => {
    const cold = sourcesOf(sender, sender.coldPath());
    const lazy = sourcesOf(
      sender,
      sender.files.filter((file) => !sender.coldPath().includes(file)),
    );
    // The MIME builder is needed for every email: on the cold path.
    expect(has(cold, 'node_modules/nodemailer/dist/esm/mail-composer/')).toBe(true);
    for (const deferred of [
      'node_modules/juice/',
      'node_modules/html-to-text/',
      'node_modules/htmlparser2/',
      'node_modules/handlebars/',
      'node_modules/ajv/',
      'node_modules/@aws-sdk/client-s3/',
      'node_modules/nodemailer/dist/esm/smtp-connection/',
    ]) {
      expect(has(cold, deferred), `${deferred} on the cold path`).toBe(false);
      expect(has(lazy, deferred), `${deferred} in no chunk`).toBe(true);
    }
  });

  it('ships every chunk any file imports, statically or with import(), in the asset', () => {
    for (const asset of [sender, templates]) {
      const named = new Set(asset.files.flatMap((file) => [...asset.importsOf(file).static, ...asset.importsOf(file).dynamic]));
      expect(named.size).toBeGreaterThan(0);
      for (const file of named) expect(existsSync(path.join(asset.dir, file)), `${file} missing from the asset`).toBe(true);
      // The entry defers something: the split is real.
      expect(asset.importsOf(ENTRY_FILE).dynamic.length + asset.coldPath().flatMap((f) => asset.importsOf(f).dynamic).length).toBeGreaterThan(0);
    }
  });

  it('leaves the templates renderer (juice, html-to-text, ajv) out of the cold path of listing and reading templates', () => {
    const cold = sourcesOf(templates, templates.coldPath());
    for (const deferred of ['node_modules/juice/', 'node_modules/html-to-text/', 'node_modules/ajv/', 'node_modules/handlebars/'])
      expect(has(cold, deferred), deferred).toBe(false);
  });

  it('bundles juice against cheerio/slim: parse5, undici and iconv-lite are in no file of the asset', () => {
    const all = sourcesOf(templates, templates.files);
    expect(has(all, 'node_modules/juice/')).toBe(true);
    expect(all.some((source) => /node_modules\/cheerio\/(dist\/\w+|src)\/slim\.[jt]s$/.test(source))).toBe(true);
    for (const dropped of ['node_modules/parse5/', 'node_modules/undici/', 'node_modules/iconv-lite/', 'node_modules/web-resource-inliner/'])
      expect(all.filter((source) => source.includes(dropped))).toEqual([]);
  });

  it("leaves Handlebars' optional source-map dependency out (aliased to an empty module)", () => {
    const all = sourcesOf(templates, templates.files);
    expect(has(all, 'node_modules/handlebars/')).toBe(true);
    expect(has(all, 'node_modules/source-map/')).toBe(false);
    expect(all.some((source) => source.endsWith('infra/stubs/no-source-map.cjs'))).toBe(true);
  });

  it('ships a source map per file, without the sources embedded, and no legal comments', () => {
    for (const asset of [sender, templates])
      for (const file of asset.files) {
        const map = JSON.parse(readFileSync(path.join(asset.dir, `${file}.map`), 'utf8')) as { sources: string[]; sourcesContent?: unknown };
        // (A chunk of esbuild's own helpers has no sources.)
        if (file === ENTRY_FILE) expect(map.sources.length, file).toBeGreaterThan(0);
        expect(map.sourcesContent, file).toBeUndefined();
        expect(readFileSync(path.join(asset.dir, file), 'utf8'), file).not.toMatch(/\/\*!|@license|@preserve/);
      }
  });

  it('imports in a fresh Node process (with --enable-source-maps) and exports the handler', () => {
    for (const asset of [sender, templates]) {
      const run = importInFreshNode(path.join(asset.dir, ENTRY_FILE));
      expect(run.stdout, run.stderr).toBe('function');
      expect(run.status).toBe(0);
    }
  });

  it("loads every deferred chunk in the asset's layout (the createRequire banner works in chunks too)", () => {
    const lazy = sender.files.filter((file) => !sender.coldPath().includes(file));
    expect(lazy.length).toBeGreaterThan(0);
    const then = `for (const f of ${JSON.stringify(lazy.map((f) => pathToFileURL(path.join(sender.dir, f)).href))}) await import(f); process.stdout.write(typeof m.handler)`;
    const run = importInFreshNode(path.join(sender.dir, ENTRY_FILE), then);
    expect(run.stdout, run.stderr).toBe('function');
    expect(run.status).toBe(0);
  });
});
