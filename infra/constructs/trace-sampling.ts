import { Names, Stack } from 'aws-cdk-lib';
import * as xray from 'aws-cdk-lib/aws-xray';
import { Construct } from 'constructs';

/**
 * Share of invocations X-Ray traces, for every Mailroom function: 1 %, and no per-second
 * reservoir. Without a rule, active tracing records the first invocation of every second of
 * every function plus 5 % of the rest — at a steady few emails a second that is nearly every
 * invocation of every function, the largest line of the bill after DynamoDB (bench/model.ts,
 * docs/performance.md §6). One in a hundred still draws the service map and the latency
 * distribution; an incident that needs more raises this constant (or edits the rule in the
 * X-Ray console, which takes effect without a deploy).
 */
export const TRACE_SAMPLE_RATE = 0.01;

/**
 * One X-Ray sampling rule matching the stack's functions (their generated names start with the
 * stack name): a fixed rate, reservoir 0, ahead of the account's default rule (priority 10000).
 */
export class TraceSampling extends Construct {
  public readonly rule: xray.CfnSamplingRule;

  constructor(scope: Construct, id: string, props: { readonly fixedRate?: number } = {}) {
    super(scope, id);
    this.rule = new xray.CfnSamplingRule(this, 'Rule', {
      samplingRule: {
        ruleName: Names.uniqueResourceName(this, { maxLength: 32 }),
        priority: 100,
        fixedRate: props.fixedRate ?? TRACE_SAMPLE_RATE,
        reservoirSize: 0,
        serviceName: `${Stack.of(this).stackName}-*`,
        serviceType: 'AWS::Lambda::Function',
        host: '*',
        httpMethod: '*',
        urlPath: '*',
        resourceArn: '*',
        version: 1,
      },
    });
  }
}
