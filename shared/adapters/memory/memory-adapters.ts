import type { Lane } from '#shared/config/lanes';
import type { ApiKeyRecord } from '#shared/domain/api-key';
import type { LaneMessage } from '#shared/domain/email';
import type { Tenant } from '#shared/domain/tenant';
import type {
  ApiKeyStore,
  EnqueueOptions,
  EventPublisher,
  LaneQueue,
  LaneStats,
  MailProvider,
  MailroomEvent,
  OutgoingMail,
  QueuedMessage,
  SenderCap,
  SendScheduler,
  TenantStore,
} from '#shared/ports/index';

/** Lane queues in memory: what was enqueued, delayed, moved to a DLQ. */
export class MemoryLaneQueue implements LaneQueue {
  readonly sent: Array<{ lane: Lane; message: LaneMessage; delaySeconds?: number }> = [];
  readonly dlq: Array<{ lane: Lane; message: LaneMessage; reason: string }> = [];
  readonly visibility: Array<{ lane: Lane; receiptHandle: string; seconds: number }> = [];
  /** Make the next N enqueue calls fail (fault injection). */
  failNext = 0;

  async enqueue(lane: Lane, message: LaneMessage, options: EnqueueOptions = {}): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('SQS is unavailable (injected)');
    }
    this.sent.push({ lane, message, ...(options.delaySeconds !== undefined ? { delaySeconds: options.delaySeconds } : {}) });
  }

  async enqueueMany(lane: Lane, messages: readonly QueuedMessage[]): Promise<{ failedIds: string[] }> {
    for (const m of messages) await this.enqueue(lane, m.body, m.delaySeconds !== undefined ? { delaySeconds: m.delaySeconds } : {});
    return { failedIds: [] };
  }

  async changeVisibility(lane: Lane, receiptHandle: string, seconds: number): Promise<void> {
    this.visibility.push({ lane, receiptHandle, seconds });
  }

  async sendToDlq(lane: Lane, message: LaneMessage, reason: string): Promise<void> {
    this.dlq.push({ lane, message, reason });
  }

  async stats(lane: Lane): Promise<LaneStats> {
    return { depth: this.sent.filter((s) => s.lane === lane).length, inFlight: 0, delayed: 0, dlqDepth: this.dlq.filter((d) => d.lane === lane).length };
  }
}

/** A provider that records what it was asked to send; can be told to fail. */
export class MemoryMailProvider implements MailProvider {
  readonly sent: OutgoingMail[] = [];
  private failures: Error[] = [];

  constructor(readonly name: string = 'ses') {}

  /** The next sends throw these errors, in order. */
  failWith(...errors: Error[]): this {
    this.failures.push(...errors);
    return this;
  }

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sent.push(mail);
    return { messageId: `${this.name}-${this.sent.length}` };
  }
}

export class MemoryApiKeyStore implements ApiKeyStore {
  readonly items = new Map<string, ApiKeyRecord>();
  async getByHash(hash: string) {
    return this.items.get(hash);
  }
  async put(record: ApiKeyRecord) {
    this.items.set(record.hash, { ...record });
  }
  async listByTenant(tenantId: string) {
    return [...this.items.values()].filter((k) => k.tenantId === tenantId);
  }
  async revoke(hash: string, at: string) {
    const k = this.items.get(hash);
    if (!k || k.revokedAt) return false;
    k.revokedAt = at;
    return true;
  }
  async recordUse(hash: string, at: string) {
    const k = this.items.get(hash);
    if (k && !(k.lastUsedAt && k.lastUsedAt >= at)) this.items.set(hash, { ...k, lastUsedAt: at });
  }
}

export class MemoryTenantStore implements TenantStore {
  readonly items = new Map<string, Tenant>();
  async get(id: string) {
    return this.items.get(id);
  }
  async put(tenant: Tenant) {
    this.items.set(tenant.id, { ...tenant });
  }
}

export class MemoryEventPublisher implements EventPublisher {
  readonly events: MailroomEvent[] = [];
  async publish(events: readonly MailroomEvent[]) {
    this.events.push(...events);
  }
}

/** Per-sender hourly counters in memory (same semantics as DynamoSenderCap). */
export class MemorySenderCap implements SenderCap {
  readonly counts = new Map<string, number>();
  async take(tenantId: string, sender: string, at: Date, cap: number): Promise<boolean> {
    const key = `${tenantId}#${sender.toLowerCase()}#${at.toISOString().slice(0, 13)}`;
    const used = this.counts.get(key) ?? 0;
    if (used >= cap) return false;
    this.counts.set(key, used + 1);
    return true;
  }
}

/** Schedules in memory: what is scheduled, when, with which message. */
export class MemorySendScheduler implements SendScheduler {
  readonly schedules = new Map<string, { lane: Lane; at: Date; message: LaneMessage }>();
  readonly calls: Array<{ op: 'schedule' | 'reschedule' | 'cancel'; emailId: string }> = [];
  async schedule(input: { emailId: string; lane: Lane; at: Date; message: LaneMessage }): Promise<void> {
    this.calls.push({ op: 'schedule', emailId: input.emailId });
    this.schedules.set(input.emailId, { lane: input.lane, at: input.at, message: input.message });
  }
  async reschedule(input: { emailId: string; lane: Lane; at: Date; message: LaneMessage }): Promise<void> {
    this.calls.push({ op: 'reschedule', emailId: input.emailId });
    this.schedules.set(input.emailId, { lane: input.lane, at: input.at, message: input.message });
  }
  async cancel(emailId: string): Promise<void> {
    this.calls.push({ op: 'cancel', emailId });
    this.schedules.delete(emailId);
  }
}
