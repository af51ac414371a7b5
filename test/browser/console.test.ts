/**
 * The operator console in a real browser: Debian's Chromium driven by playwright-core against a
 * whole local Mailroom (emulators, real handlers, the console served at /console/).
 * Screenshots of every page go to test-results/console/ (artifacts) and, when missing or when
 * MAILROOM_UPDATE_SCREENSHOTS=1, to docs/images/console-<page>.png for the README.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoEmailStore } from '#shared/adapters/dynamodb-email-store';
import type { EmailRecord } from '#shared/domain/email';
import { CONSOLE_DIST_DIR } from '#infra/local/console-static';
import { api, useLocalStack, waitFor, waitForStatus } from '#test/support/local-stack';

const CHROMIUM = process.env.MAILROOM_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve('test-results/console');
const DOC_IMAGES = path.resolve('docs/images');
const UI_TIMEOUT = 20_000;

function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the console browser tests need Debian's chromium package. Install it with \`apt-get install -y chromium\` (.ci/run does this in CI), or point MAILROOM_CHROMIUM at a Chromium binary.`,
    );
  }
}

describe('operator console (Chromium)', () => {
  const stack = useLocalStack();
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const expectedFailures = new Set<string>();

  beforeAll(async () => {
    requireChromium();
    // The console is built here, so `npm test` on a fresh clone tests what `npm start` serves.
    await build({ configFile: path.resolve('console/vite.config.ts'), logLevel: 'error' });
    expect(existsSync(path.join(CONSOLE_DIST_DIR, 'index.html'))).toBe(true);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Without the background-networking flags Chromium keeps trying to reach Google's services.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
    // CSP violations and script errors surface here; the console must produce none.
    page.on('console', (m) => {
      // Failed loads are checked by URL below (the wrong-key sign-in is refused on purpose).
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !expectedFailures.has(`${r.status()} ${new URL(r.url()).pathname}`))
        problems.push(`${r.status()} ${r.request().method()} ${r.url()}`);
    });
    page.on('pageerror', (e) => problems.push(String(e)));
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  async function screenshot(name: string): Promise<void> {
    const file = path.join(ARTIFACTS, `console-${name}.png`);
    await page.screenshot({ path: file, fullPage: false });
    const doc = path.join(DOC_IMAGES, `console-${name}.png`);
    if (process.env.MAILROOM_UPDATE_SCREENSHOTS === '1' || !existsSync(doc)) {
      mkdirSync(DOC_IMAGES, { recursive: true });
      copyFileSync(file, doc);
    }
  }

  const noHorizontalScroll = () => page.evaluate('document.documentElement.scrollWidth <= window.innerWidth') as Promise<boolean>;
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
    expectedFailures.add('401 /emails');
    await page.getByLabel('API key').fill('mr_not_a_real_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await screenshot('signin');
    await page.getByLabel('API key').fill(stack().apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Emails', level: 1 }).waitFor();
    expect(await page.evaluate('sessionStorage.getItem("mailroom.console.apiKey")')).toBe(stack().apiKey);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expectedFailures.delete('401 /emails');
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

    // Filtering by recipient narrows the table to that email.
    await page.getByLabel('Recipient contains').fill('ada@');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await waitFor(async () => (await page.locator('tbody tr[data-email-id]').count()) === 1, { what: 'the filtered table' });
    expect(await page.locator('tbody tr[data-email-id]').first().getAttribute('data-email-id')).toBe(id);
    await page.getByRole('button', { name: 'Clear' }).click();

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
    expect(await noHorizontalScroll()).toBe(true);
    await screenshot('email-detail');
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
    await row.getByRole('button', { name: 'Cancel “Sent by mistake”' }).click();
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
    await row.getByLabel('New send time for Move me').fill('in 5 hours');
    await row.getByRole('button', { name: 'Reschedule' }).click();
    await page.getByRole('status').filter({ hasText: 'Rescheduled “Move me”' }).waitFor();
    const after = (await api(stack(), 'GET', `/emails/${res.body.id}`)).body;
    expect(after.status).toBe('scheduled');
    expect(Date.parse(after.scheduled_at) - Date.now()).toBeGreaterThan(4.5 * 3600_000);
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

    await nav('Lanes');
    const lane = page.locator('tr[data-lane="transactional"]');
    await lane.waitFor();
    await waitFor(async () => (await lane.locator('td').nth(6).textContent())?.trim() === '1', { what: 'the DLQ depth to show 1', timeoutMs: UI_TIMEOUT });
    await page.getByRole('button', { name: 'Show transactional DLQ' }).click();
    const entry = page.locator(`tr[data-email-id="${failed.id}"]`);
    await entry.locator('.chip', { hasText: 'failed' }).waitFor();
    expect(await noHorizontalScroll()).toBe(true);
    await screenshot('lanes');

    await page.getByRole('button', { name: 'Redrive transactional DLQ' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Moved 1 message/ })
      .waitFor();
    await waitForStatus(s, failed.id, ['sent']);
    await entry
      .getByRole('link')
      .click()
      .catch(() => goto(`emails/${failed.id}`));
    await page.locator('dl.meta .chip', { hasText: 'sent' }).waitFor();
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
    await row.waitFor({ state: 'detached' });
    const left = (await api(stack(), 'GET', '/suppressions')).body.data.map((s: { email: string }) => s.email);
    expect(left).toEqual(['complainer@example.org']);
  });

  it('is usable from the keyboard with a visible focus ring', async () => {
    await goto('lanes');
    await page.getByRole('heading', { name: 'Lanes', level: 1 }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Emails');
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).not.toBe('none');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Emails', level: 1 }).waitFor();
    // Every form control on the page has a label.
    const unlabeled = await page.evaluate(
      '[...document.querySelectorAll("input, select, textarea")].filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")).length',
    );
    expect(unlabeled).toBe(0);
  });

  it('logged no script errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
