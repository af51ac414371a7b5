import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ENV, loadEnv, senderEnvSchema } from '#shared/config/env';
import { LANES, SQS_MAX_RECEIVE_COUNT } from '#shared/config/lanes';
import { createDocumentClient, createSqsClient } from '#shared/adapters/aws-clients';
import { DynamoCircuitBreaker } from '#shared/adapters/dynamodb-circuit-breaker';
import { DynamoEmailMetrics } from '#shared/adapters/dynamodb-email-metrics';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { DynamoTenantStore } from '#shared/adapters/dynamodb-tenant-store';
import { CachedTenantStore } from '#shared/adapters/cached-tenant-store';
import { DynamoSuppressionStore } from '#shared/adapters/dynamodb-suppression-store';
import { eventPublisherFromEnv } from '#shared/adapters/eventbridge-event-publisher';
import { BufferedEmailMetrics } from '#shared/adapters/buffered-email-metrics';
import { BufferedEventPublisher } from '#shared/adapters/buffered-event-publisher';
import { createSigningKeySource } from '#shared/adapters/signing-key';
import { DynamoSenderCap } from '#shared/adapters/dynamodb-sender-cap';
import { createSesMailProvider, type SesMailProvider } from '#shared/adapters/ses-mail-provider';
import { createSmtpMailProvider } from '#shared/adapters/smtp-mail-provider';
import { FailoverMailProvider } from '#shared/adapters/failover-mail-provider';
import { SqsLaneQueue } from '#shared/adapters/sqs-lane-queue';
import { DynamoTemplateStore } from '#shared/adapters/dynamodb-template-store';
import { createS3AttachmentStore } from '#shared/adapters/s3-attachment-store';
import { createTemplateContentBuilder } from '#shared/use-cases/template-content';
import type { LaneMessage } from '#shared/domain/email';
import { withPowertools } from '#shared/http/middy';
import { logger } from '#shared/observability/logger';
import { systemClock } from '#shared/ports/index';
import { pacedProvider } from '#shared/use-cases/pacing';
import { prepareBatch, type LaneDelivery, type SendEmailDeps, type SendOutcome } from '#shared/use-cases/send-email';
import { unsubscribeLinks } from '#shared/use-cases/unsubscribe';

/** Thrown for a record that should come back later; the visibility was already changed. */
export class RetryLaterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

function parseMessage(record: SQSRecord): LaneMessage | undefined {
  try {
    const body = JSON.parse(record.body) as Partial<LaneMessage>;
    if (typeof body.emailId === 'string' && typeof body.tenantId === 'string') {
      return { emailId: body.emailId, tenantId: body.tenantId, scheduleVersion: Number(body.scheduleVersion ?? 0) };
    }
  } catch {
    // fall through
  }
  return undefined;
}

/**
 * Lane sender: an SQS batch, each record sent by the sendEmail use case. Records to retry get
 * their visibility set to the backoff and are reported as batch item failures.
 */
export const makeSenderHandler = (deps: SendEmailDeps) => {
  const recordHandler = async (batch: SendEmailDeps, send: (key: string) => Promise<SendOutcome>, record: SQSRecord): Promise<string> => {
    const message = parseMessage(record);
    if (!message) {
      logger.error('Malformed lane message moved to the DLQ', { messageId: record.messageId });
      await batch.queue.sendToDlq(batch.lane.name, { emailId: 'malformed', tenantId: '', scheduleVersion: 0 }, `malformed body: ${record.body.slice(0, 200)}`);
      return 'malformed';
    }
    logger.appendKeys({ emailId: message.emailId, tenantId: message.tenantId, lane: batch.lane.name });
    const outcome = await send(record.messageId);
    if (outcome.kind === 'retry') {
      await batch.queue.changeVisibility(batch.lane.name, record.receiptHandle, outcome.delaySeconds);
      throw new RetryLaterError(`retry in ${outcome.delaySeconds}s: ${outcome.reason}`);
    }
    return outcome.kind;
  };
  // A processor and an event buffer per invocation: they hold per-batch state, and local mode may
  // run batches concurrently. The batch's "Email …" events go out together once it is done.
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    const events = deps.events ? new BufferedEventPublisher(deps.events) : undefined;
    // Likewise the counters: one write per tenant and hour for the batch.
    const counters = deps.counters ? new BufferedEmailMetrics(deps.counters) : undefined;
    const batchDeps: SendEmailDeps = { ...deps, ...(events ? { events } : {}), ...(counters ? { counters } : {}) };
    try {
      // Claims and the suppression lookup for the whole batch first (one BatchGetItem), then each send.
      const deliveries = new Map<string, LaneDelivery>();
      for (const record of event.Records) {
        const message = parseMessage(record);
        if (message) deliveries.set(record.messageId, { message, receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1) });
      }
      const send = await prepareBatch(batchDeps, deliveries);
      return await processPartialResponse(
        event,
        (record: SQSRecord) => recordHandler(batchDeps, send, record),
        new BatchProcessor(EventType.SQS),
        context ? { context } : undefined,
      );
    } finally {
      // Independent writes (a counter item, the bus), each logging its own failure: side by side.
      await Promise.all([counters?.flush(), events?.flush()]);
    }
  };
};

const pacedSes = (ses: SesMailProvider) => pacedProvider(ses, { maxSendRate: () => ses.maxSendRate(), clock: systemClock });

export function createSenderDeps(env: Record<string, string | undefined>): SendEmailDeps {
  const config = loadEnv(senderEnvSchema, env);
  const doc = createDocumentClient();
  const table = config[ENV.TABLE_NAME];
  const fallback = createSmtpMailProvider({ url: config[ENV.SMTP_URL], secretArn: config[ENV.SMTP_SECRET_ARN] });
  // One cache per container, shared by sendEmail and the content builder (SES tenant, limits, baseUrl).
  const tenants = new CachedTenantStore(new DynamoTenantStore(doc, table), config[ENV.TENANT_CACHE_SECONDS]);
  const attachments = createS3AttachmentStore(config[ENV.ATTACHMENTS_BUCKET]);
  const emails = new DynamoEmailStore(doc, table);
  // Marks events a webhook of the tenant subscribes to, from the same cache (no extra read).
  const events = eventPublisherFromEnv(config, tenants);
  const publicApiUrl = config[ENV.PUBLIC_API_URL];
  const domainSets = config[ENV.SES_DOMAIN_CONFIGURATION_SETS];
  // Marketing and bulk mail carries RFC 8058 one-click unsubscribe headers and `unsubscribe_url`.
  const unsubscribe = publicApiUrl
    ? unsubscribeLinks({
        baseUrl: publicApiUrl,
        clock: systemClock,
        signingKey: createSigningKeySource({ key: config[ENV.UNSUBSCRIBE_SIGNING_KEY], secretArn: config[ENV.UNSUBSCRIBE_SECRET_ARN] }),
      })
    : undefined;
  const templateContent = createTemplateContentBuilder({
    templates: new DynamoTemplateStore(doc, table),
    tenants,
    ...(attachments ? { attachments } : {}),
    ...(unsubscribe ? { extraVariables: unsubscribe.variables } : {}),
  });
  return {
    emails,
    ...(events ? { events } : {}),
    suppressions: new DynamoSuppressionStore(doc, table),
    counters: new DynamoEmailMetrics(doc, table),
    tenants,
    // Renders the template version recorded at accept time; reads attachment bytes from S3.
    content: unsubscribe ? unsubscribe.wrap(templateContent) : templateContent,
    queue: new SqsLaneQueue(createSqsClient(), config[ENV.LANE_QUEUE_URLS], config[ENV.LANE_DLQ_URLS]),
    clock: systemClock,
    lane: LANES[config[ENV.LANE]],
    // SES (paced to the account's MaxSendRate, read every 10 minutes, per container) behind one
    // breaker item per provider in the main table, shared by every sender of every lane, with the
    // SMTP fallback: one provider to the use case.
    provider: new FailoverMailProvider({
      primary: pacedSes(createSesMailProvider({ configurationSet: config[ENV.SES_CONFIGURATION_SET], timeoutMs: config[ENV.SES_TIMEOUT_MS] })),
      ...(fallback ? { fallback } : {}),
      breaker: new DynamoCircuitBreaker(doc, table, {
        failureThreshold: config[ENV.BREAKER_FAILURE_THRESHOLD],
        windowSeconds: config[ENV.BREAKER_WINDOW_SECONDS],
        openSeconds: config[ENV.BREAKER_OPEN_SECONDS],
        // A probe holds its slot for as long as one SES call may take.
        probeSeconds: Math.ceil(config[ENV.SES_TIMEOUT_MS] / 1000) + 1,
        cacheMs: config[ENV.BREAKER_CACHE_MS],
      }),
      throttleFailoverAfter: config[ENV.THROTTLE_FAILOVER_AFTER],
    }),
    // Per-domain tracking and TLS: the from-domain's configuration set (from the cached tenant), else the lane's.
    ...(domainSets ? { configurationSets: { laneDefault: config[ENV.SES_CONFIGURATION_SET], byDomain: domainSets } } : {}),
    // Per-sender hourly caps (tenant limits), counted at send time on every lane.
    senderCap: new DynamoSenderCap(doc, table),
    ambiguity: { holdSeconds: config[ENV.AMBIGUOUS_HOLD_SECONDS], deadlineSeconds: config[ENV.AMBIGUOUS_DEADLINE_SECONDS] },
    leaseSeconds: config[ENV.CLAIM_LEASE_SECONDS],
    maxReceiveCount: SQS_MAX_RECEIVE_COUNT,
  };
}

/**
 * `customize` lets local mode and fault-injection tests adjust the wired dependencies (a fixed
 * jitter, a store that crashes on cue) without any test branch in production code.
 */
export const createSenderHandler = (env: Record<string, string | undefined>, customize: (deps: SendEmailDeps) => SendEmailDeps = (d) => d) =>
  withPowertools(makeSenderHandler(customize(createSenderDeps(env))));
