/**
 * `/webhooks` through the official SDK against local mode (resend.com/docs/api-reference/webhooks):
 * real signed deliveries to receivers on 127.0.0.1, verified with `resend.webhooks.verify`, retries
 * of a receiver that times out and fails before it recovers, the delivery log and replay.
 */
import { Resend } from 'resend';
import { afterAll, describe, expect, it } from 'vitest';
import { createTrackingHandler } from '#functions/tracking/app';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { ENV } from '#shared/config/env';
import { buildSesEvent } from '../../cli/ses-simulator';
import { useLocalStack, waitFor } from '#test/support/local-stack';
import { type ReceivedWebhook, startWebhookReceiver } from '#test/support/webhook-receiver';
import { expectResendShape } from './contract';

type Receiver = Awaited<ReturnType<typeof startWebhookReceiver>>;

describe('Resend webhooks (resend.webhooks.*)', () => {
  // Retries 1 s apart and a 1 s receiver timeout, so a fault test takes seconds, not hours.
  const stack = useLocalStack({ env: { [ENV.WEBHOOK_RETRY_SCHEDULE]: '1,1,1', [ENV.WEBHOOK_TIMEOUT_MS]: '1000' } });
  const sdk = (key = stack().apiKey) => new Resend(key, { baseUrl: stack().apiUrl });
  const receivers: Receiver[] = [];
  const receiver = async (script: Array<number | 'hang'> = []) => {
    const r = await startWebhookReceiver(script);
    receivers.push(r);
    return r;
  };
  afterAll(async () => {
    for (const r of receivers) await r.stop();
  });

  const send = async (subject: string, key?: string) => {
    const { data, error } = await sdk(key).emails.send({ from: stack().from, to: 'ada@example.org', subject, text: subject });
    expect(error).toBeNull();
    return data!.id;
  };
  const parsed = (r: ReceivedWebhook) => JSON.parse(r.body) as { type: string; created_at: string; data: Record<string, any> };
  const deliveriesOf = (r: Receiver, emailId: string, type: string) => r.received.filter((d) => parsed(d).data.email_id === emailId && parsed(d).type === type);
  /** Waits until `count` deliveries of `type` for the email arrived, and answers them. */
  const arrived = (r: Receiver, emailId: string, type: string, count = 1) =>
    waitFor(async () => (deliveriesOf(r, emailId, type).length >= count ? deliveriesOf(r, emailId, type) : undefined), {
      what: `${count} × ${type} at the receiver`,
    });
  const verify = (d: ReceivedWebhook, secret: string) =>
    sdk().webhooks.verify({
      payload: d.body,
      headers: { id: String(d.headers['svix-id']), timestamp: String(d.headers['svix-timestamp']), signature: String(d.headers['svix-signature']) },
      webhookSecret: secret,
    });

  it('delivers signed email.sent and email.delivered events that resend.webhooks.verify accepts', async () => {
    const r = await receiver();
    const created = await sdk().webhooks.create({ endpoint: r.url, events: ['email.sent', 'email.delivered'] });
    expect(created.error).toBeNull();
    expectResendShape('webhooks/create', created.data, 201);
    expect(created.data!.signing_secret).toMatch(/^whsec_/);

    const id = await send('webhook: sent and delivered');
    const [sent] = await arrived(r, id, 'email.sent');
    expect(verify(sent!, created.data!.signing_secret)).toMatchObject({
      type: 'email.sent',
      data: { email_id: id, from: expect.stringContaining('hello@example.com'), to: ['ada@example.org'], subject: 'webhook: sent and delivered' },
    });
    expect(sent!.headers['webhook-id']).toBe(sent!.headers['svix-id']);
    expect(() => verify(sent!, `whsec_${Buffer.from('someone else').toString('base64')}`)).toThrow();

    // What `mailroom events simulate <id> delivered` does: SES's Delivery event through the tracking function.
    const email = (await new DynamoEmailStore(stack().doc, stack().names.table).get(id))!;
    await createTrackingHandler(stack().env)(buildSesEvent(email, 'delivered'), {} as never);
    const [delivered] = await arrived(r, id, 'email.delivered');
    expect(verify(delivered!, created.data!.signing_secret)).toMatchObject({ type: 'email.delivered', data: { email_id: id } });

    const got = await sdk().webhooks.get(created.data!.id);
    expectResendShape('webhooks/get', got.data);
    expect(got.data).toMatchObject({
      endpoint: r.url,
      status: 'enabled',
      events: ['email.sent', 'email.delivered'],
      signing_secret: created.data!.signing_secret,
    });
    const listed = await sdk().webhooks.list();
    expectResendShape('webhooks/list', listed.data);
    expect(listed.data!.data.map((w) => w.id)).toContain(created.data!.id);
  });

  it('delivers once to a receiver that times out, then fails, then recovers — three attempts in the log', async () => {
    const r = await receiver(['hang', 500]);
    const { data: hook } = await sdk().webhooks.create({ endpoint: r.url, events: ['email.sent'] });
    const id = await send('webhook: flaky receiver');

    await waitFor(async () => deliveriesOf(r, id, 'email.sent').some((d) => d.answered === 200), { what: 'the third attempt to succeed', timeoutMs: 30_000 });
    const posts = deliveriesOf(r, id, 'email.sent');
    expect(posts.map((d) => d.answered)).toEqual([0, 500, 200]);
    expect(new Set(posts.map((d) => d.headers['webhook-id'])).size).toBe(1);

    const events = await sdk().webhooks.events.list({ webhookId: hook!.id });
    expect(events.error).toBeNull();
    const event = events.data!.data.find((e) => e.type === 'email.sent');
    expect(event).toMatchObject({ id: posts[0]!.headers['webhook-id'], status: 'success' });
    const attempts = await waitFor(async () => {
      const a = await sdk().webhooks.events.attempts.list({ webhookId: hook!.id, eventId: event!.id });
      return a.data?.data.length === 3 && a.data;
    });
    expect(attempts.data.map((a) => a.http_status_code)).toEqual([200, 500, 0]);
    expect(attempts.data[2]!.response).toMatch(/timed out/);
    const detail = await sdk().webhooks.events.get({ webhookId: hook!.id, eventId: event!.id });
    expect(detail.data).toMatchObject({
      object: 'webhook_event',
      status: 'success',
      next_attempt_at: null,
      payload: { type: 'email.sent', data: { email_id: id } },
    });
  });

  it('replays an event with the same id, signed with the rotated secret', async () => {
    const r = await receiver();
    const { data: hook } = await sdk().webhooks.create({ endpoint: r.url, events: ['email.sent'] });
    const id = await send('webhook: replay');
    await arrived(r, id, 'email.sent');

    const rotated = await sdk().webhooks.rotateSigningSecret(hook!.id);
    expect(rotated.error).toBeNull();
    expect(rotated.data!.signing_secret).not.toBe(hook!.signing_secret);
    const eventId = String(deliveriesOf(r, id, 'email.sent')[0]!.headers['webhook-id']);
    const replayed = await sdk().webhooks.events.replay({ webhookId: hook!.id, eventId });
    expect(replayed.data).toEqual({ object: 'webhook_event', id: eventId });

    const [, again] = await arrived(r, id, 'email.sent', 2);
    expect(again!.headers['webhook-id']).toBe(eventId);
    expect(verify(again!, rotated.data!.signing_secret)).toMatchObject({ type: 'email.sent' });
    expect(() => verify(again!, hook!.signing_secret)).toThrow();
  });

  it('stops delivering when disabled or removed', async () => {
    const r = await receiver();
    const { data: hook } = await sdk().webhooks.create({ endpoint: r.url, events: ['email.sent'] });
    const updated = await sdk().webhooks.update(hook!.id, { status: 'disabled' });
    expectResendShape('webhooks/update', updated.data);
    const { data: probe } = await sdk().webhooks.create({ endpoint: (await receiver()).url, events: ['email.sent'] });
    const id = await send('webhook: disabled');
    // The probe (enabled) webhook proves the event was fanned out before asserting the disabled one got nothing.
    await waitFor(async () => (await sdk().webhooks.events.list({ webhookId: probe!.id })).data?.data.some((e) => e.status === 'success'), {
      what: 'the probe delivery',
    });
    expect(deliveriesOf(r, id, 'email.sent')).toEqual([]);

    const removed = await sdk().webhooks.remove(hook!.id);
    expectResendShape('webhooks/remove', removed.data);
    expect((await sdk().webhooks.get(hook!.id)).error).toMatchObject({ name: 'not_found', statusCode: 404 });
  });

  it('refuses private, link-local and plain-http endpoints (loopback is allowed only because this is local mode)', async () => {
    for (const endpoint of ['https://10.0.0.8/hook', 'https://169.254.169.254/latest', 'http://example.com/hook', 'not a url']) {
      const { error } = await sdk().webhooks.create({ endpoint, events: ['email.sent'] });
      expect(error, endpoint).toMatchObject({ name: 'validation_error', statusCode: 422 });
    }
    const { error } = await sdk().webhooks.create({ endpoint: 'https://hooks.example.com/in', events: ['email.nonsense' as 'email.sent'] });
    expect(error).toMatchObject({ name: 'validation_error' });
  });

  it("keeps tenants apart: no access to another tenant's webhooks, and no deliveries of its events", async () => {
    const r = await receiver();
    const { data: mine } = await sdk().webhooks.create({ endpoint: r.url, events: ['email.sent'] });
    const other = await stack().createTenant('globex-hooks');
    const theirs = sdk(other.apiKey);
    expect((await theirs.webhooks.get(mine!.id)).error).toMatchObject({ name: 'not_found' });
    expect((await theirs.webhooks.update(mine!.id, { status: 'disabled' })).error).toMatchObject({ name: 'not_found' });
    expect((await theirs.webhooks.remove(mine!.id)).error).toMatchObject({ name: 'not_found' });
    expect((await theirs.webhooks.events.list({ webhookId: mine!.id })).error).toMatchObject({ name: 'not_found' });
    expect((await theirs.webhooks.list()).data!.data).toEqual([]);

    const { data: probeHook } = await theirs.webhooks.create({ endpoint: (await receiver()).url, events: ['email.sent'] });
    const theirEmail = await send('webhook: other tenant', other.apiKey);
    await waitFor(async () => (await theirs.webhooks.events.list({ webhookId: probeHook!.id })).data?.data.some((e) => e.status === 'success'), {
      what: "the other tenant's own delivery",
    });
    expect(r.received.filter((d) => parsed(d).data.email_id === theirEmail)).toEqual([]);
  });

  it('is for full-access keys only', async () => {
    const { data: key } = await sdk().apiKeys.create({ name: 'sender', permission: 'sending_access' });
    const { error } = await sdk(key!.token).webhooks.list();
    expect(error?.name).toBe('restricted_api_key');
  });
});
