import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { IDEMPOTENCY_TABLE, MAIN_TABLE } from '#infra/definitions';
import { ATTACHMENT_RETENTION } from '#shared/config/retention';

export interface StorageProps {
  /** Days an attachment object lives in S3 before lifecycle expiry. */
  readonly attachmentRetentionDays: number;
}

/**
 * Mailroom's stateful resources: the single table, Powertools' idempotency table, the attachments
 * bucket (+ its access-log bucket) and the unsubscribe-link signing key.
 */
export class Storage extends Construct {
  public readonly table: dynamodb.Table;
  public readonly idempotencyTable: dynamodb.Table;
  public readonly attachmentsBucket: s3.Bucket;
  public readonly accessLogsBucket: s3.Bucket;
  /** HMAC key for unsubscribe tokens: the senders sign links with it, the unsubscribe function verifies. */
  public readonly unsubscribeSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);

    this.table = new dynamodb.Table(this, 'MainTable', {
      partitionKey: { name: MAIN_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: MAIN_TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: MAIN_TABLE.ttlAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Every email, key, template and suppression lives here: kept when the stack is deleted, and
      // a delete-table call (console, CLI, a mistaken replacement) is refused until protection is lifted.
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: MAIN_TABLE.gsi1.name,
      partitionKey: { name: MAIN_TABLE.gsi1.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: MAIN_TABLE.gsi1.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    // emailList: emails only, a few immutable fields, so status writes skip it. A deployed table gets it
    // as one added index; `mailroom reconcile --backfill` moves older emails onto it.
    // pending: sparse, only emails on their way carry its keys (the reconciler's reads, shared/domain/stuck.ts).
    for (const index of [MAIN_TABLE.emailList, MAIN_TABLE.pending]) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.INCLUDE,
        nonKeyAttributes: [...index.projection],
      });
    }

    // Idempotency records live 24 h; losing them on stack deletion loses nothing of value.
    this.idempotencyTable = new dynamodb.Table(this, 'IdempotencyTable', {
      partitionKey: { name: IDEMPOTENCY_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: IDEMPOTENCY_TABLE.ttlAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      // S3 server access logging only delivers to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.attachmentsBucket = new s3.Bucket(this, 'AttachmentsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'attachments/',
      lifecycleRules: [
        {
          id: 'expire-attachments',
          expiration: Duration.days(props.attachmentRetentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        // Per-tenant retention: objects tagged with their email's retention class expire with it.
        ...ATTACHMENT_RETENTION.classes
          .filter((days) => days < props.attachmentRetentionDays)
          .map((days) => ({ id: `expire-attachments-${days}d`, tagFilters: { [ATTACHMENT_RETENTION.tagKey]: String(days) }, expiration: Duration.days(days) })),
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.unsubscribeSecret = new secretsmanager.Secret(this, 'UnsubscribeSigningKey', {
      description: 'Mailroom: HMAC key that signs List-Unsubscribe links',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.unsubscribeSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'HMAC signing key for unsubscribe links already delivered to inboxes; automatic rotation would invalidate every outstanding List-Unsubscribe link (RFC 8058 requires them to keep working). Rotate by hand only when the key is exposed, accepting that older links stop working (docs/runbook.md#rotating-the-unsubscribe-signing-key).',
    });
  }
}
