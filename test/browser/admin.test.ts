/**
 * The console's Webhooks, Domains and API keys pages in a real browser (Debian's Chromium through
 * playwright-core) against a whole local Mailroom: a signed delivery to a receiver on 127.0.0.1, its
 * delivery log and replay; a domain's DNS records and local verification; a key's token shown once
 * and its revocation. Screenshots go to test-results/console/ and, when missing or with
 * MAILROOM_UPDATE_SCREENSHOTS=1, to docs/images/console-{webhooks,domains,api-keys}.png.
 */
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Resend } from 'resend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#shared/config/env';
import { verifyLocalDomain } from '../../cli/commands/domains';
import { api, useLocalStack, waitFor } from '#test/support/local-stack';
import { type ReceivedWebhook, startWebhookReceiver } from '#test/support/webhook-receiver';
import {
  buildConsole,
  DESKTOP,
  launchChromium,
  noHorizontalScroll,
  openPage,
  PHONE,
  screenshot as saveScreenshot,
  watchPage,
  ZONE,
} from '#test/support/browser';

const ARTIFACTS = path.resolve('test-results/console');
// Its own console build: console.test.ts builds console/dist at the same time (browser files run in parallel).
const CONSOLE_DIR = path.join(ARTIFACTS, 'admin-console-dist');

describe('console: webhooks, domains and API keys (Chromium)', () => {
  // No authorizer cache, so a revoked key is refused on its next request (as deployed: within AUTHORIZER_CACHE_SECONDS).
  // A failed delivery is retried after 1 s, then not for 10 minutes: the log holds still at two attempts.
  const stack = useLocalStack({
    consoleDir: CONSOLE_DIR,
    authorizerCacheSeconds: 0,
    env: { [ENV.WEBHOOK_RETRY_SCHEDULE]: '1,600', [ENV.WEBHOOK_TIMEOUT_MS]: '2000' },
  });
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const problems: string[] = [];
  const replays: string[] = [];
  let webhookId = '';
  let domainId = '';
  const domainName = 'mail.admin-console.example';

  function watch(p: Page): void {
    watchPage(p, problems);
    p.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/replay')) replays.push(r.url());
    });
  }

  beforeAll(async () => {
    browser = await launchChromium();
    await buildConsole(CONSOLE_DIR);
    // Fails twice (the first attempt and its retry), then answers 200.
    receiver = await startWebhookReceiver([500, 500]);
    ({ context, page } = await openPage(browser, { ...DESKTOP, timezoneId: ZONE, apiKey: stack().apiKey, watch }));
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack().apiUrl });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await receiver?.stop();
  });

  const screenshot = (name: string, on: Page = page) => saveScreenshot(on, name, { artifacts: ARTIFACTS });
  const goto = (route: string, on: Page = page) => on.goto(`${stack().apiUrl}/console/${route}`);
  const dialog = (name: string | RegExp) => page.getByRole('dialog', { name });
  const sdk = (key = stack().apiKey) => new Resend(key, { baseUrl: stack().apiUrl });
  const parsed = (d: ReceivedWebhook) => JSON.parse(d.body) as { type: string; data: { email_id?: string } };
  const deliveriesOf = (emailId: string) => receiver.received.filter((d) => parsed(d).type === 'email.sent' && parsed(d).data.email_id === emailId);

  it('creates a webhook, shows its signing secret once, and a signed delivery lands in its log; Replay asks first and re-delivers', async () => {
    await goto('webhooks');
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByText('No webhooks yet').waitFor();
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    // The defaults include email.sent; add email.failed, drop email.complained.
    expect(await page.getByLabel('email.sent').isChecked()).toBe(true);
    await page.getByLabel('email.failed').check();
    await page.getByLabel('email.complained').uncheck();
    await page.getByRole('button', { name: 'Add webhook' }).click();

    const shown = page.getByTestId('shown-once');
    const secret = (await shown.textContent()) ?? '';
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    await page.getByText('you won’t see it again').waitFor();
    await page.getByRole('button', { name: 'Copy signing secret' }).click();
    await page.getByRole('button', { name: 'Copy signing secret' }).getByText('Copied').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
    const row = page.locator('tr[data-webhook-id]');
    await row.getByText('email.sent, email.delivered, email.bounced, email.failed').waitFor();
    expect(await row.locator('.chip').textContent()).toBe('enabled');
    webhookId = (await row.getAttribute('data-webhook-id')) ?? '';
    // Once dismissed (or after a reload) the secret is nowhere on the page.
    await page.getByRole('button', { name: 'I have copied it' }).click();
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await row.waitFor();
    expect(await page.content()).not.toContain(secret);

    // An email is sent; its email.sent event fails twice at the receiver (500, then 500 on the retry).
    const sent = await api(stack(), 'POST', '/emails', { from: stack().from, to: 'ada@example.org', subject: 'Webhook from the console', text: 'hi' });
    expect(sent.status).toBe(200);
    const emailId = sent.body.id as string;
    await waitFor(async () => deliveriesOf(emailId).length >= 2, { what: 'two failed deliveries' });
    // Signed the Standard Webhooks way with the secret the page showed: the Resend SDK verifies it.
    const [first] = deliveriesOf(emailId);
    const verify = (d: ReceivedWebhook) =>
      sdk().webhooks.verify({
        payload: d.body,
        headers: { id: String(d.headers['svix-id']), timestamp: String(d.headers['svix-timestamp']), signature: String(d.headers['svix-signature']) },
        webhookSecret: secret,
      });
    expect(verify(first!)).toMatchObject({ type: 'email.sent', data: { email_id: emailId } });

    await row.getByRole('link', { name: /Deliveries and settings/ }).click();
    await page.getByRole('heading', { name: /^Webhook http:\/\/127\.0\.0\.1/, level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/console/webhooks/${webhookId}`);
    const event = page.locator('tr[data-type="email.sent"]');
    // The log refreshes on its own while the event waits for a retry.
    await event.locator('td[data-label="Attempts"]', { hasText: /^2$/ }).waitFor();
    expect(await event.locator('.chip').textContent()).toBe('attempting');
    expect(await event.locator('td[data-label="Last code"]').textContent()).toBe('500');
    expect(await event.locator('td[data-label="Latency"]').textContent()).toMatch(/^\d+ ms$/);
    expect(await event.locator('td[data-label="Response"]').textContent()).toContain('receiver is down');
    await screenshot('webhooks');

    // Replay asks first: keeping it sends nothing.
    await event.getByRole('button', { name: /^Replay email\.sent/ }).click();
    await dialog('Replay this email.sent event?').waitFor();
    await dialog('Replay this email.sent event?').getByRole('button', { name: 'Keep it' }).click();
    await dialog('Replay this email.sent event?').waitFor({ state: 'hidden' });
    expect(replays).toHaveLength(0);
    await event.getByRole('button', { name: /^Replay email\.sent/ }).click();
    await dialog('Replay this email.sent event?').getByRole('button', { name: 'Replay event' }).click();
    await page.getByText(/it is queued for delivery/).waitFor();
    expect(replays).toHaveLength(1);
    // The receiver answers 200 now: the same event (same id), delivered and verified, and the log says so.
    const [, , third] = await waitFor(async () => (deliveriesOf(emailId).length >= 3 ? deliveriesOf(emailId) : undefined), { what: 'the replayed delivery' });
    expect(third!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(verify(third!)).toMatchObject({ type: 'email.sent' });
    await event.locator('.chip', { hasText: 'success' }).waitFor();
    expect(await event.locator('td[data-label="Attempts"]').textContent()).toBe('3');
    expect(await event.locator('td[data-label="Last code"]').textContent()).toBe('200');
  });

  it('edits a webhook’s events, disables it only after confirming, enables it, and rotates its secret (shown once)', async () => {
    await goto(`webhooks/${webhookId}`);
    await page.getByRole('heading', { name: 'Subscribed events' }).waitFor();
    const save = page.getByRole('button', { name: 'Save events' });
    expect(await save.isDisabled()).toBe(true);
    await page.getByLabel('email.opened').check();
    await save.click();
    await page.getByText(/Saved: this webhook now receives .*email\.opened/).waitFor();
    expect((await api(stack(), 'GET', `/webhooks/${webhookId}`)).body.events).toContain('email.opened');

    await page.getByRole('button', { name: 'Disable', exact: true }).click();
    await dialog(/Disable the webhook/)
      .getByRole('button', { name: 'Keep it' })
      .click();
    expect((await api(stack(), 'GET', `/webhooks/${webhookId}`)).body.status).toBe('enabled');
    await page.getByRole('button', { name: 'Disable', exact: true }).click();
    await dialog(/Disable the webhook/)
      .getByRole('button', { name: 'Disable webhook' })
      .click();
    await page.getByText(/^Disabled:/).waitFor();
    expect((await api(stack(), 'GET', `/webhooks/${webhookId}`)).body.status).toBe('disabled');
    await page.getByRole('button', { name: 'Enable', exact: true }).click();
    await page.getByText(/^Enabled:/).waitFor();
    expect((await api(stack(), 'GET', `/webhooks/${webhookId}`)).body.status).toBe('enabled');

    const before = (await api(stack(), 'GET', `/webhooks/${webhookId}`)).body.signing_secret as string;
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await dialog('Rotate the signing secret?').getByRole('button', { name: 'Rotate secret' }).click();
    const rotated = (await page.getByTestId('shown-once').textContent()) ?? '';
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(before);
    expect((await api(stack(), 'GET', `/webhooks/${webhookId}`)).body.signing_secret).toBe(rotated);
  });

  it('adds a domain and shows the DNS records to publish; once verified (the local CLI) Verify shows it verified; tracking and TLS are saved', async () => {
    await goto('domains');
    await page.getByRole('heading', { name: 'Domains', level: 1 }).waitFor();
    await page.getByText('No domains yet').waitFor();
    await page.getByLabel('Domain name').fill(domainName);
    await page.getByRole('button', { name: 'Add domain' }).click();
    await page.getByRole('heading', { name: domainName, level: 1 }).waitFor();
    domainId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    expect(domainId).not.toBe('');

    // The records SES needs, in Resend's shape: MAIL FROM's MX and SPF TXT, three DKIM CNAMEs.
    const records = page.locator('tr[data-record]');
    await records.first().waitFor();
    expect(await records.count()).toBe(5);
    const mx = page.locator('tr[data-type="MX"]');
    expect(await mx.locator('td[data-label="Name"] code').textContent()).toBe('send');
    expect(await mx.locator('td[data-label="Value"] code').textContent()).toMatch(/^feedback-smtp\..+\.amazonses\.com$/);
    expect(await mx.locator('td[data-label="Priority"]').textContent()).toBe('10');
    expect(await page.locator('tr[data-type="CNAME"]').count()).toBe(3);
    expect(await page.locator('tr[data-type="TXT"] td[data-label="Value"] code').textContent()).toContain('v=spf1 include:amazonses.com');
    expect(await page.locator('h1 .chip').textContent()).toBe('pending');
    expect(await page.getByTestId('local-verify-hint').textContent()).toContain(`npm run mailroom -- domains verify ${domainName}`);
    await screenshot('domains');
    const dkimValue = (await page.locator('tr[data-type="CNAME"] td[data-label="Value"] code').first().textContent()) ?? '';
    await page
      .getByRole('button', { name: /^Copy CNAME record value/ })
      .first()
      .click();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(dkimValue);

    // Nothing published yet: Verify says so.
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByText(`${domainName} is pending`).waitFor();
    // What publishing the records does with SES, locally.
    await verifyLocalDomain(stack().env, domainName);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByText(`${domainName} is verified: you can send from it.`).waitFor();
    expect(await page.locator('h1 .chip').textContent()).toBe('verified');
    expect(await page.getByTestId('local-verify-hint').count()).toBe(0);

    await page.getByLabel('Open tracking (a pixel in HTML mail)').check();
    await page.getByLabel('Enforced: deliver only over TLS').check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved: open tracking on, click tracking off, TLS enforced.').waitFor();
    expect((await api(stack(), 'GET', `/domains/${domainId}`)).body).toMatchObject({ open_tracking: true, click_tracking: false, tls: 'enforced' });

    await page.getByRole('link', { name: '← Domains' }).click();
    const listed = page.locator(`tr[data-domain="${domainName}"]`);
    await listed.waitFor();
    expect(await listed.locator('.chip').textContent()).toBe('verified');
    expect(await listed.locator('td[data-label="Tracking"]').textContent()).toBe('opens');
  });

  it('creates an API key whose token is shown once, and revokes it only after confirming — then it stops working', async () => {
    await goto('api-keys');
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    // The revocation delay is stated, from AUTHORIZER_CACHE_SECONDS.
    await page.getByText('Revoking a key takes effect within 5 minutes').waitFor();
    // The console's own key is marked, and its last use was recorded by the authorizer.
    const mine = page.locator('tr', { has: page.getByText('this console') });
    await mine.waitFor();
    expect(await mine.locator('td[data-label="Last used"] time').count()).toBe(1);

    await page.getByLabel('Name', { exact: true }).fill('billing service');
    await page.getByLabel('Permission', { exact: true }).selectOption('sending_access');
    await page.getByLabel('Domain', { exact: true }).selectOption({ label: `Only ${domainName}` });
    await page.getByRole('button', { name: 'Create key' }).click();
    const token = (await page.getByTestId('shown-once').textContent()) ?? '';
    expect(token).toMatch(/^mr_[A-Za-z0-9_-]{43}$/);
    await page.getByText('you won’t see it again').waitFor();
    const row = page.locator('tr', { has: page.getByText('billing service') });
    await row.waitFor();
    expect(await row.locator('td[data-label="Permission"]').textContent()).toBe('Sending access');
    expect(await row.locator('td[data-label="Domain"]').textContent()).toBe(domainName);
    expect(await row.locator('td[data-label="Key"]').textContent()).toBe(`${token.slice(0, 9)}…`);
    await screenshot('api-keys');
    await page.reload();
    await row.waitFor();
    expect(await page.content()).not.toContain(token);

    // The key is accepted by the authorizer and bound to its domain: another sender domain is refused
    // as a bad `from` (not as a bad key). (Sending from the domain itself would wait out the ingest's 30 s tenant cache.)
    const bound = await api(stack(), 'POST', '/emails', { from: stack().from, to: 'ada@example.org', subject: 'from a key', text: 'x' }, {}, token);
    expect(bound).toMatchObject({ status: 403, body: { name: 'invalid_from_address' } });
    expect(bound.body.message).toContain(domainName);
    // Its use shows up as "last used" (recorded by the authorizer).
    await page.reload();
    await row.locator('td[data-label="Last used"] time').waitFor();

    // Revoking asks first; keeping it changes nothing.
    await row.getByRole('button', { name: 'Revoke billing service' }).click();
    const ask = dialog('Revoke the API key “billing service”?');
    await ask.getByText('within 5 minutes').waitFor();
    expect(await ask.getByText('This console is signed in with this key').count()).toBe(0);
    await ask.getByRole('button', { name: 'Keep it' }).click();
    expect((await api(stack(), 'GET', '/emails?limit=1', undefined, {}, token)).status).not.toBe(403);
    await row.getByRole('button', { name: 'Revoke billing service' }).click();
    await ask.getByRole('button', { name: 'Revoke key' }).click();
    await page.getByText(/Revoked “billing service”/).waitFor();
    await row.waitFor({ state: 'detached' });
    const refused = await api(stack(), 'POST', '/emails', { from: stack().from, to: 'ada@example.org', subject: 'x', text: 'x' }, {}, token);
    expect(refused).toMatchObject({ status: 403, body: { name: 'invalid_api_key' } });

    // Revoking the console's own key warns that the console will stop working (kept here).
    await mine.getByRole('button', { name: /^Revoke / }).click();
    await dialog(/^Revoke the API key/)
      .getByText('This console is signed in with this key.')
      .waitFor();
    await dialog(/^Revoke the API key/)
      .getByRole('button', { name: 'Keep it' })
      .click();
    expect((await api(stack(), 'GET', '/api-keys')).status).toBe(200);
  });

  it('is usable on a phone (390×844): none of the three pages (or their detail pages) scrolls sideways', async () => {
    const { context: phone, page: p } = await openPage(browser, { ...PHONE, timezoneId: ZONE, apiKey: stack().apiKey, watch });
    for (const [route, ready] of [
      ['webhooks', 'tr[data-webhook-id]'],
      [`webhooks/${webhookId}`, 'tr[data-event-id]'],
      ['domains', 'tr[data-domain]'],
      [`domains/${domainId}`, 'tr[data-record]'],
      ['api-keys', 'tr[data-key-id]'],
    ] as const) {
      await goto(route, p);
      await p.locator(ready).first().waitFor();
      expect(await noHorizontalScroll(p), route).toBe(true);
    }
    await phone.close();
  });

  it('deletes a webhook and a domain only after confirming', async () => {
    await goto(`webhooks/${webhookId}`);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog(/Delete the webhook/)
      .getByRole('button', { name: 'Keep it' })
      .click();
    expect((await api(stack(), 'GET', `/webhooks/${webhookId}`)).status).toBe(200);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog(/Delete the webhook/)
      .getByRole('button', { name: 'Delete webhook' })
      .click();
    await page.getByText('No webhooks yet').waitFor();
    expect((await api(stack(), 'GET', `/webhooks/${webhookId}`)).status).toBe(404);

    await goto(`domains/${domainId}`);
    await page.getByRole('button', { name: 'Delete domain' }).click();
    await dialog(`Delete ${domainName}?`).getByRole('button', { name: 'Keep it' }).click();
    expect((await api(stack(), 'GET', `/domains/${domainId}`)).status).toBe(200);
    await page.getByRole('button', { name: 'Delete domain' }).click();
    await dialog(`Delete ${domainName}?`).getByRole('button', { name: 'Delete domain' }).click();
    await page.getByText('No domains yet').waitFor();
    expect((await api(stack(), 'GET', `/domains/${domainId}`)).status).toBe(404);
  });

  it('logged no script errors, CSP violations or failed requests', () => {
    expect(problems).toEqual([]);
  });
});
