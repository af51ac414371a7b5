import type { Webhook, WebhookAttempt, WebhookDeliveryMessage, WebhookEventRecord } from '#shared/domain/webhook';
import type { EndpointSlots, WebhookEventLog, WebhookQueue, WebhookStore } from '#shared/ports/webhooks';

/** Webhook ports in memory (tests). */
export class MemoryWebhookStore implements WebhookStore {
  readonly items = new Map<string, Webhook>();
  async create(w: Webhook) {
    this.items.set(w.id, structuredClone(w));
  }
  async get(tenantId: string, id: string) {
    const w = this.items.get(id);
    return w?.tenantId === tenantId ? structuredClone(w) : undefined;
  }
  async list(tenantId: string) {
    return [...this.items.values()].filter((w) => w.tenantId === tenantId).map((w) => structuredClone(w));
  }
  async update(w: Webhook) {
    if (this.items.get(w.id)?.tenantId !== w.tenantId) return false;
    this.items.set(w.id, structuredClone(w));
    return true;
  }
  async delete(tenantId: string, id: string) {
    return this.items.get(id)?.tenantId === tenantId && this.items.delete(id);
  }
  async recordFailure(tenantId: string, id: string) {
    const w = this.items.get(id);
    if (w?.tenantId !== tenantId) return 0;
    const streak = (w.failureStreak ?? 0) + 1;
    this.items.set(id, { ...w, failureStreak: streak });
    return streak;
  }
  async recordSuccess(tenantId: string, id: string) {
    const w = this.items.get(id);
    if (w?.tenantId === tenantId) this.items.set(id, { ...w, failureStreak: 0 });
  }
  async disable(tenantId: string, id: string, reason: string, at: string) {
    const w = this.items.get(id);
    if (w?.tenantId === tenantId && w.status === 'enabled') this.items.set(id, { ...w, status: 'disabled', disabledReason: reason, updatedAt: at });
  }
}

export class MemoryWebhookEventLog implements WebhookEventLog {
  readonly events = new Map<string, WebhookEventRecord>();
  readonly attempts: WebhookAttempt[] = [];
  async putEvent(e: WebhookEventRecord) {
    if (this.events.has(e.id)) return false;
    this.events.set(e.id, structuredClone(e));
    return true;
  }
  async getEvent(webhookId: string, eventId: string) {
    const e = this.events.get(eventId);
    return e?.webhookId === webhookId ? structuredClone(e) : undefined;
  }
  async listEvents(webhookId: string, input: { limit: number; after?: string }) {
    const all = [...this.events.values()].filter((e) => e.webhookId === webhookId).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const start = input.after ? all.findIndex((e) => e.id === input.after) + 1 : 0;
    return { items: all.slice(start, start + input.limit).map((e) => structuredClone(e)), hasMore: start + input.limit < all.length };
  }
  async saveEvent(e: WebhookEventRecord) {
    this.events.set(e.id, structuredClone(e));
  }
  async addAttempt(a: WebhookAttempt) {
    this.attempts.push(a);
  }
  async listAttempts(webhookId: string, eventId: string, input: { limit: number; after?: string }) {
    const all = this.attempts.filter((a) => a.webhookId === webhookId && a.eventId === eventId).sort((a, b) => b.n - a.n);
    const start = input.after ? all.findIndex((a) => a.id === input.after) + 1 : 0;
    return { items: all.slice(start, start + input.limit), hasMore: start + input.limit < all.length };
  }
}

export class MemoryWebhookQueue implements WebhookQueue {
  readonly messages: WebhookDeliveryMessage[] = [];
  readonly dlq: Array<WebhookDeliveryMessage & { reason: string }> = [];
  readonly visibility: Array<{ receiptHandle: string; seconds: number }> = [];
  async enqueue(messages: readonly WebhookDeliveryMessage[]) {
    this.messages.push(...messages);
  }
  async changeVisibility(receiptHandle: string, seconds: number) {
    this.visibility.push({ receiptHandle, seconds });
  }
  async sendToDlq(message: WebhookDeliveryMessage, reason: string) {
    this.dlq.push({ ...message, reason });
  }
}

export class MemoryEndpointSlots implements EndpointSlots {
  readonly held = new Map<string, Set<string>>();
  private next = 0;
  async acquire(webhookId: string, cap: number) {
    const set = this.held.get(webhookId) ?? new Set<string>();
    this.held.set(webhookId, set);
    if (set.size >= cap) return undefined;
    const token = `slot-${++this.next}`;
    set.add(token);
    return token;
  }
  async release(webhookId: string, token: string) {
    this.held.get(webhookId)?.delete(token);
  }
}
