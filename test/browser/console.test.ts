/**
 * The operator console in a real browser: Debian's Chromium driven by playwright-core against a
 * whole local Mailroom (emulators, real handlers, the console served at /console/).
 * Screenshots of every page go to test-results/console/ (artifacts) and, when missing or when
 * MAILROOM_UPDATE_SCREENSHOTS=1, to docs/images/console-<page>.png for the README.
 */
import path from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Resend } from 'resend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoEmailMetrics } from '#shared/adapters/dynamodb-email-metrics';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import { systemClock } from '#shared/ports/index';
import { recordDeliveryEvent } from '#shared/use-cases/record-delivery-event';
import { createEventPublisher } from '#shared/adapters/eventbridge-event-publisher';
import { DynamoTenantStore } from '#shared/adapters/dynamodb-tenant-store';
import { ENV } from '#shared/config/env';
import { sesEventFor } from '#test/support/ses-fixtures';
import type { EmailRecord } from '#shared/domain/email';
import { api, useLocalStack, waitFor, waitForStatus } from '#test/support/local-stack';
import {
  buildConsole,
  CONSOLE_KEY as KEY,
  DESKTOP,
  launchChromium,
  noHorizontalScroll as fits,
  openPage,
  PHONE,
  screenshot as saveScreenshot,
  signedIn,
  UI_TIMEOUT,
  watchPage,
  ZONE,
} from '#test/support/browser';

const ARTIFACTS = path.resolve('test-results/console');

describe('operator console (Chromium)', () => {
  const stack = useLocalStack();
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  // A tenant key may not read lanes (operator routes): the console asks once and says an operator key is needed.
  const expectedFailures = new Set<string>(['401 /lanes', '403 /lanes']);

  /** CSP violations, script errors and unexpected failed requests surface here (the wrong-key sign-in is refused on purpose). */
  const watch = (p: Page) => watchPage(p, problems, { expected: (r) => expectedFailures.has(`${r.status()} ${new URL(r.url()).pathname}`) });

  beforeAll(async () => {
    browser = await launchChromium();
    await buildConsole();
    // Not signed in: the first test signs in.
    ({ context, page } = await openPage(browser, { ...DESKTOP, timezoneId: ZONE, watch }));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  const screenshot = (name: string, on: Page = page) => saveScreenshot(on, name, { artifacts: ARTIFACTS });
  const noHorizontalScroll = (on: Page = page) => fits(on);
  const search = () => new URL(page.url()).searchParams;
  const dialog = (name: string | RegExp) => page.getByRole('dialog', { name });
  const goto = (route: string) => page.goto(`${stack().apiUrl}/console/${route}`);
  const nav = (name: string) => page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true }).click();
  const send = (body: Record<string, unknown>) => api(stack(), 'POST', '/emails', { from: stack().from, ...body });

  it('serves the console with a strict CSP, SPA fallback and no guessable extras', async () => {
    const base = `${stack().apiUrl}/console`;
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = index.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    const deep = await fetch(`${base}/emails/some-id`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<div id="root">');
    const html = await (await fetch(`${base}/`)).text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`${stack().apiUrl}${script}`);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404);
    // Local mode: same origin, so config.json names no API URL.
    expect(await (await fetch(`${base}/config.json`)).json()).toEqual({});
    expect((await fetch(`${base}/..%2f..%2fpackage.json`)).status).toBe(404);
    // The API is still the API.
    expect((await fetch(`${stack().apiUrl}/health`)).status).toBe(200);
  });

  it('refuses a wrong key and signs in with the pasted API key (kept in session storage)', async () => {
    await goto('');
    // A wrong key is refused by the authorizer: 401 (unknown key) or 403 (denied), depending on the path.
    expectedFailures.add('401 /emails');
    expectedFailures.add('403 /emails');
    await page.getByLabel('API key').fill('mr_not_a_real_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await screenshot('signin');
    await page.getByLabel('API key').fill(stack().apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    expect(await page.evaluate(`sessionStorage.getItem("${KEY}")`)).toBe(stack().apiKey);
    expect(await page.evaluate(`localStorage.getItem("${KEY}")`)).toBeNull();
    expectedFailures.delete('401 /emails');
    expectedFailures.delete('403 /emails');
    // Session-only is the default: another tab of the same browser profile asks for the key again.
    const other = await context.newPage();
    watch(other);
    await other.goto(`${stack().apiUrl}/console/lanes`);
    await other.getByLabel('API key').waitFor();
    await other.close();
  });

  it('remembers the key on this device only when asked, so a new tab opens a shared link signed in', async () => {
    const profile = await browser.newContext({ viewport: DESKTOP.viewport, timezoneId: ZONE });
    const first = await profile.newPage();
    watch(first);
    await first.goto(`${stack().apiUrl}/console/`);
    await first.getByLabel('API key').fill(stack().apiKey);
    await first.getByLabel('Remember on this device').check();
    await first.getByRole('button', { name: 'Sign in' }).click();
    await first.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    expect(await first.evaluate(`localStorage.getItem("${KEY}")`)).toBe(stack().apiKey);
    const second = await profile.newPage();
    watch(second);
    await second.goto(`${stack().apiUrl}/console/scheduled`);
    await second.getByRole('heading', { name: 'Scheduled', level: 1 }).waitFor();
    // Signing out forgets it everywhere on this device.
    await second.getByRole('button', { name: 'Sign out' }).click();
    await second.getByLabel('API key').waitFor();
    expect(await second.evaluate(`localStorage.getItem("${KEY}")`)).toBeNull();
    await profile.close();
  });

  it('shows an email sent through the API as sent, then its detail with preview and timeline', async () => {
    const res = await send({
      to: 'ada@example.org',
      subject: 'Welcome aboard',
      html: '<h1 style="color:#0a58ca">Hello Ada</h1><p>Your account is ready.</p>',
      text: 'Hello Ada',
    });
    expect(res.status).toBe(200);
    const id = res.body.id as string;
    await send({ to: ['grace@example.org', 'alan@example.org'], subject: 'Your invoice', html: '<p>Invoice attached.</p>' });
    await send({ to: 'linus@example.org', subject: 'Weekly digest', html: '<p>News</p>' }).then((r) => expect(r.status).toBe(200));
    await waitForStatus(stack(), id, ['sent']);

    await nav('Emails');
    // Auto-refresh (5 s) or the first load shows the email with its status chip.
    const row = page.locator(`tr[data-email-id="${id}"]`);
    await row.locator('.chip', { hasText: 'sent' }).waitFor();
    expect(await row.textContent()).toContain('ada@example.org');
    expect(await noHorizontalScroll()).toBe(true);
    await screenshot('emails');

    // Times carry their zone: the browser's by default, UTC with the toggle.
    expect(await row.locator('time').first().textContent()).toMatch(/EST|GMT-5/);
    await page.getByRole('button', { name: 'UTC', exact: true }).click();
    expect(await row.locator('time').first().textContent()).toMatch(/UTC/);
    await page.getByRole('button', { name: 'UTC', exact: true }).click();

    // Filtering by recipient narrows the table to that email, and the filter is in the URL.
    const rows = page.locator('tbody tr[data-email-id]');
    await page.getByLabel('Recipient contains').fill('ada@');
    await page.getByLabel('Status').selectOption('sent');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await waitFor(async () => (await rows.count()) === 1, { what: 'the filtered table' });
    expect(await rows.first().getAttribute('data-email-id')).toBe(id);
    expect(search().get('to')).toBe('ada@');
    expect(search().get('status')).toBe('sent');
    // Back shows the unfiltered list again, Forward the filtered one, and a reload keeps it.
    await page.goBack();
    await waitFor(async () => (await rows.count()) >= 3, { what: 'the unfiltered table after Back' });
    expect(await page.getByLabel('Recipient contains').inputValue()).toBe('');
    await page.goForward();
    await waitFor(async () => (await rows.count()) === 1, { what: 'the filtered table after Forward' });
    await page.reload();
    await page.getByRole('heading', { name: 'Emails', level: 1 }).waitFor();
    await waitFor(async () => (await rows.count()) === 1, { what: 'the filtered table after a reload' });
    expect(await page.getByLabel('Recipient contains').inputValue()).toBe('ada@');
    expect(await page.getByLabel('Status').inputValue()).toBe('sent');
    // A shared link opens the same view.
    await goto(`emails?to=${encodeURIComponent('alan@')}`);
    await waitFor(async () => (await rows.count()) === 1 && (await rows.first().textContent())?.includes('alan@example.org'), {
      what: 'the shared filtered view',
    });
    await page.getByRole('button', { name: 'Clear' }).click();
    await waitFor(async () => (await rows.count()) >= 3, { what: 'the cleared table' });
    expect(search().toString()).toBe('');

    await row.getByRole('link', { name: 'Welcome aboard' }).click();
    await page.getByRole('heading', { name: 'Welcome aboard', level: 1 }).waitFor();
    expect(page.url()).toBe(`${stack().apiUrl}/console/emails/${id}`);
    const timeline = page.locator('ol.timeline li');
    await waitFor(async () => (await timeline.count()) >= 2, { what: 'timeline entries' });
    const events = (await timeline.allTextContents()).join(' | ');
    expect(events).toMatch(/queued/);
    expect(events).toMatch(/sent/);
    const preview = page.locator('iframe[title="Email preview"]');
    expect(await preview.getAttribute('sandbox')).toBe('');
    expect(await page.frameLocator('iframe[title="Email preview"]').locator('h1').textContent()).toBe('Hello Ada');
    expect(await page.getByTestId('text-part').textContent()).toBe('Hello Ada');
    // The header block is read from GET /emails/{id}/raw (the message rebuilt by the sender's composer).
    await page.locator('dl.headers[data-source="raw"]').waitFor();
    const headers = (await page.locator('dl.headers').textContent()) ?? '';
    expect(headers).toContain('Welcome aboard');
    expect(headers).toMatch(/Message-ID<.+@.+>/);
    expect(await page.getByTestId('email-id').textContent()).toBe(id);
    await page.getByRole('button', { name: 'Copy email id' }).waitFor();
    // Every provider attempt is listed as the API returns it (here the accepted one), so an ambiguous one would show.
    const attempts = (await api(stack(), 'GET', `/emails/${id}`)).body.provider_attempts as Array<{ provider: string; outcome: string }>;
    expect(attempts.at(-1)?.outcome).toBe('accepted');
    const attemptRows = page.getByRole('table', { name: 'Provider attempts' }).locator('tbody tr');
    await waitFor(async () => (await attemptRows.count()) === attempts.length, { what: 'the provider attempts' });
    expect(await attemptRows.last().getAttribute('data-outcome')).toBe('accepted');
    expect(await attemptRows.last().textContent()).toContain(attempts.at(-1)?.provider);
    expect(await noHorizontalScroll()).toBe(true);
    await screenshot('email-detail');
  });

  it('finds an email by its pasted id, and opens it', async () => {
    const res = await send({ to: 'pasted@example.org', subject: 'Find me by id', html: '<p>Here</p>' });
    const id = res.body.id as string;
    await nav('Emails');
    const box = page.getByLabel('Find an email');
    await box.focus();
    // A real paste event with the id on the clipboard data (what Ctrl+V delivers).
    await page.evaluate(`{
      const data = new DataTransfer();
      data.setData('text/plain', ${JSON.stringify(`  ${id}
`)});
      document.getElementById('find').dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }`);
    await page.getByRole('heading', { name: 'Find me by id', level: 1 }).waitFor();
    expect(page.url()).toBe(`${stack().apiUrl}/console/emails/${id}`);
    // A provider (SES) message id finds its email too.
    const providerId = (await waitForStatus(stack(), id, ['sent'])).provider_message_id as string;
    expect(providerId).toBeTruthy();
    // The box tries it as an email id first: that 404 is expected.
    expectedFailures.add(`404 /emails/${providerId}`);
    await nav('Emails');
    await page.getByLabel('Find an email').fill(providerId);
    await page.getByLabel('Find an email').press('Enter');
    await page.getByRole('heading', { name: 'Find me by id', level: 1 }).waitFor();
    // Typed and submitted works too; text that is not an id filters by recipient.
    await nav('Emails');
    await box.fill('pasted@');
    await box.press('Enter');
    await waitFor(async () => search().get('to') === 'pasted@', { what: 'the recipient filter from the search box' });
    await page.locator(`tr[data-email-id="${id}"]`).waitFor();

    // Subject prefix (case-insensitive) and a created-at range read in the shown zone.
    await page.getByRole('button', { name: 'Clear' }).click();
    const rows = page.locator('tbody tr[data-email-id]');
    await page.getByLabel('Subject starts with').fill('your INV');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await waitFor(async () => (await rows.count()) === 1 && (await rows.first().textContent())?.includes('Your invoice'), { what: 'the subject filter' });
    expect(search().get('subject')).toBe('your INV');
    await page.getByLabel(/^Created before/).fill('2020-01-01T00:00');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No emails match these filters.').waitFor();
    // Midnight in New York (UTC−5 in January) is 05:00 UTC.
    expect(search().get('created_before')).toBe('2020-01-01T05:00:00.000Z');
    await page.getByRole('button', { name: 'Clear' }).click();
  });

  it('acts from the email detail page only after confirming: suppress (with undo) and resend as a new email', async () => {
    const res = await send({ to: 'detail@example.org', subject: 'Act on me', html: '<p>Body</p>', text: 'Body' });
    const id = res.body.id as string;
    await waitForStatus(stack(), id, ['sent']);
    await goto(`emails/${id}`);
    await page.getByRole('heading', { name: 'Act on me', level: 1 }).waitFor();

    await page.getByRole('button', { name: 'Suppress detail@example.org' }).click();
    await dialog('Suppress detail@example.org?').waitFor();
    await page.getByRole('button', { name: 'Keep it' }).click();
    await dialog('Suppress detail@example.org?').waitFor({ state: 'hidden' });
    expect((await api(stack(), 'GET', '/suppressions')).body.data.map((x: { email: string }) => x.email)).not.toContain('detail@example.org');
    await page.getByRole('button', { name: 'Suppress detail@example.org' }).click();
    await dialog('Suppress detail@example.org?').getByRole('button', { name: 'Suppress' }).click();
    await page.getByRole('status').filter({ hasText: 'Suppressed detail@example.org' }).waitFor();
    expect((await api(stack(), 'GET', '/suppressions')).body.data.map((x: { email: string }) => x.email)).toContain('detail@example.org');
    await page.getByRole('status').getByRole('button', { name: 'Undo' }).click();
    await page.getByRole('status').filter({ hasText: 'Removed detail@example.org' }).waitFor();
    expect((await api(stack(), 'GET', '/suppressions')).body.data.map((x: { email: string }) => x.email)).not.toContain('detail@example.org');

    await page.getByRole('button', { name: 'Resend as new email' }).click();
    await dialog('Send this email again?').getByRole('button', { name: 'Send again' }).click();
    const link = page.getByRole('status').getByRole('link', { name: 'open it' });
    await link.waitFor();
    const copy = decodeURIComponent(((await link.getAttribute('href')) ?? '').split('/').pop() ?? '');
    expect(copy).not.toBe(id);
    const resent = await waitForStatus(stack(), copy, ['sent']);
    expect(resent).toMatchObject({ to: ['detail@example.org'], subject: 'Act on me' });
    expect(resent.tags).toContainEqual({ name: 'resent_from', value: id });
  });

  it('cancels a scheduled email from the Scheduled page', async () => {
    const keep = await send({ to: 'later@example.org', subject: 'Quarterly report', html: '<p>Q3</p>', scheduled_at: 'in 3 hours' });
    const drop = await send({ to: 'oops@example.org', subject: 'Sent by mistake', html: '<p>Oops</p>', scheduled_at: 'in 2 hours' });
    expect([keep.status, drop.status]).toEqual([200, 200]);
    await waitForStatus(stack(), drop.body.id, ['scheduled']);

    await nav('Scheduled');
    const row = page.locator(`tr[data-email-id="${drop.body.id}"]`);
    await row.waitFor();
    await page.locator(`tr[data-email-id="${keep.body.id}"]`).waitFor();
    expect(await noHorizontalScroll()).toBe(true);
    await screenshot('scheduled');
    // A destructive action asks first; keeping it changes nothing.
    await row.getByRole('button', { name: 'Cancel “Sent by mistake”' }).click();
    await dialog('Cancel “Sent by mistake”?').waitFor();
    await page.getByRole('button', { name: 'Keep it scheduled' }).click();
    await dialog('Cancel “Sent by mistake”?').waitFor({ state: 'hidden' });
    expect((await api(stack(), 'GET', `/emails/${drop.body.id}`)).body.status).toBe('scheduled');
    await row.getByRole('button', { name: 'Cancel “Sent by mistake”' }).click();
    await dialog('Cancel “Sent by mistake”?').getByRole('button', { name: 'Cancel email' }).click();
    await page.getByRole('status').filter({ hasText: 'Canceled “Sent by mistake”' }).waitFor();
    await row.waitFor({ state: 'detached' });
    expect((await api(stack(), 'GET', `/emails/${drop.body.id}`)).body.status).toBe('canceled');
    expect((await api(stack(), 'GET', `/emails/${keep.body.id}`)).body.status).toBe('scheduled');
  });

  it('reschedules a scheduled email from the Scheduled page', async () => {
    const res = await send({ to: 'move@example.org', subject: 'Move me', html: '<p>Later</p>', scheduled_at: 'in 2 hours' });
    await nav('Scheduled');
    await page.getByRole('button', { name: 'Refresh now' }).click();
    const row = page.locator(`tr[data-email-id="${res.body.id}"]`);
    // The field says which zone it reads, and reads "tomorrow at 9am" in it (New York: 14:00 UTC).
    expect(await row.getByTestId('reschedule-reads').textContent()).toContain(ZONE);
    await row.getByLabel('New send time for Move me').fill('tomorrow at 9am');
    expect(await row.getByTestId('reschedule-reads').textContent()).toMatch(/09:00:00 (AM )?(EST|GMT-5)/);
    await row.getByRole('button', { name: 'Reschedule' }).click();
    await page.getByRole('status').filter({ hasText: 'Rescheduled “Move me”' }).waitFor();
    const after = (await api(stack(), 'GET', `/emails/${res.body.id}`)).body;
    expect(after.status).toBe('scheduled');
    expect(new Date(after.scheduled_at).getUTCHours()).toBe(14);
    expect(Date.parse(after.scheduled_at)).toBeGreaterThan(Date.now());
    // With the UTC toggle on, the same words mean 09:00 UTC.
    await page.getByRole('button', { name: 'UTC', exact: true }).click();
    expect(await row.getByTestId('reschedule-reads').textContent()).toContain('UTC');
    await row.getByLabel('New send time for Move me').fill('tomorrow at 9am');
    await row.getByRole('button', { name: 'Reschedule' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Rescheduled “Move me” to .*09:00:00 (AM )?UTC/ })
      .waitFor();
    expect(new Date((await api(stack(), 'GET', `/emails/${res.body.id}`)).body.scheduled_at).getUTCHours()).toBe(9);
    await page.getByRole('button', { name: 'UTC', exact: true }).click();
  });

  it('redrives a failed email from the Lanes page and it becomes sent', async () => {
    const s = stack();
    const now = new Date().toISOString();
    const failed: EmailRecord = {
      id: `console-dlq-${Date.now()}`,
      tenantId: s.tenantId,
      lane: 'transactional',
      status: 'failed',
      lastEvent: 'failed',
      from: s.from,
      to: ['stuck@example.org'],
      cc: [],
      bcc: [],
      replyTo: [],
      subject: 'Stuck in the DLQ',
      html: '<p>Second try</p>',
      headers: {},
      tags: [],
      scheduleVersion: 0,
      attempts: 5,
      lastError: { class: 'transient', code: 'ServiceUnavailable', message: 'SES answered 503 five times' },
      createdAt: now,
      updatedAt: now,
      expiresAt: Math.floor(Date.now() / 1000) + 86_400,
      events: [
        { type: 'queued', at: now },
        { type: 'failed', at: now },
      ],
    } as EmailRecord;
    await new DynamoEmailStore(s.doc, s.names.table).create(failed);
    await s.sqs.send(
      new SendMessageCommand({
        QueueUrl: s.queues.dlqUrls.transactional,
        MessageBody: JSON.stringify({ emailId: failed.id, tenantId: s.tenantId, scheduleVersion: 0 }),
      }),
    );

    // A tenant key cannot see lanes (deployment-wide): the page says what is needed, once.
    await nav('Lanes');
    await page.getByText('they need an operator key').waitFor();
    // The operator signs in with the deployment's operator key.
    const { context: operator, page: op } = await openPage(browser, { ...DESKTOP, timezoneId: ZONE, apiKey: s.operatorKey, watch });
    await op.goto(`${s.apiUrl}/console/lanes`);
    const lane = op.locator('tr[data-lane="transactional"]');
    await lane.waitFor();
    await waitFor(async () => (await lane.locator('td').nth(6).textContent())?.trim() === '1', { what: 'the DLQ depth to show 1', timeoutMs: UI_TIMEOUT });
    expect(await lane.getByTestId('failed-last-hour').textContent()).toBe('1');
    // While the DLQ is loading the panel says so, never "empty" (a false all-clear).
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const held: string[] = [];
    await op.route('**/lanes/transactional/dlq?*', async (route) => {
      held.push(route.request().url());
      await gate;
      await route.fallback();
    });
    await op.getByRole('button', { name: 'Show transactional DLQ' }).click();
    const panel = op.getByRole('region', { name: 'Dead-letter queue: transactional' });
    await panel.getByText('Loading…').waitFor();
    expect(await panel.getByText('DLQ is empty').count()).toBe(0);
    expect(held).toHaveLength(1);
    release();
    const entry = op.locator(`tr[data-email-id="${failed.id}"]`);
    await entry.locator('.chip', { hasText: 'failed' }).waitFor();
    await op.unroute('**/lanes/transactional/dlq?*');
    expect(await noHorizontalScroll(op)).toBe(true);
    await screenshot('lanes', op);

    await op.getByRole('button', { name: 'Redrive transactional DLQ' }).click();
    await op.getByRole('dialog', { name: 'Redrive the transactional DLQ?' }).waitFor();
    await op.keyboard.press('Escape');
    await op.getByRole('dialog', { name: 'Redrive the transactional DLQ?' }).waitFor({ state: 'hidden' });
    await op.getByRole('button', { name: 'Redrive transactional DLQ' }).click();
    await op.getByRole('dialog', { name: 'Redrive the transactional DLQ?' }).getByRole('button', { name: 'Redrive transactional' }).click();
    await op
      .getByRole('status')
      .filter({ hasText: /Moved 1 message/ })
      .waitFor();
    await waitForStatus(s, failed.id, ['sent']);
    // "Failed, last hour" counts failures in the hour: redriving the email does not erase its failure.
    await waitFor(async () => (await lane.getByTestId('dlq-depth').textContent())?.trim() === '0', { what: 'the DLQ depth to show 0' });
    expect(await lane.getByTestId('failed-last-hour').textContent()).toBe('1');
    await operator.close();
  });

  it('previews a template with sample data and sends a test', async () => {
    const created = await api(stack(), 'POST', '/templates', {
      id: 'welcome-console',
      name: 'Welcome (console)',
      subject: 'Welcome, {{name}}!',
      html: '<h1>Hi {{name}}</h1><p>Your plan: {{plan}}</p>',
      sample: { name: 'Ada', plan: 'Pro' },
    });
    expect(created.status).toBe(201);
    expect((await api(stack(), 'POST', '/templates/welcome-console/publish')).status).toBe(200);
    await nav('Templates');
    await page.getByRole('button', { name: 'Open welcome-console' }).click();
    await page.getByLabel('Sample data (JSON)').fill(JSON.stringify({ name: 'Grace', plan: 'Team' }));
    await page.getByRole('button', { name: 'Render preview' }).click();
    await page.getByTestId('preview-subject').filter({ hasText: 'Welcome, Grace!' }).waitFor();
    expect(await page.frameLocator('iframe[title="Template preview"]').locator('h1').textContent()).toBe('Hi Grace');
    expect(await noHorizontalScroll()).toBe(true);
    await screenshot('templates');

    await page.getByLabel('From').fill(stack().from);
    await page.getByLabel('To', { exact: true }).fill('qa@example.org');
    await page.getByRole('button', { name: 'Send test email' }).click();
    const link = page.getByRole('status').getByRole('link', { name: 'open it' });
    await link.waitFor();
    const id = decodeURIComponent(((await link.getAttribute('href')) ?? '').split('/').pop() ?? '');
    const sent = await waitForStatus(stack(), id, ['sent']);
    expect(sent.template).toMatchObject({ id: 'welcome-console', version: 1 });
    // The detail page shows what was sent: the rendered subject and HTML, and the template's version.
    await link.click();
    await page.getByRole('heading', { name: 'Welcome, Grace!', level: 1 }).waitFor();
    expect(await page.frameLocator('iframe[title="Email preview"]').locator('h1').textContent()).toBe('Hi Grace');
    expect(await page.locator('dl.meta').first().textContent()).toContain('welcome-console, version 1');
  });

  it('lists suppressions and removes one', async () => {
    for (const email of ['bounced@example.org', 'complainer@example.org']) {
      expect((await api(stack(), 'POST', '/suppressions', { email })).status).toBe(201);
    }
    await nav('Suppressions');
    const row = page.locator('tr[data-address="bounced@example.org"]');
    await row.waitFor();
    expect(await noHorizontalScroll()).toBe(true);
    await screenshot('suppressions');
    await page.getByRole('button', { name: 'Remove bounced@example.org' }).click();
    await dialog('Remove bounced@example.org from the suppression list?').getByRole('button', { name: 'Remove' }).click();
    await row.waitFor({ state: 'detached' });
    const listed = async () => (await api(stack(), 'GET', '/suppressions')).body.data.map((s: { email: string }) => s.email).sort();
    expect(await listed()).toEqual(['complainer@example.org']);
    // Undo puts it back.
    await page.getByRole('status').getByRole('button', { name: 'Undo' }).click();
    await row.waitFor();
    expect(await listed()).toEqual(['bounced@example.org', 'complainer@example.org']);
  });

  it('is usable from the keyboard with a visible focus ring', async () => {
    await goto('lanes');
    await page.getByRole('heading', { name: 'Lanes', level: 1 }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Overview');
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).not.toBe('none');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Emails');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Emails', level: 1 }).waitFor();
    // Every form control on the page has a label.
    const unlabeled = await page.evaluate(
      '[...document.querySelectorAll("input, select, textarea")].filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")).length',
    );
    expect(unlabeled).toBe(0);
  });

  it('shows the overview with the same numbers as the metrics API (emails.metrics through the Resend SDK), and SES thresholds', async () => {
    const resend = new Resend(stack().apiKey, { baseUrl: stack().apiUrl });
    const today = new Date().toLocaleDateString('en-CA', { timeZone: ZONE });
    const weekAgo = new Date(Date.now() - 6 * 86_400_000).toLocaleDateString('en-CA', { timeZone: ZONE });
    const read = async () => {
      const { data, error } = await resend.emails.metrics({ startDate: weekAgo, endDate: today, timezone: ZONE, granularity: 'daily', dimensions: ['period'] });
      expect(error).toBeNull();
      return data!;
    };
    // One sent email bounces (the SES event through the tracking use case, counted by the DynamoDB counters).
    const s = stack();
    const digest = (await api(s, 'GET', `/emails?to=${encodeURIComponent('linus@')}`)).body.data[0] as { id: string };
    const bounce = sesEventFor('bounce-permanent', { id: digest.id, tenantId: s.tenantId }, { recipient: 'linus@example.org' });
    // AWS's sample is from years ago; counters count an event in the hour it happened.
    bounce.time = bounce.detail.bounce.timestamp = bounce.detail.mail.timestamp = new Date().toISOString();
    const outcome = await recordDeliveryEvent(
      {
        emails: new DynamoEmailStore(s.doc, s.names.table),
        counters: new DynamoEmailMetrics(s.doc, s.names.table),
        clock: systemClock,
        // As the tracking function publishes it: "Email Bounced" reaches the activity log through the fan-out.
        events: createEventPublisher(
          { mode: 'local', recipientLogging: 'mask', webhookEventQueueUrl: s.env[ENV.WEBHOOK_EVENT_QUEUE_URL] },
          new DynamoTenantStore(s.doc, s.names.table),
        )!,
      },
      bounce,
    );
    expect(outcome).toMatchObject({ kind: 'recorded', status: 'bounced' });
    await nav('Overview');
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    const figure = (metric: string) => page.locator(`dl.totals [data-metric="${metric}"] dd`).textContent();
    // The emails sent by the tests above were counted (one ADD each), with a daily row for every day of the range.
    let answer = await read();
    expect(answer.totals.sent).toBeGreaterThanOrEqual(7);
    expect(answer.data).toHaveLength(7);
    expect(answer.data?.at(-1)?.period).toBe(today);
    // Delivery events may still be arriving: compare once the API answers the same twice around the page's figures.
    await waitFor(
      async () => {
        await page.getByRole('button', { name: 'Last 7 days' }).click();
        answer = await read();
        const shown = await Promise.all(['sent', 'delivered', 'bounced', 'complained', 'failed'].map(figure));
        const again = await read();
        const expected = ['sent', 'delivered', 'bounced', 'complained', 'failed'].map((m) => (answer.totals[m as 'sent'] ?? 0).toLocaleString('en-US'));
        return JSON.stringify(answer.totals) === JSON.stringify(again.totals) && JSON.stringify(shown) === JSON.stringify(expected);
      },
      { what: 'the overview totals to equal the metrics API', timeoutMs: UI_TIMEOUT },
    );
    expect(answer.totals.bounced_permanent).toBe(1);
    expect(await figure('bounce_rate')).toBe(`${((answer.totals.bounce_rate ?? 0) * 100).toFixed(2)} %`);
    // The chart's table alternative lists the API's rows, and SES's thresholds are drawn in.
    const volume = page.locator('figure.chart').first();
    expect(await volume.locator('details tbody tr').count()).toBe(7);
    // uPlot draws each chart on a canvas the width of its panel, named by the chart's title.
    for (const name of [
      'Volume and outcomes per period',
      "Bounce rate per period against SES's thresholds",
      "Complaint rate per period against SES's threshold",
    ]) {
      const plot = page.getByRole('img', { name, exact: true });
      const canvas = plot.locator('canvas');
      expect(await canvas.count()).toBe(1);
      const box = await canvas.boundingBox();
      expect(box?.width).toBeGreaterThan(0);
      expect(box?.height).toBeGreaterThan(0);
      // A ResizeObserver keeps it as wide as its container (whole pixels, so within one).
      await waitFor(async () => Math.abs(((await canvas.boundingBox())?.width ?? 0) - ((await plot.boundingBox())?.width ?? 0)) <= 1, {
        what: `${name}: canvas as wide as its panel`,
      });
    }
    // The legend shows the values at the pointer, and only while it is on the plot: today's at the right edge.
    const sentValue = volume.locator('.u-legend .u-series').nth(1).locator('.u-value');
    expect(await sentValue.isVisible()).toBe(false);
    const over = await volume.locator('.u-over').boundingBox();
    await page.mouse.move((over?.x ?? 0) + (over?.width ?? 0) - 1, (over?.y ?? 0) + (over?.height ?? 0) / 2);
    await waitFor(async () => (await sentValue.isVisible()) && (await sentValue.textContent()) === (answer.data?.at(-1)?.sent ?? 0).toLocaleString('en-US'), {
      what: "the legend to show today's sent count",
    });
    await page.mouse.move(0, 0);
    expect(await page.getByText('SES warning 2 %').count()).toBeGreaterThan(0);
    expect(await page.getByText('SES review 5 %').count()).toBeGreaterThan(0);
    expect(await page.getByText('SES 0.1 %').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('badge-bounce').textContent()).toContain(`${((answer.totals.bounce_rate ?? 0) * 100).toFixed(2)} %`);
    // Sending health (GET /health: breaker, fallback) is badged as the API reports it.
    const health = ((await (await fetch(`${stack().apiUrl}/health`)).json()) as { status: string }).status;
    await page.getByTestId('badge-health').waitFor();
    expect(await page.getByTestId('badge-health').textContent()).toContain(health === 'ok' ? 'Sending healthy' : `Sending ${health}`);
    // Lane depths are an operator's: a tenant key is told so instead of a false "no dead letters".
    await page.getByText('they need an operator key').waitFor();
    expect(await page.getByTestId('badge-dlq').count()).toBe(0);
    // The range is in the URL.
    await page.getByRole('button', { name: 'Last 24 hours' }).click();
    await waitFor(async () => search().get('range') === '24h', { what: 'the range in the URL' });
    await waitFor(async () => (await volume.locator('details tbody tr').count()) >= 24, { what: 'hourly rows' });
    await page.getByRole('button', { name: 'Last 7 days' }).click();
    await page.locator('dl.totals').waitFor();
    expect(await noHorizontalScroll()).toBe(true);
    await screenshot('overview');
    // From "bounce rate is up" to the bounces of the range in one click (the activity feed: events in the window, as the counters count them).
    await page.getByRole('link', { name: 'Bounced events' }).click();
    await page.getByRole('heading', { name: 'Activity', level: 1 }).waitFor();
    expect(search().get('type')).toBe('email.bounced');
    expect(Date.parse(search().get('since') ?? '')).toBeLessThan(Date.now() - 6 * 86_400_000);
    await waitFor(async () => (await page.locator('tbody tr[data-email-id]').count()) === 1, { what: 'the bounce in the feed' });
    expect(await page.locator('tbody tr[data-email-id]').first().getAttribute('data-email-id')).toBe(digest.id);
    // How fast the landing page is useful (a figure for docs/console.md, not an assertion).
    await goto('');
    await page.locator('dl.totals').waitFor();
    const totalsAt = await page.evaluate('Math.round(performance.now())');
    await page.locator('figure.chart canvas').nth(2).waitFor();
    console.info(`overview: totals shown ${totalsAt} ms, charts drawn ${await page.evaluate('Math.round(performance.now())')} ms after navigation start`);
  });

  // The Activity page (the feed, its filter in the URL, raw MIME on the email page) is tested in activity.test.ts.

  it('is usable on a phone (390×844): no page scrolls sideways and the DLQ actions are on screen', async () => {
    const { context: phone, page: p } = await openPage(browser, { ...PHONE, timezoneId: ZONE, apiKey: stack().apiKey, watch });
    const email = (await api(stack(), 'GET', '/emails?limit=1')).body.data[0].id as string;
    const pages: Array<[string, string]> = [
      ['', 'Overview'],
      ['emails', 'Emails'],
      ['activity', 'Activity'],
      [`emails/${email}`, ''],
      ['scheduled', 'Scheduled'],
      ['lanes', 'Lanes'],
      ['templates', 'Templates'],
      ['suppressions', 'Suppressions'],
    ];
    for (const [route, heading] of pages) {
      await p.goto(`${stack().apiUrl}/console/${route}`);
      if (heading) await p.getByRole('heading', { name: heading, level: 1 }).waitFor();
      else await p.locator('dl.meta').first().waitFor();
      await p.locator('td.loading').first().waitFor({ state: 'detached' });
      expect({ route, fits: await noHorizontalScroll(p) }).toEqual({ route, fits: true });
      if (route === 'emails') await screenshot('mobile-emails', p);
      if (route === '') {
        await p.locator('dl.totals').waitFor();
        await screenshot('mobile-overview', p);
      }
    }
    // Lanes with the operator key (a tenant key sees only the note that one is needed).
    // Init scripts run in order: this one's key wins from the next navigation on.
    await phone.addInitScript(signedIn(stack().operatorKey));
    await p.goto(`${stack().apiUrl}/console/lanes`);
    await p.getByRole('button', { name: 'Show transactional DLQ' }).click();
    const redrive = p.getByRole('button', { name: 'Redrive transactional DLQ' });
    await redrive.waitFor();
    const box = await redrive.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 390).toBe(true);
    expect(await noHorizontalScroll(p)).toBe(true);
    await screenshot('mobile-lanes', p);
    await phone.close();
  });

  it('logged no script errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
