import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { createDocumentClient } from '#shared/adapters/aws-clients';
import { createTables } from '#infra/local/bootstrap';
import { LOCAL_AWS, startDynamoDbLocal } from '#infra/local/emulators';

export interface DynamoDbLocal {
  /** http://127.0.0.1:<port>, for a client of a test's own (with LOCAL_AWS credentials). */
  endpoint: string;
  client: DynamoDBClient;
  /** The document client the adapters get as deployed (createDocumentClient). */
  doc: DynamoDBDocumentClient;
}

/**
 * DynamoDB Local (a JVM on a free port) with Mailroom's tables, for one test file: started and the
 * tables created before the file's own beforeAll hooks, stopped after its tests.
 */
export function useDynamoDbLocal(names: { table: string; idempotencyTable: string }): () => DynamoDbLocal {
  let dynamo: Awaited<ReturnType<typeof startDynamoDbLocal>> | undefined;
  let local: DynamoDbLocal | undefined;
  beforeAll(async () => {
    dynamo = await startDynamoDbLocal(0);
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: LOCAL_AWS.region,
      credentials: { accessKeyId: LOCAL_AWS.accessKeyId, secretAccessKey: LOCAL_AWS.secretAccessKey },
    });
    await createTables(client, names);
    local = { endpoint: dynamo.endpoint, client, doc: createDocumentClient(client) };
  });
  afterAll(async () => {
    local?.client.destroy();
    await dynamo?.stop();
  });
  return () => {
    if (!local) throw new Error('DynamoDB Local not started');
    return local;
  };
}
