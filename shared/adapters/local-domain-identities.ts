import { randomBytes } from 'node:crypto';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { domainStatusOf, identityRecords } from '#shared/domain/sending-domain';
import type { DomainIdentities, IdentityOptions, IdentityState } from '#shared/ports/domains';
import { KEYS } from './dynamodb-keys';

interface LocalIdentity {
  readonly name: string;
  readonly dkimTokens: string[];
  readonly mailFromLabel: string;
  readonly verified: boolean;
}

const key = KEYS.localIdentity;

/**
 * Local mode's identities (the SES emulator has none): SES-shaped DKIM and MAIL FROM records with
 * random tokens, kept in the main table, pending until `mailroom domains verify <name>` marks them.
 */
export class LocalDomainIdentities implements DomainIdentities {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly region: string,
  ) {}

  private async read(name: string): Promise<LocalIdentity | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key(name), ConsistentRead: true }));
    return out.Item as LocalIdentity | undefined;
  }

  private state(identity: LocalIdentity): IdentityState {
    const status = identity.verified ? 'verified' : 'pending';
    return {
      status: domainStatusOf(status, status),
      records: identityRecords({ region: this.region, mailFromLabel: identity.mailFromLabel, dkimTokens: identity.dkimTokens, dkim: status, mailFrom: status }),
    };
  }

  async create(name: string, options: IdentityOptions): Promise<IdentityState> {
    const existing = await this.read(name);
    if (existing) return this.state(existing);
    const identity: LocalIdentity = {
      name,
      dkimTokens: Array.from({ length: 3 }, () => randomBytes(16).toString('hex')),
      mailFromLabel: options.customReturnPath,
      verified: false,
    };
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...key(name), ...identity } }));
    return this.state(identity);
  }

  async check(name: string): Promise<IdentityState> {
    const identity = await this.read(name);
    return identity ? this.state(identity) : { status: 'not_started', records: [] };
  }

  async configure(_name: string, _options: IdentityOptions): Promise<void> {}

  async delete(name: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: key(name) }));
  }

  /** What publishing the DNS records does for SES: `mailroom domains verify <name>` (local mode only). */
  async markVerified(name: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(name),
          UpdateExpression: 'SET verified = :t',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':t': true },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
