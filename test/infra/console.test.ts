import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { OUTPUTS } from '#infra/definitions';
import { Console } from '#infra/constructs/console';
import type { MailroomStack } from '#infra/mailroom-stack';
import { synthTemplate } from './fixture';

process.env.CDK_VALIDATION = 'false';

type Resource = { Properties: Record<string, any> };
const only = (template: Template, type: string): Resource => {
  const all = Object.values(template.findResources(type)) as Resource[];
  expect(all).toHaveLength(1);
  return all[0]!;
};

/** The Console construct alone, deploying `distDir`. */
function consoleStack(distDir: string, bundling = true) {
  // Bundling on (what `cdk synth`/`deploy` does): only then is the console build packaged.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': bundling ? ['**'] : [] } });
  const stack = new Stack(app, 'ConsoleOnly', { env: { account: '123456789012', region: 'eu-west-1' } });
  const construct = new Console(stack, 'Console', { apiUrl: 'https://api.mailroom.example', distDir });
  return { app, stack, construct, template: Template.fromStack(stack) };
}

function builtDist(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mailroom-console-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(path.join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  return dir;
}

const nagFindings = (app: App) =>
  new AwsSolutionsChecks().validateScope(app).violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);

describe('operator console (S3 + CloudFront) in the Mailroom stack', () => {
  let stack: MailroomStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synthTemplate());
  });

  it('keeps the bucket private, encrypted and TLS-only', () => {
    const bucketId = stack.resolve((stack.console.bucket.node.defaultChild as any).logicalId) as string;
    const bucket = template.toJSON().Resources[bucketId] as Resource;
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy')) as Resource[];
    const policy = policies.find((p) => JSON.stringify(p.Properties.Bucket).includes(bucketId))!;
    const statements = policy.Properties.PolicyDocument.Statement as Array<Record<string, any>>;
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    // Only CloudFront (this distribution, through OAC) may read.
    const read = statements.find((s) => s.Effect === 'Allow')!;
    expect(read.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    expect(JSON.stringify(read.Condition)).toContain('AWS:SourceArn');
  });

  it('serves through CloudFront with Origin Access Control, HTTPS only, SPA fallback to /console/index.html', () => {
    only(template, 'AWS::CloudFront::OriginAccessControl');
    const dist = only(template, 'AWS::CloudFront::Distribution').Properties.DistributionConfig;
    expect(dist.Origins[0].OriginAccessControlId).toBeDefined();
    expect(dist.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(dist.DefaultRootObject).toBe('console/index.html');
    expect(dist.CustomErrorResponses).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ErrorCode: 403, ResponseCode: 200, ResponsePagePath: '/console/index.html' }),
        expect.objectContaining({ ErrorCode: 404, ResponseCode: 200, ResponsePagePath: '/console/index.html' }),
      ]),
    );
  });

  it('adds a strict CSP that allows calls to the API only, and the other security headers', () => {
    const policy = only(template, 'AWS::CloudFront::ResponseHeadersPolicy').Properties.ResponseHeadersPolicyConfig;
    const csp = JSON.stringify(policy.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    // connect-src names the HTTP API's endpoint.
    const apiId = stack.resolve((stack.api.httpApi.node.defaultChild as any).logicalId) as string;
    expect(csp).toMatch(/connect-src 'self' /);
    expect(csp).toContain(apiId);
    expect(policy.SecurityHeadersConfig.FrameOptions.FrameOption).toBe('DENY');
    expect(policy.SecurityHeadersConfig.ContentTypeOptions.Override).toBe(true);
    expect(policy.SecurityHeadersConfig.StrictTransportSecurity.AccessControlMaxAgeSec).toBeGreaterThanOrEqual(31_536_000);
    expect(policy.SecurityHeadersConfig.ReferrerPolicy.ReferrerPolicy).toBe('no-referrer');
  });

  it('outputs ConsoleUrl (…cloudfront…/console/)', () => {
    const output = template.toJSON().Outputs[OUTPUTS.consoleUrl];
    expect(JSON.stringify(output.Value)).toContain('DomainName');
    expect(JSON.stringify(output.Value)).toContain('/console/');
  });

  it('lets the browser call the API from the console origin (CORS preflight with the Authorization header)', () => {
    const api = only(template, 'AWS::ApiGatewayV2::Api').Properties;
    expect(api.CorsConfiguration.AllowHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type', 'idempotency-key']));
    expect(api.CorsConfiguration.AllowMethods).toEqual(expect.arrayContaining(['GET', 'POST', 'PATCH', 'DELETE']));
    expect(api.CorsConfiguration.AllowCredentials).toBeFalsy();
  });
});

describe('Console construct deployment', () => {
  it('deploys the built console under console/ with a config.json naming the API, and invalidates index and config', () => {
    const { app, template } = consoleStack(builtDist());
    const deploy = only(template, 'Custom::CDKBucketDeployment').Properties;
    expect(deploy.DestinationBucketKeyPrefix).toBe('console/');
    expect(deploy.SourceObjectKeys).toHaveLength(2);
    expect(JSON.stringify(deploy.SourceMarkers ?? deploy)).toBeDefined();
    expect(deploy.DistributionPaths).toEqual(['/console/index.html', '/console/config.json']);
    expect(nagFindings(app)).toEqual([]);
  });

  it('packages nothing when bundling is skipped, so test templates do not depend on a local build', () => {
    const { template } = consoleStack(builtDist(), false);
    expect(template.findResources('Custom::CDKBucketDeployment')).toEqual({});
  });

  it('skips the deployment with a synth warning when console/dist is missing, and stays cdk-nag clean', () => {
    const { app, stack, template } = consoleStack(path.join(tmpdir(), 'mailroom-no-such-console-dist'));
    expect(template.findResources('Custom::CDKBucketDeployment')).toEqual({});
    only(template, 'AWS::CloudFront::Distribution');
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('console is not built'));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]!.entry.data)).toContain('npm run console:build');
    expect(nagFindings(app)).toEqual([]);
  });
});
