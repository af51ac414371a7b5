import { Duration, SecretValue, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterQueue } from './lanes';
import type { WebhookSetting } from './settings';

/** detail-type of the intake event other services put on the Mailroom bus. */
export const EMAIL_REQUESTED = 'Email Requested';

export interface EventsProps {
  /** Account ids or IAM role/user ARNs allowed to put events on the bus; empty → this account only. */
  readonly intakePrincipals: readonly string[];
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

    const principals =
      props.intakePrincipals.length > 0
        ? props.intakePrincipals.map((p) => (/^\d{12}$/.test(p) ? new iam.AccountPrincipal(p) : new iam.ArnPrincipal(p)))
        : [new iam.AccountRootPrincipal()];
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'MailroomIntakePublishers',
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        principals,
      }),
    );

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
              // Everything Mailroom reports about the tenant's mail, not the tenant's own requests.
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
