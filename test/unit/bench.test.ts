import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { costPerMillion, metricsPerMillion, total, type PathWork, type Prices } from '../../bench/cost';
import { percentile, spread } from '../../bench/lib/stats';
import { benchChart } from '../../bench/report/svg';

const prices = JSON.parse(readFileSync('bench/prices.json', 'utf8')) as Prices;

const idle: PathWork = {
  apiRequests: 0,
  invocations: 0,
  lambdaMs: 0,
  sqsRequests: 0,
  sqsMessageBytes: 100,
  readUnits: 0,
  writeUnits: 0,
  schedulerInvocations: 0,
  eventBridgeEvents: 0,
  logBytes: 0,
};
const line = (work: Partial<PathWork>, item: string) => costPerMillion({ ...idle, ...work }, prices).find((l) => l.item === item)!.usdPerMillion;

describe('benchmark statistics', () => {
  it('interpolates percentiles between neighbours', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 0, 5], 100)).toBe(10);
    expect(percentile([7], 95)).toBe(7);
  });

  it('reports min, median and max, ignoring runs that produced no number', () => {
    expect(spread([3, Number.NaN, 1, 2])).toEqual({ min: 1, median: 2, max: 3, n: 3 });
    expect(spread([]).n).toBe(0);
  });
});

describe('cost model', () => {
  it('prices one API request per email at the HTTP API rate per million', () => {
    expect(line({ apiRequests: 1 }, 'API Gateway (HTTP API)')).toBeCloseTo(prices.aws.apiGatewayHttpPerMillionRequests.value);
  });

  it('bills Lambda duration as GB-seconds at the configured memory', () => {
    const gb = prices.assumptions.lambdaMemoryMb!.value / 1024;
    expect(line({ lambdaMs: 100 }, 'Lambda duration (arm64)')).toBeCloseTo(0.1 * gb * 1_000_000 * prices.aws.lambdaArm64PerGbSecond.value);
  });

  it('counts an SQS request once per started 64 KB chunk of the message', () => {
    const small = line({ sqsRequests: 1, sqsMessageBytes: 100 }, 'SQS requests');
    expect(line({ sqsRequests: 1, sqsMessageBytes: 65_537 }, 'SQS requests')).toBeCloseTo(2 * small);
  });

  it('prices DynamoDB by request units, reads and writes separately', () => {
    expect(line({ writeUnits: 2 }, 'DynamoDB writes (WRU)')).toBeCloseTo(2 * prices.aws.dynamoDbPerMillionWriteRequestUnits.value);
    expect(line({ readUnits: 2 }, 'DynamoDB reads (RRU)')).toBeCloseTo(2 * prices.aws.dynamoDbPerMillionReadRequestUnits.value);
  });

  it('turns log bytes per email into GB ingested per million emails', () => {
    expect(line({ logBytes: 1024 ** 3 / 1_000_000 }, 'CloudWatch Logs ingestion')).toBeCloseTo(prices.aws.cloudWatchLogsIngestionPerGb.value);
  });

  it('costs nothing for no work and sums its lines', () => {
    expect(total(costPerMillion(idle, prices))).toBe(0);
    expect(total(costPerMillion({ ...idle, apiRequests: 1, invocations: 1 }, prices))).toBeCloseTo(
      prices.aws.apiGatewayHttpPerMillionRequests.value + prices.aws.lambdaPerMillionRequests.value,
    );
  });

  it('spreads the fixed monthly metric cost over the monthly volume', () => {
    const a = prices.assumptions;
    expect(metricsPerMillion(prices)).toBeCloseTo(
      (a.customMetricCount!.value * prices.aws.cloudWatchCustomMetricPerMonth.value * 1_000_000) / a.monthlyEmails!.value,
    );
  });

  it('cites a source for every AWS price', () => {
    for (const [name, price] of Object.entries(prices.aws)) expect((price as unknown as { source?: string }).source, name).toMatch(/^https:\/\//);
  });
});

describe('benchmark chart', () => {
  it('draws one bar per throughput and per latency percentile, with the values as labels', () => {
    const svg = benchChart({ bare: { eps: 120, p50: 10, p95: 20, p99: 30 }, pipeline: { eps: 60, p50: 15, p95: 40, p99: 80 }, title: 'test <run>' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<rect x=/g)).toHaveLength(8);
    expect(svg).toContain('>120<');
    expect(svg).toContain('test &lt;run>');
  });
});
