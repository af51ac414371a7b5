/**
 * Where the CLI points: the local stack (`.mailroom/local.json`, written by `npm start`) or a
 * deployed stack (`--stack <name>`: its CloudFormation outputs, with the caller's AWS credentials).
 */
import { existsSync, readFileSync } from 'node:fs';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { createCloudFormationClient } from '#shared/adapters/cloudformation-client';
import { ENV } from '#shared/config/env';
import type { Lane } from '#shared/config/lanes';
import { OUTPUTS } from '#infra/definitions';

export interface Target {
  readonly kind: 'local' | 'aws';
  readonly tableName: string;
  readonly idempotencyTableName?: string;
  readonly apiUrl?: string;
  readonly apiKey?: string;
  readonly queueUrls: Partial<Record<Lane, string>>;
  readonly dlqUrls: Partial<Record<Lane, string>>;
  readonly eventBusName?: string;
  /** The functions' environment (local mode), for running use cases in-process. */
  readonly env: Record<string, string>;
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const LOCAL_INFO = '.mailroom/local.json';

export async function resolveTarget(options: { stack?: string; local?: string }): Promise<Target> {
  if (options.stack) return awsTarget(options.stack);
  const path = options.local ?? LOCAL_INFO;
  if (!existsSync(path)) {
    throw new CliError(`No local stack found (${path} is missing). Start one with \`npm start\`, or pass --stack <name> for a deployed stack.`, 2);
  }
  const info = JSON.parse(readFileSync(path, 'utf8')) as {
    apiUrl: string;
    apiKey: string;
    endpoints: { dynamodb: string; sqs: string; ses: string };
    env: Record<string, string>;
  };
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'mailroom',
    AWS_SECRET_ACCESS_KEY: 'mailroom',
    AWS_ENDPOINT_URL_DYNAMODB: info.endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: info.endpoints.sqs,
    AWS_ENDPOINT_URL_S3: info.endpoints.sqs,
    AWS_ENDPOINT_URL_SESV2: info.endpoints.ses,
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR',
  });
  return {
    kind: 'local',
    tableName: info.env[ENV.TABLE_NAME]!,
    idempotencyTableName: info.env[ENV.IDEMPOTENCY_TABLE_NAME]!,
    apiUrl: info.apiUrl,
    apiKey: info.apiKey,
    queueUrls: JSON.parse(info.env[ENV.LANE_QUEUE_URLS] ?? '{}'),
    dlqUrls: JSON.parse(info.env[ENV.LANE_DLQ_URLS] ?? '{}'),
    eventBusName: info.env[ENV.EVENT_BUS_NAME],
    env: info.env,
  };
}

async function awsTarget(stackName: string): Promise<Target> {
  Object.assign(process.env, {
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR',
  });
  let outputs: Record<string, string>;
  try {
    const out = await createCloudFormationClient().send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = Object.fromEntries((out.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
  } catch (error) {
    throw new CliError(`Could not read stack ${stackName}: ${(error as Error).message}`);
  }
  const need = (key: string) => {
    const v = outputs[key];
    if (!v) throw new CliError(`Stack ${stackName} has no output ${key}; is it a Mailroom stack?`);
    return v;
  };
  const queueUrls = JSON.parse(need(OUTPUTS.laneQueueUrls));
  const dlqUrls = JSON.parse(need(OUTPUTS.laneDlqUrls));
  return {
    kind: 'aws',
    tableName: need(OUTPUTS.tableName),
    ...(outputs[OUTPUTS.idempotencyTableName] ? { idempotencyTableName: outputs[OUTPUTS.idempotencyTableName] } : {}),
    apiUrl: need(OUTPUTS.apiUrl),
    queueUrls,
    dlqUrls,
    ...(outputs[OUTPUTS.eventBusName] ? { eventBusName: outputs[OUTPUTS.eventBusName] } : {}),
    env: {
      [ENV.TABLE_NAME]: need(OUTPUTS.tableName),
      [ENV.LANE_QUEUE_URLS]: JSON.stringify(queueUrls),
      [ENV.LANE_DLQ_URLS]: JSON.stringify(dlqUrls),
      ...(outputs[OUTPUTS.eventBusName] ? { [ENV.EVENT_BUS_NAME]: outputs[OUTPUTS.eventBusName]! } : {}),
    },
  };
}
