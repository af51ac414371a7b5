/**
 * AWS calls per email by service and operation, on the emulators, with the handlers built by their
 * real factories (infra/local/functions.ts) and every SDK client counted by middleware. Also the
 * DynamoDB capacity units each path consumed and the stored size of an email item.
 *
 * Counted as deployed on AWS, not as local mode runs: outbound events go through the real
 * EventBridge publisher (PutEvents) to a fake EventBridge on 127.0.0.1 (local mode's publisher
 * writes to its event log instead: no AWS call, and no table write either) — and local
 * mode's scheduler loop (a table Query every 250 ms, EventBridge Scheduler's stand-in) is off.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { LANES } from '#shared/config/lanes';
import { ENV } from '#shared/config/env';
import { randomUUID } from 'node:crypto';
import { DynamoEmailStore, emailKey } from '#shared/adapters/dynamodb-email-store';
import { createDocumentClient } from '#shared/adapters/aws-clients';
import type { SQSEvent } from 'aws-lambda';
import { createTrackingHandler } from '#functions/tracking/app';
import { API_FUNCTIONS, createLaneSender } from '#infra/local/functions';
import { sesEventFor } from '#test/support/ses-fixtures';
import { lambdaContext } from '#infra/local/api-server';
import { apiEvent } from '#test/support/api-event';
import { captureStdout, emitResult, progress, sectionArgs } from '../lib/child';
import { benchPrincipal, plainEmail, TENANT_ID } from '../lib/fixtures';
import { dynamoItemBytes, sqsEvent, startBenchStack } from '../lib/local';
import { CallTally } from '../lib/sdk-calls';
import { startFakeEventBridge } from '../lib/fake-eventbridge';

export interface CallCase {
  readonly name: string;
  readonly emails: number;
  readonly calls: Record<string, number>;
  readonly callsPerEmail: number;
  readonly readUnitsPerEmail: number;
  readonly writeUnitsPerEmail: number;
  /** Entries put on the Mailroom bus (EventBridge bills per entry, not per PutEvents call). */
  readonly eventEntriesPerEmail: number;
  /** CPU ms of this process per email (handler + SDK; the emulators run elsewhere). */
  readonly cpuMsPerEmail: number;
  readonly note?: string;
}

export interface AwsCallsResult {
  readonly cases: CallCase[];
  readonly emailItemBytes: { queued: number; sent: number; delivered: number };
  readonly laneMessageBytes: number;
}

const args = sectionArgs<{ senderEmails: number }>();
const out = captureStdout();
const stack = await startBenchStack({ runScheduler: false });
const eventBridge = await startFakeEventBridge();
// Read when each EventBridge client is built (below), after the stack has set the emulators' endpoints.
process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = eventBridge.url;
const awsEnv = { ...stack.env, [ENV.EVENT_PUBLISHER]: 'eventbridge' };
const cases: CallCase[] = [];
try {
  const ingest = API_FUNCTIONS.ingest!(awsEnv);
  const authorizer = API_FUNCTIONS.authorizer!(stack.env);
  const principal = benchPrincipal();
  const tally = new CallTally();
  const measure = async (name: string, emails: number, work: () => Promise<void>, note?: string) => {
    tally.reset();
    const entriesBefore = eventBridge.entries.length;
    const cpuBefore = process.cpuUsage();
    tally.start();
    await work();
    const calls = tally.stop();
    const cpu = process.cpuUsage(cpuBefore);
    // The local stack's own background pollers (webhook workers) receive from SQS in this process;
    // handlers never call ReceiveMessage, so outside the event-source-mapping case it is theirs.
    if (!name.startsWith('event source mapping')) delete calls['SQS.ReceiveMessage'];
    const total = Object.values(calls).reduce((a, b) => a + b, 0);
    cases.push({
      name,
      emails,
      calls,
      callsPerEmail: total / emails,
      readUnitsPerEmail: tally.readUnits / emails,
      writeUnitsPerEmail: tally.writeUnitsWithEstimates / emails,
      eventEntriesPerEmail: (eventBridge.entries.length - entriesBefore) / emails,
      cpuMsPerEmail: (cpu.user + cpu.system) / 1000 / emails,
      ...(note ? { note } : {}),
    });
  };
  const expect200 = (r: { statusCode: number; body: string }) => {
    if (r.statusCode !== 200) throw new Error(`ingest answered ${r.statusCode}: ${r.body.slice(0, 300)}`);
    return JSON.parse(r.body) as { id?: string; data?: Array<{ id: string }> };
  };
  // Warm every client once (credentials, connections) outside the counts.
  expect200(await ingest(apiEvent('POST /emails', { body: plainEmail(0), principal }), lambdaContext('ingest')));

  progress('aws-calls: single, idempotent, batch, authorizer, sender');
  let firstId = '';
  await measure(
    'POST /emails',
    1,
    async () => {
      firstId = expect200(await ingest(apiEvent('POST /emails', { body: plainEmail(1), principal }), lambdaContext('ingest'))).id!;
    },
    'warm container: the tenant comes from the per-container cache (one GetItem per tenant per 30 s, TENANT_CACHE_SECONDS); the rate limit and daily quota are one UpdateItem; "Email Accepted" is muted by default (MAILROOM_MUTED_EVENTS), so no PutEvents',
  );
  const item = async (id: string) =>
    (await stack.dynamo.send(new GetItemCommand({ TableName: stack.names.table, Key: { pk: { S: emailKey(id).pk }, sk: { S: emailKey(id).sk } } }))).Item ?? {};
  // Read now: the sender's warm-up batch below sends this email too.
  const queuedBytes = dynamoItemBytes(await item(firstId));
  await measure('POST /emails with Idempotency-Key', 1, async () => {
    expect200(await ingest(apiEvent('POST /emails', { body: plainEmail(2), principal, headers: { 'idempotency-key': 'bench-1' } }), lambdaContext('ingest')));
  });
  let batchOk = true;
  await measure('POST /emails/batch (100 emails)', 100, async () => {
    const r = await ingest(
      apiEvent('POST /emails/batch', { body: Array.from({ length: 100 }, (_, i) => plainEmail(1000 + i)), principal }),
      lambdaContext('ingest'),
    );
    batchOk = r.statusCode === 200 && Array.isArray((JSON.parse(r.body) as { data?: unknown }).data);
  });
  if (!batchOk) cases.pop();
  await measure(
    'authorizer (per cache miss: key × container × cache period)',
    1,
    async () => {
      const r = await authorizer(
        { type: 'REQUEST', routeKey: 'POST /emails', headers: { authorization: `Bearer ${stack.benchKey}` }, requestContext: {} },
        lambdaContext('authorizer'),
      );
      if (!r?.isAuthorized) throw new Error('authorizer refused the bench key');
    },
    "the authorizer runs on every API request (no gateway cache, so a missing key gets Resend's error shape) but caches its answer in memory (AUTHORIZER_CACHE_SECONDS): its DynamoDB read is per key per container per cache period, not per email; its invocations are priced per API request in §6",
  );

  // Sender: drain what the ingest enqueued, in lane-sized batches, exactly as the event source mapping would.
  const lane = LANES.transactional;
  const queueUrl = stack.queues.queueUrls.transactional;
  const sender = createLaneSender({ ...awsEnv, [ENV.LANE]: 'transactional' }, 'transactional');
  const receive = async (): Promise<Message[]> =>
    (
      await stack.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: lane.batchSize, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }),
      )
    ).Messages ?? [];
  // Warm the sender's clients on one batch outside the counts.
  const warm = await receive();
  await sender(sqsEvent(warm, stack.queues.queueArns.transactional), lambdaContext('sender'));
  // Enough fresh emails for the measured batches.
  const need = args.senderEmails;
  for (let i = 0; i < need; i += 100) {
    const n = Math.min(100, need - i);
    const r = await ingest(
      apiEvent('POST /emails/batch', { body: Array.from({ length: n }, (_, j) => plainEmail(5000 + i + j)), principal }),
      lambdaContext('ingest'),
    );
    if (r.statusCode !== 200)
      for (let j = 0; j < n; j++) expect200(await ingest(apiEvent('POST /emails', { body: plainEmail(5000 + i + j), principal }), lambdaContext('ingest')));
  }
  const batches: Message[][] = [];
  let sent = 0;
  while (sent < need) {
    const messages = await receive();
    if (messages.length === 0) break;
    batches.push(messages);
    sent += messages.length;
  }
  // DynamoDB Local meters no PartiQL statement: price a claim statement by the same claim as one
  // UpdateItem, on a copy of one of these emails (same size, never enqueued), outside the counts.
  const claimPrice = new CallTally();
  const store = new DynamoEmailStore(createDocumentClient(stack.dynamo), stack.names.table);
  const sample = (await store.get(JSON.parse(batches[0]![0]!.Body!).emailId as string))!;
  const priced = { ...sample, id: randomUUID() };
  await store.create(priced);
  claimPrice.start();
  await store.claim(priced.id, { token: randomUUID(), now: new Date(), leaseSeconds: 60, scheduleVersion: priced.scheduleVersion });
  claimPrice.stop();
  await measure(
    'sender, per email (SQS batch of ' + lane.batchSize + ')',
    sent,
    async () => {
      tally.statementUnits = claimPrice.writeUnits;
      for (const messages of batches) {
        const r = await sender(sqsEvent(messages, stack.queues.queueArns.transactional), lambdaContext('sender'));
        if (r?.batchItemFailures?.length) throw new Error(`sender failed ${r.batchItemFailures.length} records`);
      }
    },
    'per email: SES SendEmail and the `sent` status write (a conditional UpdateItem); per batch: the claims (one PartiQL BatchExecuteStatement of conditional UPDATEs, then one consistent BatchGetItem of the claimed emails), one BatchGetItem of suppressions and one PutEvents of the "Email Sent" events; tenant (30 s) and circuit-breaker state (2 s) from per-container caches (a batch that finds the breaker cache expired reads it once per concurrent send: a GetItem each). DynamoDB Local returns no ConsumedCapacity for BatchExecuteStatement, so each claim statement is priced at what the same claim costs as one UpdateItem on a copy of the same email, measured apart, as AWS bills it',
  );
  // The counts above only mean something if the events really went out (one "Email Sent" per email).
  const sentEvents = eventBridge.entries.filter((e) => e.DetailType === 'Email Sent').length;
  if (sentEvents < sent) throw new Error(`the fake EventBridge got ${sentEvents} "Email Sent" events for ${sent} sent emails`);
  await measure(
    'event source mapping, per email (receive + delete per batch)',
    sent,
    async () => {
      // What Lambda's poller does per batch: one ReceiveMessage, one DeleteMessageBatch.
      for (const messages of batches) {
        await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: lane.batchSize, WaitTimeSeconds: 0 }));
        await stack.sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
        );
      }
    },
    'billed as SQS requests; Lambda does this outside the function',
  );

  const sentId = JSON.parse(batches[0]![0]!.Body!).emailId as string;
  const sentBytes = dynamoItemBytes(await item(sentId));

  // Tracking: the SES events of every sent email (Send, then Delivery), as the tracking queue hands
  // them over — the rule puts each event into the queue, the mapping delivers batches of up to 10.
  const tracking = createTrackingHandler(awsEnv);
  const sentIds = batches.flat().map((m) => JSON.parse(m.Body!).emailId as string);
  const sesEvents = ['send', 'delivery'].flatMap((kind) =>
    sentIds.map((id) => sesEventFor(kind as 'send' | 'delivery', { id, tenantId: TENANT_ID }, { messageId: `bench-${id}` })),
  );
  const asSqs = (events: unknown[]): SQSEvent => ({
    Records: events.map((e, i) => ({
      messageId: `t-${i}`,
      receiptHandle: `t-${i}`,
      body: JSON.stringify(e),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'events', ApproximateFirstReceiveTimestamp: String(Date.now()) },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:tracking',
      awsRegion: 'us-east-1',
    })),
  });
  // Warm the tracking function's clients outside the counts (an event for an unknown email: one read, nothing written).
  await tracking(asSqs([sesEventFor('send', { id: 'em_bench_warm_unknown', tenantId: TENANT_ID })]), lambdaContext('tracking'));
  await measure(
    'tracking, per SES event (queue batch of 10)',
    sesEvents.length,
    async () => {
      for (let i = 0; i < sesEvents.length; i += 10) {
        const r = (await tracking(asSqs(sesEvents.slice(i, i + 10)), lambdaContext('tracking'))) as { batchItemFailures?: unknown[] } | undefined;
        if (r?.batchItemFailures?.length) throw new Error(`tracking failed ${r.batchItemFailures.length} records`);
      }
    },
    'per SES event, Send then Delivery for every sent email: Delivery is one conditional UpdateItem (status, history entry and event id in one write, no read); Send for an email already sent is one eventually consistent status read and no write; the counters are one UpdateItem per batch and tenant-hour; "Email Delivered" goes on the Mailroom bus',
  );

  const deliveredBytes = dynamoItemBytes(await item(sentId));
  out.restore();
  emitResult({
    cases,
    emailItemBytes: { queued: queuedBytes, sent: sentBytes, delivered: deliveredBytes },
    laneMessageBytes: Buffer.byteLength(batches[0]![0]!.Body!),
  } satisfies AwsCallsResult);
} finally {
  out.restore();
  await eventBridge.stop();
  await stack.stop();
}
