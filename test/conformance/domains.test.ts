/**
 * `/domains` through the official SDK against local mode (resend.com/docs/api-reference/domains):
 * DNS records in Resend's shape, verification with the local CLI stand-in, and the sender check
 * using verified domains.
 */
import { Resend } from 'resend';
import { describe, expect, it } from 'vitest';
import { useLocalStack } from '#test/support/local-stack';
import { verifyLocalDomain } from '../../cli/commands/domains';
import { expectResendShape } from './contract';

describe('Resend domains (resend.domains.*)', () => {
  const stack = useLocalStack();
  const sdk = (key = stack().apiKey) => new Resend(key, { baseUrl: stack().apiUrl });

  it('creates a domain with SES-shaped DKIM and MAIL FROM records, verifies it, and then lets the tenant send from it', async () => {
    const created = await sdk().domains.create({ name: 'Mail.Acme-Test.com' });
    expect(created.error).toBeNull();
    expectResendShape('domains/create', created.data, 201);
    const domain = created.data!;
    expect(domain).toMatchObject({
      name: 'mail.acme-test.com',
      status: 'pending',
      region: 'us-east-1',
      capabilities: { sending: 'enabled', receiving: 'disabled' },
    });
    expect(domain.records.filter((r) => r.record === 'DKIM')).toHaveLength(3);
    expect(domain.records).toContainEqual(
      expect.objectContaining({ record: 'SPF', name: 'send', type: 'MX', value: 'feedback-smtp.us-east-1.amazonses.com', priority: 10 }),
    );
    expect(domain.records).toContainEqual(expect.objectContaining({ record: 'SPF', name: 'send', type: 'TXT', value: '"v=spf1 include:amazonses.com ~all"' }));
    for (const r of domain.records.filter((x) => x.record === 'DKIM'))
      expect(r).toMatchObject({ type: 'CNAME', name: expect.stringMatching(/^[0-9a-f]{32}\._domainkey$/), status: 'pending' });

    // The tenant's allow-list is example.com: an unverified domain is refused.
    const before = await sdk().emails.send({ from: 'Acme <hi@mail.acme-test.com>', to: 'ada@example.org', subject: 'too early', text: 'x' });
    expect(before.error).toMatchObject({ name: 'invalid_from_address' });

    // `mailroom domains verify mail.acme-test.com`, then Resend's verify call.
    expect((await verifyLocalDomain(stack().env, 'mail.acme-test.com')).status).toBe('verified');
    const verified = await sdk().domains.verify(domain.id);
    expectResendShape('domains/verify', verified.data);
    const got = await sdk().domains.get(domain.id);
    expectResendShape('domains/get', got.data);
    expect(got.data).toMatchObject({ object: 'domain', status: 'verified' });
    expect(got.data!.records.every((r) => r.status === 'verified')).toBe(true);

    // Verified domains count as allowed senders (within the 30 s tenant cache of the ingest function).
    const after = await waitForSend(() => sdk().emails.send({ from: 'Acme <hi@mail.acme-test.com>', to: 'ada@example.org', subject: 'verified', text: 'x' }));
    expect(after.error).toBeNull();
  });

  it('lists, updates tracking and TLS, and removes domains in Resend’s shape', async () => {
    const { data: d } = await sdk().domains.create({ name: 'news.acme-test.com', openTracking: true, tls: 'enforced' });
    const listed = await sdk().domains.list();
    expectResendShape('domains/list', listed.data);
    expect(listed.data!.data.find((x) => x.id === d!.id)).toMatchObject({ name: 'news.acme-test.com', open_tracking: true, click_tracking: false });
    const updated = await sdk().domains.update({ id: d!.id, clickTracking: true, tls: 'opportunistic' });
    expectResendShape('domains/update', updated.data);
    expect((await sdk().domains.get(d!.id)).data).toMatchObject({ click_tracking: true, open_tracking: true });
    const removed = await sdk().domains.remove(d!.id);
    expectResendShape('domains/remove', removed.data);
    expect((await sdk().domains.get(d!.id)).error).toMatchObject({ name: 'not_found', statusCode: 404 });
  });

  it('refuses bad names, other regions and receiving', async () => {
    expect((await sdk().domains.create({ name: 'not a domain' })).error).toMatchObject({ statusCode: 422 });
    expect((await sdk().domains.create({ name: 'eu.acme-test.com', region: 'eu-west-1' })).error).toMatchObject({ name: 'invalid_region', statusCode: 422 });
    expect((await sdk().domains.create({ name: 'in.acme-test.com', capabilities: { receiving: 'enabled' } })).error).toMatchObject({ statusCode: 422 });
  });

  it("keeps tenants apart: another tenant can neither see a domain nor claim its name, and a sending key can't manage domains", async () => {
    const { data: mine } = await sdk().domains.create({ name: 'mine.acme-test.com' });
    const other = await stack().createTenant('globex-domains');
    const theirs = sdk(other.apiKey);
    expect((await theirs.domains.get(mine!.id)).error).toMatchObject({ name: 'not_found' });
    expect((await theirs.domains.remove(mine!.id)).error).toMatchObject({ name: 'not_found' });
    expect((await theirs.domains.verify(mine!.id)).error).toMatchObject({ name: 'not_found' });
    expect((await theirs.domains.list()).data!.data).toEqual([]);
    expect((await theirs.domains.create({ name: 'mine.acme-test.com' })).error).toMatchObject({ statusCode: 409 });

    const { data: key } = await sdk().apiKeys.create({ name: 'bound', permission: 'sending_access', domain_id: mine!.id });
    expect((await sdk(key!.token).domains.list()).error?.name).toBe('restricted_api_key');
    const wrongDomain = await sdk(key!.token).emails.send({ from: 'hello@example.com', to: 'ada@example.org', subject: 'x', text: 'x' });
    expect(wrongDomain.error).toMatchObject({ name: 'invalid_from_address' });
  });
});

/** Retries a send while the ingest function's 30 s tenant cache still holds the old allowed senders. */
async function waitForSend<T extends { error: { name: string } | null }>(send: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 40_000;
  for (;;) {
    const result = await send();
    if (!result.error || result.error.name !== 'invalid_from_address' || Date.now() > deadline) return result;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}
