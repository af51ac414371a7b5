/** The local stack (emulators + real handlers) as the benchmarks use it. */
import type { SQSEvent } from 'aws-lambda';
import type { Message } from '@aws-sdk/client-sqs';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '#infra/local/stack';
import { toRecords } from '#infra/local/lane-poller';
import { benchTenant, TENANT_ID } from './fixtures';

export async function startBenchStack(options: Pick<LocalStackOptions, 'runScheduler'> = {}): Promise<LocalStack & { benchKey: string }> {
  const stack = await startLocalStack({
    apiPort: 0,
    ports: { dynamodb: 0, sqs: 0, ses: 0, smtp: 0, smtpWeb: 0 },
    logLevel: 'ERROR',
    pollLanes: false,
    ...options,
  });
  // Its own tenant with limits no benchmark reaches (the seeded one has the default 50 req/s).
  const { apiKey } = await stack.createTenant(TENANT_ID, { ...benchTenant() });
  return Object.assign(stack, { benchKey: apiKey });
}

/** SQS messages as the event source mapping hands them to the sender. */
export function sqsEvent(messages: readonly Message[], queueArn: string): SQSEvent {
  return { Records: toRecords(messages, queueArn, 'bench') };
}

/** DynamoDB's item size rule: attribute name bytes plus value bytes (a close estimate for nested values). */
export function dynamoItemBytes(item: Record<string, unknown>): number {
  const value = (v: unknown): number => {
    if (v === null || v === undefined) return 1;
    if (typeof v !== 'object') return 1;
    const av = v as Record<string, unknown>;
    if ('S' in av) return Buffer.byteLength(String(av.S));
    if ('N' in av) return Math.ceil(String(av.N).replace(/^-/, '').replace('.', '').length / 2) + 1;
    if ('B' in av) return (av.B as Uint8Array).byteLength;
    if ('BOOL' in av || 'NULL' in av) return 1;
    if ('L' in av) return 3 + (av.L as unknown[]).reduce((n: number, x) => n + 1 + value(x), 0);
    if ('M' in av) return 3 + Object.entries(av.M as Record<string, unknown>).reduce((n, [k, x]) => n + 1 + Buffer.byteLength(k) + value(x), 0);
    if ('SS' in av) return (av.SS as string[]).reduce((n, s) => n + Buffer.byteLength(s), 0);
    return 1;
  };
  return Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + value(v), 0);
}
