import type { Webhook, WebhookAttempt, WebhookDeliveryMessage, WebhookEventRecord } from '#shared/domain/webhook';

/** A tenant's webhooks (`TENANT#<t>` / `WEBHOOK#<id>`). */
export interface WebhookStore {
  create(webhook: Webhook): Promise<void>;
  get(tenantId: string, id: string): Promise<Webhook | undefined>;
  list(tenantId: string): Promise<Webhook[]>;
  /** Replaces the stored webhook; false when it no longer exists. */
  update(webhook: Webhook): Promise<boolean>;
  delete(tenantId: string, id: string): Promise<boolean>;
  /** Adds one to the failure streak and answers the new streak. */
  recordFailure(tenantId: string, id: string): Promise<number>;
  /** Resets the failure streak. */
  recordSuccess(tenantId: string, id: string): Promise<void>;
  /** Disables the webhook with a reason (auto-disable), if it is still enabled. */
  disable(tenantId: string, id: string, reason: string, at: string): Promise<void>;
}

/** The delivery log: events per webhook, attempts per event. */
export interface WebhookEventLog {
  /** Writes a new event; false when an event with that id exists (a redelivered fan-out). */
  putEvent(event: WebhookEventRecord): Promise<boolean>;
  getEvent(webhookId: string, eventId: string): Promise<WebhookEventRecord | undefined>;
  /** Newest first; `after` is an event id from a previous page. */
  listEvents(webhookId: string, input: { limit: number; after?: string }): Promise<{ items: WebhookEventRecord[]; hasMore: boolean }>;
  /** Saves status, attempts, budget and next attempt time. */
  saveEvent(event: WebhookEventRecord): Promise<void>;
  addAttempt(attempt: WebhookAttempt): Promise<void>;
  /** Newest first. */
  listAttempts(webhookId: string, eventId: string, input: { limit: number; after?: string }): Promise<{ items: WebhookAttempt[]; hasMore: boolean }>;
}

/** The delivery queue (SQS): one message per event and webhook. */
export interface WebhookQueue {
  enqueue(messages: readonly WebhookDeliveryMessage[]): Promise<void>;
  /** Hides a received message for `seconds` (the retry backoff). */
  changeVisibility(receiptHandle: string, seconds: number): Promise<void>;
  /** Parks a message whose retries are exhausted on the delivery DLQ. */
  sendToDlq(message: WebhookDeliveryMessage, reason: string): Promise<void>;
}

/** Per-endpoint concurrency cap: leases shared by every delivery worker. */
export interface EndpointSlots {
  /** Takes one of `cap` slots for `leaseSeconds`; undefined when all are taken. */
  acquire(webhookId: string, cap: number, leaseSeconds: number): Promise<string | undefined>;
  release(webhookId: string, token: string): Promise<void>;
}

export interface WebhookResponse {
  readonly status: number;
  readonly body: string;
}

/** POSTs a signed payload; throws on no answer (timeout, refused, address not allowed). */
export interface WebhookTransport {
  post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<WebhookResponse>;
}
