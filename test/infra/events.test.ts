import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#shared/config/env';
import { LANE_NAMES } from '#shared/config/lanes';
import type { MailroomStack } from '#infra/mailroom-stack';
import { asArray, envOf, grantsOf, logicalId, resourcesOf, roleStatements, synthTemplate } from './fixture';

process.env.CDK_VALIDATION = 'false';

type Resource = { Properties: Record<string, any> };

describe('scheduling, events, intake and tracking', () => {
  let stack: MailroomStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synthTemplate());
  });

  describe('scheduling', () => {
    it('has a schedule group and a hardened scheduler DLQ', () => {
      template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
      const dlq = template.toJSON().Resources[logicalId(stack, stack.scheduling.deadLetterQueue)] as Resource;
      expect(dlq.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    });

    it('lets Scheduler (this account only) assume a role that may only sqs:SendMessage to the lane queues and its DLQ', () => {
      const role = template.toJSON().Resources[logicalId(stack, stack.scheduling.role)] as Resource;
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        expect.objectContaining({
          Action: 'sts:AssumeRole',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        }),
      ]);
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
      const statements = roleStatements(template, stack, stack.scheduling.role);
      expect(statements.flatMap((s) => asArray(s.Action))).toEqual(['sqs:SendMessage']);
      const expected = [...LANE_NAMES.map((l) => stack.lanes.queues[l]), stack.scheduling.deadLetterQueue].map((q) =>
        JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, q), 'Arn'] }),
      );
      expect(resourcesOf(statements).sort()).toEqual(expected.sort());
    });

    it('lets ingest, emails and intake manage schedules in the group only and pass the scheduler role only', () => {
      for (const fn of [stack.api.functions.ingest, stack.api.functions.emails, stack.intake.fn]) {
        const env = envOf(template, stack, fn);
        expect(env[ENV.SCHEDULE_GROUP]).toBeDefined();
        expect(env[ENV.SCHEDULER_ROLE_ARN]).toEqual({ 'Fn::GetAtt': [logicalId(stack, stack.scheduling.role), 'Arn'] });
        expect(env[ENV.SCHEDULER_DLQ_ARN]).toEqual({ 'Fn::GetAtt': [logicalId(stack, stack.scheduling.deadLetterQueue), 'Arn'] });
        const arns = JSON.stringify(env[ENV.LANE_QUEUE_ARNS]);
        for (const lane of LANE_NAMES) expect(arns).toContain(logicalId(stack, stack.lanes.queues[lane]));
        for (const action of ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule']) {
          const resources = resourcesOf(grantsOf(template, stack, fn, action));
          expect(resources, action).toHaveLength(1);
          expect(resources[0]).toMatch(/:schedule\/[^"]+\/\*"/);
        }
        const passRole = grantsOf(template, stack, fn, 'iam:PassRole');
        expect(resourcesOf(passRole)).toEqual([JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, stack.scheduling.role), 'Arn'] })]);
      }
      for (const fn of [stack.api.functions.templates, stack.lanes.senders.critical, stack.tracking.fn]) {
        expect(grantsOf(template, stack, fn, 'scheduler:CreateSchedule')).toEqual([]);
        expect(grantsOf(template, stack, fn, 'iam:PassRole')).toEqual([]);
      }
    });
  });

  describe('Mailroom bus', () => {
    it('is called mailroom and only this account may put events on it by default', () => {
      template.hasResourceProperties('AWS::Events::EventBus', { Name: 'mailroom' });
      template.resourceCountIs('AWS::Events::EventBusPolicy', 1);
      const policy = Object.values(template.findResources('AWS::Events::EventBusPolicy'))[0] as Resource;
      expect(policy.Properties.EventBusName).toEqual({ Ref: logicalId(stack, stack.events.bus) });
      expect(policy.Properties.Statement).toMatchObject({
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: { 'Fn::GetAtt': [logicalId(stack, stack.events.bus), 'Arn'] },
      });
      expect(JSON.stringify(policy.Properties.Statement.Principal)).toContain(':root');
      expect(JSON.stringify(policy.Properties.Statement.Principal)).toContain('AWS::AccountId');
    });

    it('allows exactly the intakePrincipals when given', () => {
      const role = 'arn:aws:iam::210987654321:role/orders-service';
      const other = synthTemplate({ intakePrincipals: ['123456789012', role] });
      const policy = Object.values(other.template.findResources('AWS::Events::EventBusPolicy'))[0] as Resource;
      const principals = JSON.stringify(policy.Properties.Statement.Principal);
      expect(principals).toContain('123456789012:root');
      expect(principals).toContain(role);
      expect(principals).not.toContain('AWS::AccountId');
    });

    it('gives every publishing function the bus name and PutEvents on that bus only', () => {
      const publishers = [
        stack.api.functions.ingest,
        stack.api.functions.emails,
        stack.tracking.fn,
        stack.intake.fn,
        ...LANE_NAMES.map((l) => stack.lanes.senders[l]),
      ];
      for (const fn of publishers) {
        expect(envOf(template, stack, fn)[ENV.EVENT_BUS_NAME]).toEqual({ Ref: logicalId(stack, stack.events.bus) });
        expect(resourcesOf(grantsOf(template, stack, fn, 'events:PutEvents'))).toEqual([
          JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, stack.events.bus), 'Arn'] }),
        ]);
      }
      for (const fn of [stack.api.authorizerFn, stack.api.functions.templates, stack.api.functions.health])
        expect(grantsOf(template, stack, fn, 'events:PutEvents')).toEqual([]);
    });
  });

  describe('rules', () => {
    it('sends "Email Requested" on the Mailroom bus to intake, with 2 retries, 1 h max age and a DLQ', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: logicalId(stack, stack.events.bus) },
        EventPattern: { 'detail-type': ['Email Requested'] },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [logicalId(stack, stack.intake.fn), 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(stack, stack.intake.deadLetterQueue), 'Arn'] } },
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
          }),
        ],
      });
    });

    it('sends SES events of the configuration set on the default bus to tracking, with a DLQ', () => {
      const rule = template.toJSON().Resources[logicalId(stack, stack.tracking.rule)] as Resource;
      expect(rule.Properties.EventBusName).toBeUndefined();
      expect(rule.Properties.EventPattern).toEqual({
        source: ['aws.ses'],
        detail: { mail: { tags: { 'ses:configuration-set': [{ Ref: logicalId(stack, stack.lanes.configurationSet) }] } } },
      });
      expect(rule.Properties.Targets).toEqual([
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [logicalId(stack, stack.tracking.fn), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(stack, stack.tracking.deadLetterQueue), 'Arn'] } },
        }),
      ]);
    });

    it('lets EventBridge write to the target DLQs only from their own rule', () => {
      for (const [dlq, rule] of [
        [stack.intake.deadLetterQueue, stack.intake.rule],
        [stack.tracking.deadLetterQueue, stack.tracking.rule],
      ] as const) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: logicalId(stack, dlq) }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Action: 'sqs:SendMessage',
                Principal: { Service: 'events.amazonaws.com' },
                Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(stack, rule), 'Arn'] } } },
              }),
            ]),
          },
        });
      }
    });

    it('has no webhook resources unless webhooks are configured', () => {
      template.resourceCountIs('AWS::Events::Connection', 0);
      template.resourceCountIs('AWS::Events::ApiDestination', 0);
      template.resourceCountIs('AWS::Events::Rule', 2);
      template.resourceCountIs('AWS::Events::Archive', 0);
    });

    it("forwards a tenant's events to its webhook with the API key from Secrets Manager", () => {
      const secret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme-hook-AbCdEf';
      const hooked = synthTemplate({ webhooks: [{ tenant: 'acme', url: 'https://hooks.acme.test/mailroom', apiKeySecretArn: secret }], eventArchiveDays: 7 });
      hooked.template.hasResourceProperties('AWS::Events::Connection', {
        AuthorizationType: 'API_KEY',
        AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: `{{resolve:secretsmanager:${secret}:SecretString:::}}` } },
      });
      hooked.template.hasResourceProperties('AWS::Events::ApiDestination', { InvocationEndpoint: 'https://hooks.acme.test/mailroom', HttpMethod: 'POST' });
      hooked.template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: logicalId(hooked.stack, hooked.stack.events.bus) },
        EventPattern: { 'detail-type': [{ 'anything-but': ['Email Requested'] }], detail: { tenant: ['acme'] } },
        Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: Match.anyValue() })],
      });
      hooked.template.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 7 });
    });
  });
});
