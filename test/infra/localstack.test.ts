import type { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#shared/config/env';
import { ROUTES } from '#infra/definitions';
import { REST_GATEWAY_RESPONSES } from '#infra/constructs/rest-api';
import type { MailroomStack } from '#infra/mailroom-stack';
import { buildMailroom, envOf, logicalId, synthTemplate } from './fixture';

process.env.CDK_VALIDATION = 'false';

type Resource = { Type: string; Properties: Record<string, any> };

/**
 * CloudFormation resource types the LocalStack profile may use: services LocalStack offers on its
 * Free (Hobby) plan, each deployable through LocalStack's CloudFormation engine.
 *
 * Sources (LocalStack's coverage pages):
 * - https://docs.localstack.cloud/api-coverage/v1/index.md — the "Minimum plan" of every service
 *   (API Gateway is "Hobby / Base": REST APIs on the free plan, HTTP/WebSocket APIs (apigatewayv2)
 *   need Base; CloudFront needs a paid plan);
 * - https://docs.localstack.cloud/aws/services/cloudformation/ — the resource types its
 *   CloudFormation engine deploys;
 * - https://docs.localstack.cloud/aws/services/scheduler/ — EventBridge Scheduler schedules are stored
 *   but never fire, so the profile does not use Scheduler at all;
 * - https://docs.localstack.cloud/aws/services/ses/ — SES sends (SendEmail) are emulated; configuration
 *   sets and event destinations are not used by the profile.
 * A new resource type in the LocalStack template fails this test until someone checks those pages
 * and adds it here with its source.
 */
const FREE_PLAN_TYPES = new Set([
  // API Gateway (REST, v1)
  'AWS::ApiGateway::RestApi',
  'AWS::ApiGateway::Resource',
  'AWS::ApiGateway::Method',
  'AWS::ApiGateway::Deployment',
  'AWS::ApiGateway::Stage',
  'AWS::ApiGateway::Authorizer',
  'AWS::ApiGateway::GatewayResponse',
  // Lambda
  'AWS::Lambda::Function',
  'AWS::Lambda::Permission',
  'AWS::Lambda::EventSourceMapping',
  // DynamoDB, SQS, S3, Secrets Manager, IAM, CloudWatch Logs
  'AWS::DynamoDB::Table',
  'AWS::SQS::Queue',
  'AWS::SQS::QueuePolicy',
  'AWS::S3::Bucket',
  'AWS::S3::BucketPolicy',
  'AWS::SecretsManager::Secret',
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::Logs::LogGroup',
  // EventBridge (buses, rules, bus policies)
  'AWS::Events::EventBus',
  'AWS::Events::EventBusPolicy',
  'AWS::Events::Rule',
  // SNS, CloudWatch (alarms only)
  'AWS::SNS::Topic',
  'AWS::SNS::TopicPolicy',
  'AWS::CloudWatch::Alarm',
  // The CDK's own metadata resource (a real `cdk synth` adds it; CloudFormation engines treat it as a no-op).
  'AWS::CDK::Metadata',
]);

describe('LocalStack profile (-c profile=localstack)', () => {
  let stack: MailroomStack;
  let template: Template;
  let resources: Record<string, Resource>;

  beforeAll(() => {
    // No alarm destination, identities or quota: the profile is not a production deploy.
    ({ stack, template } = synthTemplate({ profile: 'localstack', alarmEmail: undefined, sendingIdentities: undefined, sesDailyQuota: undefined }));
    resources = template.toJSON().Resources as Record<string, Resource>;
  });

  it("uses only resource types of LocalStack's Free plan", () => {
    const types = [...new Set(Object.values(resources).map((r) => r.Type))].sort();
    const outside = types.filter((t) => !FREE_PLAN_TYPES.has(t));
    expect(outside, `resource types outside the Free plan: ${outside.join(', ')}`).toEqual([]);
    // …and the production template would not pass (the check is live).
    const production = [...new Set(Object.values(synthTemplate().template.toJSON().Resources as Record<string, Resource>).map((r) => r.Type))];
    expect(production.filter((t) => !FREE_PLAN_TYPES.has(t))).toEqual(
      expect.arrayContaining(['AWS::ApiGatewayV2::Api', 'AWS::CloudFront::Distribution', 'AWS::Scheduler::ScheduleGroup', 'AWS::SES::ConfigurationSet']),
    );
  });

  it('serves every route of ROUTES through a REST API, behind the same Lambda authorizer unless public', () => {
    const paths = new Map<string, string>(); // logical id → full path
    const pathOf = (id: string): string => {
      if (paths.has(id)) return paths.get(id)!;
      const r = resources[id]!;
      const parent = r.Properties.ParentId;
      const prefix = parent?.Ref ? pathOf(parent.Ref) : '';
      const path = `${prefix}/${r.Properties.PathPart}`;
      paths.set(id, path);
      return path;
    };
    const methods = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGateway::Method' && r.Properties.HttpMethod !== 'OPTIONS');
    const served = methods.map((m) => {
      const resourceId = m.Properties.ResourceId;
      const path = resourceId.Ref ? pathOf(resourceId.Ref) : '/';
      return { key: `${m.Properties.HttpMethod} ${path}`, auth: m.Properties.AuthorizationType as string, authorizer: m.Properties.AuthorizerId };
    });
    expect(served.map((s) => s.key).sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    const authorizerId = logicalId(stack, stack.api.rest!.authorizer);
    for (const route of ROUTES) {
      const method = served.find((s) => s.key === `${route.method} ${route.path}`)!;
      if (route.public) expect(method.auth, method.key).toBe('NONE');
      else expect(method, method.key).toMatchObject({ auth: 'CUSTOM', authorizer: { Ref: authorizerId } });
    }
    const authorizer = resources[authorizerId]!.Properties;
    expect(authorizer).toMatchObject({ Type: 'REQUEST', AuthorizerResultTtlInSeconds: 0 });
    expect(JSON.stringify(authorizer.AuthorizerUri)).toContain(logicalId(stack, stack.api.authorizerFn));
  });

  it("answers API Gateway's own errors in Mailroom's error shape (unknown route → 404 not_found)", () => {
    const responses = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGateway::GatewayResponse');
    expect(responses).toHaveLength(REST_GATEWAY_RESPONSES.length);
    const notFound = responses.find((r) => r.Properties.ResponseType === 'MISSING_AUTHENTICATION_TOKEN')!;
    expect(notFound.Properties.StatusCode).toBe('404');
    expect(JSON.parse(notFound.Properties.ResponseTemplates['application/json'])).toEqual({ statusCode: 404, name: 'not_found', message: expect.any(String) });
    for (const r of responses) {
      const body = JSON.parse(r.Properties.ResponseTemplates['application/json']);
      expect(Object.keys(body).sort(), r.Properties.ResponseType).toEqual(['message', 'name', 'statusCode']);
      expect(String(body.statusCode)).toBe(r.Properties.StatusCode);
    }
  });

  it('throttles the stage and, tighter, the unauthenticated routes', () => {
    const stage = Object.values(resources).find((r) => r.Type === 'AWS::ApiGateway::Stage')!.Properties;
    const settings = stage.MethodSettings as Array<{ HttpMethod: string; ResourcePath: string; ThrottlingRateLimit: number }>;
    expect(settings.find((s) => s.ResourcePath === '/*' && s.HttpMethod === '*')).toMatchObject({ ThrottlingRateLimit: 200 });
    for (const route of ROUTES.filter((r) => r.public)) {
      const setting = settings.find((s) => s.HttpMethod === route.method && s.ResourcePath === `/${route.path.replaceAll('/', '~1')}`);
      expect(setting, `${route.method} ${route.path}`).toMatchObject({ ThrottlingRateLimit: 20 });
    }
  });

  it('keeps far-future sends in the table and fires them every minute (no EventBridge Scheduler)', () => {
    const tick = stack.tableScheduling!;
    for (const fn of [stack.api.functions.ingest, stack.api.functions.emails, stack.intake.fn]) {
      const env = envOf(template, stack, fn);
      expect(env[ENV.SCHEDULER]).toBe('local');
      expect(env[ENV.SCHEDULE_GROUP]).toBeUndefined();
    }
    expect(resources[logicalId(stack, tick.rule)]!.Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    expect(JSON.stringify(resources[logicalId(stack, tick.rule)]!.Properties.Targets)).toContain(logicalId(stack, tick.fn));
    expect(envOf(template, stack, tick.fn)[ENV.LANE_QUEUE_URLS]).toBeDefined();
  });

  it('deploys no console, no alarms of its own and no SES configuration sets', () => {
    expect(stack.console).toBeUndefined();
    expect(stack.observability).toBeUndefined();
    expect(template.toJSON().Outputs.ConsoleUrl).toBeUndefined();
    for (const lane of ['critical', 'bulk'] as const) expect(envOf(template, stack, stack.lanes.senders[lane])[ENV.SES_CONFIGURATION_SET]).toBeUndefined();
  });

  it('stays cdk-nag clean (infra/app.ts runs the AwsSolutions pack on every synth, cdklocal included)', () => {
    const { app } = buildMailroom({ profile: 'localstack', alarmEmail: undefined, sendingIdentities: undefined, sesDailyQuota: undefined });
    const report = new AwsSolutionsChecks().validateScope(app as App);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});
