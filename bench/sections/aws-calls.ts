/**
 * AWS calls per email by service and operation, on the emulators, with the handlers built by their
 * real factories (infra/local/functions.ts) and every SDK client counted by middleware. Also the
 * DynamoDB capacity units each path consumed and the stored size of an email item.
 *
 * Counted as deployed on AWS, not as local mode runs: outbound events go through the real
 * EventBridge publisher (PutEvents) to a fake EventBridge on 127.0.0.1 — local mode's publisher
 * appends each event to the email's history instead, an UpdateItem AWS never does — and local
 * mode's scheduler loop (a table Query every 250 ms, EventBridge Scheduler's stand-in) is off.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { LANES } from '#shared/config/lanes';
import { ENV } from '#shared/config/env';
import { emailKey } from '#shared/adapters/dynamodb-email-store';
import { API_FUNCTIONS, createLaneSender } from '#infra/local/functions';
import { lambdaContext } from '#infra/local/api-server';
import { apiEvent } from '#test/support/api-event';
import { captureStdout, emitResult, progress, sectionArgs } from '../lib/child';
import { benchPrincipal, plainEmail } from '../lib/fixtures';
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
  readonly note?: string;
}

export interface AwsCallsResult {
  readonly cases: CallCase[];
  readonly emailItemBytes: { queued: number; sent: number };
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
    tally.start();
    await work();
    const calls = tally.stop();
    const total = Object.values(calls).reduce((a, b) => a + b, 0);
    cases.push({
      name,
      emails,
      calls,
      callsPerEmail: total / emails,
      readUnitsPerEmail: tally.readUnits / emails,
      writeUnitsPerEmail: tally.writeUnitsWithEstimates / emails,
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
    'warm container: the tenant comes from the per-container cache (one GetItem per tenant per 30 s, TENANT_CACHE_SECONDS); the rate limit and daily quota are one UpdateItem; "Email Accepted" is one PutEvents',
  );
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
    'authorizer (per API Gateway cache miss)',
    1,
    async () => {
      const r = await authorizer(
        { type: 'REQUEST', routeKey: 'POST /emails', headers: { authorization: `Bearer ${stack.benchKey}` }, requestContext: {} },
        lambdaContext('authorizer'),
      );
      if (!r?.isAuthorized) throw new Error('authorizer refused the bench key');
    },
    'API Gateway caches the answer (AUTHORIZER_CACHE_SECONDS), so this is per key per cache period, not per email',
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
  await measure(
    'sender, per email (SQS batch of ' + lane.batchSize + ')',
    sent,
    async () => {
      for (const messages of batches) {
        const r = await sender(sqsEvent(messages, stack.queues.queueArns.transactional), lambdaContext('sender'));
        if (r?.batchItemFailures?.length) throw new Error(`sender failed ${r.batchItemFailures.length} records`);
      }
    },
    'per email: SES SendEmail and the `sent` status write (a conditional UpdateItem); per batch: the claims (one PartiQL BatchExecuteStatement of conditional UPDATEs, then one consistent BatchGetItem of the claimed emails), one BatchGetItem of suppressions and one PutEvents of the "Email Sent" events; tenant (30 s) and circuit-breaker state (2 s) from per-container caches (a batch that finds the breaker cache expired reads it once per concurrent send: a GetItem each). DynamoDB Local returns no ConsumedCapacity for BatchExecuteStatement, so each claim statement is priced here like the `sent` UpdateItem on the same item, as AWS bills it',
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

  const item = async (id: string) =>
    (await stack.dynamo.send(new GetItemCommand({ TableName: stack.names.table, Key: { pk: { S: emailKey(id).pk }, sk: { S: emailKey(id).sk } } }))).Item ?? {};
  const sentId = JSON.parse(batches[0]![0]!.Body!).emailId as string;
  const queuedBytes = dynamoItemBytes(await item(firstId));
  const sentBytes = dynamoItemBytes(await item(sentId));
  out.restore();
  emitResult({
    cases,
    emailItemBytes: { queued: queuedBytes, sent: sentBytes },
    laneMessageBytes: Buffer.byteLength(batches[0]![0]!.Body!),
  } satisfies AwsCallsResult);
} finally {
  out.restore();
  await eventBridge.stop();
  await stack.stop();
}
