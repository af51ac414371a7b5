import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Renders a (token) value the way cdk-nag names it in a finding: `{Ref: X}` → `<X>`,
 * `{Fn::GetAtt: [A, B]}` → `<A.B>`, `Fn::Join` concatenated.
 */
function nagName(resolved: unknown): string {
  if (typeof resolved === 'string') return resolved;
  if (resolved && typeof resolved === 'object') {
    const obj = resolved as Record<string, unknown>;
    if (typeof obj.Ref === 'string') return `<${obj.Ref}>`;
    const getAtt = obj['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${getAtt.join('.')}>`;
    const join = obj['Fn::Join'];
    if (Array.isArray(join) && Array.isArray(join[1])) return (join[1] as unknown[]).map(nagName).join(String(join[0]));
  }
  throw new Error(`cannot name ${JSON.stringify(resolved)} for cdk-nag`);
}

/**
 * Acknowledges one AwsSolutions-IAM5 finding (a wildcard in a resource ARN) on `scope` (a role or
 * one of its ancestors), with the reason it is the narrowest possible grant.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resourceArn: string, reason: string): void {
  const name = nagName(Stack.of(scope).resolve(resourceArn));
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${name}]`, reason });
}

export function acknowledgeWildcardAction(scope: IConstruct, action: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Action::${action}]`, reason });
}

const resourceStarReasons = new WeakMap<IConstruct, string[]>();

/**
 * Acknowledges the AwsSolutions-IAM5[Resource::*] finding on a role for the statements that truly
 * need `Resource: "*"` (actions without resource-level permissions), naming each of them: every call
 * adds one and restates the reason, so the acknowledgement lists exactly what that role has.
 */
export function acknowledgeResourceStar(role: IConstruct, what: string): void {
  const reasons = resourceStarReasons.get(role) ?? [];
  if (!reasons.includes(what)) reasons.push(what);
  resourceStarReasons.set(role, reasons);
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: `Resource "*" only for actions that have no resource-level permissions, so AWS requires "*": ${reasons.join('; ')}.`,
  });
}
