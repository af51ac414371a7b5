import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { EventBus, type IEventBus } from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '#shared/config/env';
import { LANES_BY_PRIORITY, SQS_MAX_RECEIVE_COUNT, type Lane, type LaneSettings } from '#shared/config/lanes';
import { MailroomFunction, laneJson, type LaneQueues } from './mailroom-function';
import { acknowledgeWildcardResource } from './nag';

export interface LanesProps {
  readonly table: ITable;
  readonly eventBus: IEventBus;
  readonly unsubscribeSecret: secretsmanager.ISecret;
  /** Attachment bytes the senders read back to build the MIME message. */
  readonly attachmentsBucket: IBucket;
  /** Complete ARN of a Secrets Manager secret {host, port, username, password, secure} for the SMTP fallback. */
  readonly smtpSecretArn?: string;
  /** Create the configuration set's EventBridge destination (default true; LocalStack community cannot). */
  readonly sesEventDestination?: boolean;
}

/** Hardening shared by every queue Mailroom owns (lane queues, DLQs, scheduler and target DLQs). */
export const HARDENED_QUEUE: Pick<sqs.QueueProps, 'encryption' | 'enforceSSL' | 'retentionPeriod'> = {
  encryption: sqs.QueueEncryption.SQS_MANAGED,
  enforceSSL: true,
  retentionPeriod: Duration.days(14),
};

/**
 * A hardened dead-letter queue for a rule, target or schedule. It is itself the end of the line,
 * so cdk-nag's "queue without a DLQ" finding is acknowledged with the owner named.
 */
export function deadLetterQueue(scope: Construct, id: string, owner: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, { ...HARDENED_QUEUE });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This queue is the dead-letter queue of ${owner}; a DLQ has no DLQ of its own.`,
  });
  return queue;
}

/**
 * The claim lease a sender takes on an email: longer than one sender invocation (so a slow batch
 * keeps its claims) and shorter than the visibility timeout (so a redelivery after a crash finds
 * the lease expired and may re-claim).
 */
export function claimLeaseSeconds(lane: LaneSettings): number {
  const lease = lane.visibilityTimeoutSeconds - lane.senderTimeoutSeconds;
  if (lease <= lane.senderTimeoutSeconds) {
    throw new Error(`lane ${lane.name}: visibilityTimeoutSeconds must exceed twice senderTimeoutSeconds`);
  }
  return lease;
}

/** The SES request timeout: well under the sender timeout, which is well under the lease. */
export const sesTimeoutMs = (lane: LaneSettings) => Math.floor((lane.senderTimeoutSeconds * 1000) / 3);

/**
 * One SQS queue + DLQ + sender function per lane (LANES), and the SES configuration set every send
 * names, whose events go to the default EventBridge bus (the only bus SES can target).
 */
export class Lanes extends Construct {
  public readonly queues: LaneQueues;
  public readonly dlqs: LaneQueues;
  public readonly senders: Readonly<Record<Lane, MailroomFunction>>;
  public readonly configurationSet: ses.ConfigurationSet;
  public readonly configurationSetArn: string;

  constructor(scope: Construct, id: string, props: LanesProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      sendingEnabled: true,
    });
    if (props.sesEventDestination !== false) {
      this.configurationSet.addEventDestination('ToDefaultBus', {
        destination: ses.EventDestination.eventBus(EventBus.fromEventBusName(this, 'Default', 'default')),
      });
    }
    this.configurationSetArn = stack.formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });

    const queues: Partial<Record<Lane, sqs.Queue>> = {};
    const dlqs: Partial<Record<Lane, sqs.Queue>> = {};
    for (const lane of LANES_BY_PRIORITY) {
      const dlq = new sqs.Queue(this, `${pascal(lane.name)}Dlq`, { ...HARDENED_QUEUE });
      dlqs[lane.name] = dlq;
      queues[lane.name] = new sqs.Queue(this, `${pascal(lane.name)}Queue`, {
        ...HARDENED_QUEUE,
        visibilityTimeout: Duration.seconds(lane.visibilityTimeoutSeconds),
        deadLetterQueue: { queue: dlq, maxReceiveCount: SQS_MAX_RECEIVE_COUNT },
      });
    }
    this.queues = queues as LaneQueues;
    this.dlqs = dlqs as LaneQueues;

    const smtpSecret = props.smtpSecretArn ? secretsmanager.Secret.fromSecretCompleteArn(this, 'SmtpSecret', props.smtpSecretArn) : undefined;
    const queueUrls = laneJson(this, this.queues, (q) => q.queueUrl);
    const dlqUrls = laneJson(this, this.dlqs, (q) => q.queueUrl);

    const sesIdentities = stack.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' });
    const senders: Partial<Record<Lane, MailroomFunction>> = {};
    for (const lane of LANES_BY_PRIORITY) {
      const queue = this.queues[lane.name];
      const dlq = this.dlqs[lane.name];
      const sender = new MailroomFunction(this, `${pascal(lane.name)}Sender`, {
        name: 'sender',
        description: `Mailroom sender for the ${lane.name} lane`,
        timeout: Duration.seconds(lane.senderTimeoutSeconds),
        environment: {
          [ENV.LANE]: lane.name,
          [ENV.LANE_QUEUE_URLS]: queueUrls,
          [ENV.LANE_DLQ_URLS]: dlqUrls,
          [ENV.SES_CONFIGURATION_SET]: this.configurationSet.configurationSetName,
          [ENV.CLAIM_LEASE_SECONDS]: String(claimLeaseSeconds(lane)),
          [ENV.SES_TIMEOUT_MS]: String(sesTimeoutMs(lane)),
        },
      });
      sender.bindTable(props.table, 'readwrite');
      // Batch claims are PartiQL UPDATEs (BatchExecuteStatement, EmailStore.claimMany): item grants do not cover them.
      sender.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:PartiQLUpdate'], resources: [props.table.tableArn] }));
      sender.bindEventBus(props.eventBus);
      sender.bindAttachments(props.attachmentsBucket, 'read');
      sender.bindSecret(props.unsubscribeSecret, ENV.UNSUBSCRIBE_SECRET_ARN);
      if (smtpSecret) sender.bindSecret(smtpSecret, ENV.SMTP_SECRET_ARN);

      // Consume own queue (the event source grants receive/delete/change-visibility); move spent
      // mail to own DLQ; re-enqueue into any lane (lane changes, delayed retries).
      sender.addEventSource(
        new SqsEventSource(queue, {
          batchSize: lane.batchSize,
          maxConcurrency: lane.maxConcurrency,
          reportBatchItemFailures: true,
        }),
      );
      dlq.grantSendMessages(sender);
      for (const q of Object.values(this.queues)) q.grantSendMessages(sender);

      sender.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['ses:SendEmail', 'ses:SendRawEmail'],
          resources: [sesIdentities, this.configurationSetArn],
        }),
      );
      acknowledgeWildcardResource(
        sender.role!,
        sesIdentities,
        'SES authorizes SendEmail per identity; a sender sends from any verified identity (domain or address) of the tenant, which are managed outside this stack, so the grant is every identity of this account and region, plus the Mailroom configuration set.',
      );
      sender.addToRolePolicy(new iam.PolicyStatement({ actions: ['ses:GetAccount'], resources: ['*'] }));
      senders[lane.name] = sender;
    }
    this.senders = senders as Record<Lane, MailroomFunction>;
  }
}

export const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
