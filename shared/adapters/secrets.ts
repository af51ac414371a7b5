import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { createSecretsClient } from './aws-clients';

/**
 * How long a container trusts a secret it read (SMTP credentials, signing keys): a rotated secret
 * is picked up within this many seconds, without a cold start.
 */
export const SECRET_MAX_AGE_SECONDS = 300;

/**
 * A secret's string value from Secrets Manager through Powertools Parameters, cached per container
 * for `maxAgeSeconds` (a failed read is not cached: the next call tries again).
 */
export function secretValue(secretArn: string, options: { client?: SecretsManagerClient; maxAgeSeconds?: number } = {}): () => Promise<string> {
  const provider = new SecretsProvider({ awsSdkV3Client: options.client ?? createSecretsClient() });
  const maxAge = options.maxAgeSeconds ?? SECRET_MAX_AGE_SECONDS;
  return async () => {
    const value = await provider.get(secretArn, { maxAge });
    if (typeof value !== 'string' || value === '') throw new Error(`The secret ${secretArn} has no string value`);
    return value;
  };
}
