import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ENV } from '#shared/config/env';
import type { MailroomFunction } from './mailroom-function';
import { acknowledgeWildcardResource } from './nag';

/** Exactly the SES v2 actions the domains function calls (shared/adapters/ses-domain-identities.ts). */
export const DOMAIN_IDENTITY_ACTIONS = [
  'ses:CreateEmailIdentity',
  'ses:GetEmailIdentity',
  'ses:DeleteEmailIdentity',
  'ses:PutEmailIdentityMailFromAttributes',
] as const;

/**
 * Lets the `/domains` function manage SES email identities: the four identity actions on
 * `identity/*` of this account and region (a domain's name is the tenant's choice, so the ARN
 * cannot be narrower), and ENV.IDENTITIES=ses.
 */
export function grantDomainIdentities(fn: MailroomFunction): MailroomFunction {
  const identities = Stack.of(fn).formatArn({ service: 'ses', resource: 'identity', resourceName: '*' });
  fn.addEnvironment(ENV.IDENTITIES, 'ses');
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...DOMAIN_IDENTITY_ACTIONS], resources: [identities] }));
  acknowledgeWildcardResource(
    fn.role!,
    identities,
    'Tenants add sending domains of their own choosing through POST /domains; the identity names are not known at deploy time. Limited to SES identities of this account and region, and to the four identity actions the domains function calls.',
  );
  return fn;
}
