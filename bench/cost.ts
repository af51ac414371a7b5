/**
 * Cost per million emails from measured call counts, capacity units, CPU and log bytes, priced with
 * bench/prices.json. Pure: run.ts feeds it the measurements; test/unit/bench-cost.test.ts checks it.
 */
export interface Price {
  readonly value: number;
}

export interface Prices {
  readonly aws: Record<
    | 'lambdaArm64PerGbSecond'
    | 'lambdaPerMillionRequests'
    | 'sqsPerMillionRequests'
    | 'sqsChunkBytes'
    | 'dynamoDbPerMillionWriteRequestUnits'
    | 'dynamoDbPerMillionReadRequestUnits'
    | 'apiGatewayHttpPerMillionRequests'
    | 'schedulerPerMillionInvocations'
    | 'eventBridgeCustomEventsPerMillion'
    | 'cloudWatchLogsIngestionPerGb'
    | 'cloudWatchCustomMetricPerMonth'
    | 'sesPerThousandEmails',
    Price
  >;
  readonly assumptions: Record<string, Price>;
  readonly providers: Record<string, { usdPerMonthAt1M: number | null; plan: string; source: string } | string>;
}

/** Measured (or, where marked, assumed) work per email on one path. */
export interface PathWork {
  /** API Gateway requests per email (1 single, 0.01 for a batch of 100). */
  readonly apiRequests: number;
  /** Lambda invocations per email, each function. */
  readonly invocations: number;
  /** Billed Lambda milliseconds per email at the configured memory. */
  readonly lambdaMs: number;
  /** SQS requests per email (enqueue + event source mapping receive/delete), before chunking. */
  readonly sqsRequests: number;
  readonly sqsMessageBytes: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly schedulerInvocations: number;
  readonly eventBridgeEvents: number;
  /** Log bytes per email (function output + platform lines). */
  readonly logBytes: number;
}

export interface CostLine {
  readonly item: string;
  readonly usdPerMillion: number;
}

/** USD per million emails, one line per AWS service. */
export function costPerMillion(work: PathWork, prices: Prices): CostLine[] {
  const p = prices.aws;
  const memoryGb = (prices.assumptions.lambdaMemoryMb?.value ?? 512) / 1024;
  const chunks = Math.max(1, Math.ceil(work.sqsMessageBytes / p.sqsChunkBytes.value));
  const M = 1_000_000;
  return [
    { item: 'API Gateway (HTTP API)', usdPerMillion: work.apiRequests * p.apiGatewayHttpPerMillionRequests.value },
    { item: 'Lambda requests', usdPerMillion: work.invocations * p.lambdaPerMillionRequests.value },
    { item: 'Lambda duration (arm64)', usdPerMillion: (work.lambdaMs / 1000) * memoryGb * M * p.lambdaArm64PerGbSecond.value },
    { item: 'SQS requests', usdPerMillion: work.sqsRequests * chunks * p.sqsPerMillionRequests.value },
    { item: 'DynamoDB writes (WRU)', usdPerMillion: work.writeUnits * p.dynamoDbPerMillionWriteRequestUnits.value },
    { item: 'DynamoDB reads (RRU)', usdPerMillion: work.readUnits * p.dynamoDbPerMillionReadRequestUnits.value },
    { item: 'EventBridge Scheduler', usdPerMillion: work.schedulerInvocations * p.schedulerPerMillionInvocations.value },
    { item: 'EventBridge custom events', usdPerMillion: work.eventBridgeEvents * p.eventBridgeCustomEventsPerMillion.value },
    { item: 'CloudWatch Logs ingestion', usdPerMillion: ((work.logBytes * M) / 1024 ** 3) * p.cloudWatchLogsIngestionPerGb.value },
  ];
}

export const total = (lines: readonly CostLine[]) => lines.reduce((n, l) => n + l.usdPerMillion, 0);

/** Custom metrics cost a fixed amount per month; spread over the monthly volume. */
export function metricsPerMillion(prices: Prices): number {
  const count = prices.assumptions.customMetricCount?.value ?? 0;
  const monthly = prices.assumptions.monthlyEmails?.value ?? 1_000_000;
  return (count * prices.aws.cloudWatchCustomMetricPerMonth.value * 1_000_000) / monthly;
}

export const sesPerMillion = (prices: Prices) => prices.aws.sesPerThousandEmails.value * 1000;
