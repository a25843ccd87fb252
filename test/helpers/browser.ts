/**
 * A headless Chromium for the tests of the dashboard's page, driven by puppeteer-core. The
 * browser is Debian's `chromium` (scripts/setup.sh --browser installs it); where there is none,
 * `launchBrowser` says why and the caller skips.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the tests use of puppeteer-core's Page (typed here so the suite type-checks without it). */
export interface Page {
  setViewport(v: { width: number; height: number }): Promise<void>;
  goto(url: string, o?: { waitUntil?: string }): Promise<unknown>;
  evaluate<T>(f: () => T): Promise<T>;
  waitForFunction(f: string, o?: { timeout?: number }): Promise<unknown>;
  screenshot(o: { path: string; fullPage?: boolean }): Promise<unknown>;
  on(event: 'console', f: (m: { type(): string; text(): string }) => void): unknown;
  on(event: 'pageerror', f: (e: Error) => void): unknown;
  close(): Promise<void>;
}
export interface Browser {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

const CANDIDATES = [process.env.CHROMIUM_BIN, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The browser's path, or undefined when this machine has none. */
export function findChromium(): string | undefined {
  return CANDIDATES.find((p): p is string => !!p && existsSync(p));
}

/** A launched headless browser with a fresh profile (removed by `close`). */
export async function launchBrowser(executablePath: string): Promise<{ browser: Browser; close(): Promise<void> }> {
  // PUPPETEER_CORE points at the package's entry for checks before `npm ci` has installed it.
  const puppeteer = ((await import(process.env.PUPPETEER_CORE ?? 'puppeteer-core')) as { default: { launch(o: object): Promise<Browser> } }).default;
  const profile = mkdtempSync(join(tmpdir(), 'saturn-chromium-'));
  const browser = await puppeteer.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`],
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A page that records its console errors and uncaught exceptions. */
export async function watchedPage(browser: Browser, width: number): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.setViewport({ width, height: 900 });
  return { page, errors };
}
