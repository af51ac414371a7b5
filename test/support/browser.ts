/**
 * What the console's browser tests (test/browser/*) share: Debian's Chromium through playwright-core,
 * the console built as `npm run console:build` builds it, signed-in pages, a watcher that collects what
 * the console must never produce, and screenshots that also refresh docs/images.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page, type Response } from 'playwright-core';
import { build } from 'vite';
import { CONSOLE_DIST_DIR } from '#infra/local/console-static';

const CHROMIUM = process.env.MAILROOM_CHROMIUM ?? '/usr/bin/chromium';
/** How long a page action or wait may take before the test fails. */
export const UI_TIMEOUT = 20_000;
/** A zone west of UTC (UTC−5 in December), so "shown in the browser's zone" and "parsed in it" can be checked. */
export const ZONE = 'America/New_York';
/** Where the console keeps the API key (sessionStorage, or localStorage when remembered). */
export const CONSOLE_KEY = 'mailroom.console.apiKey';
export const DESKTOP = { viewport: { width: 1280, height: 800 }, locale: 'en-US' } as const;
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } as const;
const DOC_IMAGES = path.resolve('docs/images');
/** Without the background-networking flags Chromium keeps trying to reach Google's services. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** An init script that signs a page in with `key` (top document only: the sandboxed email preview may not touch storage). */
export const signedIn = (key: string) => `if (window.top === window) sessionStorage.setItem(${JSON.stringify(CONSOLE_KEY)}, ${JSON.stringify(key)})`;

/** Headless Chromium, or a clear error (before anything slow) when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the console browser tests need Debian's chromium package. Install it with \`apt-get install -y chromium\` (.ci/run does this in CI), or point MAILROOM_CHROMIUM at a Chromium binary.`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Builds the console here, so `npm test` on a fresh clone tests what `npm start` serves: to console/dist,
 * or to `outDir` (a file's own build, which another browser test building at the same time cannot disturb).
 * vitest sets NODE_ENV=test, which would make Vite ship React's development build (with StrictMode's
 * doubled effects): build exactly what `npm run console:build` builds.
 */
export async function buildConsole(outDir?: string): Promise<void> {
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: path.resolve('console/vite.config.ts'),
      mode: 'production',
      logLevel: 'error',
      ...(outDir ? { build: { outDir, emptyOutDir: true } } : {}),
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  const index = path.join(outDir ?? CONSOLE_DIST_DIR, 'index.html');
  if (!existsSync(index)) throw new Error(`The console build wrote no ${index}`);
}

/**
 * A new context (signed in with `apiKey` when given) and a page in it that waits up to UI_TIMEOUT and is
 * handed to `watch` before it loads anything.
 */
export async function openPage(
  browser: Browser,
  { apiKey, watch, ...options }: BrowserContextOptions & { apiKey?: string; watch?: (page: Page) => void },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(options);
  if (apiKey) await context.addInitScript(signedIn(apiKey));
  const page = await context.newPage();
  watch?.(page);
  page.setDefaultTimeout(UI_TIMEOUT);
  return { context, page };
}

export interface WatchOptions {
  /**
   * 'responses' (the default): every response of 400 or more is a problem unless `expected` says otherwise,
   * and Chromium's own "Failed to load resource" console lines are left to that check.
   * 'console': every console error is a problem, failed loads included; responses are not looked at.
   */
  failedLoads?: 'responses' | 'console';
  /** A response of 400 or more that the test causes on purpose. */
  expected?: (response: Response) => boolean;
}

/** Script errors, CSP violations (console errors) and failed requests of `page` go to `problems`; the console must produce none. */
export function watchPage(page: Page, problems: string[], { failedLoads = 'responses', expected = () => false }: WatchOptions = {}): void {
  page.on('console', (m) => {
    if (m.type() === 'error' && (failedLoads === 'console' || !m.text().startsWith('Failed to load resource'))) problems.push(m.text());
  });
  if (failedLoads === 'responses') {
    page.on('response', (r) => {
      if (r.status() >= 400 && !expected(r)) problems.push(`${r.status()} ${r.request().method()} ${r.url()}`);
    });
  }
  page.on('pageerror', (e) => problems.push(String(e)));
}

/**
 * A screenshot of what `page` shows (the whole page with `fullPage`) to `<artifacts>/console-<name>.png`,
 * copied to docs/images when it is missing there or MAILROOM_UPDATE_SCREENSHOTS=1.
 */
export async function screenshot(page: Page, name: string, { artifacts, fullPage = false }: { artifacts: string; fullPage?: boolean }): Promise<void> {
  mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, `console-${name}.png`);
  await page.screenshot({ path: file, fullPage });
  const doc = path.join(DOC_IMAGES, `console-${name}.png`);
  if (process.env.MAILROOM_UPDATE_SCREENSHOTS === '1' || !existsSync(doc)) {
    mkdirSync(DOC_IMAGES, { recursive: true });
    copyFileSync(file, doc);
  }
}

/** Whether `page` fits its viewport's width (nothing scrolls sideways). */
export const noHorizontalScroll = (page: Page) => page.evaluate('document.scrollingElement.scrollWidth <= window.innerWidth') as Promise<boolean>;
