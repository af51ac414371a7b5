import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isNonPublicAddress } from '#shared/domain/network-address';
import type { Fetcher } from '#shared/ports/fetcher';

export type HostResolver = (host: string) => Promise<string[]>;
const resolveAll: HostResolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * The default `path` fetcher: refuses hosts that are, or resolve to, non-public addresses, so a
 * client cannot make Mailroom fetch from its own network (SSRF). A DNS answer that changes between
 * this check and the fetch (rebinding) is not covered; Lambda functions outside a VPC reach no
 * private network anyway.
 */
export function createPublicFetcher(options: { resolve?: HostResolver; fetch?: Fetcher } = {}): Fetcher {
  const resolve = options.resolve ?? resolveAll;
  const fetcher = options.fetch ?? (fetch as Fetcher);
  return async (url, init) => {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host) ? [host] : await resolve(host);
    if (addresses.length === 0 || addresses.some(isNonPublicAddress)) {
      throw new Error(`${host} is not a public internet address`);
    }
    return fetcher(url, init);
  };
}
