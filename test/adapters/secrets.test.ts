import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SECRET_MAX_AGE_SECONDS, secretValue } from '#shared/adapters/secrets';
import { createSigningKeySource } from '#shared/adapters/signing-key';
import { smtpSettingsFromSecret } from '#shared/adapters/smtp-mail-provider';

describe('secrets through Powertools Parameters, with a max age', () => {
  const sm = mockClient(SecretsManagerClient);
  const client = new SecretsManagerClient({ region: 'us-east-1' });
  beforeEach(() => {
    sm.reset();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T12:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const later = (seconds: number) => vi.setSystemTime(new Date(Date.now() + seconds * 1000));

  it('reads a secret once per max age, then picks up a rotated value without a new container', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'key-1' }).resolves({ SecretString: 'key-2' });
    const read = secretValue('arn:secret:signing', { client });
    expect(await read()).toBe('key-1');
    later(SECRET_MAX_AGE_SECONDS - 1);
    expect(await read()).toBe('key-1');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    later(2);
    expect(await read()).toBe('key-2');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('does not keep a failed read: the next call asks again', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(new Error('throttled')).resolves({ SecretString: 'key-1' });
    const read = createSigningKeySource({ secretArn: 'arn:secret:signing' }, client);
    await expect(read()).rejects.toThrow('throttled');
    expect(await read()).toBe('key-1');
  });

  it('uses a key given directly without calling Secrets Manager (local mode)', async () => {
    expect(await createSigningKeySource({ key: 'local-key' }, client)()).toBe('local-key');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('reads rotated SMTP credentials from the secret after the max age', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify({ host: 'smtp.example.com', port: '587', username: 'u', password: 'old' }) })
      .resolves({ SecretString: JSON.stringify({ host: 'smtp.example.com', port: 587, username: 'u', password: 'new' }) });
    const settings = smtpSettingsFromSecret('arn:secret:smtp', client, 60);
    expect(await settings()).toMatchObject({ host: 'smtp.example.com', port: 587, password: 'old' });
    later(61);
    expect((await settings()).password).toBe('new');
  });

  it('refuses an SMTP secret without a host', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ port: 587 }) });
    await expect(smtpSettingsFromSecret('arn:secret:smtp', client)()).rejects.toThrow(/has no host/);
  });
});
