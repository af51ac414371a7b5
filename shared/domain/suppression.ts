import { LANES, type Lane } from '#shared/config/lanes';

export const SUPPRESSION_REASONS = ['bounce', 'complaint', 'manual', 'unsubscribe'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/** `all` blocks every lane; `marketing` only the lanes that honour unsubscribes (LANES[l].unsubscribable). */
export const SUPPRESSION_SCOPES = ['all', 'marketing'] as const;
export type SuppressionScope = (typeof SUPPRESSION_SCOPES)[number];

/** One address on a tenant's suppression list (`TENANT#<t>` / `SUPPRESSION#<address>`). */
export interface Suppression {
  readonly tenantId: string;
  /** Bare, lower-cased address. */
  readonly address: string;
  readonly reason: SuppressionReason;
  readonly scope: SuppressionScope;
  /** The email whose bounce, complaint or unsubscribe put the address here. */
  readonly sourceEmailId?: string;
  readonly createdAt: string;
}

/** Whether a suppression entry blocks mail on this lane. */
export function blocksLane(s: Pick<Suppression, 'scope'>, lane: Lane): boolean {
  return s.scope === 'all' || LANES[lane].unsubscribable;
}
