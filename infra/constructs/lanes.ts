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
import { CONFIGURATION_SET_VARIANTS, type ConfigurationSetVariant } from '#shared/domain/sending-domain';
import { LANES_BY_PRIORITY, laneQueueName, SQS_MAX_RECEIVE_COUNT, type Lane, type LaneSettings } from '#shared/config/lanes';
import { MailroomFunction, laneJson, type LaneQueues } from './mailroom-function';
import { acknowledgeResourceStar, acknowledgeWildcardResource } from './nag';

export interface LanesProps {
  readonly table: ITable;
  readonly eventBus: IEventBus;
  readonly unsubscribeSecret: secretsmanager.ISecret;
  /** Attachment bytes the senders read back to build the MIME message. */
  readonly attachmentsBucket: IBucket;
  /** Complete ARN of a Secrets Manager secret {host, port, username, password, secure} for the SMTP fallback. */
  readonly smtpSecretArn?: string;
  /** Create the configuration sets' EventBridge destinations (default true; LocalStack's Free plan cannot). */
  readonly sesEventDestination?: boolean;
  /** Create the SES configuration sets (default true; the LocalStack profile sends without one). */
  readonly configurationSets?: boolean;
  /** SES identities (domains, addresses) the senders may send from; `*` = every identity of the account. */
  readonly sendingIdentities: readonly string[];
  /** Reserved concurrency of the critical sender (0 = none). */
  readonly criticalReservedConcurrency: number;
  /** Custom redirect domain for the marketing configuration set's open/click tracking. */
  readonly trackingDomain?: string;
}

/** Lanes whose mail is never tracked (no pixel, no rewritten links: password resets, receipts). */
export const UNTRACKED_LANES: readonly Lane[] = ['critical', 'transactional'];

/** Hardening shared by every queue Mailroom owns (lane queues, DLQs, scheduler and target DLQs). */
export const HARDENED_QUEUE: Pick<sqs.QueueProps, 'encryption' | 'enforceSSL' | 'retentionPeriod'> = {
  encryption: sqs.QueueEncryption.SQS_MANAGED,
  enforceSSL: true,
  retentionPeriod: Duration.days(14),
};

/**
 * Visibility timeout of a queue an event source mapping consumes: 6 × the function timeout plus
 * the batching window, as AWS advises, so a batch that is retried by Lambda is not redelivered
 * by SQS while still in flight.
 */
export function visibilityFor(functionTimeout: Duration, maxBatchingWindow?: Duration): Duration {
  return Duration.seconds(6 * functionTimeout.toSeconds() + (maxBatchingWindow?.toSeconds() ?? 0));
}

/**
 * A hardened dead-letter queue for a queue, rule target or schedule. It is itself the end of the
 * line, so cdk-nag's "queue without a DLQ" finding is acknowledged with the owner named. Its
 * redrive-allow policy names the queues that may use it as their DLQ (`sourceQueueArns`); a DLQ of
 * rule targets or schedules only (no source queue) allows none.
 */
export function deadLetterQueue(scope: Construct, id: string, owner: string, sourceQueueArns: readonly string[] = []): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    ...HARDENED_QUEUE,
    redriveAllowPolicy:
      sourceQueueArns.length > 0
        ? {
            redrivePermission: sqs.RedrivePermission.BY_QUEUE,
            sourceQueues: sourceQueueArns.map((arn, i) => sqs.Queue.fromQueueArn(scope, `${id}Source${i}`, arn)),
          }
        : { redrivePermission: sqs.RedrivePermission.DENY_ALL },
  });
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
  /** Critical and transactional mail: no open/click tracking. (Absent with `configurationSets: false`.) */
  public readonly configurationSet!: ses.ConfigurationSet;
  /** Marketing and bulk mail: open/click tracking, optionally through a custom redirect domain. */
  public readonly marketingConfigurationSet!: ses.ConfigurationSet;
  /** The configuration set each lane sends with (empty with `configurationSets: false`). */
  public readonly configurationSets: Readonly<Partial<Record<Lane, ses.ConfigurationSet>>> = {};
  /**
   * One set per tracking × TLS variant (shared/domain/sending-domain.ts), picked per send by the
   * from-domain's options: the two lane sets stand for `untracked-optional` and `tracked-optional`.
   */
  public readonly domainConfigurationSets: Readonly<Partial<Record<ConfigurationSetVariant, ses.ConfigurationSet>>> = {};
  /** Names of the sets (tracking matches SES events on them). */
  public readonly configurationSetNames: readonly string[] = [];

  constructor(scope: Construct, id: string, props: LanesProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // Both sets suppress bounced and complaining addresses account-wide in SES (on top of
    // Mailroom's own per-tenant list) and publish their events to the default bus (the only bus
    // SES can target). SES inserts a tracking pixel and rewrites links only for a set whose event
    // destination asks for Open/Click events: the transactional set never does.
    if (props.configurationSets !== false) {
      this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
        reputationMetrics: true,
        sendingEnabled: true,
        suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      });
      this.marketingConfigurationSet = new ses.ConfigurationSet(this, 'MarketingConfigurationSet', {
        reputationMetrics: true,
        sendingEnabled: true,
        suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
        ...(props.trackingDomain ? { customTrackingRedirectDomain: props.trackingDomain, customTrackingHttpsPolicy: ses.HttpsPolicy.REQUIRE } : {}),
      });
      const domainSets: Partial<Record<ConfigurationSetVariant, ses.ConfigurationSet>> = {
        'untracked-optional': this.configurationSet,
        'tracked-optional': this.marketingConfigurationSet,
      };
      for (const variant of CONFIGURATION_SET_VARIANTS) {
        if (domainSets[variant]) continue;
        const tracked = !variant.startsWith('untracked');
        domainSets[variant] = new ses.ConfigurationSet(this, `DomainConfigurationSet${variant.split('-').map(pascal).join('')}`, {
          reputationMetrics: true,
          sendingEnabled: true,
          suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
          tlsPolicy: variant.endsWith('-tls') ? ses.ConfigurationSetTlsPolicy.REQUIRE : ses.ConfigurationSetTlsPolicy.OPTIONAL,
          ...(tracked && props.trackingDomain
            ? { customTrackingRedirectDomain: props.trackingDomain, customTrackingHttpsPolicy: ses.HttpsPolicy.REQUIRE }
            : {}),
        });
      }
      this.domainConfigurationSets = domainSets;
      if (props.sesEventDestination !== false) {
        const defaultBus = EventBus.fromEventBusName(this, 'Default', 'default');
        for (const variant of CONFIGURATION_SET_VARIANTS) {
          // Open events make SES add the pixel, Click events make it rewrite links: a variant asks for what it tracks.
          const events = Object.values(ses.EmailSendingEvent).filter(
            (e) =>
              (e !== ses.EmailSendingEvent.OPEN || variant.startsWith('opens') || variant.startsWith('tracked')) &&
              (e !== ses.EmailSendingEvent.CLICK || variant.startsWith('clicks') || variant.startsWith('tracked')),
          );
          domainSets[variant]!.addEventDestination('ToDefaultBus', { destination: ses.EventDestination.eventBus(defaultBus), events });
        }
      }
      this.configurationSets = Object.fromEntries(
        LANES_BY_PRIORITY.map((l) => [l.name, UNTRACKED_LANES.includes(l.name) ? this.configurationSet : this.marketingConfigurationSet]),
      ) as Record<Lane, ses.ConfigurationSet>;
      this.configurationSetNames = CONFIGURATION_SET_VARIANTS.map((v) => domainSets[v]!.configurationSetName);
    }
    const configurationSetArn = (set: ses.ConfigurationSet) =>
      stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: set.configurationSetName });

    const queues: Partial<Record<Lane, sqs.Queue>> = {};
    const dlqs: Partial<Record<Lane, sqs.Queue>> = {};
    for (const lane of LANES_BY_PRIORITY) {
      // Named after the stack (Mailroom-critical, …, like local mode's queues) so the DLQ's
      // redrive-allow policy can name its source queue without a reference cycle.
      const queueName = laneQueueName(stack.stackName, lane.name);
      const dlq = new sqs.Queue(this, `${pascal(lane.name)}Dlq`, {
        ...HARDENED_QUEUE,
        redriveAllowPolicy: {
          redrivePermission: sqs.RedrivePermission.BY_QUEUE,
          sourceQueues: [sqs.Queue.fromQueueArn(this, `${pascal(lane.name)}DlqSource`, stack.formatArn({ service: 'sqs', resource: queueName }))],
        },
      });
      dlqs[lane.name] = dlq;
      queues[lane.name] = new sqs.Queue(this, `${pascal(lane.name)}Queue`, {
        ...HARDENED_QUEUE,
        queueName,
        visibilityTimeout: Duration.seconds(lane.visibilityTimeoutSeconds),
        deadLetterQueue: { queue: dlq, maxReceiveCount: SQS_MAX_RECEIVE_COUNT },
      });
    }
    this.queues = queues as LaneQueues;
    this.dlqs = dlqs as LaneQueues;

    const smtpSecret = props.smtpSecretArn ? secretsmanager.Secret.fromSecretCompleteArn(this, 'SmtpSecret', props.smtpSecretArn) : undefined;
    const queueUrls = laneJson(this, this.queues, (q) => q.queueUrl);
    const dlqUrls = laneJson(this, this.dlqs, (q) => q.queueUrl);

    const domainSetNames = stack.toJsonString(
      Object.fromEntries(Object.entries(this.domainConfigurationSets).map(([variant, set]) => [variant, set.configurationSetName])),
    );
    const sesIdentities = props.sendingIdentities.map((identity) => stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }));
    const senders: Partial<Record<Lane, MailroomFunction>> = {};
    for (const lane of LANES_BY_PRIORITY) {
      const queue = this.queues[lane.name];
      const dlq = this.dlqs[lane.name];
      const sender = new MailroomFunction(this, `${pascal(lane.name)}Sender`, {
        name: 'sender',
        description: `Mailroom sender for the ${lane.name} lane`,
        timeout: Duration.seconds(lane.senderTimeoutSeconds),
        // Critical mail keeps its own share of the account's concurrency: an API spike or a bulk
        // drain cannot starve it (at least its event source mapping's MaximumConcurrency).
        ...(lane.name === 'critical' && props.criticalReservedConcurrency > 0
          ? { reservedConcurrentExecutions: Math.max(props.criticalReservedConcurrency, lane.maxConcurrency) }
          : {}),
        environment: {
          [ENV.LANE]: lane.name,
          [ENV.LANE_QUEUE_URLS]: queueUrls,
          [ENV.LANE_DLQ_URLS]: dlqUrls,
          ...(this.configurationSets[lane.name] ? { [ENV.SES_CONFIGURATION_SET]: this.configurationSets[lane.name]!.configurationSetName } : {}),
          ...(this.configurationSets[lane.name] ? { [ENV.SES_DOMAIN_CONFIGURATION_SETS]: domainSetNames } : {}),
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
          ...(lane.maxBatchingWindowSeconds > 0 ? { maxBatchingWindow: Duration.seconds(lane.maxBatchingWindowSeconds) } : {}),
          reportBatchItemFailures: true,
        }),
      );
      dlq.grantSendMessages(sender);
      for (const q of Object.values(this.queues)) q.grantSendMessages(sender);

      // SES authorizes a send on the identity and on the configuration set it names.
      sender.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['ses:SendEmail', 'ses:SendRawEmail'],
          resources: [...sesIdentities, ...Object.values(this.domainConfigurationSets).map(configurationSetArn)],
        }),
      );
      if (props.sendingIdentities.includes('*')) {
        acknowledgeWildcardResource(
          sender.role!,
          sesIdentities[props.sendingIdentities.indexOf('*')]!,
          "Every verified SES identity of this account and region: the operator chose -c sendingIdentities='*', or synthesized a development/LocalStack profile without identities (a production synth requires them; docs/deploy.md).",
        );
      }
      sender.addToRolePolicy(new iam.PolicyStatement({ actions: ['ses:GetAccount'], resources: ['*'] }));
      acknowledgeResourceStar(sender.role!, "ses:GetAccount (the account's send quota and rate, for pacing)");
      senders[lane.name] = sender;
    }
    this.senders = senders as Record<Lane, MailroomFunction>;
  }
}

export const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
