import { ConflictError } from '#shared/domain/errors';
import { decodeCursor, encodeCursor } from '#shared/domain/list-cursor';
import { TEMPLATE_ID, type TemplateContent, type TemplateVersion, type TenantTemplate } from '#shared/domain/template';
import type { AttachmentStore, TemplateStore } from '#shared/ports/index';

const CONTENT_FIELDS = ['name', 'description', 'subject', 'html', 'text', 'lane', 'schema', 'sample', 'alias', 'from', 'replyTo', 'variables'] as const;
const clone = <T>(value: T): T => structuredClone(value);

/** TemplateStore in memory, with the same conditions as the DynamoDB one. */
export class MemoryTemplateStore implements TemplateStore {
  readonly drafts = new Map<string, TenantTemplate>();
  readonly versions = new Map<string, TemplateVersion>();

  async create(template: TenantTemplate) {
    const key = `${template.tenantId}#${template.id}`;
    if (this.drafts.has(key)) throw new ConflictError(`A template with id "${template.id}" already exists.`);
    this.drafts.set(key, clone(template));
  }
  async get(tenantId: string, id: string) {
    const t = this.drafts.get(`${tenantId}#${id}`);
    return t && clone(t);
  }
  async list(tenantId: string, input: { limit: number; cursor?: string }) {
    const all = [...this.drafts.values()].filter((t) => t.tenantId === tenantId).sort((a, b) => a.id.localeCompare(b.id));
    // The same cursors as the DynamoDB store: validated, a template id inside.
    const from = input.cursor ? decodeCursor(input.cursor, [(id) => TEMPLATE_ID.test(id)])[0]! : undefined;
    const start = from ? all.findIndex((t) => t.id > from) : 0;
    const page = start < 0 ? [] : all.slice(start, start + input.limit);
    const more = start >= 0 && start + input.limit < all.length;
    return { templates: page.map(clone), ...(more ? { cursor: encodeCursor([page.at(-1)!.id]) } : {}) };
  }
  async updateDraft(tenantId: string, id: string, content: TemplateContent, updatedAt: string) {
    const key = `${tenantId}#${id}`;
    const current = this.drafts.get(key);
    if (!current) return undefined;
    const base = Object.fromEntries(Object.entries(current).filter(([k]) => !(CONTENT_FIELDS as readonly string[]).includes(k)));
    const fields = Object.fromEntries(CONTENT_FIELDS.filter((f) => content[f] !== undefined).map((f) => [f, clone(content[f])]));
    const next = { ...base, ...fields, updatedAt } as TenantTemplate;
    this.drafts.set(key, next);
    return clone(next);
  }
  async delete(tenantId: string, id: string) {
    return this.drafts.delete(`${tenantId}#${id}`);
  }
  async publish(draft: TenantTemplate, publishedAt: string) {
    const key = `${draft.tenantId}#${draft.id}`;
    const current = this.drafts.get(key);
    if (!current || current.lastVersion !== draft.lastVersion || current.updatedAt !== draft.updatedAt) {
      throw new ConflictError(`Template "${draft.id}" changed while it was being published; read it again and retry.`);
    }
    const content = Object.fromEntries(CONTENT_FIELDS.filter((f) => draft[f] !== undefined).map((f) => [f, clone(draft[f])]));
    const version = { ...content, tenantId: draft.tenantId, id: draft.id, version: draft.lastVersion + 1, publishedAt } as TemplateVersion;
    this.versions.set(`${key}#${version.version}`, version);
    this.drafts.set(key, { ...current, publishedVersion: version.version, lastVersion: version.version, publishedAt });
    return clone(version);
  }
  async getVersion(tenantId: string, id: string, version: number) {
    const v = this.versions.get(`${tenantId}#${id}#${version}`);
    return v && clone(v);
  }
  async latestVersionNumber(tenantId: string, id: string) {
    return Math.max(0, ...[...this.versions.values()].filter((v) => v.tenantId === tenantId && v.id === id).map((v) => v.version));
  }
}

/** AttachmentStore in memory. */
export class MemoryAttachmentStore implements AttachmentStore {
  readonly objects = new Map<string, { body: Buffer; contentType?: string }>();
  async put(key: string, body: Buffer, contentType: string | undefined) {
    this.objects.set(key, { body: Buffer.from(body), ...(contentType ? { contentType } : {}) });
  }
  async get(key: string) {
    const o = this.objects.get(key);
    if (!o) throw new Error(`No attachment object ${key}`);
    return Buffer.from(o.body);
  }
}
