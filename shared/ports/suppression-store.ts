import type { Suppression, SuppressionReason } from '#shared/domain/suppression';
import type { SuppressionCheck } from './index';

/** A tenant's suppression list; also answers the sender's SuppressionCheck. */
export interface SuppressionStore extends SuppressionCheck {
  /**
   * Adds the address. A `marketing` entry never narrows an existing `all` one; an `all` entry
   * replaces a `marketing` one. Returns the entry now stored.
   */
  put(suppression: Suppression): Promise<Suppression>;
  get(tenantId: string, address: string): Promise<Suppression | undefined>;
  /** A page by address; with `reasons`, only entries with one of them (Resend's `origin` filter). */
  list(tenantId: string, input: { limit: number; cursor?: string; reasons?: readonly SuppressionReason[] }): Promise<{ items: Suppression[]; cursor?: string }>;
  /** False when the address was not on the list. */
  delete(tenantId: string, address: string): Promise<boolean>;
}
