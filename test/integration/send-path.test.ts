import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { simpleParser } from 'mailparser';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack, LocalStackOptions } from '#infra/local/stack';
import { api, sesInbox, useLocalStack, waitFor, waitForStatus } from '#test/support/local-stack';
import { startRecordingProxy, type RecordingProxy } from '#test/support/recording-ses-proxy';

/** How long to wait for the pipeline on a busy 2-core machine: a deadline, not a timing target (those live in bench/). */
const PATIENCE_MS = 60_000;

/** How many emails with this subject the SES emulator captured. */
const sesCount = async (s: LocalStack, subject: string) => (await sesInbox(s)).filter((m) => m.subject === subject).length;

/** Waits until the transactional lane has no visible message left (every copy was received). */
async function laneDrained(s: LocalStack) {
  await waitFor(
    async () => {
      const out = await s.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: s.queues.queueUrls.transactional, AttributeNames: ['ApproximateNumberOfMessages'] }),
      );
      return out.Attributes?.ApproximateNumberOfMessages === '0';
    },
    { what: 'the transactional lane to drain', timeoutMs: PATIENCE_MS },
  );
}

describe('send path on the emulators', { timeout: 2 * PATIENCE_MS }, () => {
  let proxy: RecordingProxy;
  const options: { -readonly [K in keyof LocalStackOptions]: LocalStackOptions[K] } = {};
  beforeAll(async () => {
    proxy = await startRecordingProxy();
    options.sesEndpoint = proxy.url;
  });
  const stack = useLocalStack(options);
  // biome-ignore lint/suspicious/noDuplicateTestHooks: hooks run in order — the proxy starts before useLocalStack's hook, and learns the SES endpoint after it.
  beforeAll(() => {
    proxy.target = stack().emulators.sesEndpoint;
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  it('accepts an email, sends it through SES and shows it as sent', async () => {
    const s = stack();
    const res = await api(s, 'POST', '/emails', { from: s.from, to: 'ada@example.org', subject: 'Hello Ada', html: '<p>Hi</p>' });
    expect(res.status).toBe(200);
    const email = await waitForStatus(s, res.body.id, ['sent'], PATIENCE_MS);
    expect(email.provider).toBe('ses');
    expect(email.last_event).toBe('sent');
    expect(email.events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['queued', 'sent']));
    const inbox = await sesInbox(s);
    const captured = inbox.filter((m) => m.subject === 'Hello Ada');
    expect(captured).toHaveLength(1);
    expect(captured[0].destination.to).toContain('ada@example.org');
    expect(email.provider_message_id).toBe(captured[0].messageId);
  });

  it('sends SES the MIME it built: Message-ID, correlation header, caller headers, tags and configuration set', async () => {
    const s = stack();
    const res = await api(s, 'POST', '/emails', {
      from: s.from,
      to: ['grace@example.org'],
      bcc: ['audit@example.org'],
      subject: 'Raw check',
      html: '<p>Raw</p>',
      text: 'Raw',
      headers: { 'X-Entity-Ref-ID': 'order-77' },
    });
    expect(res.status).toBe(200);
    const id: string = res.body.id;
    const email = await waitForStatus(s, id, ['sent'], PATIENCE_MS);

    const sends = proxy
      .sendEmailRequests()
      .filter((r) => r.EmailTags?.some((t: { Name: string; Value: string }) => t.Name === 'mailroom_email_id' && t.Value === id));
    expect(sends).toHaveLength(1);
    const request = sends[0];
    expect(request.ConfigurationSetName).toBe('mailroom');
    expect(request.EmailTags).toEqual(
      expect.arrayContaining([
        { Name: 'mailroom_email_id', Value: id },
        { Name: 'mailroom_tenant', Value: s.tenantId },
        { Name: 'mailroom_lane', Value: 'transactional' },
      ]),
    );
    expect(request.Destination.ToAddresses.sort()).toEqual(['audit@example.org', 'grace@example.org']);

    const raw = Buffer.from(request.Content.Raw.Data, 'base64');
    const mime = await simpleParser(raw);
    expect(mime.messageId).toBe(`<${id}@example.com>`);
    expect(mime.headers.get('x-mailroom-email-id')).toBe(id);
    expect(mime.headers.get('x-entity-ref-id')).toBe('order-77');
    expect(mime.subject).toBe('Raw check');
    expect(raw.toString('utf8')).not.toMatch(/^bcc:/im);
    expect(email.provider_message_id).toBe((await sesInbox(s)).find((m) => m.subject === 'Raw check')?.messageId);
  });

  it('sends a redelivered lane message only once', async () => {
    const s = stack();
    const res = await api(s, 'POST', '/emails', { from: s.from, to: 'ada@example.org', subject: 'Redelivered', text: 'once' });
    await waitForStatus(s, res.body.id, ['sent'], PATIENCE_MS);
    const handledBefore = s.poller!.handled.transactional;
    await s.sqs.send(
      new SendMessageCommand({
        QueueUrl: s.queues.queueUrls.transactional,
        MessageBody: JSON.stringify({ emailId: res.body.id, tenantId: s.tenantId, scheduleVersion: 0 }),
      }),
    );
    await waitFor(async () => s.poller!.handled.transactional > handledBefore, { what: 'the duplicate to be handled', timeoutMs: PATIENCE_MS });
    await laneDrained(s);
    expect(await sesCount(s, 'Redelivered')).toBe(1);
    expect((await api(s, 'GET', `/emails/${res.body.id}`)).body.status).toBe('sent');
  });

  it('sends only once when two copies of a message are handled at the same time', async () => {
    const s = stack();
    s.poller!.pause();
    // A long poll already waiting when pause() came hands its messages back within this time.
    await sleep(300);
    try {
      const res = await api(s, 'POST', '/emails', { from: s.from, to: 'ada@example.org', subject: 'Concurrent copies', text: 'once' });
      expect(res.status).toBe(200);
      await s.sqs.send(
        new SendMessageCommand({
          QueueUrl: s.queues.queueUrls.transactional,
          MessageBody: JSON.stringify({ emailId: res.body.id, tenantId: s.tenantId, scheduleVersion: 0 }),
        }),
      );
      s.poller!.resume();
      await waitForStatus(s, res.body.id, ['sent'], PATIENCE_MS);
      await laneDrained(s);
      // The lane is empty; a second send of the copy would still be reaching the SES emulator.
      await sleep(300);
      expect(await sesCount(s, 'Concurrent copies')).toBe(1);
    } finally {
      s.poller!.resume();
    }
  });

  it('replays an idempotent request and refuses the same key with another body', async () => {
    const s = stack();
    const body = { from: s.from, to: 'ada@example.org', subject: 'Idempotent', text: 'once' };
    const first = await api(s, 'POST', '/emails', body, { 'Idempotency-Key': 'integration-1' });
    const second = await api(s, 'POST', '/emails', body, { 'Idempotency-Key': 'integration-1' });
    expect(first.status).toBe(200);
    expect(second).toMatchObject({ status: 200, body: { id: first.body.id } });
    const other = await api(s, 'POST', '/emails', { ...body, subject: 'Changed' }, { 'Idempotency-Key': 'integration-1' });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ statusCode: 409, name: 'invalid_idempotent_request' });
    await waitForStatus(s, first.body.id, ['sent'], PATIENCE_MS);
    expect(await sesCount(s, 'Idempotent')).toBe(1);
    expect(await sesCount(s, 'Changed')).toBe(0);
  });

  it('answers 401 without a key and 401 JSON for a wrong key', async () => {
    const s = stack();
    const body = { from: s.from, to: 'ada@example.org', subject: 'No key', text: 'x' };
    const missing = await api(s, 'POST', '/emails', body, {}, null);
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ statusCode: 401, name: 'missing_api_key', message: expect.any(String) });
    // A key that does not exist is Resend's 403 invalid_api_key.
    const wrong = await api(s, 'POST', '/emails', body, {}, `mr_${'x'.repeat(43)}`);
    expect(wrong.status).toBe(403);
    expect(wrong.body).toEqual({ statusCode: 403, name: 'invalid_api_key', message: expect.any(String) });
    const garbage = await api(s, 'GET', '/emails', undefined, {}, 'not-a-key');
    expect(garbage.status).toBe(403);
    expect(garbage.body.name).toBe('invalid_api_key');
  });

  it('answers 400, 413 and 422 as JSON over HTTP', async () => {
    const s = stack();
    const malformed = await api(s, 'POST', '/emails', '{"from":');
    expect(malformed.body).toMatchObject({ statusCode: 400, name: 'validation_error' });
    // Under the request limit, but larger than an email record may be (DynamoDB items hold 400 KB).
    const big = await api(s, 'POST', '/emails', { from: s.from, to: 'ada@example.org', subject: 'Big', html: 'x'.repeat(500_000) });
    expect(big.body).toMatchObject({ statusCode: 413, name: 'validation_error' });
    const invalid = await api(s, 'POST', '/emails', { from: s.from, to: 'ada@example.org', subject: 'x\r\nBcc: evil@example.org', text: 'x' });
    expect(invalid.body).toMatchObject({ statusCode: 422, name: 'validation_error' });
  });

  it("keeps tenants apart: another tenant's key gets 404 for this tenant's email", async () => {
    const s = stack();
    const res = await api(s, 'POST', '/emails', { from: s.from, to: 'ada@example.org', subject: 'Mine', text: 'x' });
    const { apiKey: otherKey } = await s.createTenant('other');
    const theirs = await api(s, 'GET', `/emails/${res.body.id}`, undefined, {}, otherKey);
    expect(theirs.status).toBe(404);
    expect(theirs.body).toMatchObject({ statusCode: 404, name: 'not_found' });
    const list = await api(s, 'GET', '/emails?limit=100', undefined, {}, otherKey);
    expect(list.body.data.map((e: { id: string }) => e.id)).not.toContain(res.body.id);
    expect((await api(s, 'GET', `/emails/${res.body.id}`)).status).toBe(200);
  });

  it(
    'sends a burst of 200 emails, each exactly once',
    async () => {
      const s = stack();
      const run = `burst-${Date.now()}`;
      const subjects = Array.from({ length: 200 }, (_, i) => `${run} #${i}`);
      const ids: string[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          while (next < subjects.length) {
            const subject = subjects[next++]!;
            const res = await api(s, 'POST', '/emails', { from: s.from, to: 'load@example.org', subject, text: subject });
            expect(res.status).toBe(200);
            ids.push(res.body.id);
          }
        }),
      );
      expect(new Set(ids).size).toBe(200);
      const counts = await waitFor(
        async () => {
          const inbox = (await sesInbox(s)).filter((m) => typeof m.subject === 'string' && m.subject.startsWith(run));
          return inbox.length >= 200 ? inbox : undefined;
        },
        { timeoutMs: 3 * PATIENCE_MS, intervalMs: 250, what: '200 burst emails in the SES inbox' },
      );
      const bySubject = new Map<string, number>();
      for (const m of counts) bySubject.set(m.subject, (bySubject.get(m.subject) ?? 0) + 1);
      expect(bySubject.size).toBe(200);
      expect([...bySubject.values()].every((n) => n === 1)).toBe(true);
      await laneDrained(s);
      expect((await sesInbox(s)).filter((m) => typeof m.subject === 'string' && m.subject.startsWith(run))).toHaveLength(200);
      const page1 = await api(s, 'GET', '/emails?limit=100');
      const statuses = page1.body.data.filter((e: { id: string }) => ids.includes(e.id)).map((e: { status: string }) => e.status);
      expect(statuses.length).toBeGreaterThan(0);
      expect(statuses.every((st: string) => st === 'sent')).toBe(true);
    },
    5 * PATIENCE_MS,
  );
});
