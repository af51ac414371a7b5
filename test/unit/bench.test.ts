import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { monthlyCost, type Measured, type ModelPrices, type Template, type UnitWork } from '../../bench/model';
import { percentile, spread } from '../../bench/lib/stats';
import { benchChart } from '../../bench/report/svg';

const prices = JSON.parse(readFileSync('bench/prices.json', 'utf8')) as ModelPrices & { aws: Record<string, { value: number; source?: string }> };
const p = (k: string) => prices.aws[k]!.value;

const none: UnitWork = { cpuMs: 0, awsCalls: 0, sesCalls: 0, awsCallsPerInvocation: 0, writeUnits: 0, readUnits: 0, events: 0, sqsSends: 0, logBytes: 0 };
const measured = (work: Partial<UnitWork>, where: keyof Pick<Measured, 'acceptBatch' | 'send' | 'track'> = 'acceptBatch'): Measured => ({
  acceptSingle: none,
  acceptBatch: none,
  send: none,
  track: none,
  [where]: { ...none, ...work },
  laneMessageBytes: 100,
  emailItemBytes: 0,
});
/** A template with one function of 1,024 MB and nothing else billed. */
const template: Template = {
  Resources: { ApiIngestFunction: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 1024 } } },
};
const M = 1_000_000;
const line = (m: Measured, item: string, batchedAccepts = true) =>
  monthlyCost(template, m, prices, { emailsPerMonth: M, batchedAccepts }).lines.find((l) => l.item === item)!.usd;

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

describe('cost model lines (a million emails a month)', () => {
  it('prices one API request per email for single sends and one per hundred for batches', () => {
    expect(line(measured({}), 'API Gateway (HTTP API) requests', false)).toBeCloseTo(p('apiGatewayHttpPerMillionRequests'));
    expect(line(measured({}), 'API Gateway (HTTP API) requests', true)).toBeCloseTo(p('apiGatewayHttpPerMillionRequests') / 100);
  });

  it("bills Lambda duration as GB-seconds at the function's memory, CPU scaled to its share of a vCPU", () => {
    const cpuMs = 10;
    const seconds = (cpuMs * (prices.assumptions.lambdaFullVcpuMb!.value / 1024)) / 1000;
    // What the accept CPU adds, over the month's other work (tracking's tenant-cache reads are waited for).
    const added = line(measured({ cpuMs }), 'Lambda duration (arm64)') - line(measured({}), 'Lambda duration (arm64)');
    expect(added).toBeCloseTo(M * seconds * 1 * p('lambdaArm64PerGbSecond'));
  });

  it('prices DynamoDB by request units, reads and writes separately', () => {
    expect(line(measured({ writeUnits: 2 }), 'DynamoDB writes (WRU)')).toBeCloseTo(2 * p('dynamoDbPerMillionWriteRequestUnits'));
    const addedReads = line(measured({ readUnits: 2 }), 'DynamoDB reads (RRU)') - line(measured({}), 'DynamoDB reads (RRU)');
    expect(addedReads).toBeCloseTo(2 * p('dynamoDbPerMillionReadRequestUnits'));
  });

  it('prices Mailroom-bus entries, not PutEvents calls', () => {
    expect(line(measured({ events: 1.5 }), 'EventBridge custom events (Mailroom bus)')).toBeCloseTo(1.5 * p('eventBridgeCustomEventsPerMillion'));
  });

  it('counts an SQS request once per started 64 KB chunk of the message', () => {
    const small = line(measured({ sqsSends: 1 }), 'SQS requests');
    const big = line({ ...measured({ sqsSends: 1 }), laneMessageBytes: 65_537 }, 'SQS requests');
    expect(big).toBeCloseTo(2 * small);
  });

  it('turns log bytes per email into GB ingested', () => {
    const extra = line(measured({ logBytes: 1024 ** 3 / M }), 'CloudWatch Logs ingestion') - line(measured({}), 'CloudWatch Logs ingestion');
    expect(extra).toBeCloseTo(p('cloudWatchLogsIngestionPerGb'));
  });

  it('cites a source for every AWS price', () => {
    for (const [name, price] of Object.entries(prices.aws)) expect(price.source, name).toMatch(/^https:\/\//);
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
