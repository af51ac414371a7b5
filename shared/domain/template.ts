import type { Lane } from '#shared/config/lanes';

/** Tenant template ids: lower-case slug, so they can share a key with a version (`TEMPLATE#<id>#<version>`). */
export const TEMPLATE_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** The editable content of a tenant template (the draft, or one published version). */
export interface TemplateContent {
  readonly name: string;
  readonly description?: string;
  readonly subject: string;
  readonly html: string;
  readonly text?: string;
  readonly lane?: Lane;
  /** JSON Schema of the variables. */
  readonly schema?: object;
  /** Variables for previews. */
  readonly sample?: Record<string, unknown>;
  /** Resend's alias: another name the template answers to on the /templates endpoints. */
  readonly alias?: string;
  /** Resend's default sender and reply-to for sends with this template (shown; see docs/api.md). */
  readonly from?: string;
  readonly replyTo?: string[];
  /**
   * Resend's declared variables. Without a JSON Schema, they become one (type per key, required
   * unless it has a fallback, the fallback as `default`), so sends are checked at acceptance and
   * fallbacks fill absent values when the email is rendered.
   */
  readonly variables?: TemplateVariable[];
}

/** One of Resend's template variables. */
export interface TemplateVariable {
  readonly key: string;
  readonly type: 'string' | 'number';
  readonly fallbackValue?: string | number;
}

/** The JSON Schema a template's Resend-style `variables` stand for. */
export function schemaFromVariables(variables: readonly TemplateVariable[]): object {
  return {
    type: 'object',
    properties: Object.fromEntries(variables.map((v) => [v.key, { type: v.type, ...(v.fallbackValue !== undefined ? { default: v.fallbackValue } : {}) }])),
    required: variables.filter((v) => v.fallbackValue === undefined).map((v) => v.key),
  };
}

/** A tenant template: its draft plus the version that sends use. */
export interface TenantTemplate extends TemplateContent {
  readonly tenantId: string;
  readonly id: string;
  /** The version sends use; absent until the template is published. */
  readonly publishedVersion?: number;
  /** Highest version number used under this id, including by a deleted template of the same id (numbers never repeat). */
  readonly lastVersion: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly publishedAt?: string;
}

/** One immutable published version. */
export interface TemplateVersion extends TemplateContent {
  readonly tenantId: string;
  readonly id: string;
  readonly version: number;
  readonly publishedAt: string;
}
