import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Loads the tracer in a fresh Node process and reports the X-Ray SDK's context mode and namespaces. */
function loadTracer(env: Record<string, string | undefined>): { manual: string | null; namespaces: string[] } {
  const script = [
    "const { tracer } = await import('#shared/observability/tracer');",
    'void tracer;',
    'const namespaces = Object.entries(process.namespaces ?? {}).filter(([, n]) => n).map(([name]) => name);',
    'console.log(JSON.stringify({ manual: process.env.AWS_XRAY_MANUAL_MODE ?? null, namespaces }));',
  ].join('\n');
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'AWS_EXECUTION_ENV' && k !== 'AWS_XRAY_MANUAL_MODE'));
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...clean, ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '') as { manual: string | null; namespaces: string[] };
}

describe('X-Ray context mode', () => {
  it('outside Lambda (tracing can never be on), the X-Ray SDK loads in manual mode: no cls-hooked namespace, no async hook on every promise', () => {
    expect(loadTracer({})).toEqual({ manual: 'true', namespaces: [] });
  });

  it('in a Lambda execution environment it keeps its automatic mode, so tracing works as deployed', () => {
    expect(loadTracer({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x' })).toEqual({ manual: null, namespaces: ['AWSXRay'] });
  });
});
