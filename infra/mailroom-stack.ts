import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ENV } from '#shared/config/env';
import { LANES, type Lane } from '#shared/config/lanes';
import { OUTPUTS } from '#infra/definitions';
import { Api } from './constructs/api';
import { Console } from './constructs/console';
import { MailroomEvents } from './constructs/events';
import { Intake } from './constructs/intake';
import { Lanes } from './constructs/lanes';
import { laneJson, MailroomFunction, type SchedulerBinding, type TableSchedulerBinding } from './constructs/mailroom-function';
import { Observability } from './constructs/observability';
import { Reconciler } from './constructs/reconciler';
import { Scheduling, TableScheduling } from './constructs/scheduling';
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
  /** EventBridge Scheduler (absent in the LocalStack profile, which has `tableScheduling`). */
  public readonly scheduling!: Scheduling;
  public readonly tableScheduling?: TableScheduling;
  public readonly api: Api;
  public readonly intake: Intake;
  public readonly tracking: Tracking;
  public readonly webhooks: Webhooks;
  /** Alarms, and the dashboard with -c dashboard=true (absent in the LocalStack profile). */
  public readonly observability!: Observability;
  /** The operator console on CloudFront (absent in the LocalStack profile). */
  public readonly console!: Console;
  /** The X-Ray sampling rule of the stack's functions (absent in the LocalStack profile). */
  public readonly traceSampling?: TraceSampling;

  constructor(scope: Construct, id: string, props: MailroomStackProps = {}) {
    super(scope, id, props);
    const settings = { ...readSettings(this), ...props.settings };
    assertProductionReady(settings);
    this.settings = settings;
    // LocalStack's Free plan: REST API instead of the HTTP API, table-backed schedules instead of
    // EventBridge Scheduler, no SES configuration sets, no CloudFront console, no alarms (docs/localstack.md).
    const localstack = settings.profile === 'localstack';

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
      sesEventDestination: settings.sesEventDestination && !localstack,
      configurationSets: !localstack,
      sendingIdentities: settings.sendingIdentities.length > 0 ? settings.sendingIdentities : ['*'],
      criticalReservedConcurrency: settings.criticalReservedConcurrency,
      ...(settings.trackingDomain ? { trackingDomain: settings.trackingDomain } : {}),
    });
    let scheduler: SchedulerBinding | TableSchedulerBinding;
    if (localstack) {
      this.tableScheduling = new TableScheduling(this, 'TableScheduling', { table, laneQueues: this.lanes.queues });
      scheduler = this.tableScheduling.binding;
    } else {
      this.scheduling = new Scheduling(this, 'Scheduling', { laneQueues: this.lanes.queues });
      scheduler = this.scheduling.binding;
    }

    this.api = new Api(this, 'Api', {
      front: localstack ? 'rest' : 'http',
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
      configurationSetNames: this.lanes.configurationSetNames,
    });

    // The critical lane's backlog-age alarm always; other lanes' only when -c laneMaxAgeSeconds names them
    // (the reconciler's stuck-emails alarm watches every lane's backlog).
    const backlogAgeAlarms: Partial<Record<Lane, number>> = { critical: LANES.critical.maxAgeSeconds, ...settings.laneMaxAgeSeconds };
    this.webhooks = new Webhooks(this, 'Webhooks', { table, bus, apiFunction: this.api.functions.webhooks });

    this.reconciler = new Reconciler(this, 'Reconciler', { table, laneQueues: this.lanes.queues });

    if (!localstack)
      this.observability = new Observability(this, 'Observability', {
        laneQueues: this.lanes.queues,
        laneDlqs: this.lanes.dlqs,
        backlogAgeAlarms,
        eventDlqs: {
          intake: this.intake.deadLetterQueue,
          tracking: this.tracking.deadLetterQueue,
          scheduler: this.scheduling.deadLetterQueue,
          ...(this.events.webhookDeadLetterQueue ? { webhook: this.events.webhookDeadLetterQueue } : {}),
          webhookEvents: this.webhooks.eventDeadLetterQueue,
          webhookDeliveries: this.webhooks.deliveryDeadLetterQueue,
        },
        functionAlarms: settings.functionAlarms,
        api: this.api.httpApi,
        table,
        dashboard: settings.dashboard,
        ...(settings.sesDailyQuota ? { sesDailyQuota: settings.sesDailyQuota } : {}),
        ...(settings.alarmEmail ? { alarmEmail: settings.alarmEmail } : {}),
        ...(settings.pageTopicArn ? { pageTopicArn: settings.pageTopicArn } : {}),
        ...(settings.ticketTopicArn ? { ticketTopicArn: settings.ticketTopicArn } : {}),
      });
    if (this.observability) this.reconciler.notify(this.observability.pageTopic);

    // X-Ray sampling on purpose: 1 % of invocations (LocalStack's Free plan has no X-Ray).
    if (!localstack) this.traceSampling = new TraceSampling(this, 'TraceSampling');

    if (!localstack)
      this.console = new Console(this, 'Console', {
        apiUrl: this.api.url,
        accessLogsBucket: this.storage.accessLogsBucket,
        requireBuild: settings.profile === 'production',
      });

    const functions = this.node.findAll().filter((c): c is MailroomFunction => c instanceof MailroomFunction);
    // With -c functionAlarms=function: every function of the stack, whoever adds one, gets its own alarms.
    if (this.observability) for (const fn of functions) this.observability.watchFunction(fn);
    // Every function that publishes outbound events (it has the bus) leaves the muted types off it.
    for (const fn of functions) {
      const env = this.resolve((fn.node.defaultChild as CfnFunction).environment) as { variables?: Record<string, unknown> } | undefined;
      if (env?.variables?.[ENV.EVENT_BUS_NAME] !== undefined) fn.addEnvironment(ENV.MUTED_EVENTS, settings.mutedEvents.join(','));
    }

    new CfnOutput(this, OUTPUTS.apiUrl, { value: this.api.url, description: `Base URL of the Mailroom ${localstack ? 'REST' : 'HTTP'} API` });
    new CfnOutput(this, OUTPUTS.tableName, { value: table.tableName, description: `Main table (${ENV.TABLE_NAME})` });
    new CfnOutput(this, OUTPUTS.idempotencyTableName, { value: idempotencyTable.tableName, description: `Idempotency table (${ENV.IDEMPOTENCY_TABLE_NAME})` });
    new CfnOutput(this, OUTPUTS.laneQueueUrls, { value: laneJson(this, this.lanes.queues, (q) => q.queueUrl), description: 'JSON lane → queue URL' });
    new CfnOutput(this, OUTPUTS.laneDlqUrls, { value: laneJson(this, this.lanes.dlqs, (q) => q.queueUrl), description: 'JSON lane → DLQ URL' });
    new CfnOutput(this, OUTPUTS.eventBusName, { value: bus.eventBusName, description: 'Mailroom EventBridge bus (intake and status events)' });
    if (this.console)
      new CfnOutput(this, OUTPUTS.consoleUrl, { value: this.console.url, description: 'Operator console (CloudFront); sign in with an API key' });
  }
}
