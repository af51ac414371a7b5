import { Duration, SecretValue, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterQueue } from './lanes';
import type { PublisherBinding } from '#shared/domain/publishers';
import type { IntakePublisherSetting, WebhookSetting } from './settings';

/** detail-type of the intake event other services put on the Mailroom bus. */
export const EMAIL_REQUESTED = 'Email Requested';
/** `source` of the "Email …" events Mailroom itself puts on its bus (shared/adapters/eventbridge-event-publisher.ts). */
export const MAILROOM_EVENT_SOURCE = 'mailroom';

/** The account a publisher puts events from: the principal itself, or the account in its ARN. */
export const publisherAccount = (principal: string) => (/^\d{12}$/.test(principal) ? principal : principal.split(':')[4]!);

/** The bindings the intake function re-checks (its MAILROOM_INTAKE_PUBLISHERS). */
export const publisherBindings = (publishers: readonly IntakePublisherSetting[]): PublisherBinding[] =>
  publishers.map((p) => ({ account: publisherAccount(p.principal), source: p.source, tenants: [...p.tenants] }));

export interface EventsProps {
  /**
   * Who may put "Email Requested" events on the bus, with which `source`, for which tenants. Empty →
   * no bus policy: only IAM principals of this account can put events at all.
   */
  readonly intakePublishers: readonly IntakePublisherSetting[];
  /** Per-tenant webhooks: matching bus events are delivered to an HTTPS endpoint. */
  readonly webhooks: readonly WebhookSetting[];
  /** Days the bus archive keeps events for replay; 0 → no archive. */
  readonly archiveDays: number;
}

/**
 * Mailroom's own EventBridge bus: where other services request emails ("Email Requested") and
 * where Mailroom publishes what happened to them ("Email Sent", "Email Delivered", …), optionally
 * forwarded to per-tenant webhooks.
 */
export class MailroomEvents extends Construct {
  public readonly bus: events.EventBus;
  public readonly archive?: events.Archive;
  /** DLQ of webhook deliveries that exhausted their retries (absent without webhooks). */
  public readonly webhookDeadLetterQueue?: sqs.Queue;
  public readonly webhookRules: readonly events.Rule[];

  constructor(scope: Construct, id: string, props: EventsProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // `mailroom` for the stack named Mailroom; a second stack in the same account gets its own bus.
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: stack.stackName.toLowerCase() });

    // One statement per publisher: PutEvents of "Email Requested" events with its own source only,
    // so it can neither forge "Email Delivered"/"Email Bounced" (source mailroom) nor pose as
    // another publisher. Intake then checks the event's account + source against the tenant.
    props.intakePublishers.forEach((publisher, i) => {
      this.bus.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `MailroomIntakePublisher${i}`,
          actions: ['events:PutEvents'],
          resources: [this.bus.eventBusArn],
          principals: [/^\d{12}$/.test(publisher.principal) ? new iam.AccountPrincipal(publisher.principal) : new iam.ArnPrincipal(publisher.principal)],
          conditions: { StringEquals: { 'events:source': [publisher.source], 'events:detail-type': [EMAIL_REQUESTED] } },
        }),
      );
    });

    if (props.archiveDays > 0) {
      this.archive = this.bus.archive('Archive', {
        description: 'Mailroom bus events, for replay',
        eventPattern: { account: [stack.account] },
        retention: Duration.days(props.archiveDays),
      });
    }

    const rules: events.Rule[] = [];
    if (props.webhooks.length > 0) {
      const dlq = deadLetterQueue(this, 'WebhookDeadLetterQueue', 'the webhook rule targets');
      this.webhookDeadLetterQueue = dlq;
      props.webhooks.forEach((hook, i) => {
        const connection = new events.Connection(this, `WebhookConnection${i}`, {
          description: `Mailroom webhook for tenant ${hook.tenant}`,
          authorization: events.Authorization.apiKey(hook.apiKeyHeader, SecretValue.secretsManager(hook.apiKeySecretArn)),
        });
        const destination = new events.ApiDestination(this, `WebhookDestination${i}`, {
          connection,
          endpoint: hook.url,
          httpMethod: events.HttpMethod.POST,
          rateLimitPerSecond: 10,
        });
        rules.push(
          new events.Rule(this, `WebhookRule${i}`, {
            description: `Mailroom events of tenant ${hook.tenant} → webhook`,
            eventBus: this.bus,
            eventPattern: {
              // Only what Mailroom itself reported about the tenant's mail (source mailroom, from this
              // account): a publisher's event never reaches a tenant, whatever its detail-type.
              source: [MAILROOM_EVENT_SOURCE],
              account: [stack.account],
              detailType: events.Match.anythingBut(EMAIL_REQUESTED),
              detail: { tenant: [hook.tenant] },
            },
            targets: [new targets.ApiDestination(destination, { deadLetterQueue: dlq, retryAttempts: 8, maxEventAge: Duration.hours(24) })],
          }),
        );
      });
    }
    this.webhookRules = rules;
  }
}
