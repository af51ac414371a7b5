/**
 * The activity feed, raw MIME and provider attempts, in Chromium (playwright-core) against a whole
 * local Mailroom. SES events go through the tracking function's own handler; its outbound events
 * reach the activity log the way they do as deployed (the publisher's copy → the webhook fan-out
 * queue → the fan-out function). Screenshots go to test-results/activity/ and, when missing or with
 * MAILROOM_UPDATE_SCREENSHOTS=1, to docs/images/console-{activity,email-detail}.png.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrackingDeps, makeTrackingEventHandler } from '#functions/tracking/app';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import type { EmailRecord } from '#shared/domain/email';
import { sesEventFor } from '#test/support/ses-fixtures';
import { startWebhookReceiver } from '#test/support/webhook-receiver';
import { ENV } from '#shared/config/env';
import { api, sesInbox, useLocalStack, waitFor, waitForStatus } from '#test/support/local-stack';
import { buildConsole, DESKTOP, launchChromium, noHorizontalScroll, openPage, screenshot as saveScreenshot, watchPage } from '#test/support/browser';

const ARTIFACTS = path.resolve('test-results/activity');
/** This file's own console build, so another browser test building console/dist at the same time cannot disturb it. */
const CONSOLE_DIR = path.join(ARTIFACTS, 'console-dist');

describe('activity feed, raw MIME and provider attempts (Chromium)', () => {
  // A webhook gets two attempts (a retry after 1 s) and is disabled after two failures in a row, so the test sees both kinds of webhook trouble.
  const stack = useLocalStack({ consoleDir: CONSOLE_DIR, env: { [ENV.WEBHOOK_RETRY_SCHEDULE]: '1', [ENV.WEBHOOK_DISABLE_AFTER]: '2' } });
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  /** The email that bounces and then draws a complaint, and the ambiguous one (seeded). */
  let bounced: { id: string; subject: string; sentAt: string };
  const ambiguousId = `amb_${Date.now()}`;

  beforeAll(async () => {
    browser = await launchChromium();
    await buildConsole(CONSOLE_DIR);
    ({ page } = await openPage(browser, {
      ...DESKTOP,
      timezoneId: 'UTC',
      acceptDownloads: true,
      apiKey: stack().apiKey,
      // Every console error counts here, failed loads included.
      watch: (p) => watchPage(p, problems, { failedLoads: 'console' }),
    }));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  const screenshot = (name: string, fullPage = false) => saveScreenshot(page, name, { artifacts: ARTIFACTS, fullPage });
  const goto = (route: string) => page.goto(`${stack().apiUrl}/console/${route}`);
  const search = () => new URL(page.url()).searchParams;
  const feed = (query = '') => api(stack(), 'GET', `/activity${query}`);

  /** One SES event through the tracking function's handler, as its queue would hand it over. */
  async function track(fixture: 'bounce-permanent' | 'complaint', emailId: string, at: Date) {
    const s = stack();
    const event = sesEventFor(fixture, { id: emailId, tenantId: s.tenantId }, { eventId: `${fixture}-${emailId}`, recipient: 'linus@example.org' });
    event.time = event.detail.mail.timestamp = at.toISOString();
    if (event.detail.bounce) event.detail.bounce.timestamp = at.toISOString();
    if (event.detail.complaint) event.detail.complaint.timestamp = at.toISOString();
    return makeTrackingEventHandler(createTrackingDeps(s.env))(event);
  }

  it('GET /emails/{id}/raw: a template email sent through the local stack, rebuilt with its Message-ID, correlation header, subject and rendered content', async () => {
    const s = stack();
    const sent = await api(s, 'POST', '/emails', {
      from: s.from,
      to: 'linus@example.org',
      template: { id: 'welcome', variables: { name: 'Linus Torvalds', nickname: 'Linus' } },
      headers: { 'X-Campaign': 'activity-test' },
    });
    expect(sent.status).toBe(200);
    const view = await waitForStatus(s, sent.body.id, ['sent']);
    bounced = { id: view.id, subject: view.subject, sentAt: view.sent_at };
    // GET /emails/{id} renders the template for a sent email: the subject is the rendered one.
    expect(view.subject).toContain('Linus');
    const raw = await fetch(`${s.apiUrl}/emails/${view.id}/raw`, { headers: { authorization: `Bearer ${s.apiKey}` } });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toBe('message/rfc822');
    expect(raw.headers.get('content-disposition')).toBe(`attachment; filename="${view.id}.eml"`);
    const parsed = await simpleParser(Buffer.from(await raw.arrayBuffer()));
    expect(parsed.messageId).toBe(view.message_id);
    expect(parsed.headers.get('x-mailroom-email-id')).toBe(view.id);
    expect(parsed.headers.get('x-campaign')).toBe('activity-test');
    expect(parsed.subject).toBe(view.subject);
    expect(parsed.subject).toContain('Linus');
    expect(parsed.html).toContain('Linus');
    expect(parsed.text).toContain('Linus');
    // What the SES emulator received (it keeps the parsed parts, not the bytes): the same subject, HTML and text.
    const received = (await sesInbox(s)).find((m) => m.subject === view.subject && m.destination.to.includes('linus@example.org'));
    expect(received).toBeDefined();
    expect(parsed.html).toBe(received.body.html);
    expect(parsed.text).toBe(received.body.text);
    // The Date the sender stamped (its claim time, stored as messageDate), not the time of this request.
    const stored = await new DynamoEmailStore(s.doc, s.names.table).get(view.id);
    expect(stored?.messageDate).toBeDefined();
    expect(parsed.date!.getTime()).toBe(Math.floor(Date.parse(stored!.messageDate!) / 1000) * 1000);
    expect(parsed.date!.getTime()).toBeLessThanOrEqual(Date.parse(view.sent_at));

    // Another tenant's email is not found; an email that never reached a provider has no message.
    const other = await s.createTenant(`other-${Date.now()}`);
    expect((await api(s, 'GET', `/emails/${view.id}/raw`, undefined, {}, other.apiKey)).body).toMatchObject({ statusCode: 404, name: 'not_found' });
    const later = await api(s, 'POST', '/emails', {
      from: s.from,
      to: 'later@example.org',
      subject: 'Tomorrow',
      text: 'later',
      scheduled_at: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const notYet = await api(s, 'GET', `/emails/${later.body.id}/raw`);
    expect(notYet.status).toBe(404);
    expect(notYet.body.message).toMatch(/never reached a provider/);
  });

  it('GET /activity: a bounce and then a complaint of the same email are two events, newest first, by type and window, paged by id', async () => {
    // A bounce 2 s after the send, a complaint 2 s later (as SES would time them).
    const t0 = new Date(Date.parse(bounced.sentAt) + 2_000);
    expect(await track('bounce-permanent', bounced.id, t0)).toMatchObject({ kind: 'recorded', status: 'bounced' });
    expect(await track('complaint', bounced.id, new Date(t0.getTime() + 2_000))).toMatchObject({ kind: 'recorded' });
    // The fan-out function reads the outbound events from its queue: wait for both items.
    const both = await waitFor(async () => {
      const r = await feed(`?limit=10`);
      return r.body.data?.length >= 2 ? r.body : undefined;
    });
    expect(both.data.map((a: { type: string; email_id: string }) => [a.type, a.email_id])).toEqual([
      ['email.complained', bounced.id],
      ['email.bounced', bounced.id],
    ]);
    expect(both.data[1]).toMatchObject({ to: ['linus@example.org'], subject: null, template: 'welcome', detail: { bounce_type: 'permanent' } });
    // The email itself shows only its current status: the feed keeps both.
    expect((await api(stack(), 'GET', `/emails/${bounced.id}`)).body.status).toBe('complained');
    expect((await feed('?type=email.bounced')).body.data.map((a: { id: string }) => a.id)).toEqual([both.data[1].id]);
    expect((await feed(`?since=${encodeURIComponent(new Date(t0.getTime() + 1_000).toISOString())}`)).body.data).toHaveLength(1);
    const page1 = (await feed('?limit=1')).body;
    expect(page1).toMatchObject({ object: 'list', has_more: true });
    const page2 = (await feed(`?limit=1&after=${page1.data[0].id}`)).body;
    expect(page2).toMatchObject({ has_more: false, data: [{ type: 'email.bounced' }] });
    expect((await feed(`?limit=1&before=${page2.data[0].id}`)).body.data[0].id).toBe(page1.data[0].id);
    expect((await feed('?type=bounced')).body).toMatchObject({ statusCode: 422, name: 'validation_error' });
    expect((await feed(`?after=${bounced.id}`)).status).toBe(400);
  });

  it('shows the email twice in the Activity feed; the type filter is in the URL and survives a reload; a row opens its email', async () => {
    await goto('activity');
    await page.getByRole('heading', { name: 'Activity', level: 1 }).waitFor();
    const rows = page.locator(`tbody tr[data-email-id="${bounced.id}"]`);
    await waitFor(async () => (await rows.count()) === 2, { what: 'both events of the email' });
    expect([await rows.nth(0).getAttribute('data-type'), await rows.nth(1).getAttribute('data-type')]).toEqual(['email.complained', 'email.bounced']);
    // A template email's row names its template (the feed does not render templates).
    expect(await rows.nth(1).textContent()).toContain('(template welcome)');
    expect(await rows.nth(1).textContent()).toContain('(permanent)');
    expect(await rows.nth(1).textContent()).toContain('linus@example.org');
    await screenshot('activity');
    await page.getByLabel('Event type').selectOption('email.complained');
    await waitFor(async () => search().get('type') === 'email.complained', { what: 'the type in the URL' });
    await waitFor(async () => (await rows.count()) === 1, { what: 'only the complaint' });
    await page.reload();
    await page.getByRole('heading', { name: 'Activity', level: 1 }).waitFor();
    await waitFor(async () => (await rows.count()) === 1, { what: 'the filtered feed after a reload' });
    expect(await page.getByLabel('Event type').inputValue()).toBe('email.complained');
    expect(await rows.first().getAttribute('data-type')).toBe('email.complained');
    // Back returns to the unfiltered feed.
    await page.goBack();
    await waitFor(async () => (await rows.count()) === 2, { what: 'the unfiltered feed after Back' });
    await rows.first().getByRole('link').click();
    await page.getByTestId('email-id').waitFor();
    expect(page.url()).toBe(`${stack().apiUrl}/console/emails/${bounced.id}`);
    // On a phone, with a window from the Overview and the pager showing: nothing scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await goto(
        `activity?type=email.bounced&since=${encodeURIComponent(bounced.sentAt)}&until=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      );
      await rows.first().waitFor();
      await page.getByRole('button', { name: 'all times' }).waitFor();
      expect(await noHorizontalScroll(page)).toBe(true);
      // "all times" drops the window and keeps the type.
      await page.getByRole('button', { name: 'all times' }).click();
      await waitFor(async () => search().get('since') === null && search().get('type') === 'email.bounced', { what: 'the window cleared' });
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('shows the message headers from the raw MIME on the email page and downloads the raw MIME', async () => {
    await goto(`emails/${bounced.id}`);
    const headers = page.locator('dl.headers[data-source="raw"]');
    await headers.waitFor();
    const text = (await headers.textContent()) ?? '';
    expect(text).toContain('X-Mailroom-Email-ID');
    expect(text).toContain(bounced.id);
    expect(text).toContain(bounced.subject);
    expect(text).toContain('X-Campaign');
    expect(text).toMatch(/Content-Type\s*multipart\/alternative/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download raw MIME (.eml)' }).click()]);
    expect(download.suggestedFilename()).toBe(`${bounced.id}.eml`);
    const saved = path.join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(saved);
    const parsed = await simpleParser(readFileSync(saved));
    expect(parsed.headers.get('x-mailroom-email-id')).toBe(bounced.id);
    expect(parsed.html).toContain('Linus');
    // The whole page: the details and attempts on the left, the preview and the header block on the right.
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot('email-detail', true);
  });

  it('shows a seeded ambiguous provider attempt in amber, with what it means', async () => {
    const s = stack();
    const now = new Date();
    const at = Math.floor(now.getTime() / 1000);
    const email = {
      id: ambiguousId,
      tenantId: s.tenantId,
      lane: 'transactional',
      status: 'failed',
      lastEvent: 'failed',
      from: 'Mailroom <hello@example.com>',
      to: ['maybe@example.org'],
      cc: [],
      bcc: [],
      replyTo: [],
      subject: 'Did SES take it?',
      html: '<p>Maybe</p>',
      headers: {},
      tags: [],
      scheduleVersion: 0,
      attempts: 1,
      provider: 'ses',
      providerAttempts: [{ p: 'ses', o: 'maybe', t: at - 3_600, c: 'ETIMEDOUT' }],
      lastError: { class: 'transient', code: 'AmbiguousOutcome', provider: 'ses', message: 'ses may have accepted this email' },
      createdAt: new Date(now.getTime() - 3_700_000).toISOString(),
      updatedAt: now.toISOString(),
      expiresAt: at + 86_400,
      events: [
        { type: 'queued', at: new Date(now.getTime() - 3_700_000).toISOString() },
        { type: 'failed', at: now.toISOString() },
      ],
    } as EmailRecord;
    await new DynamoEmailStore(s.doc, s.names.table).create(email);
    await goto(`emails/${ambiguousId}`);
    const row = page.locator('table.attempts tr[data-outcome="ambiguous"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('ETIMEDOUT');
    const chip = row.locator('.chip');
    expect(await chip.textContent()).toBe('ambiguous');
    // Amber: the colour of the other "wait and see" states (retrying, delayed), not the red of failures.
    // biome-ignore lint/suspicious/noExplicitAny: runs in the page (this file's types have no DOM).
    expect(await chip.evaluate((el: any) => (globalThis as any).getComputedStyle(el).backgroundColor)).toBe('rgb(255, 241, 204)');
    await page.getByRole('note').filter({ hasText: 'may have accepted the message' }).waitFor();
    // It reached a provider, so its message exists too (rebuilt for the headers view).
    await page.locator('dl.headers[data-source="raw"]').waitFor();
  });

  it('lists a webhook event that failed for good and the webhook’s disable, each linked to the webhook', async () => {
    const s = stack();
    const receiver = await startWebhookReceiver([500, 500, 500]);
    try {
      const hook = await api(s, 'POST', '/webhooks', { endpoint: receiver.url, events: ['email.sent'] });
      expect(hook.status).toBe(201);
      const sent = await api(s, 'POST', '/emails', { from: s.from, to: 'hooked@example.org', subject: 'Hooked', text: 'hi' });
      await waitForStatus(s, sent.body.id, ['sent']);
      const trouble = await waitFor(
        async () => {
          const [failed, disabled] = await Promise.all([feed('?type=webhook.failed'), feed('?type=webhook.disabled')]);
          return failed.body.data?.length && disabled.body.data?.length ? { failed: failed.body.data[0], disabled: disabled.body.data[0] } : undefined;
        },
        { timeoutMs: 30_000, what: 'the webhook’s failure and disable in the feed' },
      );
      expect(trouble.failed).toMatchObject({
        webhook_id: hook.body.id,
        email_id: sent.body.id,
        detail: { endpoint: receiver.url, http_status: 500, attempts: 2, reason: 'email.sent' },
      });
      expect(trouble.disabled).toMatchObject({ webhook_id: hook.body.id, detail: { message: expect.stringContaining('2 failed attempts') } });
      expect(receiver.received).toHaveLength(2);
      await goto('activity?type=webhook.failed');
      const row = page.locator(`tbody tr[data-activity-id="${trouble.failed.id}"]`);
      await row.waitFor();
      expect(await row.textContent()).toContain('http_status: 500');
      await row.getByRole('link', { name: hook.body.id }).click();
      await waitFor(async () => page.url() === `${s.apiUrl}/console/webhooks/${hook.body.id}`, { what: 'the webhook page' });
    } finally {
      await receiver.stop();
    }
  });

  it('logged no script errors', () => {
    expect(problems).toEqual([]);
  });
});
