import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GENERATED_BUNDLE_PATH, generateTemplateBundle } from '#shared/rendering/template-bundle-generator';
import { getRepositoryTemplate, repositoryTemplates } from '#shared/rendering/template-repository';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('template bundle', () => {
  it('is up to date with templates/ (run `npm run templates:build` if this fails)', () => {
    // Act
    const expected = generateTemplateBundle(join(root, 'templates'));

    // Assess
    expect(readFileSync(join(root, GENERATED_BUNDLE_PATH), 'utf8').replace(/\r\n/g, '\n')).toBe(expected);
  });

  it('loads every repository template with its files and meta', () => {
    // Act
    const welcome = getRepositoryTemplate('welcome');

    // Assess
    expect(welcome).toMatchObject({ id: 'welcome', source: 'repository', meta: { lane: 'transactional' } });
    expect(welcome?.version).toMatch(/^[0-9a-f]{12}$/);
    expect(getRepositoryTemplate('newsletter')?.text).toContain('{{unsubscribe_url}}');
    expect(getRepositoryTemplate('nope')).toBeUndefined();
    expect([...repositoryTemplates.keys()].sort()).toEqual(['newsletter', 'order-confirmation', 'password-reset', 'scheduled-reminder', 'welcome']);
  });
});
