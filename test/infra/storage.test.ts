import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_TABLE, MAIN_TABLE, OUTPUTS } from '#infra/definitions';
import { ATTACHMENT_RETENTION, attachmentRetentionClass } from '#shared/config/retention';
import { MailroomFunction } from '#infra/constructs/mailroom-function';
import type { MailroomStack } from '#infra/mailroom-stack';
import { logicalId, synthTemplate } from './fixture';

process.env.CDK_VALIDATION = 'false';

type Resource = { Properties: Record<string, any>; DeletionPolicy?: string };

describe('storage, functions and outputs', () => {
  let stack: MailroomStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synthTemplate());
  });

  it('keeps the main table on demand, with PITR, TTL, gsi1 and encryption, and retains it', () => {
    const table = template.toJSON().Resources[logicalId(stack, stack.storage.table)] as Resource;
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: MAIN_TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: MAIN_TABLE.sortKey, KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: MAIN_TABLE.ttlAttribute, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      // gsi1 among the table's indexes (others, e.g. the reconciler's sparse index, may follow).
      GlobalSecondaryIndexes: expect.arrayContaining([
        {
          IndexName: MAIN_TABLE.gsi1.name,
          KeySchema: [
            { AttributeName: MAIN_TABLE.gsi1.partitionKey, KeyType: 'HASH' },
            { AttributeName: MAIN_TABLE.gsi1.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ]),
    });
  });

  it('lists emails through their own index of fields that never change, so status writes skip it', () => {
    const table = template.toJSON().Resources[logicalId(stack, stack.storage.table)] as Resource;
    const list = (table.Properties.GlobalSecondaryIndexes as Array<Record<string, any>>).find((i) => i.IndexName === MAIN_TABLE.emailList.name);
    expect(list).toEqual({
      IndexName: MAIN_TABLE.emailList.name,
      KeySchema: [
        { AttributeName: MAIN_TABLE.emailList.partitionKey, KeyType: 'HASH' },
        { AttributeName: MAIN_TABLE.emailList.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...MAIN_TABLE.emailList.projection] },
    });
    // Never a field a status write sets: those would write the index item again.
    for (const mutable of ['status', 'lastEvent', 'updatedAt', 'events', 'leaseUntil', 'claimToken', 'providerMessageId', 'scheduledAt', 'attempts']) {
      expect(MAIN_TABLE.emailList.projection).not.toContain(mutable);
    }
  });

  it('expires each attachment with its email: one lifecycle rule per retention class tag, capped by attachmentRetentionDays', () => {
    const rules = (template.toJSON().Resources[logicalId(stack, stack.storage.attachmentsBucket)] as Resource).Properties.LifecycleConfiguration.Rules as Array<
      Record<string, any>
    >;
    const tagged = rules.filter((r) => r.TagFilters);
    expect(tagged.map((r) => r.ExpirationInDays)).toEqual(ATTACHMENT_RETENTION.classes.filter((d) => d < 30));
    for (const rule of tagged) {
      expect(rule).toMatchObject({ Status: 'Enabled', TagFilters: [{ Key: ATTACHMENT_RETENTION.tagKey, Value: String(rule.ExpirationInDays) }] });
    }
    expect(attachmentRetentionClass(7)).toBe(7);
    expect(attachmentRetentionClass(8)).toBe(14);
  });

  it('has the Powertools idempotency table keyed by id with TTL on expiration', () => {
    const table = template.toJSON().Resources[logicalId(stack, stack.storage.idempotencyTable)] as Resource;
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: IDEMPOTENCY_TABLE.ttlAttribute, Enabled: true },
    });
  });

  it('keeps attachments private, encrypted, TLS-only, access-logged and expiring (attachmentRetentionDays)', () => {
    const bucketId = logicalId(stack, stack.storage.attachmentsBucket);
    const bucket = template.toJSON().Resources[bucketId] as Resource;
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(stack, stack.storage.accessLogsBucket) } },
    });
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([expect.objectContaining({ ExpirationInDays: 30, Status: 'Enabled' })]),
    );
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    const shorter = synthTemplate({ attachmentRetentionDays: 7 });
    const rules = (shorter.template.toJSON().Resources[logicalId(shorter.stack, shorter.stack.storage.attachmentsBucket)] as Resource).Properties
      .LifecycleConfiguration.Rules;
    expect(rules).toEqual(expect.arrayContaining([expect.objectContaining({ ExpirationInDays: 7 })]));
  });

  it('rejects malformed context values instead of synthesizing something surprising', () => {
    expect(() => synthTemplate({ attachmentRetentionDays: 'forever' })).toThrow(/attachmentRetentionDays/);
    expect(() => synthTemplate({ laneMaxAgeSeconds: { urgent: 10 } })).toThrow(/unknown lane/);
    expect(() => synthTemplate({ intakePrincipals: ['orders-service'] })).toThrow(/intakePrincipals/);
  });

  it('runs every function on the newest Node.js on arm64, traced, with its own log group, and Powertools settings', () => {
    const functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
    const logGroups = template.findResources('AWS::Logs::LogGroup') as Record<string, Resource>;
    // Every Lambda function of the stack is a MailroomFunction (so the checks below cover them all).
    expect(Object.keys(functions)).toHaveLength(stack.node.findAll().filter((c) => c instanceof MailroomFunction).length);
    for (const [id, fn] of Object.entries(functions)) {
      expect(fn.Properties, id).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: 512,
        Handler: 'index.handler',
      });
      const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref as string;
      expect(logGroups[logGroupId]?.Properties.RetentionInDays, id).toBe(30);
      expect(fn.Properties.Environment.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'mailroom',
        POWERTOOLS_METRICS_NAMESPACE: 'Mailroom',
        NODE_OPTIONS: '--enable-source-maps',
      });
    }
  });

  it('lets a function write logs to its own log group only, with no AWS managed policy', () => {
    const roles = template.findResources('AWS::IAM::Role') as Record<string, Resource>;
    for (const [id, role] of Object.entries(roles)) expect(role.Properties.ManagedPolicyArns, id).toBeUndefined();
    const fnLogGroup = `"${logicalId(stack, stack.api.functions.health.logGroup)}"`;
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Resource[];
    const logStatements = policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => JSON.stringify(s.Action).includes('logs:PutLogEvents'));
    expect(logStatements.filter((s: any) => JSON.stringify(s.Resource).includes(fnLogGroup))).toHaveLength(1);
    for (const s of logStatements) expect(JSON.stringify(s.Resource)).not.toContain('"*"');
  });

  it('outputs what the CLI reads, under the OUTPUTS keys', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    for (const key of [OUTPUTS.apiUrl, OUTPUTS.tableName, OUTPUTS.idempotencyTableName, OUTPUTS.laneQueueUrls, OUTPUTS.laneDlqUrls, OUTPUTS.eventBusName]) {
      expect(outputs[key], key).toBeDefined();
    }
    expect(outputs[OUTPUTS.tableName]!.Value).toEqual({ Ref: logicalId(stack, stack.storage.table) });
    expect(outputs[OUTPUTS.eventBusName]!.Value).toEqual({ Ref: logicalId(stack, stack.events.bus) });
    expect(JSON.stringify(outputs[OUTPUTS.laneQueueUrls]!.Value)).toContain('\\"critical\\":');
    expect(JSON.stringify(outputs[OUTPUTS.apiUrl]!.Value)).toContain(logicalId(stack, stack.api.httpApi));
  });
});
