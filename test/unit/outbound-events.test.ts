import { describe, expect, it } from 'vitest';
import { MemoryEventPublisher } from '#shared/adapters/memory/memory-adapters';
import { MutedEventPublisher } from '#shared/adapters/muted-event-publisher';
import { ENV, ingestEnvSchema, senderEnvSchema, trackingEnvSchema } from '#shared/config/env';
import { DEFAULT_MUTED_EVENTS, isMuted, MUTABLE_DETAIL_TYPES, mutedEventRefusal, OUTBOUND_DETAIL_TYPES } from '#shared/domain/outbound-events';
import { webhookTypeOf } from '#shared/domain/webhook';

const accepted = (status: string) => ({ detailType: 'Email Accepted', detail: { id: 'e1', tenant: 't1', lane: 'transactional', status } });
const sent = { detailType: 'Email Sent', detail: { id: 'e1', tenant: 't1', lane: 'transactional', provider: 'ses' } };

describe('muted outbound events', () => {
  it('mutes "Email Accepted" by default, except a scheduled email\'s (the email.scheduled webhook event)', () => {
    const muted = new Set(DEFAULT_MUTED_EVENTS);
    expect(isMuted(muted, accepted('queued'))).toBe(true);
    expect(isMuted(muted, accepted('scheduled'))).toBe(false);
    expect(isMuted(muted, sent)).toBe(false);
    expect(isMuted(new Set(), accepted('queued'))).toBe(false);
  });

  it('lets no type be muted that a webhook event is always made of', () => {
    expect(MUTABLE_DETAIL_TYPES).toEqual(['Email Accepted']);
    for (const type of OUTBOUND_DETAIL_TYPES.filter((t) => t !== 'Email Accepted')) {
      expect(webhookTypeOf(type, {}), type).toBeDefined();
      expect(mutedEventRefusal(type), type).toMatch(/webhook event \(email\.[a-z_]+\).*always published/);
    }
    expect(mutedEventRefusal('Email Accepted')).toBeUndefined();
    expect(mutedEventRefusal('Email Teleported')).toMatch(/not an outbound detail-type/);
  });

  it('publishes what is not muted, in order, and makes no call when nothing is left', async () => {
    const inner = new MemoryEventPublisher();
    let calls = 0;
    const counting = { publish: async (e: Parameters<typeof inner.publish>[0]) => (calls++, inner.publish(e)) };
    const publisher = new MutedEventPublisher(counting, ['Email Accepted']);
    await publisher.publish([accepted('queued'), accepted('queued')]);
    expect(calls).toBe(0);
    await publisher.publish([accepted('queued'), accepted('scheduled'), sent]);
    expect(calls).toBe(1);
    expect(inner.events.map((e) => [e.detailType, e.detail.status])).toEqual([
      ['Email Accepted', 'scheduled'],
      ['Email Sent', undefined],
    ]);
  });

  it('reads the muted types from the environment of every publishing function: "Email Accepted" unless set, none when empty', () => {
    for (const schema of [ingestEnvSchema, senderEnvSchema, trackingEnvSchema]) {
      const muted = schema.pick({ [ENV.MUTED_EVENTS]: true });
      expect(muted.parse({})[ENV.MUTED_EVENTS]).toEqual(['Email Accepted']);
      expect(muted.parse({ [ENV.MUTED_EVENTS]: '' })[ENV.MUTED_EVENTS]).toEqual([]);
      expect(muted.parse({ [ENV.MUTED_EVENTS]: ' Email Accepted , ' })[ENV.MUTED_EVENTS]).toEqual(['Email Accepted']);
    }
  });
});
