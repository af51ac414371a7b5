import type { WebhookEventRecord } from '#shared/domain/webhook';

/** A webhook event as the fan-out writes it: `email.sent`, pending, no attempt yet, an empty payload. */
export const pendingWebhookEvent = (
  event: Pick<WebhookEventRecord, 'id' | 'webhookId' | 'tenantId' | 'createdAt'> & Partial<WebhookEventRecord>,
): WebhookEventRecord => ({
  type: 'email.sent',
  status: 'pending',
  attempts: 0,
  budgetStart: 0,
  nextAttemptAt: null,
  payload: '{}',
  expiresAt: 2_000_000_000,
  ...event,
});
