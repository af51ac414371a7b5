/**
 * A tiny HTTP proxy on 127.0.0.1:0 that records every request body and forwards it unchanged to
 * the SES emulator. aws-ses-v2-local's /store drops raw headers, so tests read what the sender
 * really sent (the SendEmail JSON with Content.Raw) from here, without touching production code.
 */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly body: string;
}

export interface RecordingProxy {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Where requests go; set once the emulator's address is known. */
  target: string | undefined;
  /** The SES v2 SendEmail requests, parsed. */
  sendEmailRequests(): any[];
  stop(): Promise<void>;
}

const readAll = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

export async function startRecordingProxy(): Promise<RecordingProxy> {
  const requests: RecordedRequest[] = [];
  const proxy: Partial<RecordingProxy> & { target: string | undefined } = { target: undefined };
  const server = createServer(async (req, res) => {
    const body = await readAll(req);
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', body: body.toString('utf8') });
    if (!proxy.target) {
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"proxy has no target"}');
      return;
    }
    const target = new URL(req.url ?? '/', proxy.target);
    const headers = { ...req.headers, host: target.host };
    const upstream = httpRequest(target, { method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
    });
    upstream.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    requests,
    sendEmailRequests: () => requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v2/email/outbound-emails')).map((r) => JSON.parse(r.body)),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as RecordingProxy;
}
