import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '#shared/domain/errors';
import { TEMPLATE_ID, type TemplateContent, type TemplateVersion, type TenantTemplate } from '#shared/domain/template';
import type { TemplateStore } from '#shared/ports/index';
import { decodeCursor, encodeCursor } from '#shared/domain/list-cursor';
import { KEYS } from './dynamodb-keys';
import { parseTemplateDraftItem, parseTemplateDraftItemIfAny, parseTemplateVersionItemIfAny } from './dynamodb-record-parsers';

const pk = KEYS.tenantPartition;
const draftSk = (id: string) => KEYS.templateDraft('', id).sk;
const versionSk = (id: string, version: number) => KEYS.templateVersion('', id, version).sk;

const CONTENT_FIELDS = ['name', 'description', 'subject', 'html', 'text', 'lane', 'schema', 'sample', 'alias', 'from', 'replyTo', 'variables'] as const;

function contentOf(template: TemplateContent): TemplateContent {
  return Object.fromEntries(CONTENT_FIELDS.filter((f) => template[f] !== undefined).map((f) => [f, template[f]])) as unknown as TemplateContent;
}

/**
 * Tenant templates on the single table: the draft at `TENANT#<t>` / `TEMPLATE#<id>#DRAFT` (listed
 * through gsi1 `TENANT#<t>` / `TEMPLATE#<id>`), each published version at
 * `TEMPLATE#<id>#V<0000000001>`, written once and never changed.
 */
export class DynamoTemplateStore implements TemplateStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(template: TenantTemplate): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: pk(template.tenantId), sk: draftSk(template.id), ...KEYS.templateByTenant(template.tenantId, template.id), ...template },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new ConflictError(`A template with id "${template.id}" already exists.`, 'invalid_state', { cause: error });
      throw error;
    }
  }

  async get(tenantId: string, id: string): Promise<TenantTemplate | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: pk(tenantId), sk: draftSk(id) }, ConsistentRead: true }));
    return parseTemplateDraftItemIfAny(out.Item);
  }

  /**
   * A page of the tenant's templates by id. The cursor is validated and the start key rebuilt from
   * the tenant (a forged cursor is 400 or a place in the caller's own list); `limit + 1` are read,
   * so a page that is exactly full has no cursor.
   */
  async list(tenantId: string, input: { limit: number; cursor?: string }): Promise<{ templates: TenantTemplate[]; cursor?: string }> {
    const from = input.cursor ? decodeCursor(input.cursor, [(id) => TEMPLATE_ID.test(id)])[0]! : undefined;
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :p)',
        ExpressionAttributeValues: { ':pk': pk(tenantId), ':p': 'TEMPLATE#' },
        Limit: input.limit + 1,
        ...(from ? { ExclusiveStartKey: { pk: pk(tenantId), sk: draftSk(from), gsi1pk: pk(tenantId), gsi1sk: `TEMPLATE#${from}` } } : {}),
      }),
    );
    const templates = (out.Items ?? []).map(parseTemplateDraftItem);
    if (templates.length <= input.limit) return { templates };
    const page = templates.slice(0, input.limit);
    return { templates: page, cursor: encodeCursor([page.at(-1)!.id]) };
  }

  async updateDraft(tenantId: string, id: string, content: TemplateContent, updatedAt: string): Promise<TenantTemplate | undefined> {
    const values = contentOf(content) as unknown as Record<string, unknown>;
    const removed = CONTENT_FIELDS.filter((f) => values[f] === undefined);
    const set = Object.keys(values).map((f) => `#${f} = :${f}`);
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: pk(tenantId), sk: draftSk(id) },
          UpdateExpression: `SET ${[...set, '#updatedAt = :updatedAt'].join(', ')}${removed.length ? ` REMOVE ${removed.map((f) => `#${f}`).join(', ')}` : ''}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: Object.fromEntries([...CONTENT_FIELDS, 'updatedAt'].map((f) => [`#${f}`, f])),
          ExpressionAttributeValues: { ...Object.fromEntries(Object.entries(values).map(([k, v]) => [`:${k}`, v])), ':updatedAt': updatedAt },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return parseTemplateDraftItemIfAny(out.Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({ TableName: this.tableName, Key: { pk: pk(tenantId), sk: draftSk(id) }, ConditionExpression: 'attribute_exists(pk)' }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async publish(draft: TenantTemplate, publishedAt: string): Promise<TemplateVersion> {
    const version: TemplateVersion = { ...contentOf(draft), tenantId: draft.tenantId, id: draft.id, version: draft.lastVersion + 1, publishedAt };
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: { pk: pk(draft.tenantId), sk: draftSk(draft.id) },
                UpdateExpression: 'SET publishedVersion = :v, lastVersion = :v, publishedAt = :at',
                ConditionExpression: 'attribute_exists(pk) AND lastVersion = :prev AND updatedAt = :updatedAt',
                ExpressionAttributeValues: { ':v': version.version, ':at': publishedAt, ':prev': draft.lastVersion, ':updatedAt': draft.updatedAt },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { pk: pk(draft.tenantId), sk: versionSk(draft.id, version.version), ...version },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        throw new ConflictError(`Template "${draft.id}" changed while it was being published; read it again and retry.`, 'invalid_state', { cause: error });
      }
      throw error;
    }
    return version;
  }

  async getVersion(tenantId: string, id: string, version: number): Promise<TemplateVersion | undefined> {
    // Versions never change, so an eventually consistent read is enough once it is found.
    const key = { pk: pk(tenantId), sk: versionSk(id, version) };
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key }));
    if (out.Item) return parseTemplateVersionItemIfAny(out.Item);
    const consistent = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return parseTemplateVersionItemIfAny(consistent.Item);
  }

  async latestVersionNumber(tenantId: string, id: string): Promise<number> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': pk(tenantId), ':p': `TEMPLATE#${id}#V` },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
        ProjectionExpression: '#v',
        ExpressionAttributeNames: { '#v': 'version' },
      }),
    );
    return Number(out.Items?.[0]?.version ?? 0);
  }
}
