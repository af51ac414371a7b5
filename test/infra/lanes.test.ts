import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#shared/config/env';
import { LANE_NAMES, LANES, SQS_MAX_RECEIVE_COUNT } from '#shared/config/lanes';
import type { MailroomStack } from '#infra/mailroom-stack';
import { envOf, grantsOf, logicalId, resourcesOf, roleStatements, synthTemplate } from './fixture';

process.env.CDK_VALIDATION = 'false';

const SMTP_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mailroom-smtp-AbCdEf';

describe('lanes', () => {
  let stack: MailroomStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synthTemplate());
  });

  it('has a queue and a DLQ per lane, redriving after SQS_MAX_RECEIVE_COUNT receives', () => {
    for (const lane of LANE_NAMES) {
      const queue = template.toJSON().Resources[logicalId(stack, stack.lanes.queues[lane])];
      expect(queue.Properties).toMatchObject({
        VisibilityTimeout: LANES[lane].visibilityTimeoutSeconds,
        MessageRetentionPeriod: 14 * 24 * 3600,
        SqsManagedSseEnabled: true,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack, stack.lanes.dlqs[lane]), 'Arn'] },
          maxReceiveCount: SQS_MAX_RECEIVE_COUNT,
        },
      });
      const dlq = template.toJSON().Resources[logicalId(stack, stack.lanes.dlqs[lane])];
      expect(dlq.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    }
    // 4 lanes × (queue + DLQ) + scheduler DLQ + intake DLQ + tracking DLQ
    template.resourceCountIs('AWS::SQS::Queue', LANE_NAMES.length * 2 + 3);
  });

  it('encrypts every queue and allows TLS only', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')) as Array<{
      Properties: { Queues: unknown[]; PolicyDocument: { Statement: Array<Record<string, unknown>> } };
    }>;
    for (const [id, queue] of Object.entries(queues)) {
      expect((queue as { Properties: Record<string, unknown> }).Properties.SqsManagedSseEnabled).toBe(true);
      const policy = policies.find((p) => JSON.stringify(p.Properties.Queues).includes(`"${id}"`));
      expect(policy, `TLS-only policy on ${id}`).toBeDefined();
      expect(policy!.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      );
    }
  });

  it('feeds each sender from its lane queue with the lane batch size, concurrency cap and partial batch failures', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', LANE_NAMES.length);
    for (const lane of LANE_NAMES) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [logicalId(stack, stack.lanes.queues[lane]), 'Arn'] },
        FunctionName: { Ref: logicalId(stack, stack.lanes.senders[lane]) },
        BatchSize: LANES[lane].batchSize,
        ScalingConfig: { MaximumConcurrency: LANES[lane].maxConcurrency },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    }
  });

  it('gives each sender its lane, the lane maps, a lease shorter than the visibility timeout and an SES timeout shorter than the lease', () => {
    for (const lane of LANE_NAMES) {
      const sender = stack.lanes.senders[lane];
      const resource = template.toJSON().Resources[logicalId(stack, sender)];
      expect(resource.Properties.Timeout).toBe(LANES[lane].senderTimeoutSeconds);
      const env = envOf(template, stack, sender);
      expect(env[ENV.LANE]).toBe(lane);
      const lease = Number(env[ENV.CLAIM_LEASE_SECONDS]);
      expect(lease).toBeLessThan(LANES[lane].visibilityTimeoutSeconds);
      expect(lease).toBeGreaterThan(LANES[lane].senderTimeoutSeconds);
      expect(Number(env[ENV.SES_TIMEOUT_MS])).toBeLessThan(LANES[lane].senderTimeoutSeconds * 1000);
      expect(env[ENV.SES_CONFIGURATION_SET]).toEqual({ Ref: logicalId(stack, stack.lanes.configurationSet) });
      for (const name of [ENV.LANE_QUEUE_URLS, ENV.LANE_DLQ_URLS]) {
        const json = JSON.stringify(env[name]);
        for (const l of LANE_NAMES) expect(json).toContain(`\\"${l}\\":`);
      }
      for (const name of [ENV.TABLE_NAME, ENV.EVENT_BUS_NAME, ENV.UNSUBSCRIBE_SECRET_ARN, ENV.PUBLIC_API_URL]) expect(env[name], name).toBeDefined();
      expect(env[ENV.SMTP_SECRET_ARN]).toBeUndefined();
    }
  });

  it("lets a sender send through SES only with the configuration set and this account's identities", () => {
    const sender = stack.lanes.senders.critical;
    const sesSend = roleStatements(template, stack, sender).filter((s) => JSON.stringify(s.Action).includes('ses:Send'));
    expect(sesSend).toHaveLength(1);
    expect([sesSend[0]!.Action].flat().sort()).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
    const resources = resourcesOf(sesSend);
    expect(resources).toHaveLength(2);
    expect(resources.join()).toContain(':identity/*');
    expect(resources.join()).toContain(':configuration-set/');
    expect(resources.join()).toContain(logicalId(stack, stack.lanes.configurationSet));
    expect(resourcesOf(grantsOf(template, stack, sender, 'ses:GetAccount'))).toEqual(['"*"']);
  });

  it('lets each sender read attachment bytes from the attachments bucket, and not write them', () => {
    for (const lane of LANE_NAMES) {
      const sender = stack.lanes.senders[lane];
      expect(envOf(template, stack, sender)[ENV.ATTACHMENTS_BUCKET]).toEqual({ Ref: logicalId(stack, stack.storage.attachmentsBucket) });
      expect(resourcesOf(grantsOf(template, stack, sender, 's3:GetObject')).join()).toContain(logicalId(stack, stack.storage.attachmentsBucket));
      expect(grantsOf(template, stack, sender, 's3:PutObject')).toEqual([]);
    }
  });

  it('lets each sender run PartiQL UPDATEs (batch claims) on the main table only, and no other PartiQL', () => {
    for (const lane of LANE_NAMES) {
      const sender = stack.lanes.senders[lane];
      const partiql = grantsOf(template, stack, sender, 'dynamodb:PartiQLUpdate');
      expect(resourcesOf(partiql)).toEqual([JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, stack.storage.table), 'Arn'] })]);
      for (const action of ['dynamodb:PartiQLInsert', 'dynamodb:PartiQLDelete']) expect(grantsOf(template, stack, sender, action)).toEqual([]);
    }
  });

  it('lets a sender move mail to its own DLQ only and re-enqueue into every lane', () => {
    const sender = stack.lanes.senders.marketing;
    const send = resourcesOf(grantsOf(template, stack, sender, 'sqs:SendMessage')).join();
    expect(send).toContain(logicalId(stack, stack.lanes.dlqs.marketing));
    for (const other of LANE_NAMES.filter((l) => l !== 'marketing')) expect(send).not.toContain(logicalId(stack, stack.lanes.dlqs[other]));
    for (const lane of LANE_NAMES) expect(send).toContain(logicalId(stack, stack.lanes.queues[lane]));
    const receive = resourcesOf(grantsOf(template, stack, sender, 'sqs:ReceiveMessage')).join();
    expect(receive).toContain(logicalId(stack, stack.lanes.queues.marketing));
    expect(receive).not.toContain(logicalId(stack, stack.lanes.queues.bulk));
    expect(grantsOf(template, stack, sender, 'sqs:ChangeMessageVisibility')).not.toHaveLength(0);
    expect(grantsOf(template, stack, sender, 'secretsmanager:GetSecretValue').map((s) => JSON.stringify(s.Resource))).toEqual([
      JSON.stringify({ Ref: logicalId(stack, stack.storage.unsubscribeSecret) }),
    ]);
  });

  it('has an SES configuration set with reputation metrics, sending on, and every event to the default bus', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      ReputationOptions: { ReputationMetricsEnabled: true },
      SendingOptions: { SendingEnabled: true },
    });
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: logicalId(stack, stack.lanes.configurationSet) },
      EventDestination: {
        Enabled: true,
        EventBridgeDestination: { EventBusArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([':event-bus/default'])]) }) },
      },
    });
    const [destination] = Object.values(template.findResources('AWS::SES::ConfigurationSetEventDestination')) as Array<{
      Properties: { EventDestination: { MatchingEventTypes: string[] } };
    }>;
    expect([...destination!.Properties.EventDestination.MatchingEventTypes].sort()).toEqual(
      ['bounce', 'click', 'complaint', 'delivery', 'deliveryDelay', 'open', 'reject', 'renderingFailure', 'send', 'subscription'].sort(),
    );
  });

  it('wires the SMTP fallback secret into the senders only when smtpSecretArn is given', () => {
    const withSmtp = synthTemplate({ smtpSecretArn: SMTP_SECRET });
    for (const lane of LANE_NAMES) {
      const sender = withSmtp.stack.lanes.senders[lane];
      expect(envOf(withSmtp.template, withSmtp.stack, sender)[ENV.SMTP_SECRET_ARN]).toBe(SMTP_SECRET);
      const reads = resourcesOf(grantsOf(withSmtp.template, withSmtp.stack, sender, 'secretsmanager:GetSecretValue'));
      expect(reads).toContain(JSON.stringify(SMTP_SECRET));
    }
    const ingestReads = resourcesOf(grantsOf(withSmtp.template, withSmtp.stack, withSmtp.stack.api.functions.ingest, 'secretsmanager:GetSecretValue'));
    expect(ingestReads).toEqual([]);
  });
});
