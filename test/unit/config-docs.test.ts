import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV } from '#shared/config/env';

describe('configuration reference', () => {
  const doc = readFileSync('docs/configuration.md', 'utf8');

  it('documents every environment variable the functions read', () => {
    const missing = Object.values(ENV).filter((name) => !doc.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});
