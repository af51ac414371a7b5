import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** What the receiver answered (0 = it hung until the sender gave up). */
  readonly answered: number;
}

/**
 * A webhook receiver on 127.0.0.1 (port 0) that answers from a script — a status code, or `hang`
 * (never answers, so the sender times out) — and 200 once the script is used up.
 */
export async function startWebhookReceiver(script: Array<number | 'hang'> = []) {
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const next = script.shift() ?? 200;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered: next === 'hang' ? 0 : next });
      if (next === 'hang') return;
      res.writeHead(next, { 'content-type': 'text/plain' }).end(next < 300 ? 'thanks' : 'receiver is down');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
