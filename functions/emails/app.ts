import { emailsEnvSchema, ENV, loadEnv } from '#shared/config/env';
import { createDocumentClient, createSqsClient } from '#shared/adapters/aws-clients';
import { DynamoEmailMetrics } from '#shared/adapters/dynamodb-email-metrics';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { createS3AttachmentStore } from '#shared/adapters/s3-attachment-store';
import { getEmailAttachment, listEmailAttachments } from '#shared/use-cases/email-attachments';
import { DynamoTenantStore } from '#shared/adapters/dynamodb-tenant-store';
import { CachedTenantStore } from '#shared/adapters/cached-tenant-store';
import { DynamoRateLimiter } from '#shared/adapters/dynamodb-rate-limiter';
import { createRateLimitHeaders, type RateLimitHeaders } from '#shared/use-cases/rate-limit-status';
import { sendSchedulerFromEnv } from '#shared/adapters/scheduler-send-scheduler';
import { SqsLaneQueue } from '#shared/adapters/sqs-lane-queue';
import { DependencyError, NotFoundError } from '#shared/domain/errors';
import { json, jsonBody, principalOf, requireScope, type ApiEvent, type ApiResult } from '#shared/http/api';
import { withApi } from '#shared/http/middy';
import { systemClock, type AttachmentStore, type Clock, type ContentBuilder, type EmailStore, type LaneQueue, type SendScheduler } from '#shared/ports/index';
import { cancelEmail } from '#shared/use-cases/cancel-email';
import { rescheduleEmail } from '#shared/use-cases/reschedule-email';
import { getEmail, listEmails, toEmailView, withRenderedContent } from '#shared/use-cases/get-email';
import { createTemplateContentBuilder } from '#shared/use-cases/template-content';
import { DynamoTemplateStore } from '#shared/adapters/dynamodb-template-store';
import { emailMetrics } from '#shared/use-cases/email-metrics';
import type { EmailMetricsReader } from '#shared/ports/email-metrics';
import type { ActivityLog } from '#shared/ports/activity';
import { DynamoActivityLog } from '#shared/adapters/dynamodb-activity-log';
import { listActivity } from '#shared/use-cases/activity';
import { rawEmail } from '#shared/use-cases/raw-email';

export interface EmailsDeps {
  readonly emails: EmailStore;
  /** Reschedule puts a message with the new schedule version on the lane queue. */
  readonly queue?: LaneQueue;
  readonly scheduler?: SendScheduler;
  readonly clock?: Clock;
  /** The tenant's email counters, for `GET /emails/metrics`. */
  readonly metrics?: EmailMetricsReader;
  /** `ratelimit-*` headers on every answer (the tenant's email bucket). */
  readonly rateLimitHeaders?: RateLimitHeaders;
  /** Attachment bytes (S3): download URLs for `GET /emails/{id}/attachments…`. */
  readonly attachments?: AttachmentStore;
  /** Renders a sent template email's subject/html/text for `GET /emails/{id}`, and the whole message for `GET /emails/{id}/raw`. */
  readonly content?: ContentBuilder;
  /** The tenant's activity log, for `GET /activity`. */
  readonly activity?: ActivityLog;
}

/** Largest PATCH body (it holds one field). */
const MAX_PATCH_BYTES = 10_000;

/**
 * `GET /emails`, `GET /emails/metrics` (Resend's `emails.metrics`), `GET /emails/{id}`, `PATCH /emails/{id}` (reschedule),
 * `POST /emails/{id}/cancel` (the last two answer `{object:'email', id}` like Resend), and Mailroom's `GET /emails/{id}/raw`
 * (the MIME message, `message/rfc822`) and `GET /activity` (the tenant's notable events).
 */
export const makeEmailsHandler =
  (deps: EmailsDeps) =>
  async (event: ApiEvent): Promise<ApiResult> => {
    const principal = principalOf(event);
    const id = event.pathParameters?.id;
    switch (event.routeKey) {
      case 'GET /emails':
        return json(200, await listEmails(deps, requireScope(principal, 'emails:read'), { ...(event.queryStringParameters ?? {}) }));
      case 'GET /emails/metrics': {
        if (!deps.metrics) throw new DependencyError('Email metrics are not configured on this deployment.');
        const query = { ...(event.queryStringParameters ?? {}) };
        return json(200, await emailMetrics({ metrics: deps.metrics, clock: deps.clock ?? systemClock }, requireScope(principal, 'emails:read'), query));
      }
      case 'GET /emails/{id}':
        return json(200, toEmailView(await withRenderedContent(deps, await getEmail(deps, requireScope(principal, 'emails:read'), id ?? ''))));
      case 'PATCH /emails/{id}': {
        const body = jsonBody(event, MAX_PATCH_BYTES);
        if (!deps.queue) throw new DependencyError('Rescheduling is not configured on this deployment (no lane queues).');
        return json(200, await rescheduleEmail({ ...deps, queue: deps.queue, clock: deps.clock ?? systemClock }, principal, id ?? '', body));
      }
      case 'GET /emails/{id}/attachments':
        return json(
          200,
          await listEmailAttachments(attachmentDeps(deps), requireScope(principal, 'emails:read'), id ?? '', { ...(event.queryStringParameters ?? {}) }),
        );
      case 'GET /emails/{id}/attachments/{attachment_id}':
        return json(
          200,
          await getEmailAttachment(attachmentDeps(deps), requireScope(principal, 'emails:read'), id ?? '', event.pathParameters?.attachment_id ?? ''),
        );
      case 'GET /emails/{id}/raw': {
        if (!deps.content) throw new DependencyError('Raw messages are not configured on this deployment.');
        const { raw, filename } = await rawEmail({ emails: deps.emails, content: deps.content }, requireScope(principal, 'emails:read'), id ?? '');
        return {
          statusCode: 200,
          // MailComposer writes 7-bit MIME (encoded words, quoted-printable, base64): a text body carries it unchanged.
          headers: { 'content-type': 'message/rfc822', 'content-disposition': `attachment; filename="${filename}"`, 'cache-control': 'no-store' },
          body: raw.toString('utf8'),
        };
      }
      case 'GET /activity': {
        if (!deps.activity) throw new DependencyError('The activity log is not configured on this deployment.');
        return json(200, await listActivity({ activity: deps.activity }, principal, { ...(event.queryStringParameters ?? {}) }));
      }
      case 'POST /emails/{id}/cancel':
        return json(200, await cancelEmail({ ...deps, clock: deps.clock ?? systemClock }, principal, id ?? ''));
      default:
        throw new NotFoundError(`No route ${event.routeKey}.`);
    }
  };

const attachmentDeps = (deps: EmailsDeps) => ({
  emails: deps.emails,
  clock: deps.clock ?? systemClock,
  ...(deps.attachments ? { attachments: deps.attachments } : {}),
});

export function createEmailsDeps(env: Record<string, string | undefined>): EmailsDeps {
  const config = loadEnv(emailsEnvSchema, env);
  const doc = createDocumentClient();
  const urls = config[ENV.LANE_QUEUE_URLS];
  const scheduler = sendSchedulerFromEnv(config, doc);
  const table = config[ENV.TABLE_NAME];
  const attachments = createS3AttachmentStore(config[ENV.ATTACHMENTS_BUCKET]);
  const tenants = new CachedTenantStore(new DynamoTenantStore(doc, table));
  return {
    emails: new DynamoEmailStore(doc, table),
    // With the attachment bytes for GET /emails/{id}/raw (GET /emails/{id} renders without them).
    content: createTemplateContentBuilder({ templates: new DynamoTemplateStore(doc, table), tenants, ...(attachments ? { attachments } : {}) }),
    activity: new DynamoActivityLog(doc, table),
    ...(attachments ? { attachments } : {}),
    metrics: new DynamoEmailMetrics(doc, table),
    rateLimitHeaders: createRateLimitHeaders({ tenants, limiter: new DynamoRateLimiter(doc, table) }),
    clock: systemClock,
    ...(urls ? { queue: new SqsLaneQueue(createSqsClient(), urls) } : {}),
    ...(scheduler ? { scheduler } : {}),
  };
}

export const createEmailsHandler = (env: Record<string, string | undefined>) => {
  const deps = createEmailsDeps(env);
  return withApi(makeEmailsHandler(deps), deps.rateLimitHeaders ? { rateLimitHeaders: deps.rateLimitHeaders } : {});
};
