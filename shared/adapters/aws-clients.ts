/**
 * SDK client factories. Every client honours AWS_ENDPOINT_URL_<SERVICE>, so the same code runs
 * against the local emulators, LocalStack or AWS. Clients are traced by X-Ray when tracing is on.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { tracer } from '#shared/observability/tracer';

const traced = <T>(client: T): T => tracer.captureAWSv3Client(client as never) as T;

export function createDynamoClient(): DynamoDBClient {
  return traced(new DynamoDBClient({ requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 5_000, throwOnRequestTimeout: true }) }));
}

export function createDocumentClient(client: DynamoDBClient = createDynamoClient()): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true } });
}

export function createSqsClient(): SQSClient {
  // fauxqs queue URLs use sqs.<region>.localhost, which does not resolve on Linux; the
  // regional endpoint (or AWS_ENDPOINT_URL_SQS) is right everywhere.
  return traced(
    new SQSClient({
      useQueueUrlAsEndpoint: false,
      requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 5_000, throwOnRequestTimeout: true }),
    }),
  );
}

/**
 * SES client for sending. One attempt only: SendEmail is not idempotent, so a retry after a
 * timeout could send twice. The lane queue's backoff is the retry; the timeout is shorter than
 * the claim lease.
 */
export function createSesClient(timeoutMs = 10_000): SESv2Client {
  return traced(
    new SESv2Client({
      maxAttempts: 1,
      // Without throwOnRequestTimeout the handler only logs a warning and the call hangs past the lease.
      requestHandler: new NodeHttpHandler({ connectionTimeout: Math.min(2_000, timeoutMs), requestTimeout: timeoutMs, throwOnRequestTimeout: true }),
    }),
  );
}

export function createSchedulerClient(): SchedulerClient {
  return traced(new SchedulerClient({}));
}

export function createEventBridgeClient(): EventBridgeClient {
  return traced(new EventBridgeClient({}));
}

/**
 * An S3 client from the SDK module the caller loaded: s3-attachment-store.ts imports
 * `@aws-sdk/client-s3` with its first attachment (`import()`), so only functions that handle
 * attachments ship it, and none reads it at cold start (infra/bundling.ts splits it off).
 */
export function createS3Client(sdk: typeof import('@aws-sdk/client-s3')): S3Client {
  return traced(new sdk.S3Client({ forcePathStyle: true }));
}

export function createSecretsClient(): SecretsManagerClient {
  return traced(new SecretsManagerClient({}));
}

export function createCloudWatchClient(): CloudWatchClient {
  return traced(new CloudWatchClient({ requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 5_000 }) }));
}
