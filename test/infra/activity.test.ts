import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MailroomStack } from '#infra/mailroom-stack';
import { OUTBOUND_DETAIL_TYPES } from '#shared/domain/outbound-events';
import { activityTypeOf } from '#shared/domain/activity';
import { eventPatternMatches, grantsOf, logicalId, resourcesOf, synthTemplate } from './fixture';

process.env.CDK_VALIDATION = 'false';

describe('activity log (issue 19)', () => {
  let stack: MailroomStack;
  let template: Template;
  beforeAll(() => {
    ({ stack, template } = synthTemplate());
  });

  it('the fan-out rule forwards every detail-type the activity log records (narrowing it must keep them)', () => {
    const notable = OUTBOUND_DETAIL_TYPES.filter((t) => activityTypeOf(t) !== undefined);
    expect(notable.sort()).toEqual(['Email Bounced', 'Email Complained', 'Email Delivery Delayed', 'Email Failed', 'Email Suppressed']);
    const pattern = template.toJSON().Resources[logicalId(stack, stack.webhooks.rule)].Properties.EventPattern;
    const event = (type: string) => ({ source: 'mailroom', account: { Ref: 'AWS::AccountId' }, 'detail-type': type, detail: { tenant: 'acme' } });
    for (const type of notable) expect({ type, admitted: eventPatternMatches(pattern, event(type)) }).toEqual({ type, admitted: true });
  });

  it('lets the fan-out and delivery functions write items and the emails function (GET /activity) read the table and its indexes', () => {
    const table = JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, stack.storage.table), 'Arn'] });
    for (const fn of [stack.webhooks.fanoutFn, stack.webhooks.deliveryFn]) {
      expect(resourcesOf(grantsOf(template, stack, fn, 'dynamodb:PutItem'))).toContain(table);
    }
    const reads = resourcesOf(grantsOf(template, stack, stack.api.functions.emails, 'dynamodb:Query'));
    expect(reads).toContain(table);
    expect(reads.some((r) => r.includes('/index/*'))).toBe(true);
  });
});
