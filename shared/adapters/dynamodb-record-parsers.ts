/**
 * Checked mappers for the records read less often than an email: suppressions, templates (draft and
 * published versions), sending domains, webhooks with their delivery log (events, attempts), and the
 * activity log. Each is a zod schema that names every field of its type — what the adapter writes
 * today and what older versions wrote (fields added later are optional) — run through `parserOf`,
 * so a malformed item is a StoredItemError naming its key and fields, like an email's. Attributes a
 * schema does not name (keys, index attributes, anything unknown) are dropped, never a failure.
 */
import * as z from 'zod';
import { LANE_NAMES } from '#shared/config/lanes';
import { ACTIVITY_TYPES, type ActivityItem } from '#shared/domain/activity';
import { DOMAIN_STATUSES, type DomainRecord, type SendingDomain } from '#shared/domain/sending-domain';
import { SUPPRESSION_REASONS, SUPPRESSION_SCOPES, type Suppression } from '#shared/domain/suppression';
import type { TemplateContent, TemplateVariable, TemplateVersion, TenantTemplate } from '#shared/domain/template';
import { WEBHOOK_EVENT_TYPES, type Webhook, type WebhookAttempt, type WebhookEventRecord } from '#shared/domain/webhook';
import { optionalParserOf, parserOf } from './dynamodb-mappers';

/**
 * A schema for every field of T, optional ones included (`-?`): leaving a field out, or making a
 * required one optional, is a type error here rather than a field silently dropped on read.
 */
type ShapeOf<T> = { readonly [K in keyof T]-?: z.ZodType<T[K]> };

/** The object schema of `shape`, as a schema of T (ShapeOf has checked each field against T). */
const recordSchema =
  <T>() =>
  <S extends ShapeOf<T>>(shape: S): z.ZodType<T> =>
    z.object(shape) as unknown as z.ZodType<T>;

const json = z.record(z.string(), z.unknown());

const SUPPRESSION_SCHEMA = recordSchema<Suppression>()({
  tenantId: z.string(),
  address: z.string(),
  reason: z.enum(SUPPRESSION_REASONS),
  scope: z.enum(SUPPRESSION_SCOPES),
  sourceEmailId: z.string().optional(),
  createdAt: z.string(),
});

/** What the sender's suppression lookup projects (`address`, `scope`), checked all the same. */
const SUPPRESSION_LOOKUP_SCHEMA = recordSchema<Pick<Suppression, 'address' | 'scope'>>()({
  address: z.string(),
  scope: z.enum(SUPPRESSION_SCOPES),
});

const TEMPLATE_VARIABLE = recordSchema<TemplateVariable>()({
  key: z.string(),
  type: z.enum(['string', 'number']),
  fallbackValue: z.union([z.string(), z.number()]).optional(),
});

/** The content fields; alias, from, replyTo and variables came later (Resend-shaped templates). */
const TEMPLATE_CONTENT = {
  name: z.string(),
  description: z.string().optional(),
  subject: z.string(),
  html: z.string(),
  text: z.string().optional(),
  lane: z.enum(LANE_NAMES).optional(),
  schema: z.looseObject({}).optional(),
  sample: json.optional(),
  alias: z.string().optional(),
  from: z.string().optional(),
  replyTo: z.array(z.string()).optional(),
  variables: z.array(TEMPLATE_VARIABLE).optional(),
} satisfies ShapeOf<TemplateContent>;

const TEMPLATE_DRAFT_SCHEMA = recordSchema<TenantTemplate>()({
  ...TEMPLATE_CONTENT,
  tenantId: z.string(),
  id: z.string(),
  publishedVersion: z.number().optional(),
  lastVersion: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  publishedAt: z.string().optional(),
});

const TEMPLATE_VERSION_SCHEMA = recordSchema<TemplateVersion>()({
  ...TEMPLATE_CONTENT,
  tenantId: z.string(),
  id: z.string(),
  version: z.number(),
  publishedAt: z.string(),
});

const DOMAIN_RECORD = recordSchema<DomainRecord>()({
  record: z.enum(['SPF', 'DKIM']),
  name: z.string(),
  type: z.enum(['MX', 'TXT', 'CNAME']),
  value: z.string(),
  ttl: z.string(),
  status: z.enum(['not_started', 'pending', 'verified', 'failed', 'temporary_failure']),
  priority: z.number().optional(),
});

const DOMAIN_SCHEMA = recordSchema<SendingDomain>()({
  id: z.string(),
  tenantId: z.string(),
  name: z.string(),
  region: z.string(),
  status: z.enum(DOMAIN_STATUSES),
  records: z.array(DOMAIN_RECORD),
  customReturnPath: z.string(),
  openTracking: z.boolean(),
  clickTracking: z.boolean(),
  tls: z.enum(['enforced', 'opportunistic']),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const WEBHOOK_SCHEMA = recordSchema<Webhook>()({
  id: z.string(),
  tenantId: z.string(),
  endpoint: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  status: z.enum(['enabled', 'disabled']),
  secret: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  failureStreak: z.number().optional(),
  disabledReason: z.string().optional(),
});

const WEBHOOK_EVENT_SCHEMA = recordSchema<WebhookEventRecord>()({
  id: z.string(),
  webhookId: z.string(),
  tenantId: z.string(),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  createdAt: z.string(),
  status: z.enum(['pending', 'attempting', 'success', 'failed']),
  attempts: z.number(),
  budgetStart: z.number(),
  nextAttemptAt: z.string().nullable(),
  payload: z.string(),
  expiresAt: z.number(),
});

const WEBHOOK_ATTEMPT_SCHEMA = recordSchema<WebhookAttempt>()({
  id: z.string(),
  webhookId: z.string(),
  eventId: z.string(),
  n: z.number(),
  sentAt: z.string(),
  httpStatusCode: z.number(),
  response: z.string(),
  latencyMs: z.number(),
  expiresAt: z.number(),
});

/** `template` came later (template emails named in the feed). */
const ACTIVITY_SCHEMA = recordSchema<ActivityItem>()({
  id: z.string(),
  tenantId: z.string(),
  type: z.enum(ACTIVITY_TYPES),
  at: z.string(),
  emailId: z.string().optional(),
  webhookId: z.string().optional(),
  to: z.array(z.string()).optional(),
  subject: z.string().optional(),
  template: z.string().optional(),
  detail: json,
  expiresAt: z.number(),
});

/** A suppression item as a Suppression; StoredItemError when it is not one. */
export const parseSuppressionItem = parserOf('suppression', SUPPRESSION_SCHEMA);
export const parseSuppressionLookupItem = parserOf('suppression', SUPPRESSION_LOOKUP_SCHEMA);
export const parseTemplateDraftItem = parserOf('template', TEMPLATE_DRAFT_SCHEMA);
export const parseTemplateVersionItem = parserOf('template version', TEMPLATE_VERSION_SCHEMA);
export const parseDomainItem = parserOf('domain', DOMAIN_SCHEMA);
export const parseWebhookItem = parserOf('webhook', WEBHOOK_SCHEMA);
export const parseWebhookEventItem = parserOf('webhook event', WEBHOOK_EVENT_SCHEMA);
export const parseWebhookAttemptItem = parserOf('webhook attempt', WEBHOOK_ATTEMPT_SCHEMA);
export const parseActivityItem = parserOf('activity', ACTIVITY_SCHEMA);

/** The same, for a Get that may find nothing. */
export const parseSuppressionItemIfAny = optionalParserOf(parseSuppressionItem);
export const parseTemplateDraftItemIfAny = optionalParserOf(parseTemplateDraftItem);
export const parseTemplateVersionItemIfAny = optionalParserOf(parseTemplateVersionItem);
export const parseDomainItemIfAny = optionalParserOf(parseDomainItem);
export const parseWebhookItemIfAny = optionalParserOf(parseWebhookItem);
export const parseWebhookEventItemIfAny = optionalParserOf(parseWebhookEventItem);
