import { isIP } from 'node:net';
import type { WebhookResponse, WebhookTransport } from '#shared/ports/webhooks';
import { createPublicFetcher, type HostResolver } from './public-fetcher';

const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|::1)$/i;

/**
 * POSTs webhook payloads with fetch, through the same SSRF guard as attachment `path` fetches: a
 * host that is, or resolves to, a private, loopback or link-local address is refused. Local mode
 * may allow loopback hosts (`allowLoopback`), so a receiver on 127.0.0.1 works on a laptop.
 * Redirects are not followed (the registered URL is the one posted to).
 */
export class HttpWebhookTransport implements WebhookTransport {
  constructor(private readonly options: { allowLoopback: boolean; resolve?: HostResolver }) {}

  async post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<WebhookResponse> {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    const post = (target: string, init: { signal: AbortSignal; redirect: 'error' | 'follow' }) =>
      fetch(target, { method: 'POST', body, headers, signal: init.signal, redirect: 'manual' });
    const fetcher =
      this.options.allowLoopback && (LOOPBACK_HOST.test(host) || (isIP(host) === 4 && host.startsWith('127.')))
        ? post
        : createPublicFetcher({ fetch: post, ...(this.options.resolve ? { resolve: this.options.resolve } : {}) });
    const response = await fetcher(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    return { status: response.status, body: await excerpt(response) };
  }
}

/** The first KB of an answer, without reading a huge body to its end. */
async function excerpt(response: Response, limit = 1_024): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, limit);
}
