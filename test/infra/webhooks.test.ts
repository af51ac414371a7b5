import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#shared/config/env';
import type { MailroomStack } from '#infra/mailroom-stack';
import { EMAIL_REQUESTED } from '#infra/constructs/events';
import { WEBHOOK_FANOUT_WINDOW_SECONDS } from '#infra/constructs/webhooks';
import { ACTIVITY_DETAIL_TYPES } from '#shared/domain/activity';
import { OUTBOUND_DETAIL_TYPES, WEBHOOK_SUBSCRIBED_FIELD } from '#shared/domain/outbound-events';
import { envOf, eventPatternMatches, grantsOf, logicalId, resourcesOf, synthTemplate } from './fixture';

process.env.CDK_VALIDATION = 'false';

describe('webhooks (issue 17)', () => {
  let stack: MailroomStack;
  let template: Template;
  beforeAll(() => {
    ({ stack, template } = synthTemplate());
  });
  const id = (c: Parameters<typeof logicalId>[1]) => logicalId(stack, c);

  it('forwards Mailroom events someone listens to: notable types always, other types only when marked subscribed (never a publisher’s)', () => {
    const rule = template.toJSON().Resources[id(stack.webhooks.rule)];
    const pattern = rule.Properties.EventPattern;
    const account = { Ref: 'AWS::AccountId' };
    const event = (detailType: string, detail: Record<string, unknown> = {}, from: { source?: string; account?: unknown } = {}) => ({
      source: from.source ?? 'mailroom',
      account: from.account ?? account,
      'detail-type': detailType,
      detail: { id: 'em_1', tenant: 'acme', ...detail },
    });
    const forwarded = (e: Record<string, unknown>) => eventPatternMatches(pattern, e);
    // What the activity log records reaches the fan-out whoever listens.
    for (const t of ['Email Bounced', 'Email Complained', 'Email Failed', 'Email Delivery Delayed', 'Email Suppressed']) {
      expect({ t, forwarded: forwarded(event(t)) }).toEqual({ t, forwarded: true });
    }
    // The rest only with the publisher's mark.
    for (const t of ['Email Sent', 'Email Delivered', 'Email Opened', 'Email Clicked', 'Email Accepted']) {
      expect({ t, forwarded: forwarded(event(t)) }).toEqual({ t, forwarded: false });
      expect({ t, forwarded: forwarded(event(t, { [WEBHOOK_SUBSCRIBED_FIELD]: false })) }).toEqual({ t, forwarded: false });
      expect({ t, forwarded: forwarded(event(t, { [WEBHOOK_SUBSCRIBED_FIELD]: true })) }).toEqual({ t, forwarded: true });
    }
    // Never an intake request, nor anything another source or account put on the bus, marked or not.
    expect(forwarded(event(EMAIL_REQUESTED, { [WEBHOOK_SUBSCRIBED_FIELD]: true }))).toBe(false);
    expect(forwarded(event('Email Bounced', {}, { source: 'billing' }))).toBe(false);
    expect(forwarded(event('Email Sent', { [WEBHOOK_SUBSCRIBED_FIELD]: true }, { account: '210987654321' }))).toBe(false);
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [id(stack.webhooks.eventQueue), 'Arn'] }, DeadLetterConfig: expect.anything() }),
    ]);
  });

  it('keeps every webhook event type of a notable detail-type forwarded without a mark (the activity log and webhooks share them)', () => {
    const pattern = template.toJSON().Resources[id(stack.webhooks.rule)].Properties.EventPattern;
    const unmarked = OUTBOUND_DETAIL_TYPES.filter((t) =>
      eventPatternMatches(pattern, { source: 'mailroom', account: { Ref: 'AWS::AccountId' }, 'detail-type': t, detail: { tenant: 'acme' } }),
    );
    expect(unmarked.sort()).toEqual([...ACTIVITY_DETAIL_TYPES].sort());
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
