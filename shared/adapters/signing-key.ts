import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { secretValue } from './secrets';

/**
 * The unsubscribe signing key: given directly (local mode) or read from Secrets Manager (AWS)
 * through Powertools Parameters with a max age (SECRET_MAX_AGE_SECONDS), so a rotated key is
 * picked up without a cold start. A failed read is retried on the next call.
 */
export function createSigningKeySource(
  config: { key?: string; secretArn?: string; maxAgeSeconds?: number },
  client?: SecretsManagerClient,
): () => Promise<string> {
  if (config.key) {
    const key = config.key;
    return async () => key;
  }
  const arn = config.secretArn;
  if (!arn)
    return async () => {
      throw new Error('No unsubscribe signing key is configured (MAILROOM_UNSUBSCRIBE_SECRET_ARN or MAILROOM_UNSUBSCRIBE_SIGNING_KEY)');
    };
  return secretValue(arn, { ...(client ? { client } : {}), ...(config.maxAgeSeconds !== undefined ? { maxAgeSeconds: config.maxAgeSeconds } : {}) });
}
