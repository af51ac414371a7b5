import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { createDocumentClient } from '#shared/adapters/aws-clients';
import { DynamoTemplateStore } from '#shared/adapters/dynamodb-template-store';
import { DynamoTenantStore } from '#shared/adapters/dynamodb-tenant-store';
import { MemoryTemplateStore } from '#shared/adapters/memory/memory-template-store';
import { MailroomError } from '#shared/domain/errors';
import { systemClock } from '#shared/ports/index';
import { previewTemplate, type TemplatesDeps } from '#shared/use-cases/templates';
import { CliError, resolveTarget } from '../target';

export interface PreviewOptions {
  /** JSON file with the variables (default: the template's sample). */
  readonly vars?: string;
  /** Where to write the HTML (default `.mailroom/previews/<name>.html`); the text goes next to it as `.txt`. */
  readonly out?: string;
  /** Tenant whose template to render first (with --stack, or the local stack). */
  readonly tenant?: string;
  /** `draft` (default), `published` or a version number (tenant templates). */
  readonly version?: string;
  readonly stack?: string;
}

export interface PreviewResult {
  readonly subject: string;
  readonly htmlPath: string;
  readonly textPath: string;
  readonly version: number | string;
}

function readVariables(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new CliError(`No such variables file: ${path}`, 2);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(`${path} is not valid JSON: ${(error as Error).message}`, 2);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CliError(`${path} must hold a JSON object of variables.`, 2);
  return parsed as Record<string, unknown>;
}

/**
 * Renders a template preview to files. Repository templates render in-process with no stack;
 * with `tenant` (local stack or --stack), the tenant's own template is tried first.
 */
export async function previewToFile(name: string, options: PreviewOptions, deps?: TemplatesDeps): Promise<PreviewResult> {
  let templatesDeps = deps;
  let tenantId = options.tenant ?? '~cli';
  if (!templatesDeps) {
    if (options.tenant || options.stack) {
      if (options.stack && !options.tenant) throw new CliError('With --stack, name the tenant: --tenant <id>.', 2);
      const target = await resolveTarget(options);
      const doc = createDocumentClient();
      templatesDeps = { templates: new DynamoTemplateStore(doc, target.tableName), tenants: new DynamoTenantStore(doc, target.tableName), clock: systemClock };
      tenantId = options.tenant!;
    } else {
      templatesDeps = { templates: new MemoryTemplateStore(), clock: systemClock };
    }
  }
  const version = options.version === undefined ? undefined : /^\d+$/.test(options.version) ? Number(options.version) : options.version;
  if (version !== undefined && version !== 'draft' && version !== 'published' && typeof version !== 'number')
    throw new CliError('--version is draft, published or a number.', 2);
  const body = { ...(options.vars ? { variables: readVariables(options.vars) } : {}), ...(version !== undefined ? { version } : {}) };
  let rendered: Awaited<ReturnType<typeof previewTemplate>>;
  try {
    rendered = await previewTemplate(templatesDeps, { tenantId, scopes: ['admin'], keyPrefix: 'cli' }, name, body);
  } catch (error) {
    if (error instanceof MailroomError) {
      const hint = error.statusCode === 404 && !options.tenant ? ' (a tenant template? pass --tenant <id>, with --stack <name> for a deployed stack)' : '';
      throw new CliError(`${error.message}${hint}`, error.statusCode === 404 || error.statusCode === 422 ? 2 : 1);
    }
    throw error;
  }
  const htmlPath = resolve(options.out ?? `.mailroom/previews/${name}.html`);
  const textPath = htmlPath.replace(/\.html?$/i, '') + '.txt';
  mkdirSync(dirname(htmlPath), { recursive: true });
  writeFileSync(htmlPath, rendered.html);
  writeFileSync(textPath, `${rendered.text}\n`);
  return { subject: rendered.subject, htmlPath, textPath, version: rendered.version };
}

export function registerTemplates(program: Command): void {
  const templates = program.command('templates').description('preview templates');
  templates
    .command('preview <name>')
    .description("render a template (repository, or a tenant's with --tenant) and write the HTML to a file")
    .option('--vars <file>', "JSON file with the variables (default: the template's sample data)")
    .option('--out <path>', 'where to write the HTML (default .mailroom/previews/<name>.html); the text part goes next to it as .txt')
    .option('--tenant <id>', "render this tenant's own template first (local stack, or --stack)")
    .option('--version <v>', 'tenant templates: draft (default), published or a version number')
    .option('--stack <name>', 'a deployed stack (default: the local stack)')
    .action(async (name: string, opts: PreviewOptions) => {
      const result = await previewToFile(name, opts);
      console.log(`Subject: ${result.subject}\nHTML:    ${result.htmlPath}\nText:    ${result.textPath}\nVersion: ${result.version}`);
    });
}
