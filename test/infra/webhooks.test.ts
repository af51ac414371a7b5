import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#shared/config/env';
import type { MailroomStack } from '#infra/mailroom-stack';
import { EMAIL_REQUESTED } from '#infra/constructs/events';
import { WEBHOOK_FANOUT_WINDOW_SECONDS } from '#infra/constructs/webhooks';
import { envOf, grantsOf, logicalId, resourcesOf, synthTemplate } from './fixture';

process.env.CDK_VALIDATION = 'false';

describe('webhooks (issue 17)', () => {
  let stack: MailroomStack;
  let template: Template;
  beforeAll(() => {
    ({ stack, template } = synthTemplate());
  });
  const id = (c: Parameters<typeof logicalId>[1]) => logicalId(stack, c);

  it('puts every outbound Mailroom event (never a publisher’s) on the fan-out queue', () => {
    const rule = template.toJSON().Resources[id(stack.webhooks.rule)];
    expect(rule.Properties.EventPattern).toEqual({
      source: ['mailroom'],
      account: [{ Ref: 'AWS::AccountId' }],
      'detail-type': [{ 'anything-but': [EMAIL_REQUESTED] }],
    });
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [id(stack.webhooks.eventQueue), 'Arn'] }, DeadLetterConfig: expect.anything() }),
    ]);
  });

  it('consumes both queues with event source mappings that report batch item failures', () => {
    for (const [queue, fn] of [
      [stack.webhooks.eventQueue, stack.webhooks.fanoutFn],
      [stack.webhooks.deliveryQueue, stack.webhooks.deliveryFn],
    ] as const) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [id(queue), 'Arn'] },
        FunctionName: { Ref: id(fn) },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: Match.anyValue() },
      });
    }
  });

  it('batches the fan-out (every outbound event passes through it) with a batching window', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [id(stack.webhooks.eventQueue), 'Arn'] },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: WEBHOOK_FANOUT_WINDOW_SECONDS,
    });
  });

  it('gives the delivery queue a DLQ, a visibility timeout of 6 × the function timeout, and hardened settings', () => {
    const queue = template.toJSON().Resources[id(stack.webhooks.deliveryQueue)];
    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [id(stack.webhooks.deliveryDeadLetterQueue), 'Arn'] } },
    });
  });

  it('tells the API, fan-out and delivery functions the delivery queue and DLQ, and lets them send there only', () => {
    for (const fn of [stack.api.functions.webhooks, stack.webhooks.fanoutFn, stack.webhooks.deliveryFn]) {
      const env = envOf(template, stack, fn);
      expect(env[ENV.WEBHOOK_QUEUE_URL]).toEqual({ Ref: id(stack.webhooks.deliveryQueue) });
      expect(env[ENV.WEBHOOK_DLQ_URL]).toEqual({ Ref: id(stack.webhooks.deliveryDeadLetterQueue) });
      expect(env[ENV.WEBHOOK_ALLOW_LOOPBACK]).toBeUndefined();
      const sendable = resourcesOf(grantsOf(template, stack, fn, 'sqs:SendMessage'));
      expect(sendable.sort()).toEqual(
        [
          JSON.stringify({ 'Fn::GetAtt': [id(stack.webhooks.deliveryQueue), 'Arn'] }),
          JSON.stringify({ 'Fn::GetAtt': [id(stack.webhooks.deliveryDeadLetterQueue), 'Arn'] }),
        ].sort(),
      );
    }
  });

  it('alarms (ticket) on both webhook DLQs', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Array<{ Properties: Record<string, any> }>;
    for (const dlq of [stack.webhooks.eventDeadLetterQueue, stack.webhooks.deliveryDeadLetterQueue]) {
      const alarm = alarms.find((a) => JSON.stringify(a.Properties.Dimensions ?? a.Properties.Metrics ?? []).includes(id(dlq)));
      expect(alarm, `alarm on ${dlq.node.path}`).toBeDefined();
    }
  });
});
