/**
 * End to end on the emulators, in one process and at the same concurrency:
 *  (a) bare: the least AWS work a queue-based pipeline must do per email (DynamoDB PutItem, SQS
 *      SendMessage, SQS ReceiveMessage + DeleteMessageBatch in lane-sized batches, SES SendEmail),
 *      scripted with the SDK;
 *  (b) pipeline: HTTP POST /emails → authorizer → ingest → DynamoDB Local → fauxqs → lane poller →
 *      sender → SES emulator, all real handlers.
 * Timings come from the outside: HTTP round trips, SQS message timestamps, record timestamps.
 */
import { CreateTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { readFileSync, readdirSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { LANES, LANE_NAMES, type Lane } from '#shared/config/lanes';
import { ENV } from '#shared/config/env';
import { emailKey } from '#shared/adapters/dynamodb-email-store';
import { buildMime } from '#shared/rendering/mime';
import { createLaneSender } from '#infra/local/functions';
import { startLanePoller } from '#infra/local/lane-poller';
import { captureStdout, emitResult, progress, sectionArgs } from '../lib/child';
import { FROM, plainEmail } from '../lib/fixtures';
import { startBenchStack } from '../lib/local';
import { onSdkCall } from '../lib/sdk-calls';
import { percentile } from '../lib/stats';

export interface E2eArgs {
  readonly emails: number;
  /** Concurrent producers (HTTP clients / bare writers). */
  readonly concurrency: number;
  /** Consumers (lane poller workers / bare receivers). */
  readonly workers: number;
  readonly order: 'bare-first' | 'pipeline-first';
}

export interface Stage {
  readonly name: string;
  readonly p50: number;
  readonly p95: number;
}

/** Where the time went on one side: what the process did while the emails flowed. */
export interface E2eDiagnostics {
  /** Event-loop delay of this one Node process (API, handlers, poller, fauxqs and the SES emulator all share it). */
  readonly eventLoopLagMs: { p50: number; p99: number; max: number };
  /** CPU used during the side, in cores: this process and its children (DynamoDB Local's JVM). */
  readonly cpuCores: { node: number; children: number };
  /** CPU milliseconds per email sent (this process, children): unlike throughput, barely moved by other load on the machine. */
  readonly cpuMsPerEmail: { node: number; children: number };
  /** SDK calls by Service.Operation: count and client-side latency. */
  readonly calls: Array<{ name: string; count: number; p50: number; p95: number }>;
  /** Sender invocations (pipeline) or consumer batches (bare) in flight: time-weighted mean and max. */
  readonly consumersInFlight: { mean: number; max: number };
}

export interface E2eSide {
  readonly emails: number;
  readonly seconds: number;
  readonly emailsPerSecond: number;
  readonly latency: { p50: number; p95: number; p99: number };
  readonly stages: Stage[];
  readonly failures: number;
  readonly diagnostics?: E2eDiagnostics;
}

export interface E2eResult {
  readonly bare: E2eSide;
  readonly pipeline: E2eSide;
  readonly ratio: number;
  readonly concurrency: number;
  readonly workers: number;
}

const args = sectionArgs<E2eArgs>();
const out = captureStdout();
const stack = await startBenchStack();

/** Runs `count` tasks with at most `limit` at a time. */
async function pool(count: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** CPU seconds (user + system) of this process's children, from /proc (0 where there is none). */
function childCpuSeconds(): number {
  try {
    const pids = readdirSync(`/proc/${process.pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean),
    );
    return pids.reduce((n, pid) => {
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return n + (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        return n;
      }
    }, 0);
  } catch {
    return 0;
  }
}

/** Collects E2eDiagnostics between its creation and finish(). */
function diagnose() {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const cpu0 = process.cpuUsage();
  const children0 = childCpuSeconds();
  const t0 = performance.now();
  const calls = new Map<string, number[]>();
  const unsubscribe = onSdkCall((call) => {
    const name = `${call.service}.${call.operation}`;
    if (!calls.has(name)) calls.set(name, []);
    calls.get(name)!.push(call.endedAt - call.startedAt);
  });
  let inFlight = 0;
  let max = 0;
  let area = 0;
  let since = t0;
  const move = (delta: number) => {
    const now = performance.now();
    area += inFlight * (now - since);
    since = now;
    inFlight += delta;
    max = Math.max(max, inFlight);
  };
  return {
    /** Wraps a consumer so its invocations count as in flight. */
    track<A extends unknown[], R>(fn: (...a: A) => Promise<R>): (...a: A) => Promise<R> {
      return async (...a: A) => {
        move(1);
        try {
          return await fn(...a);
        } finally {
          move(-1);
        }
      };
    },
    finish(emails: number): E2eDiagnostics {
      move(0);
      unsubscribe();
      lag.disable();
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const nodeSeconds = (cpu.user + cpu.system) / 1e6;
      const childSeconds = childCpuSeconds() - children0;
      const ms = (ns: number) => Math.round(ns / 1e5) / 10;
      const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
      return {
        eventLoopLagMs: { p50: ms(lag.percentile(50)), p99: ms(lag.percentile(99)), max: ms(lag.max) },
        cpuCores: { node: round(nodeSeconds / seconds), children: round(childSeconds / seconds) },
        cpuMsPerEmail: { node: round((nodeSeconds * 1000) / emails, 1), children: round((childSeconds * 1000) / emails, 1) },
        calls: [...calls.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, v]) => ({ name, count: v.length, p50: Math.round(percentile(v, 50)), p95: Math.round(percentile(v, 95)) })),
        consumersInFlight: { mean: Math.round((area / (performance.now() - t0)) * 10) / 10, max },
      };
    },
  };
}

const stage = (name: string, values: number[]): Stage => ({ name, p50: percentile(values, 50), p95: percentile(values, 95) });
const lat = (values: number[]) => ({ p50: percentile(values, 50), p95: percentile(values, 95), p99: percentile(values, 99) });

async function bare(): Promise<E2eSide> {
  const table = `bench-bare-${Date.now()}`;
  await stack.dynamo.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  const queueUrl = (await stack.sqs.send(new CreateQueueCommand({ QueueName: table }))).QueueUrl!;
  const ses = new SESv2Client({});
  // The same MIME size the pipeline sends, built once: the bare side does no rendering.
  const sample = plainEmail(0);
  const { raw } = await buildMime({
    emailId: 'bare',
    from: FROM,
    to: [String(sample.to)],
    cc: [],
    replyTo: [],
    subject: String(sample.subject),
    html: String(sample.html),
    text: String(sample.text),
    headers: {},
    date: new Date(),
  } as Parameters<typeof buildMime>[0]);
  const produce: number[] = [];
  const wait: number[] = [];
  const send: number[] = [];
  const total: number[] = [];
  let done = 0;
  let failures = 0;
  let producing = true;
  const diag = diagnose();
  const consumeBatch = diag.track(async (messages: Message[]) => {
    const received = Date.now();
    const ok = await Promise.all(
      messages.map(async (m) => {
        const body = JSON.parse(m.Body!) as { id: string; createdAt: number; to: string };
        try {
          await ses.send(new SendEmailCommand({ FromEmailAddress: FROM, Destination: { ToAddresses: [body.to] }, Content: { Raw: { Data: raw } } }));
        } catch {
          failures++;
          return false;
        }
        const now = Date.now();
        wait.push(received - Number(m.Attributes?.SentTimestamp ?? received));
        send.push(now - received);
        total.push(now - body.createdAt);
        last = Math.max(last, now);
        done++;
        return true;
      }),
    );
    await stack.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.filter((_, i) => ok[i]).map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  });
  const t0 = Date.now();
  let last = t0;
  const consumers = Array.from({ length: args.workers }, async () => {
    while (done + failures < args.emails) {
      const r = await stack.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: LANES.transactional.batchSize,
          WaitTimeSeconds: producing ? 1 : 0,
          MessageSystemAttributeNames: ['SentTimestamp'],
        }),
      );
      const messages = r.Messages ?? [];
      if (messages.length === 0) {
        if (!producing) await sleep(20);
        continue;
      }
      await consumeBatch(messages);
    }
  });
  await pool(args.emails, args.concurrency, async (i) => {
    const createdAt = Date.now();
    const id = `bare-${i}`;
    const to = `user${i}@example.org`;
    await stack.dynamo.send(
      new PutItemCommand({
        TableName: table,
        Item: { pk: { S: id }, createdAt: { N: String(createdAt) }, to: { S: to }, subject: { S: String(sample.subject) }, html: { S: String(sample.html) } },
      }),
    );
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ id, createdAt, to }) }));
    produce.push(Date.now() - createdAt);
  });
  producing = false;
  await Promise.all(consumers);
  const seconds = (last - t0) / 1000;
  return {
    emails: done,
    seconds,
    emailsPerSecond: done / seconds,
    latency: lat(total),
    stages: [stage('produce (PutItem + SendMessage)', produce), stage('queue wait (sent → received)', wait), stage('consume (SES SendEmail)', send)],
    failures,
    diagnostics: diag.finish(done),
  };
}

async function pipeline(): Promise<E2eSide> {
  const diag = diagnose();
  const senders = Object.fromEntries(LANE_NAMES.map((lane) => [lane, diag.track(createLaneSender({ ...stack.env, [ENV.LANE]: lane }, lane))])) as Record<
    Lane,
    never
  >;
  const received = new Map<string, { at: number; sqsSent: number }>();
  let sesSent = 0;
  const unsubscribe = onSdkCall((call) => {
    if (call.service === 'SESv2' && call.operation === 'SendEmail' && call.ok) sesSent++;
    if (call.service === 'SQS' && call.operation === 'ReceiveMessage' && call.ok) {
      for (const m of (call.output as { Messages?: Array<{ Body?: string; Attributes?: Record<string, string> }> }).Messages ?? []) {
        const id = (JSON.parse(m.Body ?? '{}') as { emailId?: string }).emailId;
        if (id && !received.has(id)) received.set(id, { at: Date.now(), sqsSent: Number(m.Attributes?.SentTimestamp ?? Date.now()) });
      }
    }
  });
  const poller = startLanePoller({
    sqs: stack.sqs,
    queueUrls: stack.queues.queueUrls,
    queueArns: stack.queues.queueArns,
    senders,
    workers: args.workers,
    onError: (e) => progress(`poller error: ${String(e)}`),
  });
  const http: number[] = [];
  const ids: string[] = [];
  let failures = 0;
  const t0 = Date.now();
  try {
    await pool(args.emails, args.concurrency, async (i) => {
      const started = Date.now();
      const res = await fetch(`${stack.apiUrl}/emails`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.benchKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(plainEmail(i)),
      });
      const body = (await res.json()) as { id?: string };
      http.push(Date.now() - started);
      if (res.status === 200 && body.id) ids.push(body.id);
      else failures++;
    });
    const deadline = Date.now() + 120_000;
    while (sesSent < ids.length && Date.now() < deadline) await sleep(20);
  } finally {
    await poller.stop();
    unsubscribe();
  }
  const diagnostics = diag.finish(sesSent);
  // The status write follows the SES call; read every record once the sending is over.
  const records: Array<{ id: string; status: string; createdAt: string; sentAt?: string }> = [];
  for (let i = 0; i < ids.length; i += 100) {
    const keys = ids.slice(i, i + 100).map(emailKey);
    let pending: Record<string, unknown>[] | undefined = keys;
    while (pending && pending.length) {
      const r = await stack.doc.send(
        new BatchGetCommand({
          RequestItems: {
            [stack.names.table]: { Keys: pending, ProjectionExpression: 'id, #s, createdAt, sentAt', ExpressionAttributeNames: { '#s': 'status' } },
          },
        }),
      );
      records.push(...((r.Responses?.[stack.names.table] ?? []) as typeof records));
      pending = r.UnprocessedKeys?.[stack.names.table]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  const sent = records.filter((r) => r.status === 'sent' && r.sentAt);
  failures += ids.length - sent.length;
  const last = Math.max(...sent.map((r) => Date.parse(r.sentAt!)));
  const seconds = (last - t0) / 1000;
  const enqueue: number[] = [];
  const wait: number[] = [];
  const sender: number[] = [];
  for (const r of sent) {
    const q = received.get(r.id);
    if (!q) continue;
    enqueue.push(q.sqsSent - Date.parse(r.createdAt));
    wait.push(q.at - q.sqsSent);
    sender.push(Date.parse(r.sentAt!) - q.at);
  }
  return {
    emails: sent.length,
    seconds,
    emailsPerSecond: sent.length / seconds,
    latency: lat(sent.map((r) => Date.parse(r.sentAt!) - Date.parse(r.createdAt))),
    stages: [
      stage('HTTP POST /emails (client round trip)', http),
      stage('ingest: record created → enqueued', enqueue),
      stage('queue wait (sent → received by poller)', wait),
      stage('sender (received → status sent)', sender),
    ],
    failures,
    diagnostics,
  };
}

try {
  progress(`end-to-end: ${args.emails} emails, concurrency ${args.concurrency}, ${args.workers} consumers, ${args.order}`);
  let b: E2eSide;
  let p: E2eSide;
  if (args.order === 'bare-first') {
    b = await bare();
    p = await pipeline();
  } else {
    p = await pipeline();
    b = await bare();
  }
  progress(`  bare ${b.emailsPerSecond.toFixed(0)}/s, pipeline ${p.emailsPerSecond.toFixed(0)}/s, ratio ${(p.emailsPerSecond / b.emailsPerSecond).toFixed(2)}`);
  out.restore();
  emitResult({ bare: b, pipeline: p, ratio: p.emailsPerSecond / b.emailsPerSecond, concurrency: args.concurrency, workers: args.workers } satisfies E2eResult);
} finally {
  out.restore();
  await stack.stop();
}
