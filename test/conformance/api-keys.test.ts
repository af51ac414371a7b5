/**
 * `/api-keys` through the official SDK against local mode (resend.com/docs/api-reference/api-keys),
 * each answer checked against Resend's published schema.
 */
import { Resend } from 'resend';
import { describe, expect, it } from 'vitest';
import { useLocalStack, waitFor } from '#test/support/local-stack';
import { expectResendShape } from './contract';

describe('Resend API keys (resend.apiKeys.*)', () => {
  // No authorizer cache, so a revocation shows on the next request (as deployed it takes up to AUTHORIZER_CACHE_SECONDS).
  const stack = useLocalStack({ authorizerCacheSeconds: 0 });
  const sdk = (key = stack().apiKey) => new Resend(key, { baseUrl: stack().apiUrl });

  it('makes a sending_access key that can send and cannot list emails or manage keys', async () => {
    const { data, error } = await sdk().apiKeys.create({ name: 'sender only', permission: 'sending_access' });
    expect(error).toBeNull();
    expectResendShape('api-keys/create', data, 201);
    const sender = sdk(data!.token);

    const sent = await sender.emails.send({ from: stack().from, to: 'ada@example.org', subject: 'from a sending key', text: 'hi' });
    expect(sent.error).toBeNull();
    expect(sent.data?.id).toEqual(expect.any(String));

    const listed = await sender.emails.list();
    expect(listed.data).toBeNull();
    expect(listed.error?.name).toBe('restricted_api_key');
    const keys = await sender.apiKeys.list();
    expect(keys.error?.name).toBe('restricted_api_key');
    const escalation = await sender.apiKeys.create({ name: 'escalate', permission: 'full_access' });
    expect(escalation.error?.name).toBe('restricted_api_key');

    // The authorizer recorded the key's first use (once per key per cache period).
    const all = await sdk().apiKeys.list();
    expectResendShape('api-keys/list', all.data);
    const mine = all.data!.data.find((k) => k.id === data!.id);
    expect(mine?.last_used_at).toEqual(expect.any(String));
    expect(Date.now() - Date.parse(mine!.last_used_at!)).toBeLessThan(10 * 60_000);
  });

  it('lists keys in Resend’s shape without ever showing a token again, then revokes one on remove', async () => {
    const { data: created } = await sdk().apiKeys.create({ name: 'to revoke' });
    const listed = await sdk().apiKeys.list();
    expect(listed.error).toBeNull();
    expectResendShape('api-keys/list', listed.data);
    expect(listed.data!.data.find((k) => k.id === created!.id)).toMatchObject({ name: 'to revoke', last_used_at: null });
    expect(JSON.stringify(listed.data)).not.toContain(created!.token);

    const removed = await sdk().apiKeys.remove(created!.id);
    expect(removed.error).toBeNull();
    expectResendShape('api-keys/remove', removed.data);
    expect(removed.data).toEqual({ object: 'api_key', id: created!.id, deleted: true });

    const refused = await waitFor(async () => (await sdk(created!.token).emails.list()).error, { what: 'the revoked key to be refused' });
    expect(refused.name).toBe('invalid_api_key');
    expect((await sdk().apiKeys.list()).data!.data.map((k) => k.id)).not.toContain(created!.id);
  });

  it("does not let one tenant see or remove another tenant's keys", async () => {
    const other = await stack().createTenant('globex-keys');
    const { data: theirs } = await sdk(other.apiKey).apiKeys.create({ name: 'globex key', permission: 'sending_access' });
    expect((await sdk().apiKeys.list()).data!.data.map((k) => k.id)).not.toContain(theirs!.id);
    expect((await sdk().apiKeys.remove(theirs!.id)).error).toMatchObject({ name: 'not_found', statusCode: 404 });
    expect((await sdk(theirs!.token).emails.send({ from: 'Globex <a@globex.example>', to: 'b@example.org', subject: 's', text: 't' })).error?.name).not.toBe(
      'invalid_api_key',
    );
  });
});
