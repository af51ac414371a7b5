import { Match, type Template } from 'aws-cdk-lib/assertions';
import { CONFIGURATION_SET_VARIANTS } from '#shared/domain/sending-domain';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#shared/config/env';
import { LANE_NAMES } from '#shared/config/lanes';
import type { MailroomStack } from '#infra/mailroom-stack';
import { MAILROOM_EVENT_SOURCE } from '#infra/constructs/events';
import { EVENT_SOURCE } from '#shared/adapters/eventbridge-event-publisher';
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

    it('has no fixed name and is deleted with the stack, so a redeploy or a second stack never collides', () => {
      const group = template.toJSON().Resources[logicalId(stack, stack.scheduling.group)] as Resource & { DeletionPolicy?: string };
      expect(group.Properties?.Name).toBeUndefined();
      expect(group.DeletionPolicy).toBe('Delete');
    });

    it("lets Scheduler (this account, Mailroom's group only) assume a role that may only sqs:SendMessage to the lane queues and its DLQ", () => {
      const role = template.toJSON().Resources[logicalId(stack, stack.scheduling.role)] as Resource;
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        expect.objectContaining({
          Action: 'sts:AssumeRole',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(stack, stack.scheduling.group), 'Arn'] } },
          },
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
          expect(resources[0]).toContain(':schedule/');
          expect(resources[0]).toContain(`{"Ref":"${logicalId(stack, stack.scheduling.group)}"},"/*"`);
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
    it('is called mailroom and has no bus policy by default (only IAM principals of this account may put events)', () => {
      template.hasResourceProperties('AWS::Events::EventBus', { Name: 'mailroom' });
      template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
      // …and intake refuses every event until publishers are bound (its binding list is empty).
      expect(envOf(template, stack, stack.intake.fn)[ENV.INTAKE_PUBLISHERS]).toBe('[]');
    });

    it('binds each publisher to its source, to "Email Requested" only, and to its tenants (bus policy + intake re-check)', () => {
      const role = 'arn:aws:iam::210987654321:role/orders-service';
      const bound = synthTemplate({
        intakePublishers: [
          { principal: '123456789012', source: 'billing', tenants: ['acme'] },
          { principal: role, source: 'orders', tenants: ['acme', 'globex'] },
        ],
      });
      const policies = Object.values(bound.template.findResources('AWS::Events::EventBusPolicy')) as Resource[];
      expect(policies.map((p) => p.Properties.Statement)).toEqual([
        expect.objectContaining({
          Effect: 'Allow',
          Action: 'events:PutEvents',
          Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::123456789012:root']] } },
          Condition: { StringEquals: { 'events:source': ['billing'], 'events:detail-type': ['Email Requested'] } },
        }),
        expect.objectContaining({
          Principal: { AWS: role },
          Condition: { StringEquals: { 'events:source': ['orders'], 'events:detail-type': ['Email Requested'] } },
        }),
      ]);
      expect(JSON.parse(envOf(bound.template, bound.stack, bound.stack.intake.fn)[ENV.INTAKE_PUBLISHERS] as string)).toEqual([
        { account: '123456789012', source: 'billing', tenants: ['acme'] },
        { account: '210987654321', source: 'orders', tenants: ['acme', 'globex'] },
      ]);
    });

    it('refuses the old unbound intakePrincipals and publishers that could pose as Mailroom or AWS', () => {
      expect(() => synthTemplate({ intakePrincipals: ['123456789012'] })).toThrow(/replaced by 'intakePublishers'/);
      for (const source of ['mailroom', 'aws.ses']) {
        expect(() => synthTemplate({ intakePublishers: [{ principal: '123456789012', source, tenants: ['acme'] }] })).toThrow(/source/);
      }
      expect(() => synthTemplate({ intakePublishers: [{ principal: '123456789012', source: 'billing', tenants: [] }] })).toThrow(/tenants/);
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
    it('sends "Email Requested" on the Mailroom bus into the intake queue (not to Lambda directly), with a DLQ', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: logicalId(stack, stack.events.bus) },
        EventPattern: { 'detail-type': ['Email Requested'] },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [logicalId(stack, stack.intake.queue), 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(stack, stack.intake.deadLetterQueue), 'Arn'] } },
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
          }),
        ],
      });
    });

    it('sends SES events of every configuration set (lane and per-domain) on the default bus into the tracking queue, with a DLQ', () => {
      const rule = template.toJSON().Resources[logicalId(stack, stack.tracking.rule)] as Resource;
      expect(rule.Properties.EventBusName).toBeUndefined();
      expect(rule.Properties.EventPattern).toEqual({
        source: ['aws.ses'],
        detail: {
          mail: {
            tags: {
              'ses:configuration-set': CONFIGURATION_SET_VARIANTS.map((v) => ({ Ref: logicalId(stack, stack.lanes.domainConfigurationSets[v]!) })),
            },
          },
        },
      });
      expect(rule.Properties.Targets).toEqual([
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [logicalId(stack, stack.tracking.queue), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(stack, stack.tracking.deadLetterQueue), 'Arn'] } },
        }),
      ]);
    });

    it('hands queued events to intake and tracking through event source mappings with partial batch failures, a DLQ after 10 receives and a 6× visibility timeout', () => {
      const json = template.toJSON().Resources as Record<string, Resource>;
      for (const { fn, queue, dlq } of [
        { fn: stack.intake.fn, queue: stack.intake.queue, dlq: stack.intake.deadLetterQueue },
        { fn: stack.tracking.fn, queue: stack.tracking.queue, dlq: stack.tracking.deadLetterQueue },
      ]) {
        template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
          FunctionName: { Ref: logicalId(stack, fn) },
          EventSourceArn: { 'Fn::GetAtt': [logicalId(stack, queue), 'Arn'] },
          FunctionResponseTypes: ['ReportBatchItemFailures'],
        });
        const q = json[logicalId(stack, queue)]!.Properties;
        expect(q.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack, dlq), 'Arn'] }, maxReceiveCount: 10 });
        const timeout = (json[logicalId(stack, fn)]!.Properties.Timeout as number) ?? 3;
        expect(q.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
        // The DLQ accepts redrives from its own queue only.
        expect(JSON.stringify(json[logicalId(stack, dlq)]!.Properties.RedriveAllowPolicy)).toContain(q.QueueName);
        // Lambda's own async path is not used: no rule targets the function.
        const rules = Object.values(template.findResources('AWS::Events::Rule')) as Resource[];
        expect(JSON.stringify(rules.map((r) => r.Properties.Targets))).not.toContain(logicalId(stack, fn));
      }
    });

    it('lets the tracking and intake functions back a record off (ChangeMessageVisibility on their own queue)', () => {
      for (const [fn, queue] of [
        [stack.tracking.fn, stack.tracking.queue],
        [stack.intake.fn, stack.intake.queue],
      ] as const) {
        const statements = grantsOf(template, stack, fn, 'sqs:ChangeMessageVisibility');
        expect(resourcesOf(statements)).toEqual([JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, queue), 'Arn'] })]);
      }
    });

    it('lets EventBridge write to the target DLQs only from their own rule', () => {
      for (const [dlq, rule] of [
        [stack.intake.deadLetterQueue, stack.intake.rule],
        [stack.tracking.deadLetterQueue, stack.tracking.rule],
        [stack.intake.queue, stack.intake.rule],
        [stack.tracking.queue, stack.tracking.rule],
      ] as const) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: logicalId(stack, dlq) }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Action: Match.anyValue(),
                Principal: { Service: 'events.amazonaws.com' },
                Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(stack, rule), 'Arn'] } } },
              }),
            ]),
          },
        });
      }
    });

    it("matches webhooks on the source Mailroom's publisher really uses", () => {
      expect(MAILROOM_EVENT_SOURCE).toBe(EVENT_SOURCE);
    });

    it('has no webhook resources unless webhooks are configured', () => {
      template.resourceCountIs('AWS::Events::Connection', 0);
      template.resourceCountIs('AWS::Events::ApiDestination', 0);
      template.resourceCountIs('AWS::Events::Archive', 0);
    });

    it("forwards a tenant's events to its webhook with the API key from Secrets Manager — only Mailroom's own (source mailroom, this account)", () => {
      const secret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme-hook-AbCdEf';
      const hooked = synthTemplate({ webhooks: [{ tenant: 'acme', url: 'https://hooks.acme.test/mailroom', apiKeySecretArn: secret }], eventArchiveDays: 7 });
      hooked.template.hasResourceProperties('AWS::Events::Connection', {
        AuthorizationType: 'API_KEY',
        AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: `{{resolve:secretsmanager:${secret}:SecretString:::}}` } },
      });
      hooked.template.hasResourceProperties('AWS::Events::ApiDestination', { InvocationEndpoint: 'https://hooks.acme.test/mailroom', HttpMethod: 'POST' });
      hooked.template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: logicalId(hooked.stack, hooked.stack.events.bus) },
        EventPattern: {
          source: [MAILROOM_EVENT_SOURCE],
          account: [{ Ref: 'AWS::AccountId' }],
          'detail-type': [{ 'anything-but': ['Email Requested'] }],
          detail: { tenant: ['acme'] },
        },
        Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: Match.anyValue() })],
      });
      hooked.template.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 7 });
    });
  });
});
