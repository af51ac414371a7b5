import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ENV } from '#shared/config/env';
import { LANE_NAMES, LANES, type Lane } from '#shared/config/lanes';
import { OUTPUTS } from '#infra/definitions';
import { Api } from './constructs/api';
import { Console } from './constructs/console';
import { MailroomEvents } from './constructs/events';
import { Intake } from './constructs/intake';
import { Lanes } from './constructs/lanes';
import { laneJson } from './constructs/mailroom-function';
import { Observability } from './constructs/observability';
import { Reconciler } from './constructs/reconciler';
import { Scheduling } from './constructs/scheduling';
import { assertProductionReady, readSettings, type MailroomSettings } from './constructs/settings';
import { Storage } from './constructs/storage';
import { Tracking } from './constructs/tracking';
import { TraceSampling } from './constructs/trace-sampling';
import { Webhooks } from './constructs/webhooks';

export interface MailroomStackProps extends StackProps {
  /** Overrides the settings read from CDK context (tests). */
  readonly settings?: Partial<MailroomSettings>;
}

/** Mailroom: composes one construct per pipeline stage; no resources of its own besides outputs. */
export class MailroomStack extends Stack {
  public readonly settings: MailroomSettings;
  /** Re-enqueues emails stuck on their way, every minute (outbox safety net). */
  public readonly reconciler: Reconciler;
  public readonly storage: Storage;
  public readonly events: MailroomEvents;
  public readonly lanes: Lanes;
  public readonly scheduling: Scheduling;
  public readonly api: Api;
  public readonly intake: Intake;
  public readonly tracking: Tracking;
  public readonly webhooks: Webhooks;
  public readonly observability: Observability;
  public readonly console: Console;
  /** The X-Ray sampling rule of the stack's functions. */
  public readonly traceSampling?: TraceSampling;

  constructor(scope: Construct, id: string, props: MailroomStackProps = {}) {
    super(scope, id, props);
    const settings = { ...readSettings(this), ...props.settings };
    assertProductionReady(settings);
    this.settings = settings;

    this.storage = new Storage(this, 'Storage', { attachmentRetentionDays: settings.attachmentRetentionDays });
    const { table, idempotencyTable, attachmentsBucket, unsubscribeSecret } = this.storage;

    this.events = new MailroomEvents(this, 'Events', {
      intakePublishers: settings.intakePublishers,
      webhooks: settings.webhooks,
      archiveDays: settings.eventArchiveDays,
    });
    const bus = this.events.bus;

    this.lanes = new Lanes(this, 'Lanes', {
      table,
      eventBus: bus,
      unsubscribeSecret,
      attachmentsBucket,
      smtpSecretArn: settings.smtpSecretArn,
      sesEventDestination: settings.sesEventDestination && settings.profile !== 'localstack',
      sendingIdentities: settings.sendingIdentities.length > 0 ? settings.sendingIdentities : ['*'],
      criticalReservedConcurrency: settings.criticalReservedConcurrency,
      ...(settings.trackingDomain ? { trackingDomain: settings.trackingDomain } : {}),
    });
    this.scheduling = new Scheduling(this, 'Scheduling', { laneQueues: this.lanes.queues });
    const scheduler = this.scheduling.binding;

    this.api = new Api(this, 'Api', {
      table,
      idempotencyTable,
      laneQueues: this.lanes.queues,
      laneDlqs: this.lanes.dlqs,
      attachmentsBucket,
      unsubscribeSecret,
      bus,
      scheduler,
      rateLimit: settings.apiRateLimit,
      burstLimit: settings.apiBurstLimit,
      publicRouteRateLimit: settings.publicRouteRateLimit,
      publicRouteBurstLimit: settings.publicRouteBurstLimit,
      publicApiUrl: settings.publicApiUrl,
      smtpSecretArn: settings.smtpSecretArn,
    });
    for (const sender of Object.values(this.lanes.senders)) this.api.bindPublicUrl(sender);

    this.intake = new Intake(this, 'Intake', {
      bus,
      table,
      idempotencyTable,
      laneQueues: this.lanes.queues,
      attachmentsBucket,
      scheduler,
      publishers: settings.intakePublishers,
    });
    this.tracking = new Tracking(this, 'Tracking', {
      table,
      bus,
      configurationSetNames: [this.lanes.configurationSet.configurationSetName, this.lanes.marketingConfigurationSet.configurationSetName],
    });

    const laneMaxAgeSeconds = Object.fromEntries(LANE_NAMES.map((l) => [l, settings.laneMaxAgeSeconds[l] ?? LANES[l].maxAgeSeconds])) as Record<Lane, number>;
    this.webhooks = new Webhooks(this, 'Webhooks', { table, bus, apiFunction: this.api.functions.webhooks });

    this.observability = new Observability(this, 'Observability', {
      laneQueues: this.lanes.queues,
      laneDlqs: this.lanes.dlqs,
      laneMaxAgeSeconds,
      eventDlqs: {
        intake: this.intake.deadLetterQueue,
        tracking: this.tracking.deadLetterQueue,
        scheduler: this.scheduling.deadLetterQueue,
        ...(this.events.webhookDeadLetterQueue ? { webhook: this.events.webhookDeadLetterQueue } : {}),
        webhookEvents: this.webhooks.eventDeadLetterQueue,
        webhookDeliveries: this.webhooks.deliveryDeadLetterQueue,
      },
      functions: [
        this.api.authorizerFn,
        ...Object.values(this.api.functions),
        ...Object.values(this.lanes.senders),
        this.intake.fn,
        this.tracking.fn,
        this.webhooks.fanoutFn,
        this.webhooks.deliveryFn,
      ],
      api: this.api.httpApi,
      rules: [this.intake.rule, this.tracking.rule, ...this.events.webhookRules, this.webhooks.rule],
      scheduleGroupName: this.scheduling.groupName,
      tables: [table, idempotencyTable],
      ...(settings.sesDailyQuota ? { sesDailyQuota: settings.sesDailyQuota } : {}),
      ...(settings.alarmEmail ? { alarmEmail: settings.alarmEmail } : {}),
      ...(settings.pageTopicArn ? { pageTopicArn: settings.pageTopicArn } : {}),
      ...(settings.ticketTopicArn ? { ticketTopicArn: settings.ticketTopicArn } : {}),
    });

    this.reconciler = new Reconciler(this, 'Reconciler', { table, laneQueues: this.lanes.queues, alarmTopic: this.observability?.pageTopic });

    // X-Ray sampling on purpose: 1 % of invocations.
    this.traceSampling = new TraceSampling(this, 'TraceSampling');

    this.console = new Console(this, 'Console', { apiUrl: this.api.url, accessLogsBucket: this.storage.accessLogsBucket });

    new CfnOutput(this, OUTPUTS.apiUrl, { value: this.api.url, description: 'Base URL of the Mailroom HTTP API' });
    new CfnOutput(this, OUTPUTS.tableName, { value: table.tableName, description: `Main table (${ENV.TABLE_NAME})` });
    new CfnOutput(this, OUTPUTS.idempotencyTableName, { value: idempotencyTable.tableName, description: `Idempotency table (${ENV.IDEMPOTENCY_TABLE_NAME})` });
    new CfnOutput(this, OUTPUTS.laneQueueUrls, { value: laneJson(this, this.lanes.queues, (q) => q.queueUrl), description: 'JSON lane → queue URL' });
    new CfnOutput(this, OUTPUTS.laneDlqUrls, { value: laneJson(this, this.lanes.dlqs, (q) => q.queueUrl), description: 'JSON lane → DLQ URL' });
    new CfnOutput(this, OUTPUTS.eventBusName, { value: bus.eventBusName, description: 'Mailroom EventBridge bus (intake and status events)' });
    new CfnOutput(this, OUTPUTS.consoleUrl, { value: this.console.url, description: 'Operator console (CloudFront); sign in with an API key' });
  }
}
