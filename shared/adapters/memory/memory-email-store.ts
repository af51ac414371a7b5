import { matchesEmail } from '#shared/domain/email-filter';
import type { EmailEvent, EmailRecord } from '#shared/domain/email';
import { CLAIMABLE, statusesBefore } from '#shared/domain/status';
import type { ProviderEventInput, ProviderEventRecorder, ProviderEventResult } from '#shared/ports/provider-events';
import { stuckFrom } from '#shared/domain/stuck';
import type { ClaimInput, ClaimManyInput, ClaimResult, EmailStore, ListEmailsInput, StuckEmail, StuckEmailStore, TransitionInput } from '#shared/ports/index';

import type { EmailListPage } from '#shared/ports/index';

const clone = <T>(v: T): T => structuredClone(v);

/** EmailStore in memory with the same conditional semantics as the DynamoDB one (tests, benchmarks). */
export class MemoryEmailStore implements EmailStore, StuckEmailStore, ProviderEventRecorder {
  readonly items = new Map<string, EmailRecord>();
  /** Provider event ids recorded per email id (DynamoEmailStore keeps them in a string set on the item). */
  readonly eventIds = new Map<string, Set<string>>();
  /** The reconciler's marks (reconciledAt, reconciles) per email id. */
  readonly reconciled = new Map<string, { at: string; next: string; count: number }>();
  /** Calls per operation, for assertions and call counting. */
  readonly calls: Record<string, number> = {};

  private count(op: string) {
    this.calls[op] = (this.calls[op] ?? 0) + 1;
  }

  async create(email: EmailRecord): Promise<void> {
    this.count('create');
    if (this.items.has(email.id)) throw new Error(`email ${email.id} exists`);
    this.items.set(email.id, clone(email));
  }

  async createMany(emails: readonly EmailRecord[]): Promise<{ failedIds: string[] }> {
    this.count('createMany');
    for (const e of emails) this.items.set(e.id, clone(e));
    return { failedIds: [] };
  }

  async get(id: string): Promise<EmailRecord | undefined> {
    this.count('get');
    const e = this.items.get(id);
    return e ? clone(e) : undefined;
  }

  async claim(id: string, input: ClaimInput): Promise<ClaimResult> {
    this.count('claim');
    return this.claimOne(id, input);
  }

  /** One call for the batch, each email claimed as `claim` would (in order, so a repeated id is leased). */
  async claimMany(inputs: readonly ClaimManyInput[]): Promise<PromiseSettledResult<ClaimResult>[]> {
    this.count('claimMany');
    return inputs.map((input) => ({ status: 'fulfilled', value: this.claimOne(input.id, input) }));
  }

  private claimOne(id: string, input: ClaimInput): ClaimResult {
    const e = this.items.get(id);
    if (!e) return { claimed: false, reason: 'missing' };
    const nowSec = Math.floor(input.now.getTime() / 1000);
    if (e.scheduleVersion !== input.scheduleVersion) return { claimed: false, reason: 'stale', email: clone(e) };
    const expiredLease = e.status === 'sending' && (e.leaseUntil ?? 0) < nowSec;
    if (!CLAIMABLE.includes(e.status) && !expiredLease) {
      return { claimed: false, reason: e.status === 'sending' ? 'leased' : 'finished', email: clone(e) };
    }
    e.status = 'sending';
    e.leaseUntil = nowSec + input.leaseSeconds;
    e.claimToken = input.token;
    e.updatedAt = input.now.toISOString();
    return { claimed: true, email: clone(e) };
  }

  async transition(id: string, input: TransitionInput): Promise<EmailRecord | undefined> {
    this.count('transition');
    const e = this.items.get(id);
    if (!e) return undefined;
    const allowed = statusesBefore(input.to).filter((s) => !input.from || input.from.includes(s));
    if (!allowed.includes(e.status)) return undefined;
    if (input.claimToken !== undefined && e.claimToken !== input.claimToken) return undefined;
    if (input.scheduleVersion !== undefined && e.scheduleVersion !== input.scheduleVersion) return undefined;
    e.status = input.to;
    if (!input.keepLastEvent) e.lastEvent = input.event.type;
    e.updatedAt = input.event.at;
    e.events = [...e.events, input.event];
    for (const [k, v] of Object.entries(input.set ?? {})) {
      if (v === undefined) delete (e as unknown as Record<string, unknown>)[k];
      else (e as unknown as Record<string, unknown>)[k] = clone(v);
    }
    return clone(e);
  }

  async appendEvent(id: string, event: EmailEvent): Promise<void> {
    this.count('appendEvent');
    const e = this.items.get(id);
    if (e) e.events = [...e.events, event];
  }

  /** Like DynamoEmailStore: one conditional change, idempotent by event id, forward only. */
  async recordProviderEvent(id: string, input: ProviderEventInput): Promise<ProviderEventResult> {
    this.count('recordProviderEvent');
    const e = this.items.get(id);
    if (!e) return { kind: 'missing' };
    if (input.onlyWhile && !input.onlyWhile.includes(e.status)) return { kind: 'skipped', status: e.status };
    const ids = this.eventIds.get(id) ?? new Set<string>();
    if (ids.has(input.eventId) || e.events.some((x) => x.detail?.ses_event_id === input.eventId)) return { kind: 'duplicate', email: clone(e) };
    if (input.deferWhile.includes(e.status)) return { kind: 'deferred', email: clone(e) };
    const move = input.to !== undefined && statusesBefore(input.to).includes(e.status);
    if (move) {
      e.status = input.to!;
      e.lastEvent = input.event.type;
      if (input.providerMessageId && e.providerMessageId === undefined) e.providerMessageId = input.providerMessageId;
    }
    e.updatedAt = input.event.at;
    e.events = [...e.events, clone(input.event)];
    this.eventIds.set(id, ids.add(input.eventId));
    return { kind: move ? 'moved' : 'appended', email: clone(e) };
  }

  /** The pending index as DynamoEmailStore keeps it: stuck-from computed from the status write. */
  private stuck(before: Date): StuckEmail[] {
    const out: StuckEmail[] = [];
    for (const e of this.items.values()) {
      const since = stuckFrom(e, new Date(e.updatedAt));
      if (!since || since.getTime() > before.getTime()) continue;
      const mark = this.reconciled.get(e.id);
      out.push({
        id: e.id,
        tenantId: e.tenantId,
        lane: e.lane,
        status: e.status,
        scheduleVersion: e.scheduleVersion,
        stuckSince: since.toISOString(),
        ...(e.scheduledAt !== undefined ? { scheduledAt: e.scheduledAt } : {}),
        ...(e.leaseUntil !== undefined ? { leaseUntil: e.leaseUntil } : {}),
        ...(mark ? { reconciledAt: mark.at, reconciles: mark.count, nextReconcileAt: mark.next } : {}),
      });
    }
    return out.sort((a, b) => a.stuckSince.localeCompare(b.stuckSince));
  }

  async findStuck(before: Date, limit: number, options: { all?: boolean } = {}): Promise<StuckEmail[]> {
    this.count('findStuck');
    const due = (e: StuckEmail) => options.all || !e.nextReconcileAt || e.nextReconcileAt <= before.toISOString();
    return this.stuck(before).filter(due).slice(0, limit);
  }

  async countStuck(at: Date, max: number): Promise<number> {
    this.count('countStuck');
    return Math.min(max, this.stuck(at).length);
  }

  async markReconciled(email: StuckEmail, at: Date, next: Date): Promise<boolean> {
    this.count('markReconciled');
    const e = this.items.get(email.id);
    const mark = this.reconciled.get(email.id);
    if (!e || e.status !== email.status || e.scheduleVersion !== email.scheduleVersion || mark?.at !== email.reconciledAt) return false;
    this.reconciled.set(email.id, { at: at.toISOString(), next: next.toISOString(), count: (mark?.count ?? 0) + 1 });
    return true;
  }

  async listByTenant(input: ListEmailsInput): Promise<EmailListPage> {
    this.count('listByTenant');
    const key = (e: Pick<EmailRecord, 'createdAt' | 'id'>) => `EMAIL#${e.createdAt}#${e.id}`;
    const forward = !input.before;
    const from = input.before ?? input.after;
    const all = [...this.items.values()]
      .filter((e) => e.tenantId === input.tenantId)
      .filter((e) => (!input.status || e.status === input.status) && (!input.lane || e.lane === input.lane))
      .filter((e) => matchesEmail(e, input))
      // Like gsi1: newest first without `before`, oldest first from `before` (the page is turned round).
      .sort((a, b) => (forward ? key(b).localeCompare(key(a)) : key(a).localeCompare(key(b))))
      .filter((e) => !from || (forward ? key(e) < key(from) : key(e) > key(from)));
    const page = all.slice(0, input.limit).map(clone);
    const hasMore = all.length > input.limit;
    const last = page.at(-1);
    if (!forward) page.reverse();
    return hasMore && last ? { emails: page, hasMore, resume: { createdAt: last.createdAt, id: last.id } } : { emails: page, hasMore };
  }
}
