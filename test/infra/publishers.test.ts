import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MailroomStack } from '#infra/mailroom-stack';
import { cdkJsonContext, PRODUCTION_CONTEXT } from './fixture';

process.env.CDK_VALIDATION = 'false';

const MAILROOM_ACCOUNT = '111111111111';
const PUBLISHER_ACCOUNT = '210987654321';

type Pattern = Record<string, unknown>;
type Json = Record<string, unknown>;

/** EventBridge pattern matching for what Mailroom's patterns use: literal lists, anything-but, nesting. */
function matches(pattern: Pattern, event: Json): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = event[key];
    if (Array.isArray(expected)) {
      return expected.some((e) => {
        if (e && typeof e === 'object' && 'anything-but' in e) return !(e['anything-but'] as unknown[]).includes(actual);
        return e === actual;
      });
    }
    return !!actual && typeof actual === 'object' && matches(expected as Pattern, actual as Json);
  });
}

/** What a bus policy statement allows a cross-account principal to put (its conditions on source and detail-type). */
function allowedByBusPolicy(statements: Json[], principalAccount: string, event: { source: string; 'detail-type': string }): boolean {
  return statements.some((s) => {
    if (s.Effect !== 'Allow' || !JSON.stringify(s.Principal).includes(principalAccount)) return false;
    const cond = ((s.Condition as Json | undefined)?.StringEquals ?? {}) as Record<string, string[]>;
    const ok = (key: string, value: string) => !cond[key] || cond[key].includes(value);
    return ok('events:source', event.source) && ok('events:detail-type', event['detail-type']);
  });
}

describe('EventBridge publishers bound to tenants (issue 16 §2)', () => {
  let template: Template;
  let stack: MailroomStack;

  beforeAll(() => {
    const app = new App({
      context: {
        ...cdkJsonContext(),
        ...PRODUCTION_CONTEXT,
        'aws:cdk:bundling-stacks': [],
        intakePublishers: [{ principal: PUBLISHER_ACCOUNT, source: 'billing', tenants: ['acme'] }],
        webhooks: [{ tenant: 'acme', url: 'https://hooks.acme.test/m', apiKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:h-AbCdEf' }],
      },
    });
    stack = new MailroomStack(app, 'Mailroom', { env: { account: MAILROOM_ACCOUNT, region: 'eu-west-1' } });
    template = Template.fromStack(stack);
  });

  const busRules = () =>
    (Object.values(template.findResources('AWS::Events::Rule')) as Array<{ Properties: { EventBusName?: unknown; EventPattern: Pattern } }>).filter((r) =>
      JSON.stringify(r.Properties.EventBusName ?? '').includes(stack.resolve(stack.getLogicalId(stack.events.bus.node.defaultChild as never))),
    );
  const tenantRules = () => busRules().filter((r) => !JSON.stringify(r.Properties.EventPattern).includes('"detail-type":["Email Requested"]'));

  it('a publisher cannot even put a forged "Email Bounced" or an event under another source on the bus', () => {
    const policies = Object.values(template.findResources('AWS::Events::EventBusPolicy')) as Array<{ Properties: { Statement: Json } }>;
    const statements = policies.map((p) => p.Properties.Statement);
    expect(allowedByBusPolicy(statements, PUBLISHER_ACCOUNT, { source: 'billing', 'detail-type': 'Email Requested' })).toBe(true);
    expect(allowedByBusPolicy(statements, PUBLISHER_ACCOUNT, { source: 'billing', 'detail-type': 'Email Bounced' })).toBe(false);
    expect(allowedByBusPolicy(statements, PUBLISHER_ACCOUNT, { source: 'mailroom', 'detail-type': 'Email Delivered' })).toBe(false);
    expect(allowedByBusPolicy(statements, '999999999999', { source: 'billing', 'detail-type': 'Email Requested' })).toBe(false);
  });

  it('a forged "Email …" event from a publisher never reaches a tenant, while Mailroom\'s own does', () => {
    const rules = tenantRules();
    expect(rules.length).toBeGreaterThan(0);
    const genuine = { source: 'mailroom', account: MAILROOM_ACCOUNT, 'detail-type': 'Email Bounced', detail: { tenant: 'acme' } };
    const forgedSource = { ...genuine, source: 'billing', account: PUBLISHER_ACCOUNT };
    const forgedMailroom = { ...genuine, account: PUBLISHER_ACCOUNT };
    expect(rules.some((r) => matches(r.Properties.EventPattern, genuine))).toBe(true);
    for (const forged of [forgedSource, forgedMailroom]) {
      expect(
        rules.filter((r) => matches(r.Properties.EventPattern, forged)),
        JSON.stringify(forged),
      ).toEqual([]);
    }
  });
});
