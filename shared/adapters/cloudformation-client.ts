/**
 * CloudFormation for the operator CLI only (stack outputs). It lives apart from aws-clients.ts so no
 * Lambda bundle has it on its import path; the package is a dev dependency.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';

/** A CloudFormation client with the caller's credentials and region. */
export function createCloudFormationClient(): CloudFormationClient {
  return new CloudFormationClient({});
}
