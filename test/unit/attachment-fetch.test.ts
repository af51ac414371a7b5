import { describe, expect, it } from 'vitest';
import { createPublicFetcher } from '#shared/adapters/public-fetcher';
import { isNonPublicAddress } from '#shared/domain/network-address';

describe('attachment path fetches (SSRF guard)', () => {
  it('calls loopback, private, link-local, CGNAT and unique-local addresses non-public', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      'not-an-ip',
    ]) {
      expect(isNonPublicAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isNonPublicAddress(a), a).toBe(false);
  });

  it('refuses a host that resolves to a private address and never fetches it', async () => {
    const fetched: string[] = [];
    const fetcher = createPublicFetcher({
      resolve: async (host) => (host === 'intranet.example' ? ['10.0.0.7'] : ['93.184.216.34']),
      fetch: async (url) => {
        fetched.push(url);
        return new Response('ok');
      },
    });
    const init = { signal: AbortSignal.timeout(1000), redirect: 'error' as const };
    await expect(fetcher('https://intranet.example/a.pdf', init)).rejects.toThrow(/not a public internet address/);
    await expect(fetcher('https://127.0.0.1/a.pdf', init)).rejects.toThrow(/not a public/);
    await expect(fetcher('https://[::1]/a.pdf', init)).rejects.toThrow(/not a public/);
    expect((await fetcher('https://files.example/a.pdf', init)).status).toBe(200);
    expect(fetched).toEqual(['https://files.example/a.pdf']);
  });

  it('refuses a host whose lookup gives some private address among public ones', async () => {
    const fetcher = createPublicFetcher({ resolve: async () => ['93.184.216.34', '192.168.0.10'], fetch: async () => new Response('ok') });
    await expect(fetcher('https://mixed.example/a', { signal: AbortSignal.timeout(1000), redirect: 'error' })).rejects.toThrow(/not a public/);
  });
});
