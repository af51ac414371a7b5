import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MailroomStack } from '#infra/mailroom-stack';
import { REPO_ROOT } from '#infra/constructs/mailroom-function';
import { buildMailroom } from './fixture';

// The one infra test that keeps aws-cdk-lib's built-in CloudFormation template validator on.
delete process.env.CDK_VALIDATION;

/** Every context option switched on, so optional resources (webhooks, SMTP, archive, email) are checked too. */
const FULL_CONTEXT = {
  smtpSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mailroom-smtp-AbCdEf',
  alarmEmail: 'ops@example.com',
  intakePublishers: [{ principal: '123456789012', source: 'billing', tenants: ['acme'] }],
  pageTopicArn: 'arn:aws:sns:eu-west-1:123456789012:pager',
  ticketTopicArn: 'arn:aws:sns:eu-west-1:123456789012:tickets',
  trackingDomain: 'links.example.com',
  eventArchiveDays: 7,
  webhooks: [
    { tenant: 'acme', url: 'https://hooks.acme.test/mailroom', apiKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme-hook-AbCdEf' },
  ],
};

interface PluginReport {
  pluginName: string;
  conclusion: string;
  violations: Array<{ ruleName: string; severity: string; violatingConstructs?: Array<{ constructPath: string }> }>;
}

function acknowledgements(root: IConstruct): Array<{ path: string; id: string; reason: string }> {
  const out: Array<{ path: string; id: string; reason: string }> = [];
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) out.push({ path: c.node.path, id, reason });
    }
  }
  return out;
}

describe('cdk-nag AwsSolutions', () => {
  let app: App;
  let stack: MailroomStack;
  let reports: PluginReport[];

  beforeAll(() => {
    process.env.CDK_DISABLE_CLI_TELEMETRY = 'true';
    ({ app, stack } = buildMailroom(FULL_CONTEXT));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // Throws (in-memory app mode) if any plugin — cdk-nag or the CloudFormation validator — reports an error.
    const assembly = app.synth();
    reports = (JSON.parse(readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8')) as { pluginReports: PluginReport[] }).pluginReports;
  });

  it('reports no unacknowledged AwsSolutions errors or warnings in the synthesized app', () => {
    const nagFindings = reports.flatMap((r) => r.violations).filter((v) => v.ruleName.startsWith('AwsSolutions-'));
    expect(nagFindings).toEqual([]);
    // Nothing from the built-in CloudFormation validator either (it reports schema problems as warnings).
    const cfnFindings = reports.filter((r) => !/annotation/i.test(r.pluginName)).flatMap((r) => r.violations);
    expect(cfnFindings).toEqual([]);
  });

  it('finds nothing when the pack walks the construct tree directly', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('leaves no AwsSolutions annotations on the stack', () => {
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });

  it('gives every acknowledgement a concrete reason', () => {
    const acks = acknowledgements(app).filter((a) => a.id.replace(/^annotation::/i, '').startsWith('AwsSolutions-'));
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThan(40);
  });

  it('acknowledges no wildcard that is not granted: every IAM5 acknowledgement names a resource or action the role really has', () => {
    const template = stack.resolve(app.synth().getStackByName(stack.stackName).template) as {
      Resources: Record<
        string,
        { Type: string; Properties: { Roles?: unknown[]; PolicyDocument?: { Statement: Array<{ Action: unknown; Resource: unknown }> } } }
      >;
    };
    const roleText = (roleId: string) =>
      JSON.stringify(
        Object.values(template.Resources)
          .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"${roleId}"`))
          .map((r) => r.Properties.PolicyDocument!.Statement),
      );
    const acks = acknowledgements(app).filter((a) => a.id.includes('AwsSolutions-IAM5['));
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      const construct = app.node.findAll().find((c) => c.node.path === ack.path)!;
      const cfn = (construct.node.defaultChild ?? construct) as CfnElement;
      const roleId = stack.resolve(stack.getLogicalId(cfn)) as string;
      const text = roleText(roleId);
      const [, kind, name] = /IAM5\[(Resource|Action)::(.*)\]$/.exec(ack.id)!;
      if (kind === 'Action') expect(text, `${ack.path} ${ack.id}`).toContain(`"${name}"`);
      else if (name === '*') expect(text, `${ack.path} ${ack.id}`).toContain('"Resource":"*"');
      else {
        // <Logical.Arn>/suffix → the statement references that logical id with the same suffix.
        const logical = /^<([^.>]+)/.exec(name!)?.[1];
        const suffix = name!.replace(/^<[^>]+>/, '');
        if (logical) expect(text, `${ack.path} ${ack.id}`).toContain(logical);
        expect(text, `${ack.path} ${ack.id}`).toContain(suffix.replace(/^.*\//, '/'));
      }
    }
  });

  it('cites only procedures the docs have (every docs/runbook.md#anchor in a reason is a runbook heading)', () => {
    const runbook = readFileSync(path.join(REPO_ROOT, 'docs', 'runbook.md'), 'utf8');
    const slugs = [...runbook.matchAll(/^#{2,4} (.+)$/gm)].map((m) =>
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-'),
    );
    const cited = acknowledgements(app).filter((a) => a.reason.includes('docs/runbook.md'));
    expect(cited.length).toBeGreaterThan(0);
    for (const ack of cited) {
      const anchor = /docs\/runbook\.md#([\w-]+)/.exec(ack.reason)?.[1];
      expect(anchor, `${ack.id} cites the runbook without a section`).toBeDefined();
      expect(slugs, ack.id).toContain(anchor);
    }
  });

  it('would catch a finding (the check is live, not vacuous)', () => {
    const probeApp = new App();
    const probe = new Stack(probeApp, 'Probe');
    new sqs.Queue(probe, 'PlainQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    const report = new AwsSolutionsChecks().validateScope(probeApp);
    expect(report.violations.map((v) => v.ruleName)).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  });
});
