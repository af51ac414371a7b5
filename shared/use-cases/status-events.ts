import type { EmailRecord } from '#shared/domain/email';
import { logger } from '#shared/observability/logger';
import type { EventPublisher } from '#shared/ports/index';

/**
 * Puts an "Email …" event on the Mailroom bus. Publishing is best effort: the status in the
 * table is the truth, and a lost notification must never fail or repeat a send.
 */
export async function publishStatusEvent(
  events: EventPublisher | undefined,
  email: Pick<EmailRecord, 'id' | 'tenantId' | 'lane'>,
  detailType: string,
  extra: Record<string, unknown>,
): Promise<void> {
  if (!events) return;
  try {
    await events.publish([{ detailType, detail: { id: email.id, tenant: email.tenantId, lane: email.lane, at: new Date().toISOString(), ...extra } }]);
  } catch (error) {
    logger.warn('Could not publish status event', { emailId: email.id, detailType, error: (error as Error).message });
  }
}
