import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Lane } from '#shared/config/lanes';
import type { LaneMessage } from '#shared/domain/email';
import { MemoryLaneQueue } from '#shared/adapters/memory/memory-adapters';
import { MemoryEmailStore } from '#shared/adapters/memory/memory-email-store';
import { createMemoryIdempotency } from '#shared/adapters/powertools-idempotency';
import { withApi } from '#shared/http/middy';
import { logger } from '#shared/observability/logger';
import { METRIC, metrics } from '#shared/observability/metrics';
import { systemClock, type EnqueueOptions } from '#shared/ports/index';
import { makeIngestHandler, type IngestDeps } from '#functions/ingest/app';
import { answer, apiEvent, lambdaContext, TENANT } from '#test/support/api-event';
import { MemoryRateLimiter } from '#shared/adapters/memory/memory-rate-limiter';
import { tenantsWith } from '#test/support/tenants';

/** A lane queue whose enqueue waits until the test opens the gate. */
class GatedLaneQueue extends MemoryLaneQueue {
  private open!: () => void;
  readonly gate = new Promise<void>((resolve) => (this.open = resolve));
  entered = 0;
  release() {
    this.open();
  }
  override async enqueue(lane: Lane, message: LaneMessage, options?: EnqueueOptions): Promise<void> {
    this.entered++;
    await this.gate;
    return super.enqueue(lane, message, options);
  }
}

const body = { from: 'Acme <hello@acme.test>', to: 'ada@example.org', subject: 'Hello', html: '<p>Hi</p>' };

describe('POST /emails (ingest handler, in-memory ports)', () => {
  let deps: IngestDeps & { emails: MemoryEmailStore; queue: MemoryLaneQueue };
  let ids: number;

  const post = async (payload: unknown, headers: Record<string, string> = {}, principal?: typeof TENANT | null) =>
    answer(
      await withApi(makeIngestHandler(deps))(
        apiEvent('POST /emails', { body: payload, headers, ...(principal !== undefined ? { principal } : {}) }),
        lambdaContext(),
      ),
    );

  beforeEach(() => {
    ids = 0;
    deps = {
      emails: new MemoryEmailStore(),
      queue: new MemoryLaneQueue(),
      tenants: tenantsWith('acme', 'other'),
      rateLimiter: new MemoryRateLimiter(),
      idempotency: createMemoryIdempotency(),
      clock: systemClock,
      newId: () => `email-${++ids}`,
      defaultRetentionDays: 30,
      maxBodyBytes: 10_000,
    };
  });

  it('answers 200 {id}, stores the email as queued and enqueues it once on its lane', async () => {
    const res = await post(body);
    expect(res).toEqual({ status: 200, body: { id: 'email-1' } });
    const record = deps.emails.items.get('email-1')!;
    expect(record).toMatchObject({ status: 'queued', lastEvent: 'queued', tenantId: 'acme', lane: 'transactional', subject: 'Hello', to: ['ada@example.org'] });
    expect(record.events.map((e) => e.type)).toEqual(['queued']);
    expect(deps.queue.sent).toEqual([{ lane: 'transactional', message: { emailId: 'email-1', tenantId: 'acme', scheduleVersion: 0 } }]);
  });

  it('puts the email on the lane named by the Mailroom-Lane header', async () => {
    await post(body, { 'Mailroom-Lane': 'critical' });
    expect(deps.queue.sent[0]?.lane).toBe('critical');
    expect(deps.emails.items.get('email-1')?.lane).toBe('critical');
  });

  it('answers 422 for an unknown lane', async () => {
    const res = await post(body, { 'mailroom-lane': 'express' });
    expect(res.status).toBe(422);
    expect(res.body.name).toBe('validation_error');
  });

  it('answers 400 validation_error for malformed JSON, with the error shape', async () => {
    const res = await post('{"from": "a@b.co",');
    expect(res).toEqual({ status: 400, body: { statusCode: 400, name: 'validation_error', message: expect.any(String) } });
    expect(deps.emails.items.size).toBe(0);
  });

  it('answers 413 for a body over maxBodyBytes', async () => {
    const res = await post({ ...body, html: 'x'.repeat(10_001) });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ statusCode: 413, name: 'validation_error' });
    expect(deps.emails.items.size).toBe(0);
  });

  it('answers 413 for an email too large to store, even under the body limit', async () => {
    deps = { ...deps, maxBodyBytes: 10_000_000 };
    const res = await post({ ...body, html: 'x'.repeat(400_000) });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ statusCode: 413, name: 'validation_error' });
    expect(deps.emails.items.size).toBe(0);
    expect((await post({ ...body, html: 'x'.repeat(300_000) })).status).toBe(200);
  });

  it.each([
    ['missing_required_field', { from: body.from, to: body.to, html: 'x' }],
    ['missing_required_field', { from: body.from, subject: 'x', html: 'x' }],
    ['validation_error', { ...body, to: 'nope' }],
    ['validation_error', { ...body, headers: { Bcc: 'x@example.org' } }],
    ['validation_error', { ...body, subject: 'a\r\nBcc: x@example.org' }],
    ['validation_error', { ...body, unknown_field: 1 }],
  ])('answers 422 %s and stores nothing', async (name, payload) => {
    const res = await post(payload);
    expect(res).toEqual({ status: 422, body: { statusCode: 422, name, message: expect.any(String) } });
    expect(deps.emails.items.size).toBe(0);
    expect(deps.queue.sent).toHaveLength(0);
  });

  it('answers 401 missing_api_key without an authorizer context', async () => {
    const res = await post(body, {}, null);
    expect(res).toEqual({ status: 401, body: { statusCode: 401, name: 'missing_api_key', message: expect.any(String) } });
    expect(deps.emails.items.size).toBe(0);
  });

  it('answers 401 restricted_api_key (as Resend) for a key without the emails:send scope', async () => {
    const res = await post(body, {}, { ...TENANT, scopes: ['emails:read'] });
    expect(res.status).toBe(401);
    expect(res.body.name).toBe('restricted_api_key');
    expect(deps.emails.items.size).toBe(0);
  });

  it('replays an idempotent request with the same id and enqueues once', async () => {
    const first = await post(body, { 'Idempotency-Key': 'order-42' });
    const second = await post(body, { 'Idempotency-Key': 'order-42' });
    expect(first).toEqual({ status: 200, body: { id: 'email-1' } });
    expect(second).toEqual(first);
    expect(deps.emails.items.size).toBe(1);
    expect(deps.queue.sent).toHaveLength(1);
  });

  it('scopes idempotency keys per tenant', async () => {
    const a = await post(body, { 'Idempotency-Key': 'k' });
    const b = await post(body, { 'Idempotency-Key': 'k' }, { ...TENANT, tenantId: 'other' });
    expect(a.body.id).not.toBe(b.body.id);
    expect(deps.queue.sent).toHaveLength(2);
  });

  it('answers 409 invalid_idempotent_request for the same key with another body', async () => {
    await post(body, { 'Idempotency-Key': 'order-42' });
    const res = await post({ ...body, subject: 'Changed' }, { 'Idempotency-Key': 'order-42' });
    expect(res).toEqual({ status: 409, body: { statusCode: 409, name: 'invalid_idempotent_request', message: expect.any(String) } });
    expect(deps.queue.sent).toHaveLength(1);
  });

  it('answers 422 naming a `__proto__` key in headers instead of dropping it (docs/security.md)', async () => {
    const raw = '{"from":"Acme <hello@acme.test>","to":"ada@example.org","subject":"Hi","text":"x","headers":{"__proto__":{"X-Injected":"1"}}}';
    const res = await post(raw);
    expect(res).toEqual({ status: 422, body: { statusCode: 422, name: 'validation_error', message: expect.stringContaining('"__proto__"') } });
    expect(deps.emails.items.size).toBe(0);
  });

  it('takes the same body with its fields in another order for the same request (docs/api.md), but not reordered recipients', async () => {
    const first = await post({ ...body, to: ['ada@example.org', 'bob@example.org'], headers: { 'X-A': '1', 'X-B': '2' } }, { 'Idempotency-Key': 'order-7' });
    const reordered = JSON.parse(
      '{"headers":{"X-B":"2","X-A":"1"},"html":"<p>Hi</p>","subject":"Hello","to":["ada@example.org","bob@example.org"],"from":"Acme <hello@acme.test>"}',
    );
    const again = await post(reordered, { 'Idempotency-Key': 'order-7' });
    expect(again).toEqual({ status: 200, body: { id: first.body.id } });
    expect(deps.queue.sent).toHaveLength(1);
    const recipientsSwapped = await post({ ...reordered, to: ['bob@example.org', 'ada@example.org'] }, { 'Idempotency-Key': 'order-7' });
    expect(recipientsSwapped.status).toBe(409);
  });

  it('answers 409 concurrent_idempotent_requests while the first request is in flight', async () => {
    const gated = new GatedLaneQueue();
    deps = { ...deps, queue: gated };
    const first = post(body, { 'Idempotency-Key': 'slow' });
    await expect.poll(() => gated.entered).toBe(1);
    const second = await post(body, { 'Idempotency-Key': 'slow' });
    expect(second).toEqual({ status: 409, body: { statusCode: 409, name: 'concurrent_idempotent_requests', message: expect.any(String) } });
    gated.release();
    expect(await first).toEqual({ status: 200, body: { id: 'email-1' } });
    expect(gated.sent).toHaveLength(1);
    // Once the first finished, the key replays its answer.
    expect(await post(body, { 'Idempotency-Key': 'slow' })).toEqual({ status: 200, body: { id: 'email-1' } });
  });

  it('answers 503 when the enqueue fails, cancels the record (never claimed) and releases the key', async () => {
    deps.queue.failNext = 1;
    const failed = await post(body, { 'Idempotency-Key': 'retry-me' });
    expect(failed).toEqual({ status: 503, body: { statusCode: 503, name: 'application_error', message: expect.any(String) } });
    const first = deps.emails.items.get('email-1')!;
    expect(first.status).toBe('canceled');
    expect(first.lastError).toMatchObject({ code: 'EnqueueFailed' });

    const retry = await post(body, { 'Idempotency-Key': 'retry-me' });
    expect(retry).toEqual({ status: 200, body: { id: 'email-2' } });
    expect(deps.emails.items.get('email-2')?.status).toBe('queued');
    expect(deps.queue.sent.map((s) => s.message.emailId)).toEqual(['email-2']);
  });

  it('does not cache a validation failure under the key', async () => {
    const bad = await post({ ...body, to: 'nope' }, { 'Idempotency-Key': 'fix-me' });
    expect(bad.status).toBe(422);
    const good = await post(body, { 'Idempotency-Key': 'fix-me' });
    expect(good).toEqual({ status: 200, body: { id: 'email-1' } });
  });

  it('does not cache a refused sender under the key', async () => {
    const restricted = { ...TENANT, senderDomain: 'other.test' };
    const refused = await post(body, { 'Idempotency-Key': 'sender' }, restricted);
    expect(refused.status).toBe(403);
    const ok = await post({ ...body, from: 'hello@other.test' }, { 'Idempotency-Key': 'sender' }, restricted);
    expect(ok.status).toBe(200);
  });

  describe('fail closed and loud', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it('refuses (403 invalid_api_key) a key whose tenant has no record, and stores nothing', async () => {
      const res = await post(body, {}, { ...TENANT, tenantId: 'deleted-tenant' });
      expect(res).toEqual({ status: 403, body: { statusCode: 403, name: 'invalid_api_key', message: expect.stringContaining('deleted-tenant') } });
      const batch = answer(
        await withApi(makeIngestHandler(deps))(
          apiEvent('POST /emails/batch', { body: [body], principal: { ...TENANT, tenantId: 'deleted-tenant' } }),
          lambdaContext(),
        ),
      );
      expect(batch.status).toBe(403);
      expect(deps.emails.items.size).toBe(0);
      expect(deps.queue.sent).toEqual([]);
    });

    it('logs and counts a cleanup write that fails after a failed enqueue, and still answers 503', async () => {
      const errors = vi.spyOn(logger, 'error');
      const counted = vi.spyOn(metrics, 'addMetric');
      deps.queue.failNext = 1;
      deps.emails.transition = async () => {
        throw new Error('DynamoDB is unavailable (injected)');
      };
      const res = await post(body);
      expect(res.status).toBe(503);
      expect(deps.emails.items.get('email-1')?.status).toBe('queued'); // the cancel did not land…
      // …and says so, with the email id an operator needs to cancel it by hand.
      expect(errors).toHaveBeenCalledWith(
        expect.stringContaining('Cleanup after a failed accept did not happen'),
        expect.objectContaining({ emailId: 'email-1' }),
      );
      expect(counted).toHaveBeenCalledWith(METRIC.CleanupFailed, 'Count', 1);
    });

    it('logs and counts failed cancels of a strict batch that could not be queued whole', async () => {
      const errors = vi.spyOn(logger, 'error');
      const counted = vi.spyOn(metrics, 'addMetric');
      deps.queue.enqueueMany = async () => {
        throw new Error('SQS is unavailable (injected)');
      };
      deps.emails.transition = async () => {
        throw new Error('DynamoDB is unavailable (injected)');
      };
      const res = answer(await withApi(makeIngestHandler(deps))(apiEvent('POST /emails/batch', { body: [body, body] }), lambdaContext()));
      expect(res.status).toBe(503);
      const cleanups = errors.mock.calls.filter(([message]) => String(message).includes('Cleanup after a failed accept did not happen'));
      expect(cleanups.map(([, detail]) => (detail as { emailId: string }).emailId).sort()).toEqual(['email-1', 'email-2']);
      expect(counted.mock.calls.filter(([name]) => name === METRIC.CleanupFailed)).toHaveLength(2);
    });
  });
});
