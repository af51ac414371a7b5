import type { EmailEvent } from '#shared/domain/email';

/** A history entry stamped with the clock's time. */
export function emailEvent(type: string, at: Date, detail?: Record<string, unknown>): EmailEvent {
  return detail && Object.keys(detail).length > 0 ? { type, at: at.toISOString(), detail } : { type, at: at.toISOString() };
}
