// A Chromium page for the standalone trace page's tests, in its own browser context (closed with the page), with the
// list of what went wrong in it: uncaught errors, console errors, and responses of 400 and above.
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';

export interface WatchedPage {
  readonly page: Page;
  /** What went wrong so far, as it happens; a test asserts it is empty at its end. */
  readonly errors: string[];
}

/** A new page in a new context made with `options`, watched for errors. */
export async function watchedPage(browser: Browser, options: BrowserContextOptions = {}): Promise<WatchedPage> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.on('close', () => void context.close().catch(() => undefined));
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // Failed loads are reported below with their URL (the browser's own favicon request is not the page's).
    if (m.type() === 'error' && !/WebSocket|Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`);
  });
  return { page, errors };
}
