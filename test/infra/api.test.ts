import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#shared/config/env';
import { LANE_NAMES } from '#shared/config/lanes';
import { AUTHORIZER_CACHE_SECONDS, ROUTES } from '#infra/definitions';
import type { MailroomStack } from '#infra/mailroom-stack';
import { asArray, envOf, grantsOf, logicalId, resourcesOf, roleStatements, synthTemplate } from './fixture';

process.env.CDK_VALIDATION = 'false';

type Resource = { Properties: Record<string, unknown> };

describe('HTTP API', () => {
  let stack: MailroomStack;
  let template: Template;
  let routes: Resource[];

  beforeAll(() => {
    ({ stack, template } = synthTemplate());
    routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as Resource[];
  });

  const routeFor = (method: string, path: string) => routes.find((r) => r.Properties.RouteKey === `${method} ${path}`);

  it('has exactly one route per ROUTES entry, plus $default', () => {
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual([...ROUTES.map((r) => `${r.method} ${r.path}`), '$default'].sort());
  });

  it("sends whatever no route matches ($default) to the fallback function, without the authorizer, so 404/405 come back in Resend's shape", () => {
    const fallback = routes.find((r) => r.Properties.RouteKey === '$default')!;
    expect(fallback.Properties.AuthorizationType).toBe('NONE');
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration') as Record<string, Resource>;
    const target = fallback.Properties.Target as { 'Fn::Join': [string, unknown[]] };
    const integrationId = (target['Fn::Join'][1][1] as { Ref: string }).Ref;
    expect(JSON.stringify(integrations[integrationId]!.Properties.IntegrationUri)).toContain(logicalId(stack, stack.api.functions.fallback));
    // Anyone can call it, so it shares the public routes' tighter throttle.
    const stage = template.toJSON().Resources[logicalId(stack, stack.api.stage)].Properties;
    expect(stage.RouteSettings.$default).toEqual(stage.RouteSettings['GET /health']);
  });

  it('protects every non-public route with the Lambda authorizer and leaves public ones open', () => {
    const authorizerId = logicalId(stack, stack.node.findChild('Api').node.findChild('HttpApi').node.findChild('ApiKeyAuthorizer'));
    for (const route of ROUTES) {
      const created = routeFor(route.method, route.path)!;
      if (route.public) {
        expect(created.Properties.AuthorizationType, `${route.method} ${route.path}`).toBe('NONE');
        expect(created.Properties.AuthorizerId).toBeUndefined();
      } else {
        expect(created.Properties.AuthorizationType, `${route.method} ${route.path}`).toBe('CUSTOM');
        expect(created.Properties.AuthorizerId).toEqual({ Ref: authorizerId });
      }
    }
  });

  it('routes each path to the function named in ROUTES', () => {
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration') as Record<string, Resource>;
    for (const route of ROUTES) {
      const target = routeFor(route.method, route.path)!.Properties.Target as { 'Fn::Join': [string, unknown[]] };
      const integrationId = (target['Fn::Join'][1][1] as { Ref: string }).Ref;
      const uri = JSON.stringify(integrations[integrationId]!.Properties.IntegrationUri);
      const fn = stack.api.functions[route.fn as keyof typeof stack.api.functions];
      expect(uri, `${route.method} ${route.path}`).toContain(logicalId(stack, fn));
    }
    // One function (and one integration) per distinct fn of ROUTES, plus the $default route's fallback.
    expect(Object.keys(stack.api.functions).sort()).toEqual([...new Set([...ROUTES.map((r) => r.fn), 'fallback'])].sort());
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', new Set(ROUTES.map((r) => r.fn)).size + 1);
  });

  it('uses a SIMPLE-response Lambda authorizer with no identity source and no gateway cache, so a request without Authorization still reaches it (missing_api_key in Resend shape)', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      AuthorizerResultTtlInSeconds: 0,
    });
    const authorizer = Object.values(template.findResources('AWS::ApiGatewayV2::Authorizer'))[0] as Resource;
    // With an identity source API Gateway would answer a missing header itself: {"message":"Unauthorized"}.
    expect(authorizer.Properties.IdentitySource ?? []).toEqual([]);
    // The function caches its answers instead, for as long as the gateway cache did.
    expect(envOf(template, stack, stack.api.authorizerFn)[ENV.AUTHORIZER_CACHE_SECONDS]).toBe(String(AUTHORIZER_CACHE_SECONDS));
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(logicalId(stack, stack.api.authorizerFn));
  });

  it('logs access on the default stage and throttles it (context apiRateLimit/apiBurstLimit)', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [logicalId(stack, stack.api.accessLogs), 'Arn'] } },
      DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
    });
    const tuned = synthTemplate({ apiRateLimit: 50, apiBurstLimit: 75 });
    tuned.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 75 } });
  });

  it('lets the authorizer read API key items and write only their lastUsedAt, nothing else', () => {
    const statements = roleStatements(template, stack, stack.api.authorizerFn);
    const data = statements.filter((s) => !asArray(s.Action).every((a) => a.startsWith('logs:') || a.startsWith('xray:')));
    expect(data.length).toBeGreaterThan(0);
    const tableId = logicalId(stack, stack.storage.table);
    for (const resource of resourcesOf(data)) expect(resource).toContain(tableId);
    for (const s of data) {
      for (const action of asArray(s.Action))
        expect(['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:Scan']).not.toContain(action);
      expect(s.Condition).toMatchObject({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['APIKEY#*'] } });
    }
    const updates = data.filter((s) => asArray(s.Action).includes('dynamodb:UpdateItem'));
    expect(updates).toHaveLength(1);
    expect(asArray(updates[0]!.Action)).toEqual(['dynamodb:UpdateItem']);
    expect(updates[0]!.Condition).toMatchObject({
      'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'lastUsedAt'] },
      StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE'] },
    });
    expect(envOf(template, stack, stack.api.authorizerFn)[ENV.TABLE_NAME]).toEqual({ Ref: tableId });
  });

  it('lets the emails function read attachment objects (presigned download URLs) and write none', () => {
    const emails = stack.api.functions.emails;
    expect(envOf(template, stack, emails)[ENV.ATTACHMENTS_BUCKET]).toBeDefined();
    expect(resourcesOf(grantsOf(template, stack, emails, 's3:GetObject')).join()).toContain(logicalId(stack, stack.storage.attachmentsBucket));
    expect(grantsOf(template, stack, emails, 's3:PutObject')).toEqual([]);
  });

  it('gives ingest the tables, lane queues, attachments bucket, scheduler and bus it needs', () => {
    const ingest = stack.api.functions.ingest;
    const env = envOf(template, stack, ingest);
    for (const name of [
      ENV.TABLE_NAME,
      ENV.IDEMPOTENCY_TABLE_NAME,
      ENV.LANE_QUEUE_URLS,
      ENV.ATTACHMENTS_BUCKET,
      ENV.SCHEDULE_GROUP,
      ENV.SCHEDULER_ROLE_ARN,
      ENV.SCHEDULER_DLQ_ARN,
      ENV.LANE_QUEUE_ARNS,
      ENV.EVENT_BUS_NAME,
    ]) {
      expect(env[name], name).toBeDefined();
    }
    expect(resourcesOf(grantsOf(template, stack, ingest, 'dynamodb:PutItem')).join()).toContain(logicalId(stack, stack.storage.idempotencyTable));
    const send = resourcesOf(grantsOf(template, stack, ingest, 'sqs:SendMessage')).join();
    for (const lane of LANE_NAMES) expect(send).toContain(logicalId(stack, stack.lanes.queues[lane]));
    expect(resourcesOf(grantsOf(template, stack, ingest, 's3:PutObject')).join()).toContain(logicalId(stack, stack.storage.attachmentsBucket));
    expect(grantsOf(template, stack, ingest, 's3:GetObject')).toEqual([]);
  });

  it('gives health and operations queue attributes, and operations the DLQ redrive rights', () => {
    const health = stack.api.functions.health;
    const operations = stack.api.functions.operations;
    for (const fn of [health, operations]) {
      const attrs = resourcesOf(grantsOf(template, stack, fn, 'sqs:GetQueueAttributes')).join();
      for (const lane of LANE_NAMES) {
        expect(attrs).toContain(logicalId(stack, stack.lanes.queues[lane]));
        expect(attrs).toContain(logicalId(stack, stack.lanes.dlqs[lane]));
      }
      expect(grantsOf(template, stack, fn, 'dynamodb:PutItem')).toEqual([]);
    }
    expect(grantsOf(template, stack, health, 'sqs:SendMessage')).toEqual([]);
    for (const action of ['sqs:StartMessageMoveTask', 'sqs:ListMessageMoveTasks', 'sqs:ReceiveMessage', 'sqs:DeleteMessage']) {
      const resources = resourcesOf(grantsOf(template, stack, operations, action));
      expect(resources, action).toHaveLength(LANE_NAMES.length);
      for (const lane of LANE_NAMES) expect(resources.join()).toContain(logicalId(stack, stack.lanes.dlqs[lane]));
    }
  });

  it('lets unsubscribe write its suppressions and read the signing key, and tells it the public URL', () => {
    const unsubscribe = stack.api.functions.unsubscribe;
    const env = envOf(template, stack, unsubscribe);
    expect(env[ENV.UNSUBSCRIBE_SECRET_ARN]).toEqual({ Ref: logicalId(stack, stack.storage.unsubscribeSecret) });
    expect(JSON.stringify(env[ENV.PUBLIC_API_URL])).toContain(logicalId(stack, stack.api.httpApi));
    expect(resourcesOf(grantsOf(template, stack, unsubscribe, 'secretsmanager:GetSecretValue'))).toEqual([
      JSON.stringify({ Ref: logicalId(stack, stack.storage.unsubscribeSecret) }),
    ]);
    // Its suppression items only (PutItem on tenant partitions); see production.test.ts.
    expect(grantsOf(template, stack, unsubscribe, 'dynamodb:PutItem')).not.toEqual([]);
  });

  it('uses the publicApiUrl context (custom domain) for links when given', () => {
    const custom = synthTemplate({ publicApiUrl: 'https://mail.example.com' });
    expect(envOf(custom.template, custom.stack, custom.stack.api.functions.unsubscribe)[ENV.PUBLIC_API_URL]).toBe('https://mail.example.com');
    expect(envOf(custom.template, custom.stack, custom.stack.lanes.senders.bulk)[ENV.PUBLIC_API_URL]).toBe('https://mail.example.com');
  });

  it('keeps templates and suppressions on the main table only', () => {
    for (const fn of [stack.api.functions.templates, stack.api.functions.suppressions]) {
      const statements = roleStatements(template, stack, fn).filter((s) => !asArray(s.Action).every((a) => a.startsWith('logs:') || a.startsWith('xray:')));
      for (const resource of resourcesOf(statements)) expect(resource).toContain(logicalId(stack, stack.storage.table));
    }
  });
});
