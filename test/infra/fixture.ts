import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, CfnElement, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { REPO_ROOT } from '#infra/constructs/mailroom-function';
import { MailroomStack } from '#infra/mailroom-stack';

process.env.CDK_DISABLE_CLI_TELEMETRY = 'true';

/** The context of cdk.json (feature flags + Mailroom defaults), so tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

/**
 * What the production profile requires (docs/deploy.md's checklist): an alarm destination, the
 * SES sending identities and the account's daily quota. Tests synthesize a production stack.
 */
export const PRODUCTION_CONTEXT = { alarmEmail: 'ops@example.com', sendingIdentities: ['example.com', 'alerts@example.org'], sesDailyQuota: 50000 };

/** The Mailroom app with bundling skipped (`aws:cdk:bundling-stacks: []`): no esbuild, fast. */
export function buildMailroom(context: Record<string, unknown> = {}): { app: App; stack: MailroomStack } {
  const app = new App({ context: { ...cdkJsonContext(), ...PRODUCTION_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new MailroomStack(app, 'Mailroom');
  return { app, stack };
}

export function synthTemplate(context: Record<string, unknown> = {}): { stack: MailroomStack; template: Template } {
  const { stack } = buildMailroom(context);
  return { stack, template: Template.fromStack(stack) };
}

type Json = Record<string, unknown>;
export interface Statement {
  Action: string | string[];
  Effect: string;
  Resource: unknown;
  Condition?: Json;
  Principal?: unknown;
}

export const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Logical id of a construct's CloudFormation resource (or of the resource itself). */
export function logicalId(stack: Stack, construct: IConstruct): string {
  const element = (CfnElement.isCfnElement(construct) ? construct : construct.node.defaultChild) as CfnElement;
  return stack.resolve(stack.getLogicalId(element)) as string;
}

/** Every IAM statement attached (through AWS::IAM::Policy) to the role of `fn`. */
export function roleStatements(template: Template, stack: Stack, fn: IFunction | IRole): Statement[] {
  const role = 'role' in fn && fn.role ? fn.role : (fn as IRole);
  const roleId = logicalId(stack, role);
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) => JSON.stringify((p as { Properties: Json }).Properties.Roles).includes(`"${roleId}"`))
    .flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);
}

/** Statements granting `action` (exact) to the role of `fn`. */
export function grantsOf(template: Template, stack: Stack, fn: IFunction | IRole, action: string): Statement[] {
  return roleStatements(template, stack, fn).filter((s) => asArray(s.Action).includes(action));
}

/** Resources of the statements as JSON strings, for `toContain` / logical-id checks. */
export function resourcesOf(statements: Statement[]): string[] {
  return statements.flatMap((s) => asArray(s.Resource).map((r) => JSON.stringify(r)));
}

/** The environment variables of a function's CloudFormation resource. */
export function envOf(template: Template, stack: Stack, fn: IConstruct): Record<string, unknown> {
  const resource = template.toJSON().Resources[logicalId(stack, fn)] as { Properties: { Environment?: { Variables?: Record<string, unknown> } } };
  return resource.Properties.Environment?.Variables ?? {};
}

type PatternValue = string | number | boolean | null | Record<string, unknown>;

/**
 * EventBridge pattern matching for what Mailroom's patterns use: value lists (strings, numbers,
 * booleans, unresolved tokens), `anything-but`, `exists`, `prefix`, nested `detail` fields and `$or`.
 * A field the event lacks matches only `exists: false`.
 */
export function eventPatternMatches(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === '$or') return (expected as Array<Record<string, unknown>>).some((branch) => eventPatternMatches(branch, event));
    const actual = event[key];
    if (!Array.isArray(expected))
      return !!actual && typeof actual === 'object' && eventPatternMatches(expected as Record<string, unknown>, actual as Record<string, unknown>);
    return (expected as PatternValue[]).some((e) => {
      if (e === null || typeof e !== 'object') return actual !== undefined && e === actual;
      // An unresolved token (the stack's account) stands for its value: the event carries the same token.
      if ('Ref' in e || Object.keys(e).some((k) => k.startsWith('Fn::'))) return JSON.stringify(e) === JSON.stringify(actual);
      if ('exists' in e) return (actual !== undefined) === e.exists;
      if (actual === undefined) return false;
      if ('anything-but' in e) return !asArray(e['anything-but']).includes(actual);
      if ('prefix' in e) return typeof actual === 'string' && actual.startsWith(String(e.prefix));
      throw new Error(`pattern operator not understood by this test matcher: ${JSON.stringify(e)}`);
    });
  });
}
