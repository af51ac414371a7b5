/**
 * Mailroom on a laptop: the emulators, the resources (from the CDK app's definitions), the real
 * handlers behind a local API Gateway, and the lane pollers. `npm start` and the integration
 * tests both run this.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ENV } from '#shared/config/env';
import { LANE_NAMES, type Lane } from '#shared/config/lanes';
import { DynamoApiKeyStore, DynamoTenantStore } from '#shared/adapters/dynamodb-tenant-store';
import { DEFAULT_LIMITS, type Tenant } from '#shared/domain/tenant';
import { systemClock } from '#shared/ports/index';
import type { SendEmailDeps } from '#shared/use-cases/send-email';
import { createApiKey, createOperatorKey } from '#shared/use-cases/api-keys';
import { redactAddressesIn } from '#shared/observability/redact';
import { localNames } from '../definitions';
import { startLocalApi } from './api-server';
import { consoleStaticHandler } from './console-static';
import { createBucket, createQueues, createTables, type LocalQueues } from './bootstrap';
import { LOCAL_AWS, startEmulators, type EmulatorPorts, type Emulators } from './emulators';
import { API_FUNCTIONS, createLaneSender } from './functions';
import { startLanePoller, type LanePoller } from './lane-poller';
import { createWebhookQueues, startWebhookWorkers, webhookEnv } from './webhooks';
import { DynamoLocalScheduler, startLocalSchedulerLoop, type LocalSchedulerLoop } from '#shared/adapters/dynamodb-local-scheduler';
import { SqsLaneQueue } from '#shared/adapters/sqs-lane-queue';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { createReconcilerDeps } from '#functions/reconciler/app';
import { startLocalReconcilerLoop, type LocalReconcilerLoop } from './reconciler-loop';

/** Local mode's tenant cache (MAILROOM_TENANT_CACHE_SECONDS; AWS uses TENANT_CACHE_SECONDS, 30 s). */
export const LOCAL_TENANT_CACHE_SECONDS = 2;

export interface LocalStackOptions {
  /** API port (0 = any free port). */
  readonly apiPort?: number;
  readonly ports?: EmulatorPorts;
  /** Keep DynamoDB data here across restarts; in memory when absent. */
  readonly dataDir?: string;
  /** Send through the SMTP sink when SES fails (default on). */
  readonly smtpFallback?: boolean;
  /** Override the SES endpoint the senders use (fault injection). */
  readonly sesEndpoint?: string;
  /** Extra environment for every function. */
  readonly env?: Record<string, string>;
  /**
   * Most sender invocations in flight per lane (default 4): each lane runs min(its
   * MaximumConcurrency, workers) at once, like its event source mapping, bounded for a laptop.
   */
  readonly workers?: number;
  /** Seconds the local API Gateway reuses an authorizer answer per Authorization header (default AUTHORIZER_CACHE_SECONDS; 0 = no cache). */
  readonly authorizerCacheSeconds?: number;
  /** Adjust each lane sender's dependencies (tests: fixed jitter, crash injection). */
  readonly senderOverrides?: (deps: SendEmailDeps, lane: Lane) => SendEmailDeps;
  /** Visibility timeout the local poller asks for on receive (default: the lane's). Tests shrink it. */
  readonly laneVisibilitySeconds?: number;
  readonly seed?: { tenantId?: string; from?: string; allowedSenders?: string[] };
  /** Start the lane pollers (default true). */
  readonly pollLanes?: boolean;
  /** Start the local scheduler loop that fires due schedules (default true). */
  readonly runScheduler?: boolean;
  /** Run the reconciler: a sweep at start, then every `reconcileIntervalMs` (default true). */
  readonly runReconciler?: boolean;
  /** Milliseconds between reconciler runs (default 60 000, as the rule in AWS). */
  readonly reconcileIntervalMs?: number;
  readonly logLevel?: string;
  /** Folder of the built operator console served at /console/ (default console/dist). */
  readonly consoleDir?: string;
}

export interface LocalStack {
  readonly apiUrl: string;
  readonly apiKey: string;
  /** A deployment-level operator key (lanes, every tenant's DLQ, whole-lane redrive). */
  readonly operatorKey: string;
  readonly tenantId: string;
  readonly from: string;
  readonly sesInboxUrl: string;
  readonly smtpInboxUrl: string;
  readonly emulators: Emulators;
  readonly queues: LocalQueues;
  readonly names: ReturnType<typeof localNames>;
  readonly env: Record<string, string>;
  readonly sqs: SQSClient;
  readonly dynamo: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  poller?: LanePoller;
  /** Fires due schedules (sends more than 15 minutes ahead) into the lane queues. */
  scheduler?: LocalSchedulerLoop;
  /** Re-enqueues stuck emails: swept once at start (the in-memory queues start empty), then periodically. */
  reconciler?: LocalReconcilerLoop;
  /** Creates another tenant with its own key (tests). */
  createTenant(tenantId: string, options?: Partial<Tenant>): Promise<{ apiKey: string }>;
  stop(): Promise<void>;
}

/** Points every AWS SDK client of this process at the emulators. */
function setProcessEnv(emulators: Emulators, sesEndpoint: string, logLevel: string): void {
  Object.assign(process.env, {
    AWS_REGION: LOCAL_AWS.region,
    AWS_DEFAULT_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: LOCAL_AWS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamodbEndpoint,
    AWS_ENDPOINT_URL_SQS: emulators.sqsEndpoint,
    AWS_ENDPOINT_URL_S3: emulators.sqsEndpoint,
    AWS_ENDPOINT_URL_SESV2: sesEndpoint,
    POWERTOOLS_TRACE_ENABLED: process.env.POWERTOOLS_TRACE_ENABLED ?? 'false',
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? logLevel,
    AWS_LAMBDA_LOG_LEVEL: process.env.AWS_LAMBDA_LOG_LEVEL ?? logLevel,
  });
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const emulators = await startEmulators({ ports: options.ports ?? {}, ...(options.dataDir ? { dynamoDbPath: `${options.dataDir}/dynamodb` } : {}) });
  const stops: Array<() => Promise<void>> = [() => emulators.stop()];
  try {
    setProcessEnv(emulators, options.sesEndpoint ?? emulators.sesEndpoint, options.logLevel ?? 'WARN');
    const names = localNames();
    const dynamo = new DynamoDBClient({});
    const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
    const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
    const { addedPendingIndex, addedEmailListIndex } = await createTables(dynamo, names);
    // A data folder from an older version: its pending emails get their index keys, so the sweep below finds them.
    if (addedPendingIndex) await new DynamoEmailStore(doc, names.table).backfillPendingIndex();
    // …and its emails their list keys, so `GET /emails` lists them.
    if (addedEmailListIndex) await new DynamoEmailStore(doc, names.table).backfillEmailList();
    const queues = await createQueues(sqs, 'mailroom');
    const webhookQueues = await createWebhookQueues(sqs, 'mailroom');
    await createBucket(new S3Client({ forcePathStyle: true }), names.attachmentsBucket);

    const env: Record<string, string> = {
      [ENV.TABLE_NAME]: names.table,
      [ENV.IDEMPOTENCY_TABLE_NAME]: names.idempotencyTable,
      [ENV.LANE_QUEUE_URLS]: JSON.stringify(queues.queueUrls),
      [ENV.LANE_DLQ_URLS]: JSON.stringify(queues.dlqUrls),
      [ENV.LANE_QUEUE_ARNS]: JSON.stringify(queues.queueArns),
      [ENV.ATTACHMENTS_BUCKET]: names.attachmentsBucket,
      [ENV.EVENT_BUS_NAME]: names.eventBus,
      [ENV.SCHEDULE_GROUP]: names.scheduleGroup,
      // No EventBridge Scheduler emulator exists: schedules live in the main table (survive a restart).
      [ENV.SCHEDULER]: 'local',
      [ENV.SES_CONFIGURATION_SET]: 'mailroom',
      // Lane ages and last-hour counts: CloudWatch has no local emulator, so count from the table.
      [ENV.LANE_METRICS]: 'table',
      [ENV.UNSUBSCRIBE_SIGNING_KEY]: 'local-unsubscribe-signing-key-not-secret',
      // No EventBridge emulator exists: outbound events are printed and go to the local event log (shared/adapters/local-event-log.ts).
      [ENV.EVENT_PUBLISHER]: 'local',
      // Webhooks: the local publisher copies events to the fan-out queue; loopback receivers allowed.
      ...webhookEnv(webhookQueues),
      // No SES identities in the emulator: domains get SES-shaped records, verified with `mailroom domains verify`.
      [ENV.IDENTITIES]: 'local',
      // The local API server caches authorizer answers (authorizerCacheSeconds), so the function does not.
      [ENV.AUTHORIZER_CACHE_SECONDS]: '0',
      // On a laptop a webhook created a moment ago should get the next email's events: tenants (and the
      // webhook subscriptions the publishers mark events from) are cached for 2 s, not AWS's 30 s.
      [ENV.TENANT_CACHE_SECONDS]: String(LOCAL_TENANT_CACHE_SECONDS),
      ...(options.smtpFallback === false ? {} : { [ENV.SMTP_URL]: emulators.smtpUrl }),
      ...options.env,
    };

    const functions = Object.fromEntries(Object.entries(API_FUNCTIONS).map(([name, create]) => [name, create!(env)]));
    const api = await startLocalApi({
      port: options.apiPort ?? 0,
      functions,
      ...(options.authorizerCacheSeconds !== undefined ? { authorizerCacheSeconds: options.authorizerCacheSeconds } : {}),
      staticHandler: consoleStaticHandler(options.consoleDir ? { distDir: options.consoleDir } : {}),
    });
    stops.unshift(() => api.stop());
    env[ENV.PUBLIC_API_URL] = api.url;
    const webhookWorkers = startWebhookWorkers({
      sqs,
      queues: webhookQueues,
      env,
      onError: (e) => console.error('[local webhooks]', redactAddressesIn(String((e as Error)?.stack ?? e))),
    });
    stops.unshift(() => webhookWorkers.stop());

    const senders = Object.fromEntries(
      LANE_NAMES.map((lane) => [lane, createLaneSender({ ...env, [ENV.LANE]: lane }, lane, options.senderOverrides)]),
    ) as Record<Lane, any>;
    let poller: LanePoller | undefined;
    if (options.pollLanes !== false) {
      poller = startLanePoller({
        sqs,
        queueUrls: queues.queueUrls,
        queueArns: queues.queueArns,
        senders,
        workers: options.workers ?? 4,
        ...(options.laneVisibilitySeconds !== undefined ? { visibilityTimeoutSeconds: options.laneVisibilitySeconds } : {}),
        onError: (e) => console.error('[local lanes]', redactAddressesIn(String((e as Error)?.stack ?? e))),
      });
      stops.unshift(() => poller!.stop());
    }
    let scheduler: LocalSchedulerLoop | undefined;
    if (options.runScheduler !== false) {
      // Fires what fell due while local mode was down at once, then every 250 ms.
      scheduler = startLocalSchedulerLoop({
        scheduler: new DynamoLocalScheduler(doc, names.table),
        queue: new SqsLaneQueue(sqs, queues.queueUrls),
        onError: (e) => console.error('[local scheduler]', redactAddressesIn(String((e as Error)?.stack ?? e))),
      });
      stops.unshift(() => scheduler!.stop());
    }

    let reconciler: LocalReconcilerLoop | undefined;
    if (options.runReconciler !== false) {
      reconciler = await startLocalReconcilerLoop({
        deps: {
          ...createReconcilerDeps(env),
          onError: (email, e) => console.error('[local reconciler]', email.id, redactAddressesIn(String((e as Error)?.message ?? e))),
        },
        ...(options.reconcileIntervalMs !== undefined ? { intervalMs: options.reconcileIntervalMs } : {}),
        onError: (e) => console.error('[local reconciler]', redactAddressesIn(String((e as Error)?.stack ?? e))),
      });
      stops.unshift(() => reconciler!.stop());
    }

    const keys = new DynamoApiKeyStore(doc, names.table);
    const tenants = new DynamoTenantStore(doc, names.table);
    const createTenant = async (tenantId: string, extra: Partial<Tenant> = {}) => {
      const now = new Date().toISOString();
      // A restart keeps what the tenant gained while running (its webhooks' event types, its domains'
      // delivery options); a new tenant has no webhooks, like one made by `mailroom tenants create`.
      const kept = await tenants.get(tenantId);
      const base: Tenant = kept ?? {
        id: tenantId,
        allowedSenders: [],
        retentionDays: 30,
        limits: DEFAULT_LIMITS,
        webhookEvents: [],
        createdAt: now,
        updatedAt: now,
      };
      await tenants.put({ ...base, ...extra, updatedAt: now });
      const { key } = await createApiKey({ keys, clock: systemClock }, { tenantId, scopes: ['admin'], name: 'local' });
      return { apiKey: key };
    };
    const tenantId = options.seed?.tenantId ?? 'local';
    const from = options.seed?.from ?? 'Mailroom <hello@example.com>';
    const { apiKey } = await createTenant(tenantId, {
      allowedSenders: options.seed?.allowedSenders ?? ['example.com'],
      name: 'Local tenant',
      baseUrl: 'https://app.example.com',
    });
    const { key: operatorKey } = await createOperatorKey({ keys, clock: systemClock }, { name: 'local operator' });

    return {
      apiUrl: api.url,
      apiKey,
      operatorKey,
      tenantId,
      from,
      sesInboxUrl: emulators.sesEndpoint,
      smtpInboxUrl: emulators.smtpWebUrl,
      emulators,
      queues,
      names,
      env,
      sqs,
      dynamo,
      doc,
      ...(poller ? { poller } : {}),
      ...(scheduler ? { scheduler } : {}),
      ...(reconciler ? { reconciler } : {}),
      createTenant,
      async stop() {
        for (const stop of stops) await stop().catch((e) => console.error('[local] stop failed', e));
      },
    };
  } catch (error) {
    for (const stop of stops) await stop().catch(() => undefined);
    throw error;
  }
}

/** `.mailroom/local.json`: how scripts, the CLI and the resend SDK find the local stack. */
export function writeLocalInfo(path: string, stack: LocalStack): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(
    path,
    `${JSON.stringify(
      {
        apiUrl: stack.apiUrl,
        apiKey: stack.apiKey,
        operatorKey: stack.operatorKey,
        from: stack.from,
        sesInboxUrl: stack.sesInboxUrl,
        smtpInboxUrl: stack.smtpInboxUrl,
        tenantId: stack.tenantId,
        // The processes `npm start` owns besides itself (the DynamoDB Local JVM), so tools can check they end with it.
        pids: { mailroom: process.pid, dynamodb: stack.emulators.dynamodbPid },
        endpoints: {
          dynamodb: stack.emulators.dynamodbEndpoint,
          sqs: stack.emulators.sqsEndpoint,
          ses: stack.emulators.sesEndpoint,
          smtp: stack.emulators.smtpUrl,
        },
        env: stack.env,
      },
      null,
      2,
    )}\n`,
  );
}
