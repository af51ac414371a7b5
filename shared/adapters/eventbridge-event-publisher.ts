import { ENV } from '#shared/config/env';
import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { logger } from '#shared/observability/logger';
import { redactAddress, type RecipientLogging } from '#shared/observability/redact';
import type { EventPublisher, MailroomEvent, TenantStore } from '#shared/ports/index';
import { createEventBridgeClient, createSqsClient } from './aws-clients';
import { type LocalEventLog, type LoggedEvent, localEventLog } from './local-event-log';
import { MutedEventPublisher } from './muted-event-publisher';
import { QueueCopyEventPublisher } from './queue-copy-event-publisher';
import { SubscriptionFlagEventPublisher } from './subscription-flag-event-publisher';

/** `source` of every event Mailroom puts on its bus. */
export const EVENT_SOURCE = 'mailroom';
/** PutEvents takes at most 10 entries per call. */
const BATCH = 10;

/** The detail as it leaves Mailroom: recipients masked or hashed as configured, a timestamp always. */
export function outboundDetail(detail: Record<string, unknown>, mode: RecipientLogging, now: () => Date = () => new Date()): Record<string, unknown> {
  const out: Record<string, unknown> = { ...detail, at: typeof detail.at === 'string' ? detail.at : now().toISOString() };
  if (Array.isArray(detail.recipients)) out.recipients = detail.recipients.map((r) => redactAddress(String(r), mode));
  return out;
}

/** Outbound "Email …" events: PutEvents on the Mailroom bus, source `mailroom`, batches of 10. */
export class EventBridgeEventPublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly recipientLogging: RecipientLogging = 'mask',
  ) {}

  async publish(events: readonly MailroomEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH) {
      let entries: PutEventsRequestEntry[] = events.slice(i, i + BATCH).map((e) => ({
        EventBusName: this.busName,
        Source: EVENT_SOURCE,
        DetailType: e.detailType,
        Detail: JSON.stringify(outboundDetail(e.detail, this.recipientLogging)),
      }));
      // Entries can fail one by one (throttling); retry those once, then report.
      for (let attempt = 0; attempt < 2 && entries.length > 0; attempt++) {
        const out = await this.client.send(new PutEventsCommand({ Entries: entries }));
        if (!out.FailedEntryCount) {
          entries = [];
          break;
        }
        entries = entries.filter((_, j) => out.Entries?.[j]?.ErrorCode);
      }
      if (entries.length > 0) throw new Error(`${entries.length} event(s) could not be put on ${this.busName}`);
    }
  }
}

/**
 * Local mode's bus (no EventBridge emulator exists): prints each event and appends it to the event
 * log (shared/adapters/local-event-log.ts: in memory, and `.mailroom/events.log` under `npm start`).
 * It writes nothing to the table: the email's history holds what AWS puts there, nothing more.
 */
export class LocalEventPublisher implements EventPublisher {
  constructor(
    private readonly log: LocalEventLog = localEventLog,
    private readonly recipientLogging: RecipientLogging = 'mask',
    private readonly print: (line: string) => void = (line) => console.log(line),
  ) {}

  /** What this publisher's log holds (the newest events of the local process). */
  get published(): readonly LoggedEvent[] {
    return this.log.all();
  }

  async publish(events: readonly MailroomEvent[]): Promise<void> {
    for (const e of events) {
      const detail = outboundDetail(e.detail, this.recipientLogging);
      this.log.append({ detailType: e.detailType, detail, time: new Date().toISOString() });
      this.print(`[mailroom events] ${e.detailType} ${JSON.stringify(detail)}`);
    }
  }
}

/**
 * The publisher a function's config asks for: EventBridge (AWS, LocalStack) or the local one, less
 * the muted types, each event marked when a webhook of its tenant subscribes to it (`tenants`: the
 * function's tenant cache).
 */
export function createEventPublisher(
  config: {
    busName?: string | undefined;
    mode: 'eventbridge' | 'local';
    recipientLogging: RecipientLogging;
    webhookEventQueueUrl?: string | undefined;
    /** Detail-types left off the bus (shared/domain/outbound-events.ts); none when absent. */
    muted?: readonly string[] | undefined;
  },
  tenants: Pick<TenantStore, 'get'>,
): EventPublisher | undefined {
  const base = basePublisher(config);
  const publisher = base && new SubscriptionFlagEventPublisher(base, tenants);
  return publisher && config.muted?.length ? new MutedEventPublisher(publisher, config.muted) : publisher;
}

function basePublisher(config: Parameters<typeof createEventPublisher>[0]): EventPublisher | undefined {
  if (config.mode === 'local') {
    const local = new LocalEventPublisher(localEventLog, config.recipientLogging);
    // Local mode has no EventBridge rule to feed the webhook fan-out queue: copy each event there.
    return config.webhookEventQueueUrl ? new QueueCopyEventPublisher(local, createSqsClient(), config.webhookEventQueueUrl, config.recipientLogging) : local;
  }
  if (!config.busName) {
    logger.debug('No event bus configured; outbound events are off');
    return undefined;
  }
  return new EventBridgeEventPublisher(createEventBridgeClient(), config.busName, config.recipientLogging);
}

/** The event publisher a function's parsed environment names (bus, mode, recipient logging, webhook queue, muted types), marking by `tenants`. */
export function eventPublisherFromEnv(
  config: {
    readonly [ENV.EVENT_BUS_NAME]?: string | undefined;
    readonly [ENV.EVENT_PUBLISHER]: 'eventbridge' | 'local';
    readonly [ENV.RECIPIENT_LOGGING]: RecipientLogging;
    readonly [ENV.WEBHOOK_EVENT_QUEUE_URL]?: string | undefined;
    readonly [ENV.MUTED_EVENTS]?: readonly string[] | undefined;
  },
  tenants: Pick<TenantStore, 'get'>,
): EventPublisher | undefined {
  return createEventPublisher(
    {
      busName: config[ENV.EVENT_BUS_NAME],
      mode: config[ENV.EVENT_PUBLISHER],
      recipientLogging: config[ENV.RECIPIENT_LOGGING],
      webhookEventQueueUrl: config[ENV.WEBHOOK_EVENT_QUEUE_URL],
      muted: config[ENV.MUTED_EVENTS],
    },
    tenants,
  );
}
