import { describe, expect, it } from 'vitest';
import { lambdaSources } from '#test/support/source-files';
import { METRIC } from '#shared/observability/metrics';
import { METRIC_SERIES, seriesCount, seriesOf, seriesOfMetric } from '#shared/observability/metric-series';

interface Emission {
  readonly file: string;
  readonly metric: string;
  /** Dimension names the chain adds (sorted, `+`-joined; '' for the total). */
  readonly dimensions: string;
  /** String literals in each dimension's value expression (the values it can take, when literal). */
  readonly literals: Record<string, string[]>;
}

/**
 * Every `.addMetric(METRIC.X, …)` in shared/ and functions/, with the `.addDimension(name, value)`
 * calls of its chain (the statement up to the call: a `;`, `{` or `}` ends the look-back).
 */
function emissions(): Emission[] {
  const out: Emission[] = [];
  for (const { file, text } of lambdaSources()) {
    for (const m of text.matchAll(/\.addMetric\(\s*METRIC\.(\w+)/g)) {
      const before = text.slice(0, m.index);
      const start = Math.max(before.lastIndexOf(';'), before.lastIndexOf('{'), before.lastIndexOf('}')) + 1;
      const chain = before.slice(start);
      const literals: Record<string, string[]> = {};
      for (const d of chain.matchAll(/\.addDimension\(\s*'(\w+)'\s*,\s*([^)]*)\)/g)) literals[d[1]!] = [...d[2]!.matchAll(/'([^']*)'/g)].map((l) => l[1]!);
      out.push({ file, metric: m[1]!, dimensions: Object.keys(literals).sort().join('+'), literals });
    }
  }
  return out;
}

const key = (dimensions: Readonly<Record<string, readonly string[]>>) => Object.keys(dimensions).sort().join('+');

/**
 * shared/observability/metric-series.ts is the metric bill (bench/model.ts prices its series) and
 * the list of series the alarms watch by exact dimensions: it must say what the code emits.
 */
describe('metric series table', () => {
  const found = emissions();

  it('finds the emissions of the sender, the failover provider, the API, tracking and the reconciler', () => {
    // Guards the scan itself: if the regex stopped matching, the checks below would pass vacuously.
    expect(found.length).toBeGreaterThanOrEqual(15);
    const files = found.map((e) => e.file);
    for (const file of [
      'shared/use-cases/send-outcomes.ts',
      'shared/adapters/failover-mail-provider.ts',
      'shared/http/api.ts',
      'shared/use-cases/record-delivery-event.ts',
      'functions/reconciler/app.ts',
    ])
      expect(files).toContain(file);
    // A chain's dimensions are read: the sender's per-lane EmailsSent, the API's refusal reasons.
    expect(found).toContainEqual(expect.objectContaining({ metric: 'EmailsSent', dimensions: 'Lane' }));
    expect(found.find((e) => e.file === 'shared/http/api.ts')?.literals.Reason).toEqual(['rate_limit', 'auth', 'validation']);
  });

  it('lists every dimension set the code emits a metric with', () => {
    for (const e of found) {
      const groups = METRIC_SERIES[e.metric as keyof typeof METRIC_SERIES];
      expect(groups, `${e.file}: METRIC.${e.metric} is not in METRIC_SERIES`).toBeDefined();
      expect(
        groups.map((g) => key(g.dimensions)),
        `${e.file}: ${e.metric} by [${e.dimensions}]`,
      ).toContain(e.dimensions);
    }
  });

  it('lists every literal dimension value the code uses', () => {
    for (const e of found) {
      for (const [dimension, values] of Object.entries(e.literals)) {
        const allowed = METRIC_SERIES[e.metric as keyof typeof METRIC_SERIES].flatMap((g) => g.dimensions[dimension] ?? []);
        for (const v of values) expect(allowed, `${e.file}: ${e.metric} ${dimension}=${v}`).toContain(v);
      }
    }
  });

  it('lists nothing the code never emits (every metric and dimension set has an emission)', () => {
    for (const name of Object.values(METRIC)) {
      for (const g of METRIC_SERIES[name]) {
        expect(
          found.some((e) => e.metric === name && e.dimensions === key(g.dimensions)),
          `${name} by [${key(g.dimensions)}]`,
        ).toBe(true);
      }
    }
  });

  it('counts the series: the product of each set’s dimension values, split by when they are published', () => {
    const count = seriesCount();
    expect(count.total).toBe(count['with-mail'] + count['on-incident']);
    expect(seriesOfMetric(METRIC.EmailsSent)).toBe(4);
    expect(seriesOfMetric(METRIC.EmailsFailed)).toBe(5);
    expect(seriesOf({ dimensions: { Lane: ['a', 'b'], Provider: ['x', 'y', 'z'] }, published: 'with-mail' })).toBe(6);
    // The figure docs/performance.md prices (was 43 before the dimension sets were cut).
    expect(count.total).toBeLessThanOrEqual(31);
  });
});
