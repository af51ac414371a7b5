import { readFileSync } from 'node:fs';
import { Stack } from 'aws-cdk-lib';
import { Template as CdkTemplate } from 'aws-cdk-lib/assertions';
import * as rds from 'aws-cdk-lib/aws-rds';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  effectiveBatch,
  FREE,
  fixedMonthly,
  inventory,
  monthlyCost,
  PRICED,
  tracesPerSecond,
  unpricedTypes,
  type Measured,
  type ModelPrices,
  type Template,
} from '../../bench/model';
import { synthProductionTemplate } from '../../bench/lib/template';
import { seriesCount } from '#shared/observability/metric-series';

const prices = JSON.parse(readFileSync('bench/prices.json', 'utf8')) as ModelPrices;
const unit = { cpuMs: 0.3, awsCalls: 1, sesCalls: 0, awsCallsPerInvocation: 1, writeUnits: 4, readUnits: 1, events: 1, sqsSends: 0, logBytes: 300 };
const measured: Measured = {
  acceptSingle: { ...unit, sqsSends: 1 },
  acceptBatch: { ...unit, sqsSends: 0.1 },
  send: { ...unit, sesCalls: 1 },
  track: unit,
  laneMessageBytes: 100,
  emailItemBytes: 2000,
};

/**
 * The cost model (bench/model.ts, docs/performance.md §cost) prices every billed resource type the
 * synthesized template creates. A new billed resource must be priced there (PRICED) or named as free
 * (FREE) with a reason before this passes.
 */
describe('cost model coverage of the synthesized template', () => {
  let template: Template;
  beforeAll(() => {
    process.env.CDK_VALIDATION = 'false';
    template = synthProductionTemplate();
  }, 120_000);

  it('prices or names as free every resource type of the production template', () => {
    expect(unpricedTypes(template)).toEqual([]);
  });

  it('notices a billed resource type it does not price', () => {
    const stack = new Stack();
    new rds.CfnDBCluster(stack, 'Db', { engine: 'aurora-postgresql' });
    const extra = CdkTemplate.fromStack(stack).toJSON() as Template;
    expect(unpricedTypes({ Resources: { ...template.Resources, ...extra.Resources } })).toEqual(['AWS::RDS::DBCluster']);
  });

  it('never lists a type as both priced and free', () => {
    expect(Object.keys(PRICED).filter((t) => t in FREE)).toEqual([]);
  });

  it('reads the batching each event source mapping is configured with', () => {
    const inv = inventory(template, 4);
    expect(inv.mappings.length).toBe(Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping').length);
    for (const m of inv.mappings) expect(m.batchSize).toBeGreaterThanOrEqual(1);
  });

  it('bills every alarm metric, the dashboard and the secrets at zero traffic, and nothing per email', () => {
    const inv = inventory(template, 4);
    const { total, lines } = fixedMonthly(template, measured, prices);
    const alarms = lines.find((l) => l.item === 'CloudWatch alarms')!;
    expect(alarms.usd).toBeCloseTo(inv.alarmMetrics * prices.aws.cloudWatchAlarmPerMetricMonth!.value);
    expect(inv.alarmMetrics).toBeGreaterThanOrEqual(Object.values(template.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm').length);
    expect(lines.map((l) => l.item)).not.toContain('DynamoDB writes (WRU)');
    expect(total).toBeGreaterThan(alarms.usd);
  });

  it('keeps the zero-traffic cost of the default template at or under $5 a month; the dashboard adds its $3 only when built', () => {
    const { total, lines } = fixedMonthly(template, measured, prices);
    expect(total).toBeLessThanOrEqual(5);
    expect(lines.map((l) => l.item)).not.toContain('CloudWatch dashboard');
    expect(inventory(template, 4).alarmMetrics).toBeLessThanOrEqual(22);
    const withDashboard = synthProductionTemplate({ dashboard: 'true' });
    expect(fixedMonthly(withDashboard, measured, prices).total).toBeCloseTo(total + prices.aws.cloudWatchDashboardPerMonth!.value);
  });

  it("prices the webhook fan-out of the Mailroom-bus events it forwards: its rule's SendMessage, the batches and the function", () => {
    const s = { emailsPerMonth: 10_000_000, batchedAccepts: true };
    const { flows: fl, lines } = monthlyCost(template, measured, prices, s);
    const fanout = fl.find((f) => f.name.startsWith('webhook fan-out'))!;
    const busEvents = fl.filter((f) => f !== fanout).reduce((a, f) => a + f.units * f.work.events, 0);
    // Notable events always; the others in the share whose tenant has a webhook subscribed to them.
    const notable = s.emailsPerMonth * prices.assumptions.notableEventsPerEmail!.value;
    const share = prices.assumptions.webhookSubscribedShare!.value;
    expect(share).toBeLessThan(1);
    expect(fanout.units).toBeCloseTo(notable + (busEvents - notable) * share);
    // Were every tenant subscribed to everything, every event would be forwarded, as before the gate.
    const everyone = { ...prices, assumptions: { ...prices.assumptions, webhookSubscribedShare: { value: 1 } } };
    expect(monthlyCost(template, measured, everyone, s).flows.find((f) => f.name.startsWith('webhook fan-out'))!.units).toBeCloseTo(busEvents);
    expect(fanout.mapping?.windowSeconds).toBeGreaterThan(0);
    // No bus events, no fan-out: its SQS sends and invocations go with them.
    const silent: Measured = {
      ...measured,
      acceptBatch: { ...measured.acceptBatch, events: 0 },
      send: { ...measured.send, events: 0 },
      track: { ...measured.track, events: 0 },
    };
    const quiet = monthlyCost(template, silent, prices, s);
    expect(quiet.flows.some((f) => f.name.startsWith('webhook fan-out'))).toBe(false);
    const sqs = (l: typeof lines) => l.find((x) => x.item === 'SQS requests')!.usd;
    expect(sqs(lines) - sqs(quiet.lines)).toBeGreaterThanOrEqual((fanout.units / 1_000_000) * prices.aws.sqsPerMillionRequests!.value);
  });

  it('prices the EMF series the functions can publish (shared/observability/metric-series.ts), and none without traffic', () => {
    const series = seriesCount();
    const line = (v: number) =>
      monthlyCost(template, measured, prices, { emailsPerMonth: v, batchedAccepts: true }).lines.find((l) => l.item === 'CloudWatch custom metrics (EMF)')!;
    const perSeries = prices.aws.cloudWatchCustomMetricPerMonth!.value;
    const share = prices.assumptions.incidentMetricHoursShare!.value;
    expect(line(1_000_000).usd).toBeCloseTo((series['with-mail'] + series['on-incident'] * share) * perSeries);
    expect(line(0).usd).toBe(0);
    expect(line(1_000_000).how).toContain(`${series.total} series`);
  });

  it('grows with volume: ten times the mail costs more, but less than ten times as much (fixed costs spread)', () => {
    const sum = (v: number) => monthlyCost(template, measured, prices, { emailsPerMonth: v, batchedAccepts: true }).lines.reduce((a, l) => a + l.usd, 0);
    const one = sum(1_000_000);
    const ten = sum(10_000_000);
    expect(ten).toBeGreaterThan(one);
    expect(ten).toBeLessThan(10 * one);
  });
});

describe('batch size and trace sampling', () => {
  it('hands one message per batch without a batching window, up to the batch size with one', () => {
    expect(effectiveBatch({ batchSize: 10, windowSeconds: 0 }, 50, 5)).toBe(1);
    expect(effectiveBatch({ batchSize: 10, windowSeconds: 5 }, 2, 5)).toBe(2);
    expect(effectiveBatch({ batchSize: 10, windowSeconds: 5 }, 1_000, 5)).toBe(10);
  });

  it("traces almost every invocation of a quiet function under Lambda's default, and the fixed rate under a rule without reservoir", () => {
    expect(tracesPerSecond(0.01, undefined)).toBeCloseTo(0.01, 3);
    expect(tracesPerSecond(100, undefined)).toBeCloseTo(1 + 0.05 * 99, 0);
    expect(tracesPerSecond(100, { fixedRate: 0.01, reservoirPerSecond: 0 })).toBeCloseTo(1);
  });
});
