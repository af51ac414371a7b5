/**
 * `npm run reliability`: rewrites the measured table in docs/reliability.md from the chaos
 * scenarios' results (test/chaos/results/<scenario>.json, written by each scenario when it runs —
 * see `writeResult` in test/chaos/support.ts). Run the chaos tests first
 * (`MAILROOM_RECORD_CHAOS=1 npx vitest run test/chaos`).
 * `--check` exits 1 when the table in the doc is not the one the results give.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(root, 'test/chaos/results');
const DOC = join(root, 'docs/reliability.md');
const START = '<!-- reliability-table:start (npm run reliability) -->';
const END = '<!-- reliability-table:end -->';

interface ScenarioResult {
  scenario: string;
  description: string;
  emails: number;
  faults: string;
  lost: number;
  duplicated: number;
  duplicatedInCrashWindow?: number;
  duplicatedAfterAmbiguity?: number;
  heldAmbiguous?: number;
  drainSeconds: number;
  measuredAt: string;
}

const cell = (v: unknown) => String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');

function duplicates(r: ScenarioResult): string {
  if (r.duplicated === 0) return '0';
  const notes: string[] = [];
  if (r.duplicatedInCrashWindow) notes.push(`${r.duplicatedInCrashWindow} in the crash window`);
  if (r.duplicatedAfterAmbiguity) notes.push(`${r.duplicatedAfterAmbiguity} resent after an ambiguous attempt, no acceptance event`);
  const unexplained = r.duplicated - (r.duplicatedInCrashWindow ?? 0) - (r.duplicatedAfterAmbiguity ?? 0);
  if (unexplained > 0) notes.push(`${unexplained} unexplained`);
  return `${r.duplicated}${notes.length ? ` (${notes.join(', ')})` : ''}`;
}

export function renderTable(results: ScenarioResult[]): string {
  const rows = results
    .sort((a, b) => a.scenario.localeCompare(b.scenario))
    .map(
      (r) =>
        `| \`${cell(r.scenario)}\` | ${cell(r.description)} | ${r.emails} | ${cell(r.faults)} | ${r.lost} | ${cell(duplicates(r))} | ${r.drainSeconds.toFixed(1)} s | ${r.measuredAt.slice(0, 10)} |`,
    );
  return [
    '| Scenario | What happens | Emails | Faults | Lost | Duplicated | Time to drain | Measured |',
    '| --- | --- | ---: | --- | ---: | --- | ---: | --- |',
    ...rows,
  ].join('\n');
}

function readResults(): ScenarioResult[] {
  return readdirSync(RESULTS)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(RESULTS, f), 'utf8')) as ScenarioResult);
}

const doc = readFileSync(DOC, 'utf8');
const start = doc.indexOf(START);
const end = doc.indexOf(END);
if (start < 0 || end < start) throw new Error(`docs/reliability.md has no ${START} … ${END} block`);
const updated = `${doc.slice(0, start + START.length)}\n${renderTable(readResults())}\n${doc.slice(end)}`;
if (process.argv.includes('--check')) {
  if (updated !== doc) {
    console.error('docs/reliability.md is not the table test/chaos/results gives: run `npm run reliability`.');
    process.exit(1);
  }
} else {
  writeFileSync(DOC, updated);
  console.info(`docs/reliability.md: ${readResults().length} scenarios`);
}
