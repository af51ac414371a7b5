import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#shared/config/env';
import type { MailroomStack } from '#infra/mailroom-stack';
import { DOMAIN_IDENTITY_ACTIONS } from '#infra/constructs/domains';
import { asArray, envOf, roleStatements, synthTemplate } from './fixture';

process.env.CDK_VALIDATION = 'false';

describe('domains (issue 17)', () => {
  let stack: MailroomStack;
  let template: Template;
  beforeAll(() => {
    ({ stack, template } = synthTemplate());
  });

  it('gives the domains function exactly the four SES identity actions, on identities of this account and region', () => {
    const ses = roleStatements(template, stack, stack.api.functions.domains).filter((s) => asArray(s.Action).some((a) => String(a).startsWith('ses:')));
    expect(ses).toHaveLength(1);
    expect(asArray(ses[0]!.Action).sort()).toEqual([...DOMAIN_IDENTITY_ACTIONS].sort());
    expect(JSON.stringify(ses[0]!.Resource)).toContain(':identity/*');
    expect(envOf(template, stack, stack.api.functions.domains)[ENV.IDENTITIES]).toBe('ses');
  });

  it('gives no other API function SES identity rights', () => {
    for (const [name, fn] of Object.entries(stack.api.functions)) {
      if (name === 'domains') continue;
      const actions = roleStatements(template, stack, fn).flatMap((s) => asArray(s.Action).map(String));
      expect(
        actions.filter((a) => a.includes('EmailIdentity')),
        name,
      ).toEqual([]);
    }
  });
});
