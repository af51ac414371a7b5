import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SenderCap } from '#shared/ports/index';
import { KEYS } from './dynamodb-keys';

export const sentCapKey = (tenantId: string, sender: string, at: Date) => KEYS.senderCapSent(tenantId, sender, at.toISOString().slice(0, 13));

/** Counter items outlive their hour by a day (TTL), for inspection. */
const KEEP_SECONDS = 25 * 3600;

/**
 * SenderCap on the main table, one conditional ADD per send. The item shares its partition with
 * the ingest's accept-time cap counter (`CAP#<tenant>#<sender>#<hour>` / `CAP`) but has its own
 * sort key `SENT`: this one counts sends as they happen, on every lane.
 */
export class DynamoSenderCap implements SenderCap {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async take(tenantId: string, sender: string, at: Date, cap: number): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sentCapKey(tenantId, sender, at),
          UpdateExpression: 'ADD sent :one SET expiresAt = if_not_exists(expiresAt, :exp)',
          ConditionExpression: 'attribute_not_exists(sent) OR sent < :cap',
          ExpressionAttributeValues: { ':one': 1, ':cap': cap, ':exp': Math.floor(at.getTime() / 1000) + KEEP_SECONDS },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
