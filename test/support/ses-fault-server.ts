/**
 * A tiny SES v2 stand-in for fault injection: proxies to the real SES emulator, or answers the
 * next N SendEmail calls with an AWS JSON error (429 TooManyRequestsException, 400
 * MessageRejected…), or goes down entirely (its port refuses connections) and comes back up on
 * the same port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SesFault {
  readonly status: number;
  readonly errorType: string;
  readonly message: string;
}

export const THROTTLED: SesFault = { status: 429, errorType: 'TooManyRequestsException', message: 'Maximum sending rate exceeded.' };
export const REJECTED: SesFault = { status: 400, errorType: 'MessageRejected', message: 'Email address is not verified.' };

export interface SesFaultServer {
  readonly url: string;
  /** Where healthy calls go (the SES emulator); may be set after the server starts. */
  upstream: string;
  /** SendEmail calls that reached this server (faulted or proxied). */
  readonly sendCalls: number;
  /** Answer the next `times` SendEmail calls with `fault`. */
  fail(times: number, fault: SesFault): void;
  /** Stop listening: the port refuses connections (open keep-alive sockets are cut). */
  down(): Promise<void>;
  /** Listen again on the same port and proxy. */
  up(): Promise<void>;
  stop(): Promise<void>;
}

const isSend = (req: IncomingMessage) => req.method === 'POST' && (req.url ?? '').startsWith('/v2/email/outbound-emails');

export async function startSesFaultServer(upstream = ''): Promise<SesFaultServer> {
  const faults: SesFault[] = [];
  const sockets = new Set<Socket>();
  let sendCalls = 0;
  let server: Server;
  let port = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (isSend(req)) {
      sendCalls++;
      const fault = faults.shift();
      if (fault) {
        res.writeHead(fault.status, { 'content-type': 'application/json', 'x-amzn-ErrorType': fault.errorType, 'x-amzn-RequestId': `fault-${sendCalls}` });
        res.end(JSON.stringify({ message: fault.message }));
        return;
      }
    }
    try {
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)),
      ) as Record<string, string>;
      const answer = await fetch(`${self.upstream}${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers,
        ...(chunks.length && req.method !== 'GET' && req.method !== 'HEAD' ? { body: Buffer.concat(chunks) } : {}),
      });
      const body = Buffer.from(await answer.arrayBuffer());
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
      res.end(body);
    } catch (error) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `fault server could not reach upstream: ${String(error)}` }));
    }
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((req, res) => void handle(req, res));
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });

  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });

  await listen();
  const self: SesFaultServer = {
    url: `http://127.0.0.1:${port}`,
    upstream,
    get sendCalls() {
      return sendCalls;
    },
    fail(times, fault) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    down: close,
    async up() {
      if (!server.listening) await listen();
    },
    stop: close,
  };
  return self;
}
