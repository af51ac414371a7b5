import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createSecretsClient } from './aws-clients';

/**
 * The unsubscribe signing key: given directly (local mode) or read once from Secrets Manager
 * (AWS) and kept for the life of the container. A failed read is retried on the next call.
 */
export function createSigningKeySource(config: { key?: string; secretArn?: string }, client?: SecretsManagerClient): () => Promise<string> {
  if (config.key) {
    const key = config.key;
    return async () => key;
  }
  const arn = config.secretArn;
  if (!arn)
    return async () => {
      throw new Error('No unsubscribe signing key is configured (MAILROOM_UNSUBSCRIBE_SECRET_ARN or MAILROOM_UNSUBSCRIBE_SIGNING_KEY)');
    };
  let cached: Promise<string> | undefined;
  return () => {
    cached ??= (client ?? createSecretsClient())
      .send(new GetSecretValueCommand({ SecretId: arn }))
      .then((out) => {
        if (!out.SecretString) throw new Error('The unsubscribe signing secret has no string value');
        return out.SecretString;
      })
      .catch((error: unknown) => {
        cached = undefined;
        throw error;
      });
    return cached;
  };
}
