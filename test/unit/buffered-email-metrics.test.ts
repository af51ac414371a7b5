import { describe, expect, it } from 'vitest';
import { BufferedEmailMetrics } from '#shared/adapters/buffered-email-metrics';
import { MemoryEmailMetrics } from '#shared/adapters/memory/memory-email-metrics';
import type { MetricCounts } from '#shared/ports/email-metrics';

const at = (iso: string) => new Date(iso);

describe('BufferedEmailMetrics (one counter write per tenant and hour of a batch)', () => {
  it('adds nothing until flushed, then writes each tenant-hour once with the summed counts', async () => {
    const writes: Array<{ tenantId: string; counts: MetricCounts; at: string }> = [];
    const inner = new MemoryEmailMetrics();
    const counting = {
      add: async (tenantId: string, counts: MetricCounts, when: Date) => (
        writes.push({ tenantId, counts, at: when.toISOString() }), inner.add(tenantId, counts, when)
      ),
    };
    const buffered = new BufferedEmailMetrics(counting);
    for (let i = 0; i < 10; i++) await buffered.add('acme', { sent: 1 }, at(`2030-01-01T10:0${i}:00Z`));
    await buffered.add('acme', { delivered: 1 }, at('2030-01-01T10:30:00Z'));
    await buffered.add('acme', { sent: 1 }, at('2030-01-01T11:00:00Z'));
    await buffered.add('other', { sent: 2 }, at('2030-01-01T10:00:00Z'));
    expect(writes).toEqual([]);
    expect(buffered.pending).toBe(3);
    await buffered.flush();
    expect(writes).toEqual([
      { tenantId: 'acme', counts: { sent: 10, delivered: 1 }, at: '2030-01-01T10:30:00.000Z' },
      { tenantId: 'acme', counts: { sent: 1 }, at: '2030-01-01T11:00:00.000Z' },
      { tenantId: 'other', counts: { sent: 2 }, at: '2030-01-01T10:00:00.000Z' },
    ]);
    expect(await inner.hours('acme', at('2030-01-01T00:00:00Z'), at('2030-01-02T00:00:00Z'))).toEqual([
      { hour: '2030-01-01T10', counts: { sent: 10, delivered: 1 } },
      { hour: '2030-01-01T11', counts: { sent: 1 } },
    ]);
    await buffered.flush();
    expect(writes).toHaveLength(3); // flushed buckets are gone
  });

  it('logs a failed write and goes on with the other buckets, never throwing', async () => {
    const written: string[] = [];
    const buffered = new BufferedEmailMetrics({
      add: async (tenantId) => {
        if (tenantId === 'broken') throw new Error('throttled');
        written.push(tenantId);
      },
    });
    await buffered.add('broken', { sent: 1 }, at('2030-01-01T10:00:00Z'));
    await buffered.add('fine', { sent: 1 }, at('2030-01-01T10:00:00Z'));
    await expect(buffered.flush()).resolves.toBeUndefined();
    expect(written).toEqual(['fine']);
  });
});
