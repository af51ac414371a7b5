import { describe, expect, it } from 'vitest';
import {
  ambiguityDecision,
  appendAttempts,
  fromStored,
  MAX_ATTEMPTS_KEPT,
  pinnedProvider,
  type StoredAttempt,
  toStored,
} from '#shared/domain/provider-attempts';

const at = (t: number) => new Date(t * 1000).toISOString();
const settings = { holdSeconds: 60, deadlineSeconds: 3_600 };
const maybe = (t: number, p = 'ses'): StoredAttempt => ({ p, o: 'maybe', t, c: 'ECONNRESET' });
const no = (t: number, p = 'ses'): StoredAttempt => ({ p, o: 'no', t, c: 'ECONNREFUSED' });

describe('provider attempts on the email record', () => {
  it('stores an attempt compactly and shows it in full, with a note when the provider may have the message', () => {
    const stored = toStored({ provider: 'ses', outcome: 'ambiguous', at: at(1_000), code: 'ETIMEDOUT' });
    expect(stored).toEqual({ p: 'ses', o: 'maybe', t: 1_000, c: 'ETIMEDOUT' });
    expect(fromStored(stored)).toEqual({
      provider: 'ses',
      outcome: 'ambiguous',
      at: at(1_000),
      code: 'ETIMEDOUT',
      note: 'ses may have accepted this message: it is sent through ses only',
    });
    expect(fromStored({ p: 'smtp', o: 'ok', t: 5 })).toEqual({ provider: 'smtp', outcome: 'accepted', at: at(5) });
  });

  it(`keeps the last ${MAX_ATTEMPTS_KEPT} attempts, but never drops the first ambiguous one`, () => {
    const many = Array.from({ length: MAX_ATTEMPTS_KEPT }, (_, i) => no(100 + i));
    const kept = appendAttempts({ providerAttempts: [maybe(1), ...many] }, [{ provider: 'ses', outcome: 'refused', at: at(500) }]);
    expect(kept).toHaveLength(MAX_ATTEMPTS_KEPT);
    expect(kept[0]).toEqual(maybe(1));
    expect(kept.at(-1)).toMatchObject({ o: 'no', t: 500 });
    expect(pinnedProvider({ providerAttempts: kept })).toEqual({ provider: 'ses', since: 1 });
  });

  it('pins an email to the provider of its first ambiguous attempt, whatever came after', () => {
    expect(pinnedProvider({ providerAttempts: [no(1, 'ses'), maybe(2, 'smtp'), no(3, 'smtp')] })).toEqual({ provider: 'smtp', since: 2 });
    expect(pinnedProvider({ providerAttempts: [no(1)] })).toBeUndefined();
  });

  it.each([
    ['free without an ambiguous attempt', { providerAttempts: [no(900)], events: [] }, 1_000, false, { kind: 'free' }],
    ['held during the hold', { providerAttempts: [maybe(990)], events: [] }, 1_000, false, { kind: 'hold', provider: 'ses', seconds: 50 }],
    ['pinned after the hold', { providerAttempts: [maybe(900)], events: [] }, 1_000, false, { kind: 'pinned', provider: 'ses' }],
    [
      'settled by the acceptance event',
      { providerAttempts: [maybe(990)], events: [{ type: 'ses_accepted', at: at(991) }] },
      1_000,
      false,
      { kind: 'accepted', provider: 'ses' },
    ],
    [
      'settled by the acceptance event after a crash (no ambiguous attempt)',
      { events: [{ type: 'ses_accepted', at: at(991) }] },
      1_000,
      false,
      { kind: 'accepted', provider: 'ses' },
    ],
    [
      'left to an operator past the deadline',
      { providerAttempts: [maybe(0), no(3_500)], events: [] },
      3_600,
      false,
      { kind: 'operator', provider: 'ses', sinceSeconds: 3_600 },
    ],
    ['pinned, not held, once an operator redrove it', { providerAttempts: [maybe(0)], events: [] }, 9_000, true, { kind: 'pinned', provider: 'ses' }],
  ] as const)('%s', (_label, email, now, released, expected) => {
    expect(ambiguityDecision({ providerAttempts: [], ...email } as never, now, settings, released)).toEqual(expected);
  });
});
