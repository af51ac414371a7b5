import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryEventPublisher, MemoryLaneQueue, MemoryTenantStore } from '#shared/adapters/memory/memory-adapters';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import { createMemoryIdempotency } from '#shared/adapters/powertools-idempotency';
import { DEFAULT_LIMITS } from '#shared/domain/tenant';
import { systemClock } from '#shared/ports/index';
import type { AcceptEmailDeps } from '#shared/use-cases/accept-email';
import { makeIntakeHandler } from '#functions/intake/app';
import { lambdaContext } from '#test/support/api-event';
import { MemoryRateLimiter } from '#shared/adapters/memory/memory-rate-limiter';

const requested = (detail: Record<string, unknown>, id = 'evt-1') => ({
  version: '0',
  id,
  'detail-type': 'Email Requested',
  source: 'billing-service',
  account: '123456789012',
  time: '2024-05-01T10:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail,
});
const detail = { tenant: 'acme', from: 'Acme <hello@acme.test>', to: 'ada@example.org', subject: 'Invoice', html: '<p>Attached</p>' };

describe('intake handler ("Email Requested" on the Mailroom bus)', () => {
  let deps: AcceptEmailDeps & { emails: MemoryEmailStore; queue: MemoryLaneQueue; events: MemoryEventPublisher };
  let ids = 0;

  beforeEach(async () => {
    ids = 0;
    const tenants = new MemoryTenantStore();
    const now = new Date().toISOString();
    await tenants.put({ id: 'acme', allowedSenders: ['acme.test'], retentionDays: 30, limits: DEFAULT_LIMITS, createdAt: now, updatedAt: now });
    deps = {
      emails: new MemoryEmailStore(),
      queue: new MemoryLaneQueue(),
      events: new MemoryEventPublisher(),
      tenants,
      rateLimiter: new MemoryRateLimiter(),
      idempotency: createMemoryIdempotency(),
      clock: systemClock,
      newId: () => `email-${++ids}`,
      defaultRetentionDays: 30,
    };
  });

  it('accepts the event once even when EventBridge delivers it twice (key: the event id)', async () => {
    const handler = makeIntakeHandler(deps);
    const first = await handler(requested(detail), lambdaContext());
    const second = await handler(requested(detail), lambdaContext());
    expect(first).toEqual({ status: 'accepted', id: 'email-1' });
    expect(second).toEqual(first);
    expect(deps.emails.items.size).toBe(1);
    expect(deps.queue.sent).toHaveLength(1);
    expect(deps.events.events.filter((e) => e.detailType === 'Email Accepted')).toHaveLength(1);
  });

  it('uses detail.idempotencyKey across different event ids', async () => {
    const handler = makeIntakeHandler(deps);
    await handler(requested({ ...detail, idempotencyKey: 'invoice-42' }, 'evt-a'));
    await handler(requested({ ...detail, idempotencyKey: 'invoice-42' }, 'evt-b'));
    expect(deps.emails.items.size).toBe(1);
  });

  it('honours detail.lane like the Mailroom-Lane header', async () => {
    await makeIntakeHandler(deps)(requested({ ...detail, lane: 'critical' }));
    expect([...deps.emails.items.values()][0]!.lane).toBe('critical');
  });

  it('records an invalid event and returns normally instead of throwing (no endless retries)', async () => {
    const out = await makeIntakeHandler(deps)(requested({ ...detail, to: 'not an address' }));
    expect(out).toMatchObject({ status: 'rejected', name: 'validation_error' });
    expect(deps.emails.items.size).toBe(0);
  });

  it('refuses an unknown tenant, a sender the tenant may not use, and a malformed envelope without throwing', async () => {
    const handler = makeIntakeHandler(deps);
    expect(await handler(requested({ ...detail, tenant: 'ghost' }))).toMatchObject({ status: 'rejected' });
    expect(await handler(requested({ ...detail, from: 'x@evil.test' }))).toMatchObject({ status: 'rejected', name: 'invalid_from_address' });
    expect(await handler({ 'detail-type': 'Email Requested' })).toMatchObject({ status: 'rejected' });
  });

  it('throws when a dependency fails, so the intake queue redelivers the event and then dead-letters it', async () => {
    deps.queue.failNext = 1;
    await expect(makeIntakeHandler(deps)(requested(detail, 'evt-sqs-down'))).rejects.toThrow();
    // The retry of the same event succeeds (the idempotency key was released).
    expect(await makeIntakeHandler(deps)(requested(detail, 'evt-sqs-down'))).toMatchObject({ status: 'accepted' });
  });
});
