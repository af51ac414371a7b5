/**
 * Creates local tables, queues and buckets from the same definitions the CDK app uses.
 * Idempotent: existing resources are kept (local mode survives a restart).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  ResourceInUseException,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { LANE_NAMES, LANES, laneDlqName, laneQueueName, SQS_MAX_RECEIVE_COUNT, type Lane } from '#shared/config/lanes';
import { IDEMPOTENCY_TABLE, MAIN_TABLE } from '../definitions';

/**
 * Creates the tables (or keeps them); `addedPendingIndex` / `addedEmailListIndex` when an existing main
 * table got that index just now (its older emails then need their index keys: the caller backfills them).
 */
export async function createTables(
  dynamo: DynamoDBClient,
  names: { table: string; idempotencyTable: string },
): Promise<{ addedPendingIndex: boolean; addedEmailListIndex: boolean }> {
  let addedPendingIndex = false;
  let addedEmailListIndex = false;
  const tables = [
    {
      TableName: names.table,
      BillingMode: 'PAY_PER_REQUEST' as const,
      AttributeDefinitions: [
        { AttributeName: MAIN_TABLE.partitionKey, AttributeType: 'S' as const },
        { AttributeName: MAIN_TABLE.sortKey, AttributeType: 'S' as const },
        { AttributeName: MAIN_TABLE.gsi1.partitionKey, AttributeType: 'S' as const },
        { AttributeName: MAIN_TABLE.gsi1.sortKey, AttributeType: 'S' as const },
        { AttributeName: MAIN_TABLE.pending.partitionKey, AttributeType: 'S' as const },
        { AttributeName: MAIN_TABLE.pending.sortKey, AttributeType: 'S' as const },
        { AttributeName: MAIN_TABLE.emailList.partitionKey, AttributeType: 'S' as const },
        { AttributeName: MAIN_TABLE.emailList.sortKey, AttributeType: 'S' as const },
      ],
      KeySchema: [
        { AttributeName: MAIN_TABLE.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: MAIN_TABLE.sortKey, KeyType: 'RANGE' as const },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: MAIN_TABLE.gsi1.name,
          KeySchema: [
            { AttributeName: MAIN_TABLE.gsi1.partitionKey, KeyType: 'HASH' as const },
            { AttributeName: MAIN_TABLE.gsi1.sortKey, KeyType: 'RANGE' as const },
          ],
          Projection: { ProjectionType: 'ALL' as const },
        },
        PENDING_INDEX,
        EMAIL_LIST_INDEX,
      ],
    },
    {
      TableName: names.idempotencyTable,
      BillingMode: 'PAY_PER_REQUEST' as const,
      AttributeDefinitions: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, AttributeType: 'S' as const }],
      KeySchema: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, KeyType: 'HASH' as const }],
    },
  ];
  for (const table of tables) {
    try {
      await dynamo.send(new CreateTableCommand(table));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    const described = await dynamo.send(new DescribeTableCommand({ TableName: table.TableName }));
    const indexes = described.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName) ?? [];
    if (table.TableName === names.table && !indexes.includes(MAIN_TABLE.pending.name)) {
      await addIndex(dynamo, names.table, PENDING_INDEX);
      addedPendingIndex = true;
    }
    if (table.TableName === names.table && !indexes.includes(MAIN_TABLE.emailList.name)) {
      await addIndex(dynamo, names.table, EMAIL_LIST_INDEX);
      addedEmailListIndex = true;
    }
  }
  return { addedPendingIndex, addedEmailListIndex };
}

/** A main-table index that projects only the fields its definition names. */
const projectedIndex = (index: (typeof MAIN_TABLE)['emailList' | 'pending']) => ({
  IndexName: index.name,
  KeySchema: [
    { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
    { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
  ],
  Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...index.projection] },
});

const EMAIL_LIST_INDEX = projectedIndex(MAIN_TABLE.emailList);
const PENDING_INDEX = projectedIndex(MAIN_TABLE.pending);

/**
 * A data folder from before an index existed: add it. Emails from before carry no keys of it yet: the
 * caller backfills them (`DynamoEmailStore.backfillPendingIndex`, `backfillEmailList`).
 */
async function addIndex(
  dynamo: DynamoDBClient,
  tableName: string,
  index: GlobalSecondaryIndex & { IndexName: string; KeySchema: KeySchemaElement[] },
): Promise<void> {
  await dynamo.send(
    new UpdateTableCommand({
      TableName: tableName,
      AttributeDefinitions: index.KeySchema.map((k) => ({ AttributeName: k.AttributeName!, AttributeType: 'S' as const })),
      GlobalSecondaryIndexUpdates: [{ Create: index }],
    }),
  );
  for (let i = 0; i < 100; i++) {
    const out = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    if (out.Table?.GlobalSecondaryIndexes?.find((g) => g.IndexName === index.IndexName)?.IndexStatus === 'ACTIVE') return;
    await sleep(100);
  }
}

export interface LocalQueues {
  queueUrls: Record<Lane, string>;
  dlqUrls: Record<Lane, string>;
  queueArns: Record<Lane, string>;
}

export async function createQueues(sqs: SQSClient, prefix: string): Promise<LocalQueues> {
  const queueUrls = {} as Record<Lane, string>;
  const dlqUrls = {} as Record<Lane, string>;
  const queueArns = {} as Record<Lane, string>;
  for (const lane of LANE_NAMES) {
    const settings = LANES[lane];
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: laneDlqName(prefix, lane), Attributes: { MessageRetentionPeriod: '1209600' } }));
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl!, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: laneQueueName(prefix, lane),
        Attributes: {
          VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
          MessageRetentionPeriod: '1209600',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: SQS_MAX_RECEIVE_COUNT }),
        },
      }),
    );
    queueUrls[lane] = queue.QueueUrl!;
    dlqUrls[lane] = dlq.QueueUrl!;
    queueArns[lane] = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl!, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  }
  return { queueUrls, dlqUrls, queueArns };
}

export async function createBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
}
