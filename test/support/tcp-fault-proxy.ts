/**
 * A TCP proxy on 127.0.0.1 (node:net) in front of an emulator, for chaos tests: it forwards bytes
 * both ways, can add latency to the answers, and can be killed — every open connection reset
 * (RST, as when the process holding them is SIGKILLed) and the port closed, so new connections
 * are refused — then restored on the same port. Protocol-agnostic: SES's HTTP and SMTP alike.
 */
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface TcpFaultProxy {
  /** `127.0.0.1:<port>` the clients connect to (stable across kill/restore). */
  readonly host: string;
  readonly port: number;
  /** Where connections go, `host:port`; may be set after the proxy starts. */
  target: string | undefined;
  /** Milliseconds each chunk of the answer (target → client) is held back; 0 = none. */
  answerDelayMs: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Answer chunks the target has sent that are still held back by `answerDelayMs`: the target acted, the client does not know yet. */
  readonly pendingAnswers: number;
  /** Connections reset by `kill()` (both sides counted once). */
  readonly resets: number;
  readonly alive: boolean;
  /** Resets every open connection and stops listening: the port refuses new connections. */
  kill(): Promise<void>;
  /**
   * Kills the proxy the moment the target's `n`-th answer chunk arrives (counted from now), before
   * that answer is passed on: the target has acted on that request, its client never hears of it.
   * Resolves once killed.
   */
  killOnAnswer(n: number): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTcpFaultProxy(options: { target?: string; answerDelayMs?: number } = {}): Promise<TcpFaultProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let server: Server | undefined;
  let port = 0;
  let connections = 0;
  let resets = 0;
  let pendingAnswers = 0;
  let killPlan: { left: number; done: () => void } | undefined;
  /** Every client socket still open, paired or not: a kill resets them all. */
  const accepted = new Set<Socket>();

  const onConnection = (client: Socket) => {
    connections++;
    accepted.add(client);
    client.once('close', () => accepted.delete(client));
    if (!self.target) {
      client.resetAndDestroy();
      return;
    }
    const [host, targetPort] = self.target.split(':');
    const upstream = createConnection({ host: host!, port: Number(targetPort) });
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    // The target closing its side must not cut answers still held back: close after them.
    upstream.on('close', () => setTimeout(drop, self.answerDelayMs));
    client.on('data', (chunk) => upstream.write(chunk));
    client.on('end', () => upstream.end());
    upstream.on('end', () => setTimeout(() => client.end(), self.answerDelayMs));
    upstream.on('data', (chunk) => {
      if (killPlan && --killPlan.left <= 0) {
        const { done } = killPlan;
        killPlan = undefined;
        void close().then(done);
        return;
      }
      if (self.answerDelayMs <= 0) client.write(chunk);
      else {
        pendingAnswers++;
        setTimeout(() => {
          pendingAnswers--;
          if (client.writable) client.write(chunk);
        }, self.answerDelayMs);
      }
    });
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer(onConnection);
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });

  // The port closes at once; the callback of server.close() (every connection gone) is not awaited:
  // under load a socket's 'close' can lag, and the outage starts when the port stops answering.
  const close = async () => {
    const s = server;
    server = undefined;
    s?.close();
    for (const pair of pairs) {
      resets++;
      pair.upstream.resetAndDestroy();
    }
    pairs.clear();
    for (const client of accepted) if (!client.destroyed) client.resetAndDestroy();
    accepted.clear();
  };

  await listen();
  const self: TcpFaultProxy = {
    host: `127.0.0.1:${port}`,
    port,
    target: options.target,
    answerDelayMs: options.answerDelayMs ?? 0,
    get connections() {
      return connections;
    },
    get pendingAnswers() {
      return pendingAnswers;
    },
    get resets() {
      return resets;
    },
    get alive() {
      return server !== undefined;
    },
    kill: close,
    killOnAnswer: (n) =>
      new Promise<void>((resolve) => {
        killPlan = { left: n, done: resolve };
      }),
    async restore() {
      if (!server) await listen();
    },
    stop: close,
  };
  return self;
}
