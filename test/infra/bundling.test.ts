import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailroomFunction } from '#infra/constructs/mailroom-function';
import { cdkJsonContext } from './fixture';

/** One real esbuild run through NodejsFunction, as `cdk synth` bundles the templates function. */
describe('MailroomFunction bundling (templates function, bundled for real)', () => {
  let outdir: string;
  let bundle: string;
  let map: { sources: string[]; sourcesContent?: unknown };

  beforeAll(() => {
    outdir = mkdtempSync(path.join(tmpdir(), 'mailroom-bundling-'));
    const app = new App({ outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': ['**'] } });
    new MailroomFunction(new Stack(app, 'Bundling'), 'Templates', { name: 'templates' });
    app.synth();
    const asset = readdirSync(outdir)
      .map((entry) => path.join(outdir, entry))
      .find((dir) => existsSync(path.join(dir, 'index.mjs')));
    if (!asset) throw new Error(`no bundled asset under ${outdir}`);
    bundle = path.join(asset, 'index.mjs');
    map = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as typeof map;
  }, 120_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('bundles juice against cheerio/slim: parse5, undici and iconv-lite are not in the bundle', () => {
    expect(map.sources.some((source) => source.includes('node_modules/juice/'))).toBe(true);
    expect(map.sources.some((source) => /node_modules\/cheerio\/(dist\/\w+|src)\/slim\.[jt]s$/.test(source))).toBe(true);
    for (const dropped of ['node_modules/parse5/', 'node_modules/undici/', 'node_modules/iconv-lite/', 'node_modules/web-resource-inliner/']) {
      expect(map.sources.filter((source) => source.includes(dropped))).toEqual([]);
    }
  });

  it("leaves Handlebars' optional source-map dependency out (aliased to an empty module)", () => {
    expect(map.sources.some((source) => source.includes('node_modules/handlebars/'))).toBe(true);
    expect(map.sources.filter((source) => source.includes('node_modules/source-map/'))).toEqual([]);
    expect(map.sources.some((source) => source.endsWith('infra/stubs/no-source-map.cjs'))).toBe(true);
  });

  it('ships a source map without the sources embedded and no legal comments', () => {
    expect(map.sources.length).toBeGreaterThan(0);
    expect(map.sourcesContent).toBeUndefined();
    expect(readFileSync(bundle, 'utf8')).not.toMatch(/\/\*!|@license|@preserve/);
  });

  it('imports in a fresh Node process (with --enable-source-maps) and exports the handler', () => {
    const code = `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)}); process.stdout.write(typeof m.handler);`;
    const run = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', code], {
      env: {
        PATH: process.env.PATH ?? '',
        AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
        AWS_REGION: 'us-east-1',
        MAILROOM_TABLE_NAME: 'mailroom-main',
        POWERTOOLS_TRACE_ENABLED: 'false',
        POWERTOOLS_METRICS_DISABLED: 'true',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.stdout, run.stderr).toBe('function');
    expect(run.status).toBe(0);
  });
});
