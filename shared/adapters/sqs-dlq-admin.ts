import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import type { Lane } from '#shared/config/lanes';
import type { DlqAdmin, DlqEntry, DlqFilter, RedriveResult } from '#shared/ports/dlq';

/**
 * - `move-task`: SQS StartMessageMoveTask (AWS; needs sqs:StartMessageMoveTask on the DLQ).
 * - `move-loop`: receive → send to the lane queue → delete, here and now (emulators without move tasks).
 * - `auto`: a move task, falling back to the loop when the endpoint does not know the action.
 */
export type RedriveStrategy = 'move-task' | 'move-loop' | 'auto';

/** Error names an SQS endpoint answers with when it does not implement an action. */
const UNSUPPORTED = new Set(['InvalidAction', 'UnsupportedOperation', 'UnknownOperationException', 'NotImplemented', 'InvalidActionException']);

/** A peek holds messages this long before handing them back (visibility reset to 0 right after). */
const PEEK_VISIBILITY_SECONDS = 30;

/**
 * Most DLQ messages one tenant-filtered list or redrive looks at: SQS cannot select by content, so
 * a tenant's view receives (and hands back) other tenants' messages; this bounds the cost of one call.
 */
export const MAX_FILTERED_SCAN = 1000;

const tenantOf = (m: Message): string => {
  try {
    const body = JSON.parse(m.Body ?? '{}') as { tenantId?: unknown };
    return typeof body.tenantId === 'string' ? body.tenantId : '';
  } catch {
    return '';
  }
};

/** Lane DLQs on SQS. */
export class SqsDlqAdmin implements DlqAdmin {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrls: Partial<Record<Lane, string>>,
    private readonly dlqUrls: Partial<Record<Lane, string>>,
    private readonly strategy: RedriveStrategy = 'auto',
  ) {}

  private url(lane: Lane, dlq: boolean): string {
    const url = (dlq ? this.dlqUrls : this.queueUrls)[lane];
    if (!url) throw new Error(`No ${dlq ? 'DLQ' : 'queue'} URL configured for lane ${lane}`);
    return url;
  }

  async list(lane: Lane, max: number, filter?: DlqFilter): Promise<DlqEntry[]> {
    const url = this.url(lane, true);
    const seen = new Map<string, Message>();
    const held: Message[] = [];
    const rounds = filter ? Math.ceil(MAX_FILTERED_SCAN / 10) : Math.ceil(max / 10) + 2;
    // SQS has no peek: receive with a short hold, then make everything visible again.
    for (let round = 0; seen.size < max && round < rounds; round++) {
      const out = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: filter ? 10 : Math.min(10, max - seen.size),
          VisibilityTimeout: PEEK_VISIBILITY_SECONDS,
          WaitTimeSeconds: round === 0 ? 1 : 0,
          MessageSystemAttributeNames: ['SentTimestamp'],
          MessageAttributeNames: ['reason'],
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) break;
      held.push(...messages);
      for (const m of messages) if (!filter || tenantOf(m) === filter.tenantId) seen.set(m.MessageId!, m);
    }
    await this.release(url, held);
    return [...seen.values()]
      .slice(0, max)
      .map(toEntry)
      .sort((a, b) => a.enqueuedAt.localeCompare(b.enqueuedAt));
  }

  /** Makes held messages visible again at once. */
  private async release(url: string, held: readonly Message[]): Promise<void> {
    for (let i = 0; i < held.length; i += 10) {
      await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: held.slice(i, i + 10).map((m, j) => ({ Id: String(i + j), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
        }),
      );
    }
  }

  async redrive(lane: Lane, filter?: DlqFilter): Promise<RedriveResult> {
    // A move task moves everything: one tenant's messages are picked out by hand.
    if (filter) return this.moveTenant(lane, filter.tenantId);
    if (this.strategy !== 'move-loop') {
      try {
        const [sourceArn, destinationArn] = await Promise.all([this.arn(this.url(lane, true)), this.arn(this.url(lane, false))]);
        const out = await this.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: destinationArn }));
        return { kind: 'move_task', taskHandle: out.TaskHandle ?? '' };
      } catch (error) {
        if (this.strategy === 'move-task' || !UNSUPPORTED.has((error as { name?: string }).name ?? '')) throw error;
      }
    }
    return { kind: 'moved', moved: await this.moveLoop(lane) };
  }

  private async arn(url: string): Promise<string> {
    const out = await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    const arn = out.Attributes?.QueueArn;
    if (!arn) throw new Error(`Queue ${url} has no ARN`);
    return arn;
  }

  /** Sends before it deletes: a crash in between leaves a duplicate message, which the send claim absorbs. */
  private async moveLoop(lane: Lane): Promise<number> {
    const from = this.url(lane, true);
    let moved = 0;
    for (;;) {
      const out = await this.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: from, MaxNumberOfMessages: 10, VisibilityTimeout: 60, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) return moved;
      moved += await this.moveBack(lane, messages);
    }
  }

  /**
   * One tenant's share of the DLQ, moved back: receive (held 60 s), move the tenant's messages, hand
   * the others back at once; at most MAX_FILTERED_SCAN messages are looked at per call.
   */
  private async moveTenant(lane: Lane, tenantId: string): Promise<RedriveResult> {
    const from = this.url(lane, true);
    const others: Message[] = [];
    let moved = 0;
    let scanned = 0;
    let complete = false;
    try {
      while (scanned < MAX_FILTERED_SCAN) {
        const out = await this.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: from, MaxNumberOfMessages: 10, VisibilityTimeout: 60, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
        );
        const messages = out.Messages ?? [];
        if (messages.length === 0) {
          complete = true;
          break;
        }
        scanned += messages.length;
        const mine = messages.filter((m) => tenantOf(m) === tenantId);
        others.push(...messages.filter((m) => tenantOf(m) !== tenantId));
        if (mine.length) moved += await this.moveBack(lane, mine);
      }
    } finally {
      await this.release(from, others);
    }
    return { kind: 'moved', moved, complete };
  }

  /** Sends received DLQ messages to the lane queue, then deletes the ones sent; throws if any could not be sent. */
  private async moveBack(lane: Lane, messages: readonly Message[]): Promise<number> {
    const from = this.url(lane, true);
    const sent = await this.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: this.url(lane, false),
        Entries: messages.map((m, i) => ({
          Id: String(i),
          MessageBody: m.Body ?? '',
          ...(m.MessageAttributes ? { MessageAttributes: m.MessageAttributes } : {}),
        })),
      }),
    );
    const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
    const done = messages.filter((_, i) => ok.has(String(i)));
    if (done.length) {
      await this.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: from, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    }
    if (done.length < messages.length)
      throw new Error(`Could not move ${messages.length - done.length} message(s) back to the ${lane} queue; run redrive again`);
    return done.length;
  }
}

function toEntry(m: Message): DlqEntry {
  let body: { emailId?: unknown; tenantId?: unknown } = {};
  try {
    body = JSON.parse(m.Body ?? '{}') as typeof body;
  } catch {
    // a malformed body is listed with empty ids
  }
  const sent = Number(m.Attributes?.SentTimestamp);
  const reason = m.MessageAttributes?.reason?.StringValue;
  return {
    messageId: m.MessageId ?? '',
    emailId: typeof body.emailId === 'string' ? body.emailId : '',
    tenantId: typeof body.tenantId === 'string' ? body.tenantId : '',
    ...(reason ? { reason } : {}),
    enqueuedAt: new Date(Number.isFinite(sent) ? sent : Date.now()).toISOString(),
  };
}
