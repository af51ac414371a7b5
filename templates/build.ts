/**
 * Regenerates shared/rendering/template-bundle.generated.ts from this folder.
 * Run `npm run templates:build` after changing any template, layout or partial.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_BUNDLE_PATH, generateTemplateBundle } from '#shared/rendering/template-bundle-generator';

const templatesDir = dirname(fileURLToPath(import.meta.url));
const target = join(templatesDir, '..', GENERATED_BUNDLE_PATH);
writeFileSync(target, generateTemplateBundle(templatesDir));
console.log(`wrote ${GENERATED_BUNDLE_PATH}`);
