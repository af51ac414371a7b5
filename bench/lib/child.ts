/**
 * Each measurement runs in its own Node process: a fresh heap per run, and Powertools reads its
 * environment (metrics on/off, log level) once at import, so every section chooses its own.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BENCH_ENV = {
  AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_DEV: '',
} as const;

/** Runs bench/sections/<name>.ts with `args` (JSON) and returns what it wrote with emitResult(). */
export async function runSection<T>(name: string, args: unknown, env: Record<string, string> = {}, timeoutMs = 600_000): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-bench-'));
  const out = join(dir, 'result.json');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', `bench/sections/${name}.ts`], {
      env: { ...process.env, ...BENCH_ENV, ...env, BENCH_OUT: out, BENCH_ARGS: JSON.stringify(args) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    clearTimeout(timer);
    if (code !== 0) throw new Error(`bench section ${name} exited with ${code}`);
    return JSON.parse(readFileSync(out, 'utf8')) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Inside a section: the arguments run.ts passed. */
export function sectionArgs<T>(): T {
  return JSON.parse(process.env.BENCH_ARGS ?? '{}') as T;
}

/** Inside a section: hands the result back to run.ts. */
export function emitResult(result: unknown): void {
  if (!process.env.BENCH_OUT) {
    process.stderr.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  writeFileSync(process.env.BENCH_OUT, JSON.stringify(result));
}

/** Progress lines go to stderr; stdout belongs to the code under test (EMF, logs). */
export const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/**
 * Swallows and counts what the code under test writes to stdout (Powertools logs and EMF
 * metrics go there in Lambda, and CloudWatch bills their bytes).
 */
export function captureStdout(): { bytes(): number; restore(): void } {
  const original = process.stdout.write.bind(process.stdout);
  let bytes = 0;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof process.stdout.write;
  return {
    bytes: () => bytes,
    restore: () => {
      process.stdout.write = original;
    },
  };
}
