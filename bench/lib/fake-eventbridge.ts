/**
 * A tiny EventBridge stand-in on 127.0.0.1 (no EventBridge emulator exists): it answers
 * PutEvents (AWS JSON 1.1) with every entry accepted, and counts what it was sent. Pointing the
 * real EventBridgeEventPublisher at it lets the bench count outbound events as AWS would bill
 * them (one PutEvents per ≤10 entries), instead of local mode's publisher that appends each
 * event to the email's history with an UpdateItem.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeEventBridge {
  readonly url: string;
  /** Entries received, by DetailType. */
  readonly entries: Array<{ DetailType?: string; Detail?: string; EventBusName?: string }>;
  stop(): Promise<void>;
}

export async function startFakeEventBridge(): Promise<FakeEventBridge> {
  const entries: FakeEventBridge['entries'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target !== 'AWSEvents.PutEvents') {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'UnknownOperationException', message: `${target} is not emulated` }));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { Entries?: FakeEventBridge['entries'] };
      const received = body.Entries ?? [];
      entries.push(...received);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ FailedEntryCount: 0, Entries: received.map(() => ({ EventId: randomUUID() })) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    entries,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
