import { beforeAll, describe, expect, it } from 'vitest';
import { TRACE_SAMPLE_RATE } from '#infra/constructs/trace-sampling';
import { synthProductionTemplate } from '../../bench/lib/template';
import type { Template } from '../../bench/model';

/** X-Ray sampling is set on purpose: a low fixed rate for the stack's functions, no per-second reservoir. */
describe('X-Ray sampling', () => {
  let template: Template;
  beforeAll(() => {
    process.env.CDK_VALIDATION = 'false';
    template = synthProductionTemplate();
  }, 120_000);

  const rules = () => Object.values(template.Resources).filter((r) => r.Type === 'AWS::XRay::SamplingRule');
  const functions = () => Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');

  it('samples a fixed 1 % of the Lambda invocations, with no reservoir, ahead of the default rule', () => {
    expect(rules()).toHaveLength(1);
    const rule = rules()[0]!.Properties.SamplingRule;
    expect(TRACE_SAMPLE_RATE).toBe(0.01);
    expect(rule).toMatchObject({ FixedRate: TRACE_SAMPLE_RATE, ReservoirSize: 0, ServiceType: 'AWS::Lambda::Function', HTTPMethod: '*', URLPath: '*' });
    expect(rule.Priority).toBeLessThan(10_000);
    expect(rule.RuleName.length).toBeLessThanOrEqual(32);
  });

  it("matches only this stack's functions: their generated names start with the stack name", () => {
    const rule = rules()[0]!.Properties.SamplingRule;
    expect(rule.ServiceName).toBe('Mailroom-*');
    expect(functions().length).toBeGreaterThan(0);
    for (const [id, fn] of functions()) expect(fn.Properties.FunctionName, id).toBeUndefined();
  });

  it('keeps active tracing on, so the rule decides', () => {
    for (const [id, fn] of functions()) expect(fn.Properties.TracingConfig, id).toEqual({ Mode: 'Active' });
  });
});
