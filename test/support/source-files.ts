import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** The repository's root folder. */
export const REPO = path.resolve(import.meta.dirname, '..', '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' ? [] : tsFiles(full);
    return full.endsWith('.ts') && !full.endsWith('.generated.ts') ? [full] : [];
  });
}

/**
 * The hand-written TypeScript of the Lambda code (shared/ and functions/, no generated files), each with
 * its path relative to the repository and its text: what the source-scanning tests read.
 */
export function lambdaSources(): Array<{ file: string; text: string }> {
  return [...tsFiles(path.join(REPO, 'shared')), ...tsFiles(path.join(REPO, 'functions'))].map((full) => ({
    file: path.relative(REPO, full),
    text: readFileSync(full, 'utf8'),
  }));
}
