import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#shared/config/env';
import { ROUTES } from '#infra/definitions';
import { Console } from '#infra/constructs/console';
import { REPO_ROOT } from '#infra/constructs/mailroom-function';
import { LAMBDA_SYNC_PAYLOAD_BYTES, MAX_REQUEST_BODY_BYTES } from '#infra/constructs/settings';
import type { MailroomStack } from '#infra/mailroom-stack';
import { asArray, envOf, logicalId, roleStatements, synthTemplate } from './fixture';

process.env.CDK_VALIDATION = 'false';

describe('least privilege and safe limits (issue 16 §4, §5)', () => {
  let stack: MailroomStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synthTemplate());
  });

  it('lets the authorizer read only API key items (dynamodb:LeadingKeys APIKEY#…); its one write is lastUsedAt (test/infra/api.test.ts)', () => {
    const statements = roleStatements(template, stack, stack.api.authorizerFn).filter((s) => asArray(s.Action).some((a) => a.startsWith('dynamodb:')));
    const reads = statements.filter((s) => !asArray(s.Action).includes('dynamodb:UpdateItem'));
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({
      Action: 'dynamodb:GetItem',
      Resource: { 'Fn::GetAtt': [logicalId(stack, stack.storage.table), 'Arn'] },
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['APIKEY#*'] } },
    });
    expect(statements.map((s) => asArray(s.Action).join()).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
  });

  it('lets the public unsubscribe function only read and put items of tenant partitions (its suppressions)', () => {
    const statements = roleStatements(template, stack, stack.api.functions.unsubscribe).filter((s) => asArray(s.Action).some((a) => a.startsWith('dynamodb:')));
    expect(statements).toHaveLength(1);
    expect([...asArray(statements[0]!.Action)].sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    expect(statements[0]!.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TENANT#*'] } });
    expect(JSON.stringify(statements)).not.toContain('index/');
  });

  it('throttles the unauthenticated routes on their own, tighter than the stage (context publicRouteRateLimit/BurstLimit)', () => {
    const stage = template.toJSON().Resources[logicalId(stack, stack.api.stage)].Properties;
    const publicRoutes = ROUTES.filter((r) => r.public);
    expect(publicRoutes.length).toBeGreaterThan(0);
    for (const route of publicRoutes) {
      const setting = stage.RouteSettings[`${route.method} ${route.path}`];
      expect(setting, `${route.method} ${route.path}`).toEqual({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 });
      expect(setting.ThrottlingRateLimit).toBeLessThan(stage.DefaultRouteSettings.ThrottlingRateLimit);
    }
    const tuned = synthTemplate({ publicRouteRateLimit: 5, publicRouteBurstLimit: 10 });
    expect(tuned.template.toJSON().Resources[logicalId(tuned.stack, tuned.stack.api.stage)].Properties.RouteSettings['GET /health']).toEqual({
      ThrottlingRateLimit: 5,
      ThrottlingBurstLimit: 10,
    });
  });

  it("caps the request body below Lambda's 6 MB synchronous payload", () => {
    const limit = Number(envOf(template, stack, stack.api.functions.ingest)[ENV.MAX_BODY_BYTES]);
    expect(limit).toBe(MAX_REQUEST_BODY_BYTES);
    // Room for the API Gateway event around the body (headers, context, JSON escaping).
    expect(limit).toBeLessThanOrEqual(LAMBDA_SYNC_PAYLOAD_BYTES - 1024 * 1024);
  });
});

describe('the console is built before a production deploy', () => {
  it('has cdk.json run the console build before every cdk synth/deploy', () => {
    const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { build?: string };
    expect(cdkJson.build).toMatch(/console:build/);
  });

  it('fails a production synth (bundling on) without a console build, saying what to run', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': ['**'] } });
    const stack = new Stack(app, 'ConsoleOnly', { env: { account: '123456789012', region: 'eu-west-1' } });
    const missing = path.join(tmpdir(), 'mailroom-no-such-console-dist');
    expect(() => new Console(stack, 'Console', { apiUrl: 'https://api.example', distDir: missing, requireBuild: true })).toThrow(/npm run console:build/);
    expect(() => new Console(stack, 'Console2', { apiUrl: 'https://api.example', distDir: missing })).not.toThrow();
  });
});
