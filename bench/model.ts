/**
 * The monthly cost model: every billed resource of the synthesized template, priced at a monthly
 * volume from what the bench measured per email (bench/sections/aws-calls.ts, sender-cpu, ingest-cpu)
 * and bench/prices.json. Pure: run.ts feeds it the template and the measurements;
 * test/infra/cost-coverage.test.ts fails when the template gains a resource type the model does not
 * price (PRICED) or name as free (FREE).
 *
 * Paths: accept (API, single or batches of 100) → send (one flow per lane, at the batch size each
 * event source mapping actually produces at that volume) → track (every SES event through the
 * tracking queue) — plus what is billed whether or not mail flows: alarms, dashboard, secrets, idle
 * queue polling, custom metrics, storage and PITR.
 */

import { METRIC_SERIES, seriesCount, seriesOfMetric } from '#shared/observability/metric-series';
import { TENANT_CACHE_SECONDS } from '#shared/adapters/cached-tenant-store';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
type Json = any;
export type Template = { Resources: Record<string, { Type: string; Properties?: Json }> };

/** Resource types the model prices, and how (the cost lines below name them again). */
export const PRICED: Readonly<Record<string, string>> = {
  'AWS::Lambda::Function':
    'requests and GB-seconds per invocation (measured CPU scaled to its memory, plus the AWS calls it waits for); X-Ray traces under its tracing mode',
  'AWS::Lambda::EventSourceMapping':
    'one ReceiveMessage and one DeleteMessageBatch per batch, at the batch size its BatchSize and MaximumBatchingWindowInSeconds produce at the volume; idle long polling',
  'AWS::SQS::Queue': 'requests per 64 KB chunk (enqueue by the API, by EventBridge into the tracking/intake queues; receive/delete via the mapping)',
  'AWS::DynamoDB::Table': 'write and read request units per email and per SES event (measured, index writes included); storage and PITR per GB-month retained',
  'AWS::ApiGatewayV2::Api': 'requests (HTTP API)',
  'AWS::ApiGatewayV2::Stage': 'access log bytes per request (CloudWatch Logs ingestion)',
  'AWS::ApiGateway::RestApi': 'requests (REST API, LocalStack profile)',
  'AWS::ApiGateway::Stage': 'access log bytes per request',
  'AWS::Logs::LogGroup': 'ingestion per GB (function output, platform lines, access logs); storage for its retention',
  'AWS::CloudWatch::Alarm': 'per metric per month: 1 for a plain alarm, one per MetricStat in a math alarm, the series a Metrics Insights query reads',
  'AWS::CloudWatch::Dashboard': 'per dashboard per month',
  'AWS::SecretsManager::Secret': 'per secret per month (reads are cached per container: negligible)',
  'AWS::Events::EventBus': 'custom events put on the Mailroom bus (entries, measured)',
  'AWS::Events::Rule':
    'matching is free (SES events on the default bus too); deliveries into SQS are priced as SQS requests; a schedule (rate(…)) is priced by the invocations, reads and logs of its target',
  'AWS::Events::Archive': 'GB archived and stored (events per email × event size)',
  'AWS::Scheduler::ScheduleGroup': 'one invocation per scheduled send',
  'AWS::XRay::SamplingRule': 'sets the trace rate the X-Ray line is priced at',
  'AWS::SES::ConfigurationSet': 'SES itself ($0.10 per 1,000), reported next to the infrastructure, not in it',
  'AWS::CloudFront::Distribution': 'console requests: per operator page view, not per email (priced at 0 here)',
  'AWS::S3::Bucket': 'storage: attachments (none in the modelled mail), console assets and access logs (kilobytes)',
  'AWS::SNS::Topic': 'alarm notifications: a few publishes a month (first million free)',
  'AWS::SNS::Subscription': 'alarm email deliveries: a few a month (first 1,000 free)',
};

/** Resource types that cost nothing by themselves (their traffic is priced where it happens). */
export const FREE: Readonly<Record<string, string>> = {
  'AWS::IAM::Role': 'IAM',
  'AWS::IAM::Policy': 'IAM',
  'AWS::IAM::ManagedPolicy': 'IAM',
  'AWS::Lambda::Permission': 'resource policy',
  'AWS::Lambda::Url': 'requests priced as Lambda invocations',
  'AWS::SQS::QueuePolicy': 'resource policy',
  'AWS::S3::BucketPolicy': 'resource policy',
  'AWS::SNS::TopicPolicy': 'resource policy',
  'AWS::Events::EventBusPolicy': 'resource policy',
  'AWS::ApiGatewayV2::Route': 'configuration',
  'AWS::ApiGatewayV2::Integration': 'configuration',
  'AWS::ApiGatewayV2::Authorizer': 'configuration (its function runs on every API request and is priced as a flow)',
  'AWS::ApiGateway::Resource': 'configuration',
  'AWS::ApiGateway::Method': 'configuration',
  'AWS::ApiGateway::Deployment': 'configuration',
  'AWS::ApiGateway::Account': 'configuration',
  'AWS::ApiGateway::Authorizer': 'configuration',
  'AWS::SES::ConfigurationSetEventDestination': 'publishing SES events to the default bus is free',
  'AWS::CloudFront::ResponseHeadersPolicy': 'configuration',
  'AWS::CloudFront::OriginAccessControl': 'configuration',
  'AWS::CloudFront::CachePolicy': 'configuration',
  'AWS::Logs::ResourcePolicy': 'configuration',
  'AWS::CDK::Metadata': 'CDK bookkeeping',
};

/** Types the template holds that neither list names: the coverage test wants this empty. */
export function unpricedTypes(template: Template): string[] {
  const types = new Set(Object.values(template.Resources).map((r) => r.Type));
  return [...types].filter((t) => !(t in PRICED) && !(t in FREE) && !t.startsWith('Custom::')).sort();
}

// ---------- what the template holds ----------

export interface Mapping {
  readonly id: string;
  readonly functionId: string;
  readonly queueId: string;
  readonly batchSize: number;
  readonly windowSeconds: number;
  readonly maximumConcurrency?: number;
}

export interface Inventory {
  readonly counts: Readonly<Record<string, number>>;
  readonly functions: ReadonlyArray<{ id: string; memoryMb: number; timeoutSeconds: number; tracing: 'Active' | 'PassThrough' | 'off'; reserved?: number }>;
  readonly mappings: readonly Mapping[];
  /** Billed alarm metrics: one per plain alarm, MetricStats in math alarms, assumed series per Metrics Insights query. */
  readonly alarmMetrics: number;
  readonly alarms: { plain: number; math: number; insights: number };
  readonly dashboards: number;
  readonly secrets: number;
  readonly logGroups: ReadonlyArray<{ id: string; retentionDays: number }>;
  readonly tables: ReadonlyArray<{ id: string; pitr: boolean; indexes: ReadonlyArray<{ name: string; projection: string }> }>;
  /** The X-Ray sampling rule for the functions, if the template sets one. */
  readonly sampling?: { fixedRate: number; reservoirPerSecond: number };
  readonly archives: number;
}

const ref = (v: Json): string => (v && typeof v === 'object' ? (v.Ref ?? v['Fn::GetAtt']?.[0] ?? JSON.stringify(v)) : String(v));

/**
 * Series a Metrics Insights alarm query reads (billed one alarm metric each): for a query over one of
 * Mailroom's own metrics, every series shared/observability/metric-series.ts lists for it; otherwise
 * the assumed `fallback`.
 */
export function insightsSeries(query: string, fallback: number): number {
  const own = /^\s*SELECT\s+\w+\((\w+)\)\s+FROM\s+Mailroom\s*$/i.exec(query)?.[1];
  return own && own in METRIC_SERIES ? seriesOfMetric(own as keyof typeof METRIC_SERIES) : fallback;
}

export function inventory(template: Template, insightsSeriesPerQuery: number): Inventory {
  const all = Object.entries(template.Resources);
  const of = (type: string) => all.filter(([, r]) => r.Type === type);
  const counts: Record<string, number> = {};
  for (const [, r] of all) counts[r.Type] = (counts[r.Type] ?? 0) + 1;
  const alarms = { plain: 0, math: 0, insights: 0 };
  let alarmMetrics = 0;
  for (const [, a] of of('AWS::CloudWatch::Alarm')) {
    const metrics = a.Properties?.Metrics as Json[] | undefined;
    if (!metrics) {
      alarms.plain++;
      alarmMetrics += 1;
      continue;
    }
    const stats = metrics.filter((m) => m.MetricStat).length;
    const queries = metrics.filter((m) => typeof m.Expression === 'string' && /^\s*SELECT\b/i.test(m.Expression)).map((m) => m.Expression as string);
    if (queries.length > 0) alarms.insights++;
    else alarms.math++;
    alarmMetrics += stats + queries.reduce((n, q) => n + insightsSeries(q, insightsSeriesPerQuery), 0);
  }
  const rule = of('AWS::XRay::SamplingRule')[0]?.[1].Properties?.SamplingRule;
  return {
    counts,
    functions: of('AWS::Lambda::Function').map(([id, f]) => ({
      id,
      memoryMb: f.Properties?.MemorySize ?? 128,
      timeoutSeconds: f.Properties?.Timeout ?? 3,
      tracing: (f.Properties?.TracingConfig?.Mode as 'Active' | 'PassThrough' | undefined) ?? 'off',
      ...(f.Properties?.ReservedConcurrentExecutions !== undefined ? { reserved: f.Properties.ReservedConcurrentExecutions as number } : {}),
    })),
    mappings: of('AWS::Lambda::EventSourceMapping').map(([id, m]) => ({
      id,
      functionId: ref(m.Properties?.FunctionName),
      queueId: ref(m.Properties?.EventSourceArn),
      batchSize: m.Properties?.BatchSize ?? 10,
      windowSeconds: m.Properties?.MaximumBatchingWindowInSeconds ?? 0,
      ...(m.Properties?.ScalingConfig?.MaximumConcurrency ? { maximumConcurrency: m.Properties.ScalingConfig.MaximumConcurrency as number } : {}),
    })),
    alarmMetrics,
    alarms,
    dashboards: counts['AWS::CloudWatch::Dashboard'] ?? 0,
    secrets: counts['AWS::SecretsManager::Secret'] ?? 0,
    logGroups: of('AWS::Logs::LogGroup').map(([id, g]) => ({ id, retentionDays: g.Properties?.RetentionInDays ?? 3653 })),
    tables: of('AWS::DynamoDB::Table').map(([id, t]) => ({
      id,
      pitr: Boolean(
        t.Properties?.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled ??
          t.Properties?.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled,
      ),
      indexes: ((t.Properties?.GlobalSecondaryIndexes ?? []) as Json[]).map((g) => ({
        name: g.IndexName as string,
        projection: g.Projection?.ProjectionType ?? 'ALL',
      })),
    })),
    ...(rule ? { sampling: { fixedRate: Number(rule.FixedRate), reservoirPerSecond: Number(rule.ReservoirSize) } } : {}),
    archives: counts['AWS::Events::Archive'] ?? 0,
  };
}

// ---------- batching and sampling ----------

/**
 * Messages per batch an SQS event source mapping hands its function at an average arrival rate.
 * Each of the mapping's long pollers returns as soon as a message is there, unless a batching
 * window makes it wait up to `windowSeconds` for up to `batchSize`: with no window the batch is one
 * message until there is a backlog; with one, the pollers share the stream during the window.
 */
export function effectiveBatch(mapping: Pick<Mapping, 'batchSize' | 'windowSeconds'>, messagesPerSecond: number, pollers: number): number {
  if (messagesPerSecond <= 0) return 1;
  const collected = (messagesPerSecond * mapping.windowSeconds) / pollers;
  return Math.min(mapping.batchSize, Math.max(1, collected));
}

/**
 * Traces recorded per second for a function invoked `invocationsPerSecond` on average (Poisson).
 * Lambda's built-in rule: the first invocation in each second (per function) and 5 % of the rest.
 * With a sampling rule of reservoir 0 and a fixed rate: that rate of every invocation.
 */
export function tracesPerSecond(invocationsPerSecond: number, rule: { fixedRate: number; reservoirPerSecond: number } | undefined): number {
  const r = invocationsPerSecond;
  if (r <= 0) return 0;
  const { fixedRate, reservoirPerSecond } = rule ?? { fixedRate: 0.05, reservoirPerSecond: 1 };
  // P(at least one invocation in a second) × reservoir (1 or 0 in practice), then the rate on the rest.
  const reservoir = reservoirPerSecond > 0 ? Math.min(r, reservoirPerSecond * (1 - Math.exp(-r / reservoirPerSecond))) : 0;
  return reservoir + fixedRate * (r - reservoir);
}

// ---------- the monthly model ----------

/** Work per unit (one email, or one SES event) of one function, as the bench measured it. */
export interface UnitWork {
  /** Function CPU ms per unit on this machine (scaled to Lambda's CPU share by the model). */
  readonly cpuMs: number;
  /** AWS calls the function waits for per unit (DynamoDB/SQS), and SES calls. */
  readonly awsCalls: number;
  readonly sesCalls: number;
  /** AWS calls per invocation (per batch), waited for once. */
  readonly awsCallsPerInvocation: number;
  readonly writeUnits: number;
  readonly readUnits: number;
  /** EventBridge entries put on the Mailroom bus per unit. */
  readonly events: number;
  /** SQS sends per unit by this function (to the next stage). */
  readonly sqsSends: number;
  /** Function log bytes per unit (as deployed: INFO, EMF on). */
  readonly logBytes: number;
}

export interface Measured {
  /** Accepting one email: single request, or 1/100 of a batch request. */
  readonly acceptSingle: UnitWork;
  readonly acceptBatch: UnitWork;
  /** Sending one email (the sender). */
  readonly send: UnitWork;
  /** Recording one SES event (the tracking function). */
  readonly track: UnitWork;
  readonly laneMessageBytes: number;
  /** Stored bytes of an email item once delivered (history included). */
  readonly emailItemBytes: number;
}

export interface ModelPrices {
  readonly aws: Record<string, { value: number }>;
  readonly assumptions: Record<string, { value: number }>;
}

export interface Line {
  readonly item: string;
  /** USD per month at the volume. */
  readonly usd: number;
  /** The arithmetic, in words and numbers. */
  readonly how: string;
}

export interface Scenario {
  readonly emailsPerMonth: number;
  /** Accepts through POST /emails/batch (100 per request) instead of one request each. */
  readonly batchedAccepts: boolean;
}

const SECONDS_PER_MONTH = 30 * 86_400;
const LANE_IDS = { critical: 'Critical', transactional: 'Transactional', marketing: 'Marketing', bulk: 'Bulk' } as const;
export type LaneName = keyof typeof LANE_IDS;

const n = (v: number, d = 2) => v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: 0 });
const usd = (v: number) => `$${v < 0.01 && v > 0 ? v.toPrecision(2) : n(v, 2)}`;

/** The flows of one month: who runs how often, with which batch. */
export interface Flow {
  readonly name: string;
  readonly functionId: string;
  readonly units: number;
  readonly batch: number;
  readonly work: UnitWork;
  readonly mapping?: Mapping;
  /** API requests per unit (accept only). */
  readonly apiRequests: number;
}

export function flows(inv: Inventory, m: Measured, prices: ModelPrices, s: Scenario): Flow[] {
  const A = (k: string, d = 0) => prices.assumptions[k]?.value ?? d;
  const pollers = A('esmPollers', 5);
  const fn = (part: string) => inv.functions.find((f) => f.id.includes(part))?.id ?? part;
  const mappingOf = (part: string) => inv.mappings.find((x) => x.functionId.includes(part) || x.id.includes(part));
  const out: Flow[] = [];
  const V = s.emailsPerMonth;
  out.push({
    name: s.batchedAccepts ? 'accept (POST /emails/batch, 100 per request)' : 'accept (POST /emails, one per request)',
    functionId: fn('ApiIngest'),
    units: V,
    batch: s.batchedAccepts ? 100 : 1,
    work: s.batchedAccepts ? m.acceptBatch : m.acceptSingle,
    apiRequests: s.batchedAccepts ? 0.01 : 1,
  });
  // The authorizer runs on every API request (no gateway cache; it caches its answer in memory, so
  // its DynamoDB read is per key per container per cache period: left out).
  const authorizer = inv.functions.find((f) => f.id.includes('Authorizer'));
  if (authorizer)
    out.push({
      name: 'authorize (every API request; answer cached in the function)',
      functionId: authorizer.id,
      units: V * (s.batchedAccepts ? 0.01 : 1),
      batch: 1,
      work: {
        cpuMs: A('authorizerCpuMs', 0.3),
        awsCalls: 0,
        sesCalls: 0,
        awsCallsPerInvocation: 0,
        writeUnits: 0,
        readUnits: 0,
        events: 0,
        sqsSends: 0,
        logBytes: 0,
      },
      apiRequests: 0,
    });
  let sesEvents = 0;
  for (const [lane, id] of Object.entries(LANE_IDS) as Array<[LaneName, string]>) {
    const share = A(`laneShare.${lane}`, lane === 'transactional' ? 1 : 0);
    if (share <= 0) continue;
    const units = V * share;
    const mapping = mappingOf(`Lanes${id}Sender`);
    const batch = mapping ? effectiveBatch(mapping, units / SECONDS_PER_MONTH, pollers) : 1;
    out.push({
      name: `send, ${lane} lane (${n(share * 100, 0)} % of mail)`,
      functionId: fn(`Lanes${id}Sender`),
      units,
      batch,
      work: m.send,
      mapping,
      apiRequests: 0,
    });
    sesEvents += units * (A('sesEventsPerEmail', 2) + (lane === 'marketing' || lane === 'bulk' ? A('engagementEventsPerMarketingEmail', 0) : 0));
  }
  const tracking = mappingOf('Tracking');
  // Tracking marks the events a tenant's webhooks subscribe to from a per-container tenant cache: one
  // GetItem (0.5 RRU) per tenant per TENANT_CACHE_SECONDS per container, at most (every container
  // busy with every tenant all month), spread over the month's SES events.
  const tenantReads =
    sesEvents > 0
      ? Math.min(1, (A('tenantsWithMail', 10) * (tracking?.maximumConcurrency ?? pollers) * SECONDS_PER_MONTH) / TENANT_CACHE_SECONDS / sesEvents)
      : 0;
  out.push({
    name: 'track (every SES event: send, delivery, opens/clicks on marketing)',
    functionId: fn('Tracking'),
    units: sesEvents,
    batch: tracking ? effectiveBatch(tracking, sesEvents / SECONDS_PER_MONTH, pollers) : 1,
    work: { ...m.track, awsCalls: m.track.awsCalls + tenantReads, readUnits: m.track.readUnits + tenantReads * 0.5 },
    ...(tracking ? { mapping: tracking } : {}),
    apiRequests: 0,
  });
  // The webhook fan-out rule forwards the Mailroom-bus events someone there listens to: the notable
  // types the activity page keeps (bounce, complaint, failure, delay, suppression) always, the rest
  // (sent, delivered, opened, clicked, scheduled) only when the publisher marked them because a webhook
  // of the email's tenant subscribes to the type (infra/constructs/webhooks.ts fanOutEventPattern):
  // the share of those is an assumption. Each forwarded event costs EventBridge's SendMessage, then
  // the fan-out function lists the tenant's webhooks (one Query); a notable one also reads the email
  // and writes an activity item. Deliveries to webhooks are per subscribed endpoint: not in this model.
  const fanout = mappingOf('WebhooksFanout');
  const busEvents = out.reduce((a, f) => a + f.units * f.work.events, 0);
  const notableEvents = Math.min(busEvents, V * A('notableEventsPerEmail', 0.02));
  const forwarded = notableEvents + (busEvents - notableEvents) * A('webhookSubscribedShare', 1);
  if (fanout && forwarded > 0) {
    const notable = notableEvents / forwarded;
    out.push({
      name: 'webhook fan-out (notable events, and those a webhook subscribes to, through the rule into its queue)',
      functionId: fn('WebhooksFanout'),
      units: forwarded,
      batch: effectiveBatch(fanout, forwarded / SECONDS_PER_MONTH, pollers),
      work: {
        cpuMs: A('fanoutCpuMsPerEvent', 1),
        awsCalls: 1 + 2 * notable,
        sesCalls: 0,
        awsCallsPerInvocation: 0,
        writeUnits: notable * A('activityWriteUnits', 2),
        readUnits: A('fanoutReadUnitsPerEvent', 0.5) + notable,
        events: 0,
        sqsSends: 0,
        logBytes: 0,
      },
      mapping: fanout,
      apiRequests: 0,
    });
  }
  return out;
}

/** Every cost line of one month at the scenario's volume. */
export function monthlyCost(template: Template, m: Measured, prices: ModelPrices, s: Scenario): { lines: Line[]; flows: Flow[]; inventory: Inventory } {
  const p = (k: string) => {
    const v = prices.aws[k]?.value;
    if (v === undefined) throw new Error(`bench/prices.json has no aws.${k}`);
    return v;
  };
  const A = (k: string, d = 0) => prices.assumptions[k]?.value ?? d;
  const inv = inventory(template, A('metricsInsightsSeriesPerQuery', 4));
  const fl = flows(inv, m, prices, s);
  const V = s.emailsPerMonth;
  const lines: Line[] = [];
  const add = (item: string, value: number, how: string) => lines.push({ item, usd: value, how });
  const M = 1_000_000;
  const GB = 1024 ** 3;
  const cpuScale = A('lambdaFullVcpuMb', 1769);
  const awsMs = A('awsCallLatencyMs', 8);
  const sesMs = A('sesCallLatencyMs', 40);
  const platformLog = A('lambdaPlatformLogBytesPerInvocation', 400);
  const chunks = Math.max(1, Math.ceil(m.laneMessageBytes / p('sqsChunkBytes')));

  // API Gateway
  const apiRequests = fl.reduce((a, f) => a + f.units * f.apiRequests, 0);
  add(
    'API Gateway (HTTP API) requests',
    (apiRequests / M) * p('apiGatewayHttpPerMillionRequests'),
    `${n(apiRequests, 0)} requests × $${p('apiGatewayHttpPerMillionRequests')}/M`,
  );

  // Lambda
  let invocations = 0;
  let gbSeconds = 0;
  const perFunction: string[] = [];
  for (const f of fl) {
    const memory = inv.functions.find((x) => x.id === f.functionId)?.memoryMb ?? A('lambdaMemoryMb', 512);
    const inv_ = f.units / f.batch;
    const ms = f.units * (f.work.cpuMs * (cpuScale / memory) + f.work.awsCalls * awsMs + f.work.sesCalls * sesMs) + inv_ * f.work.awsCallsPerInvocation * awsMs;
    invocations += inv_;
    gbSeconds += (ms / 1000) * (memory / 1024);
    perFunction.push(`${f.name.split(' (')[0]}: ${n(inv_, 0)} inv. of ${n(f.batch, 1)}, ${n(ms / Math.max(1, inv_), 0)} ms each`);
  }
  add(
    'Lambda requests',
    (invocations / M) * p('lambdaPerMillionRequests'),
    `${n(invocations, 0)} invocations × $${p('lambdaPerMillionRequests')}/M (${perFunction.join('; ')})`,
  );
  add(
    'Lambda duration (arm64)',
    gbSeconds * p('lambdaArm64PerGbSecond'),
    `${n(gbSeconds, 0)} GB-s × $${p('lambdaArm64PerGbSecond')} (CPU ms × ${n(cpuScale, 0)}/memory MB + ${awsMs} ms per AWS call + ${sesMs} ms per SES call, waited for one after another)`,
  );

  // SQS
  const pollers = A('esmPollers', 5);
  const idleReceives = (pollers * SECONDS_PER_MONTH) / A('esmLongPollSeconds', 20);
  let sends = 0;
  let receives = 0;
  let deletes = 0;
  for (const f of fl) sends += f.units * f.work.sqsSends;
  // Every SES event reaches the tracking queue, and every forwarded Mailroom-bus event the fan-out
  // queue, through a rule (one SendMessage by EventBridge each).
  for (const f of fl) if (f.mapping && (f.name.startsWith('track') || f.name.startsWith('webhook fan-out'))) sends += f.units;
  for (const mapping of inv.mappings) {
    const f = fl.find((x) => x.mapping?.id === mapping.id);
    const batches = f ? f.units / f.batch : 0;
    receives += Math.max(idleReceives, batches);
    deletes += batches;
  }
  const sqsRequests = (sends + receives + deletes) * chunks;
  add(
    'SQS requests',
    (sqsRequests / M) * p('sqsPerMillionRequests'),
    `(${n(sends, 0)} sends + ${n(receives, 0)} receives + ${n(deletes, 0)} batch deletes) × ${chunks} chunk × $${p('sqsPerMillionRequests')}/M; each of the ${inv.mappings.length} mappings receives at least ${n(idleReceives, 0)} times a month (${pollers} pollers long-polling ${A('esmLongPollSeconds', 20)} s), mail or not`,
  );

  // DynamoDB
  const wru = fl.reduce((a, f) => a + f.units * f.work.writeUnits, 0);
  const rru = fl.reduce((a, f) => a + f.units * f.work.readUnits, 0);
  add(
    'DynamoDB writes (WRU)',
    (wru / M) * p('dynamoDbPerMillionWriteRequestUnits'),
    `${fl.map((f) => `${n(f.units, 0)} × ${n(f.work.writeUnits, 2)}`).join(' + ')} = ${n(wru, 0)} WRU (${n(wru / V, 1)} per email) × $${p('dynamoDbPerMillionWriteRequestUnits')}/M`,
  );
  add(
    'DynamoDB reads (RRU)',
    (rru / M) * p('dynamoDbPerMillionReadRequestUnits'),
    `${n(rru, 0)} RRU (${n(rru / V, 1)} per email) × $${p('dynamoDbPerMillionReadRequestUnits')}/M`,
  );
  const retentionMonths = A('emailRetentionDays', 30) / 30;
  const main = inv.tables.find((t) => t.id.includes('Main')) ?? inv.tables[0];
  const indexFactor = (main?.indexes ?? []).reduce((a, i) => a + (i.projection === 'ALL' ? 1 : i.projection === 'INCLUDE' ? 0.3 : 0.1), 0);
  const storedGb = (V * retentionMonths * m.emailItemBytes * (1 + indexFactor)) / GB;
  add(
    'DynamoDB storage',
    storedGb * p('dynamoDbStoragePerGbMonth'),
    `${n(V * retentionMonths, 0)} emails kept ${A('emailRetentionDays', 30)} days × ${m.emailItemBytes} B × (1 + ${n(indexFactor, 1)} index copies) = ${n(storedGb, 2)} GB × $${p('dynamoDbStoragePerGbMonth')}`,
  );
  const pitrTables = inv.tables.filter((t) => t.pitr).length;
  add(
    'DynamoDB point-in-time recovery',
    main?.pitr ? storedGb * p('dynamoDbPitrPerGbMonth') : 0,
    `${pitrTables} table(s) with PITR; ${n(storedGb, 2)} GB × $${p('dynamoDbPitrPerGbMonth')} (idempotency records expire in 24 h: negligible)`,
  );

  // EventBridge
  const events = fl.reduce((a, f) => a + f.units * f.work.events, 0);
  add(
    'EventBridge custom events (Mailroom bus)',
    (events / M) * p('eventBridgeCustomEventsPerMillion'),
    `${n(events, 0)} entries (${n(events / V, 2)} per email, measured) × $${p('eventBridgeCustomEventsPerMillion')}/M; SES events on the default bus are free`,
  );

  // Logs
  let logBytes = 0;
  for (const f of fl) logBytes += f.units * f.work.logBytes + (f.units / f.batch) * platformLog;
  const accessLog = apiRequests * A('apiAccessLogBytesPerRequest', 350);
  const logGb = (logBytes + accessLog) / GB;
  add(
    'CloudWatch Logs ingestion',
    logGb * p('cloudWatchLogsIngestionPerGb'),
    `${n(logBytes / GB, 3)} GB function logs (measured bytes per unit + ${platformLog} B platform lines per invocation) + ${n(accessLog / GB, 3)} GB API access logs × $${p('cloudWatchLogsIngestionPerGb')}/GB`,
  );
  const retention = inv.logGroups.length ? inv.logGroups.reduce((a, g) => a + g.retentionDays, 0) / inv.logGroups.length : 30;
  add(
    'CloudWatch Logs storage',
    logGb * (retention / 30) * A('logCompressionRatio', 0.15) * p('cloudWatchLogsStoragePerGbMonth'),
    `${n(logGb, 3)} GB × ${n(retention / 30, 1)} months kept (mean retention of ${inv.logGroups.length} log groups) × ${A('logCompressionRatio', 0.15)} compressed × $${p('cloudWatchLogsStoragePerGbMonth')}/GB-month`,
  );

  // X-Ray
  let traces = 0;
  const tracedFns = new Set(inv.functions.filter((f) => f.tracing !== 'off').map((f) => f.id));
  for (const f of fl) {
    const fnDef = inv.functions.find((x) => x.id === f.functionId);
    if (!fnDef || fnDef.tracing === 'off') continue;
    const rate = f.units / f.batch / SECONDS_PER_MONTH;
    traces += tracesPerSecond(rate, fnDef.tracing === 'PassThrough' ? { fixedRate: 0, reservoirPerSecond: 0 } : inv.sampling) * SECONDS_PER_MONTH;
  }
  add(
    'X-Ray traces',
    (traces / M) * p('xrayPerMillionTracesRecorded'),
    `${n(traces, 0)} traces × $${p('xrayPerMillionTracesRecorded')}/M; ${tracedFns.size} functions traced, ${inv.sampling ? `sampling rule: ${n(inv.sampling.fixedRate * 100, 2)} % of invocations, reservoir ${inv.sampling.reservoirPerSecond}/s` : "Lambda's default: the first invocation each second per function + 5 % of the rest"}`,
  );

  // Custom metrics: billed per hour they are published, so only with traffic. The series are the ones
  // shared/observability/metric-series.ts lists (test/unit/metric-series.test.ts holds the code to it).
  const series = seriesCount();
  const incidentShare = A('incidentMetricHoursShare', 0.05);
  const billedSeries = series['with-mail'] + series['on-incident'] * incidentShare;
  add(
    'CloudWatch custom metrics (EMF)',
    V > 0 ? billedSeries * p('cloudWatchCustomMetricPerMonth') : 0,
    `${series['with-mail']} series published every hour mail flows + ${series['on-incident']} published only in hours with an incident (failure, fallback, refusal, stuck email; ${n(incidentShare * 100, 0)} % of the month assumed) = ${n(billedSeries, 1)} series × $${p('cloudWatchCustomMetricPerMonth')} (shared/observability/metric-series.ts: ${series.total} series in all; 0 without traffic: a metric is billed for the hours it is published)`,
  );

  // Scheduled functions (rate(…) rules): billed whether or not mail flows.
  const scheduled = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule' && typeof r.Properties?.ScheduleExpression === 'string');
  let runs = 0;
  for (const r of scheduled) {
    const m = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(r.Properties.ScheduleExpression as string);
    const seconds = m ? Number(m[1]) * (m[2]!.startsWith('minute') ? 60 : m[2]!.startsWith('hour') ? 3600 : 86_400) : 60;
    runs += SECONDS_PER_MONTH / seconds;
  }
  const runMs = A('scheduledInvocationMs', 300);
  const runReads = A('scheduledReadUnitsPerInvocation', 4);
  const runLog = A('scheduledLogBytesPerInvocation', 500) + platformLog;
  add(
    'Scheduled functions (reconciler)',
    (runs / M) * p('lambdaPerMillionRequests') +
      ((runs * runMs) / 1000) * (A('lambdaMemoryMb', 512) / 1024) * p('lambdaArm64PerGbSecond') +
      ((runs * runReads) / M) * p('dynamoDbPerMillionReadRequestUnits') +
      ((runs * runLog) / GB) * p('cloudWatchLogsIngestionPerGb'),
    `${scheduled.length} schedule(s), ${n(runs, 0)} runs a month, each ≈ ${runMs} ms, ${runReads} RRU (a Query per pending-index shard) and ${runLog} log bytes`,
  );

  // Fixed
  add(
    'CloudWatch alarms',
    inv.alarmMetrics * p('cloudWatchAlarmPerMetricMonth'),
    `${inv.alarms.plain} plain + ${inv.alarms.math} math + ${inv.alarms.insights} Metrics Insights alarms = ${inv.alarmMetrics} billed alarm metrics × $${p('cloudWatchAlarmPerMetricMonth')}`,
  );
  add(
    'CloudWatch dashboard',
    inv.dashboards * p('cloudWatchDashboardPerMonth'),
    `${inv.dashboards} × $${p('cloudWatchDashboardPerMonth')} (built only with -c dashboard=true; no free tier counted)`,
  );
  add('Secrets Manager', inv.secrets * p('secretsManagerPerSecretMonth'), `${inv.secrets} secret(s) × $${p('secretsManagerPerSecretMonth')}`);
  return { lines, flows: fl, inventory: inv };
}

/** What the template costs a month with no mail at all: the same model at zero volume. */
export function fixedMonthly(template: Template, m: Measured, prices: ModelPrices): { total: number; lines: Line[] } {
  const lines = monthlyCost(template, m, prices, { emailsPerMonth: 0, batchedAccepts: true }).lines.filter((l) => l.usd > 0);
  return { total: lines.reduce((a, l) => a + l.usd, 0), lines };
}

export const totalUsd = (lines: readonly Line[]) => lines.reduce((a, l) => a + l.usd, 0);
export { usd as formatUsd };
