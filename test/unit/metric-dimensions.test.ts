import { describe, expect, it } from 'vitest';
import { lambdaSources } from '#test/support/source-files';
import { CUSTOM_DIMENSIONS } from '#infra/constructs/observability';

/** Per-email or per-person data must never become a metric dimension: it multiplies the bill and leaks data. */
const FORBIDDEN = /email|recipient|tenant|address|\bto\b|\bfrom\b|\bid\b|subject|key/i;
/** A value expression reading per-email data (`email.lane` is fine, `email.id` or `tenantId` is not). */
const FORBIDDEN_VALUE = /emailId|tenantId|tenant\b|recipient|address|messageId|\.id\b|^id$|\.(to|cc|bcc|from|subject|replyTo)\b|apiKey|keyPrefix/i;

/** Every `addDimension(name, value)` / `addDimensions({...})` call in shared/ and functions/. */
function dimensionCalls(): Array<{ file: string; name: string; value: string }> {
  const calls: Array<{ file: string; name: string; value: string }> = [];
  for (const { file: rel, text } of lambdaSources()) {
    for (const m of text.matchAll(/\.addDimension\(\s*([^,]+?)\s*,\s*([^)]+?)\s*\)/g)) calls.push({ file: rel, name: m[1]!, value: m[2]! });
    for (const m of text.matchAll(/\.addDimensions\(\s*\{([^}]*)\}\s*\)/g)) {
      for (const pair of m[1]!.split(',').filter((p) => p.trim())) {
        const [name, value = name] = pair.split(':').map((s) => s.trim());
        calls.push({ file: rel, name: `'${name}'`, value: value! });
      }
    }
    if (/\.addDimensions\(\s*[^{\s]/.test(text)) calls.push({ file: rel, name: '<not an object literal>', value: '' });
    if (/setDefaultDimensions\(/.test(text)) calls.push({ file: rel, name: '<default dimensions>', value: '' });
  }
  return calls;
}

describe('metric dimensions', () => {
  const calls = dimensionCalls();

  it('finds the dimension calls of the send path, the API and tracking', () => {
    // Guards the scan itself: if the regex stopped matching, the checks below would pass vacuously.
    expect(calls.length).toBeGreaterThanOrEqual(6);
    expect(calls.map((c) => c.file)).toEqual(
      expect.arrayContaining(['shared/use-cases/send-outcomes.ts', 'shared/adapters/failover-mail-provider.ts', 'shared/http/api.ts']),
    );
  });

  it('names only Lane, Provider or Reason, as string literals', () => {
    for (const c of calls) {
      const literal = /^'([A-Za-z]+)'$/.exec(c.name);
      expect(literal, `${c.file}: dimension name ${c.name} must be a string literal`).not.toBeNull();
      expect(CUSTOM_DIMENSIONS, `${c.file}: ${c.name}`).toContain(literal![1]);
    }
  });

  it('never takes a dimension value from an email id, tenant, recipient or other per-email data', () => {
    for (const c of calls) expect(c.value, `${c.file}: ${c.name} = ${c.value}`).not.toMatch(FORBIDDEN_VALUE);
  });

  it("keeps the infra's list of custom dimensions free of per-email data", () => {
    // test/infra/observability.test.ts checks every alarm and dashboard series uses only these.
    for (const d of CUSTOM_DIMENSIONS) expect(d).not.toMatch(FORBIDDEN);
  });
});
