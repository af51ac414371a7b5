import { createHash } from 'node:crypto';
import { isLane } from '#shared/config/lanes';
import { type BundledTemplateFiles, templateFiles } from '#shared/rendering/template-bundle.generated';
import type { LoadedTemplate, TemplateMeta } from '#shared/rendering/templates';

/**
 * The templates shipped in `templates/`, bundled at build time through
 * `template-bundle.generated.ts` (regenerate with `npm run templates:build`).
 */

function load(id: string, files: BundledTemplateFiles): LoadedTemplate {
  const parsed = JSON.parse(files.meta) as Record<string, unknown>;
  const meta: TemplateMeta = {
    ...(typeof parsed.description === 'string' ? { description: parsed.description } : {}),
    ...(isLane(parsed.lane) ? { lane: parsed.lane } : {}),
    ...(typeof parsed.schema === 'object' && parsed.schema !== null ? { schema: parsed.schema } : {}),
    ...(typeof parsed.sample === 'object' && parsed.sample !== null ? { sample: parsed.sample as Record<string, unknown> } : {}),
  };
  // The content hash is the version: a deploy that changes a template changes its cache key.
  const version = createHash('sha256')
    .update(JSON.stringify([files.subject, files.html, files.text ?? null, files.meta]))
    .digest('hex')
    .slice(0, 12);
  return {
    id,
    version,
    source: 'repository',
    subject: files.subject,
    html: files.html,
    ...(files.text === undefined ? {} : { text: files.text }),
    meta,
  };
}

/** Repository templates by id (`welcome`, `password-reset` …). */
export const repositoryTemplates: ReadonlyMap<string, LoadedTemplate> = new Map(Object.entries(templateFiles).map(([id, files]) => [id, load(id, files)]));

/** The repository template with this id, or undefined. */
export function getRepositoryTemplate(id: string): LoadedTemplate | undefined {
  return repositoryTemplates.get(id);
}
