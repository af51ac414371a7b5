import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#shared/config/env';
import { LANE_NAMES, LANES, SQS_MAX_RECEIVE_COUNT } from '#shared/config/lanes';
import { CONFIGURATION_SET_VARIANTS } from '#shared/domain/sending-domain';
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
      // Only its own lane queue may use the DLQ (redrive-allow policy); the queue is named after the stack.
      expect(queue.Properties.QueueName).toBe(`Mailroom-${lane}`);
      expect(dlq.Properties.RedriveAllowPolicy).toEqual({
        redrivePermission: 'byQueue',
        sourceQueueArns: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sqs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:Mailroom-${lane}`]] },
        ],
      });
    }
  });

  it('follows AWS advice for SQS event sources: visibility ≥ 6 × the sender timeout + batching window, a poison message in the DLQ after a few receives', () => {
    expect(SQS_MAX_RECEIVE_COUNT).toBeLessThanOrEqual(10);
    for (const lane of LANE_NAMES) {
      const settings = LANES[lane];
      expect(settings.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * settings.senderTimeoutSeconds + settings.maxBatchingWindowSeconds);
      // The sender's own attempt budget fits below SQS's receive limit (it re-queues near it).
      expect(settings.maxAttempts).toBeLessThanOrEqual(SQS_MAX_RECEIVE_COUNT - 2);
    }
    // Every DLQ of the stack has a redrive-allow policy (its source queue only, or none for target DLQs).
    const queues = template.findResources('AWS::SQS::Queue') as Record<string, { Properties: Record<string, unknown> }>;
    const dlqArns = new Set(
      Object.values(queues).flatMap((q) => {
        const target = (q.Properties.RedrivePolicy as { deadLetterTargetArn?: { 'Fn::GetAtt': [string] } } | undefined)?.deadLetterTargetArn;
        return target ? [target['Fn::GetAtt'][0]] : [];
      }),
    );
    for (const id of [...dlqArns, logicalId(stack, stack.scheduling.deadLetterQueue)]) {
      expect(queues[id]!.Properties.RedriveAllowPolicy, id).toBeDefined();
    }
    expect(queues[logicalId(stack, stack.scheduling.deadLetterQueue)]!.Properties.RedriveAllowPolicy).toEqual({ redrivePermission: 'denyAll' });
    // …and lets its source queue in: SQS refuses a RedrivePolicy towards a DLQ that does not allow the source.
    for (const [id, q] of Object.entries(queues)) {
      const target = (q.Properties.RedrivePolicy as { deadLetterTargetArn?: { 'Fn::GetAtt': [string] } } | undefined)?.deadLetterTargetArn;
      if (!target) continue;
      const allow = queues[target['Fn::GetAtt'][0]]!.Properties.RedriveAllowPolicy as { redrivePermission: string; sourceQueueArns?: unknown[] };
      expect(allow.redrivePermission, id).toBe('byQueue');
      expect(JSON.stringify(allow.sourceQueueArns), id).toContain(`:${q.Properties.QueueName as string}"`);
    }
  });

  it('gathers marketing and bulk into batches (batching window) and reserves concurrency for the critical sender', () => {
    const json = template.toJSON().Resources as Record<string, { Properties: Record<string, any> }>;
    for (const lane of LANE_NAMES) {
      const mapping = Object.values(json).find((r) => r.Properties?.EventSourceArn?.['Fn::GetAtt']?.[0] === logicalId(stack, stack.lanes.queues[lane]))!;
      expect(mapping.Properties.MaximumBatchingWindowInSeconds, lane).toBe(lane === 'marketing' || lane === 'bulk' ? 5 : undefined);
      const reserved = json[logicalId(stack, stack.lanes.senders[lane])]!.Properties.ReservedConcurrentExecutions;
      if (lane === 'critical') expect(reserved).toBeGreaterThanOrEqual(LANES.critical.maxConcurrency);
      else expect(reserved, lane).toBeUndefined();
    }
    const none = synthTemplate({ criticalReservedConcurrency: 0 });
    expect(none.template.toJSON().Resources[logicalId(none.stack, none.stack.lanes.senders.critical)].Properties.ReservedConcurrentExecutions).toBeUndefined();
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
      const set = lane === 'critical' || lane === 'transactional' ? stack.lanes.configurationSet : stack.lanes.marketingConfigurationSet;
      expect(env[ENV.SES_CONFIGURATION_SET]).toEqual({ Ref: logicalId(stack, set) });
      for (const name of [ENV.LANE_QUEUE_URLS, ENV.LANE_DLQ_URLS]) {
        const json = JSON.stringify(env[name]);
        for (const l of LANE_NAMES) expect(json).toContain(`\\"${l}\\":`);
      }
      for (const name of [ENV.TABLE_NAME, ENV.EVENT_BUS_NAME, ENV.UNSUBSCRIBE_SECRET_ARN, ENV.PUBLIC_API_URL]) expect(env[name], name).toBeDefined();
      expect(env[ENV.SMTP_SECRET_ARN]).toBeUndefined();
    }
  });

  it("lets a sender send through SES only from the configured identities (context sendingIdentities) with the stack's configuration sets", () => {
    const sender = stack.lanes.senders.critical;
    const sesSend = roleStatements(template, stack, sender).filter((s) => JSON.stringify(s.Action).includes('ses:Send'));
    expect(sesSend).toHaveLength(1);
    expect([sesSend[0]!.Action].flat().sort()).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
    const resources = resourcesOf(sesSend);
    // The two identities, and the eight tracking × TLS sets (a domain's options may pick any of them).
    expect(resources).toHaveLength(2 + CONFIGURATION_SET_VARIANTS.length);
    expect(resources.join()).toContain(':identity/example.com"');
    expect(resources.join()).toContain(':identity/alerts@example.org"');
    expect(resources.join()).not.toContain(':identity/*');
    expect(resources.join()).toContain(':configuration-set/');
    for (const set of Object.values(stack.lanes.domainConfigurationSets)) expect(resources.join()).toContain(logicalId(stack, set));
    expect(resourcesOf(grantsOf(template, stack, sender, 'ses:GetAccount'))).toEqual(['"*"']);
    // Every identity of the account only on purpose.
    const any = synthTemplate({ sendingIdentities: '*' });
    const anyResources = resourcesOf(
      roleStatements(any.template, any.stack, any.stack.lanes.senders.bulk).filter((s) => JSON.stringify(s.Action).includes('ses:Send')),
    );
    expect(anyResources.join()).toContain(':identity/*');
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

  it('sends transactional and critical mail through a configuration set without open/click tracking, marketing and bulk through one with it', () => {
    const json = template.toJSON().Resources as Record<string, { Properties: Record<string, any> }>;
    for (const set of [stack.lanes.configurationSet, stack.lanes.marketingConfigurationSet]) {
      expect(json[logicalId(stack, set)]!.Properties).toMatchObject({
        ReputationOptions: { ReputationMetricsEnabled: true },
        SendingOptions: { SendingEnabled: true },
        SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      });
    }
    const destinations = Object.values(template.findResources('AWS::SES::ConfigurationSetEventDestination')) as Array<{
      Properties: { ConfigurationSetName: unknown; EventDestination: { Enabled: boolean; MatchingEventTypes: string[]; EventBridgeDestination: unknown } };
    }>;
    const of = (set: unknown) =>
      destinations.find((d) => JSON.stringify(d.Properties.ConfigurationSetName) === JSON.stringify({ Ref: logicalId(stack, set as never) }))!;
    const transactional = of(stack.lanes.configurationSet).Properties.EventDestination;
    const marketing = of(stack.lanes.marketingConfigurationSet).Properties.EventDestination;
    for (const d of [transactional, marketing]) {
      expect(d.Enabled).toBe(true);
      expect(JSON.stringify(d.EventBridgeDestination)).toContain(':event-bus/default');
    }
    // SES adds a pixel and rewrites links only for a set whose destination asks for opens/clicks.
    expect([...transactional.MatchingEventTypes].sort()).toEqual(
      ['bounce', 'complaint', 'delivery', 'deliveryDelay', 'reject', 'renderingFailure', 'send', 'subscription'].sort(),
    );
    expect([...marketing.MatchingEventTypes].sort()).toEqual(
      ['bounce', 'click', 'complaint', 'delivery', 'deliveryDelay', 'open', 'reject', 'renderingFailure', 'send', 'subscription'].sort(),
    );
    const tracked = synthTemplate({ trackingDomain: 'links.example.com' });
    expect(tracked.template.toJSON().Resources[logicalId(tracked.stack, tracked.stack.lanes.marketingConfigurationSet)].Properties.TrackingOptions).toEqual({
      CustomRedirectDomain: 'links.example.com',
      HttpsPolicy: 'REQUIRE',
    });
  });

  it('creates one configuration set per tracking × TLS variant for per-domain options, and gives every sender their names', () => {
    const json = template.toJSON().Resources as Record<string, { Properties: Record<string, any> }>;
    const sets = stack.lanes.domainConfigurationSets;
    expect(Object.keys(sets).sort()).toEqual([...CONFIGURATION_SET_VARIANTS].sort());
    // The lane sets stand for the two variants they are.
    expect(sets['untracked-optional']).toBe(stack.lanes.configurationSet);
    expect(sets['tracked-optional']).toBe(stack.lanes.marketingConfigurationSet);
    expect(new Set(Object.values(sets)).size).toBe(CONFIGURATION_SET_VARIANTS.length);
    const destinations = Object.values(template.findResources('AWS::SES::ConfigurationSetEventDestination')) as Array<{
      Properties: { ConfigurationSetName: unknown; EventDestination: { MatchingEventTypes: string[]; EventBridgeDestination: unknown } };
    }>;
    for (const variant of CONFIGURATION_SET_VARIANTS) {
      const set = sets[variant]!;
      const props = json[logicalId(stack, set)]!.Properties;
      expect(props, variant).toMatchObject({ SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] }, SendingOptions: { SendingEnabled: true } });
      // SES's TlsPolicy: REQUIRE refuses delivery to a receiving server without TLS (Resend's `tls: "enforced"`).
      expect(props.DeliveryOptions?.TlsPolicy ?? 'OPTIONAL', variant).toBe(variant.endsWith('-tls') ? 'REQUIRE' : 'OPTIONAL');
      const mine = destinations.filter((d) => JSON.stringify(d.Properties.ConfigurationSetName) === JSON.stringify({ Ref: logicalId(stack, set) }));
      expect(mine, variant).toHaveLength(1);
      expect(JSON.stringify(mine[0]!.Properties.EventDestination.EventBridgeDestination)).toContain(':event-bus/default');
      const events = mine[0]!.Properties.EventDestination.MatchingEventTypes;
      expect(events.includes('open'), variant).toBe(variant.startsWith('opens') || variant.startsWith('tracked'));
      expect(events.includes('click'), variant).toBe(variant.startsWith('clicks') || variant.startsWith('tracked'));
      expect(events).toEqual(expect.arrayContaining(['send', 'delivery', 'bounce', 'complaint', 'reject']));
    }
    // Tracking matches SES events of every set.
    expect(stack.lanes.configurationSetNames).toHaveLength(CONFIGURATION_SET_VARIANTS.length);
    for (const lane of LANE_NAMES) {
      const env = JSON.stringify(envOf(template, stack, stack.lanes.senders[lane])[ENV.SES_DOMAIN_CONFIGURATION_SETS]);
      for (const variant of CONFIGURATION_SET_VARIANTS) {
        expect(env).toContain(`\\"${variant}\\":`);
        expect(env).toContain(logicalId(stack, sets[variant]!));
      }
    }
    // A custom tracking domain applies to every set that tracks, not to the untracked ones.
    const custom = synthTemplate({ trackingDomain: 'links.example.com' });
    const customJson = custom.template.toJSON().Resources;
    for (const variant of CONFIGURATION_SET_VARIANTS) {
      const options = customJson[logicalId(custom.stack, custom.stack.lanes.domainConfigurationSets[variant]!)].Properties.TrackingOptions;
      expect(options, variant).toEqual(variant.startsWith('untracked') ? undefined : { CustomRedirectDomain: 'links.example.com', HttpsPolicy: 'REQUIRE' });
    }
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
