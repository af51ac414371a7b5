/**
 * Every provider attempt of an email, kept on its record so that an ambiguous one is remembered:
 * an email a provider may already have (a timeout or a reset after the request went out) is never
 * handed to another provider — that is how duplicates are born (issue 14 §1).
 *
 * Stored compactly (`{p, o, t, c}`, epoch seconds, the last MAX_ATTEMPTS_KEPT), shown in full by
 * `GET /emails/{id}` as `provider_attempts`.
 */
import type { EmailRecord } from './email';
import type { ProviderError } from './errors';

/** accepted: the provider took it · ambiguous: it may have · refused: it certainly did not. */
export type AttemptOutcome = 'accepted' | 'ambiguous' | 'refused';

export interface ProviderAttempt {
  readonly provider: string;
  readonly outcome: AttemptOutcome;
  /** ISO 8601, when the attempt ended. */
  readonly at: string;
  /** The failure code (ECONNRESET, TooManyRequestsException, SMTP451…); absent when accepted. */
  readonly code?: string;
  /** For people reading `GET /emails/{id}`: what an ambiguous outcome means. */
  readonly note?: string;
}

/** One attempt as stored on the record. */
export interface StoredAttempt {
  readonly p: string;
  readonly o: 'ok' | 'maybe' | 'no';
  /** Epoch seconds. */
  readonly t: number;
  readonly c?: string;
}

/** Attempts kept on a record: an email that needs more is long past its attempt budget. */
export const MAX_ATTEMPTS_KEPT = 20;

const TO_STORED = { accepted: 'ok', ambiguous: 'maybe', refused: 'no' } as const;
const FROM_STORED = { ok: 'accepted', maybe: 'ambiguous', no: 'refused' } as const;

export function toStored(attempt: ProviderAttempt): StoredAttempt {
  return { p: attempt.provider, o: TO_STORED[attempt.outcome], t: Math.floor(Date.parse(attempt.at) / 1000), ...(attempt.code ? { c: attempt.code } : {}) };
}

export function fromStored(stored: StoredAttempt): ProviderAttempt {
  const outcome = FROM_STORED[stored.o] ?? 'refused';
  return {
    provider: stored.p,
    outcome,
    at: new Date(stored.t * 1000).toISOString(),
    ...(stored.c ? { code: stored.c } : {}),
    ...(outcome === 'ambiguous' ? { note: `${stored.p} may have accepted this message: it is sent through ${stored.p} only` } : {}),
  };
}

/** The record's attempts with `more` appended, oldest dropped beyond MAX_ATTEMPTS_KEPT — but never an ambiguous one. */
export function appendAttempts(email: Pick<EmailRecord, 'providerAttempts'>, more: readonly ProviderAttempt[]): StoredAttempt[] {
  const all = [...(email.providerAttempts ?? []), ...more.map(toStored)];
  if (all.length <= MAX_ATTEMPTS_KEPT) return all;
  const firstAmbiguous = all.find((a) => a.o === 'maybe');
  const tail = all.slice(-MAX_ATTEMPTS_KEPT);
  return firstAmbiguous && !tail.includes(firstAmbiguous) ? [firstAmbiguous, ...tail.slice(1)] : tail;
}

/** The attempt a failure stands for. */
export function attemptOf(error: ProviderError, at: Date): ProviderAttempt {
  return { provider: error.provider, outcome: error.ambiguous ? 'ambiguous' : 'refused', at: at.toISOString(), code: error.code };
}

export const acceptedAttempt = (provider: string, at: Date): ProviderAttempt => ({ provider, outcome: 'accepted', at: at.toISOString() });

/**
 * The provider an email is pinned to: the one of its first ambiguous attempt, with when that was.
 * Once a provider may have the message, only that provider may be asked again — a later definite
 * refusal does not undo the earlier "maybe".
 */
export function pinnedProvider(email: Pick<EmailRecord, 'providerAttempts'>): { provider: string; since: number } | undefined {
  const first = email.providerAttempts?.find((a) => a.o === 'maybe');
  return first ? { provider: first.p, since: first.t } : undefined;
}

/** Epoch seconds of the latest ambiguous attempt. */
export function lastAmbiguousAt(email: Pick<EmailRecord, 'providerAttempts'>): number | undefined {
  return email.providerAttempts?.findLast((a) => a.o === 'maybe')?.t;
}

/**
 * The provider's own word that it took the email: its acceptance event in the history (SES's
 * `Send` event, recorded by the tracking function as `ses_accepted`). Any one counts — the email
 * has not been recorded `sent`, so whichever attempt it confirms, the message is on its way.
 */
export function acceptanceEvidence(email: Pick<EmailRecord, 'events'>, provider: string): boolean {
  const type = `${provider}_accepted`;
  return email.events.some((e) => e.type === type);
}

/** The provider whose acceptance event is in the history, if any (`ses_accepted` → `ses`). */
export function acceptedBy(email: Pick<EmailRecord, 'events'>): string | undefined {
  const event = email.events.find((e) => e.type.endsWith('_accepted'));
  return event?.type.slice(0, -'_accepted'.length);
}

/** How long an email a provider may have waits, and for how long at most (issue 14 §1). */
export interface AmbiguitySettings {
  /**
   * Seconds an email waits after an ambiguous attempt before it is sent again through the same
   * provider: time for the provider's acceptance event (SES `Send`) to arrive and settle it.
   */
  readonly holdSeconds: number;
  /** Seconds after the first ambiguous attempt at which an email not yet settled is left to an operator. */
  readonly deadlineSeconds: number;
}

export type AmbiguityDecision =
  /** No ambiguous attempt: any provider may take it. */
  | { readonly kind: 'free' }
  /** A provider confirmed it took the email (its acceptance event is in the history): record `sent`, send nothing. */
  | { readonly kind: 'accepted'; readonly provider: string }
  /** Wait for the provider's word (or for the hold to pass). */
  | { readonly kind: 'hold'; readonly provider: string; readonly seconds: number }
  /** Not settled by the deadline: fail it to the DLQ with "<provider> may have it"; an operator decides. */
  | { readonly kind: 'operator'; readonly provider: string; readonly sinceSeconds: number }
  /** Send again, through this provider only. */
  | { readonly kind: 'pinned'; readonly provider: string };

/**
 * What to do with an email before a send, given its attempts. `released` = an operator redrove it
 * from the DLQ: the hold and the deadline no longer apply (the operator has decided), the pin does.
 */
export function ambiguityDecision(
  email: Pick<EmailRecord, 'providerAttempts' | 'events'>,
  nowSeconds: number,
  settings: AmbiguitySettings,
  released = false,
): AmbiguityDecision {
  // The provider's word settles it, ambiguous attempt or not: an email whose `sent` write was lost
  // (a crash after the provider took it) is not sent again once the acceptance event is in.
  const accepted = acceptedBy(email);
  if (accepted) return { kind: 'accepted', provider: accepted };
  const pin = pinnedProvider(email);
  if (!pin) return { kind: 'free' };
  if (released) return { kind: 'pinned', provider: pin.provider };
  const sinceSeconds = nowSeconds - pin.since;
  if (sinceSeconds >= settings.deadlineSeconds) return { kind: 'operator', provider: pin.provider, sinceSeconds };
  const heldFor = nowSeconds - (lastAmbiguousAt(email) ?? pin.since);
  if (heldFor < settings.holdSeconds) return { kind: 'hold', provider: pin.provider, seconds: settings.holdSeconds - heldFor };
  return { kind: 'pinned', provider: pin.provider };
}
