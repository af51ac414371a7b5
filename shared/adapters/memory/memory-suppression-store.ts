import { decodeCursor, encodeCursor, isStoredAddress } from '#shared/domain/list-cursor';
import type { Lane } from '#shared/config/lanes';
import { blocksLane, type Suppression, type SuppressionReason } from '#shared/domain/suppression';
import type { SuppressionStore } from '#shared/ports/suppression-store';

/** Suppression list in memory, same semantics as the DynamoDB one (tests, benchmarks). */
export class MemorySuppressionStore implements SuppressionStore {
  readonly items = new Map<string, Suppression>();
  private key = (t: string, a: string) => `${t}#${a.toLowerCase()}`;

  async put(s: Suppression): Promise<Suppression> {
    const existing = this.items.get(this.key(s.tenantId, s.address));
    if (existing && s.scope === 'marketing') return existing;
    const stored = { ...s, address: s.address.toLowerCase() };
    this.items.set(this.key(s.tenantId, s.address), stored);
    return stored;
  }
  async get(tenantId: string, address: string) {
    return this.items.get(this.key(tenantId, address));
  }
  async list(tenantId: string, input: { limit: number; cursor?: string; reasons?: readonly SuppressionReason[] }) {
    const all = [...this.items.values()]
      .filter((s) => s.tenantId === tenantId && (!input.reasons || input.reasons.includes(s.reason)))
      .sort((a, b) => a.address.localeCompare(b.address));
    // The same cursors as the DynamoDB store: validated, an address inside.
    const from = input.cursor ? decodeCursor(input.cursor, [isStoredAddress])[0]! : undefined;
    const start = from ? all.findIndex((s) => s.address > from) : 0;
    const items = start < 0 ? [] : all.slice(start, start + input.limit);
    return start >= 0 && start + input.limit < all.length ? { items, cursor: encodeCursor([items.at(-1)!.address]) } : { items };
  }
  async delete(tenantId: string, address: string) {
    return this.items.delete(this.key(tenantId, address));
  }
  async suppressed(tenantId: string, recipients: readonly string[], lane: Lane) {
    const hits = new Set<string>();
    for (const r of recipients) {
      const s = this.items.get(this.key(tenantId, r));
      if (s && blocksLane(s, lane)) hits.add(s.address);
    }
    return hits;
  }
}
