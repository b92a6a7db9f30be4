// What a person sees: the real VS Code workbench (code-server) in Chromium with TraceLens installed, the demo app
// sending traces with the real OpenTelemetry SDK; the trace appears in the Traces view, the status bar count goes
// up, a trace opens in the Spans view. Screenshots go to test-results/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { DemoWorkbench } from './workbench';
import { openDemoWorkbench, REPO_ROOT } from './workbench';

const RESULTS = join(REPO_ROOT, 'test-results');

describe('TraceLens in the real workbench', () => {
  let demo: DemoWorkbench;
  let page: Page;
  const runDemo = (requests: number): Promise<number | null> => demo.runDemo(requests);

  before(async () => {
    mkdirSync(RESULTS, { recursive: true });
    demo = await openDemoWorkbench();
    page = demo.page;
  });

  after(async () => {
    await demo?.close();
  });

  const statusItem = (): ReturnType<Page['locator']> => page.locator('.statusbar-item', { hasText: 'TraceLens:' }).first();

  it('shows live traces from the demo in the Traces view and the span count in the status bar', async () => {
    await statusItem().waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => /TraceLens: 0 spans/.test(document.querySelector('.statusbar')?.textContent ?? ''), undefined, { timeout: 60_000 });
    await page.locator('.activitybar [aria-label^="TraceLens"]').first().click();
    const traces = page.locator('.pane:has(> .pane-header h3.title:text-is("Traces"))');
    await traces.waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(RESULTS, 'workbench-empty.png') });

    assert.equal(await runDemo(5), 0, 'the demo delivered all its spans');
    // Five demo requests make at least 8 spans each; the count updates live as batches arrive.
    const minimum = 5 * 8;
    await page.waitForFunction(
      (min) => Number(/TraceLens: ([\d,]+) spans/.exec(document.querySelector('.statusbar')?.textContent ?? '')?.[1]?.replace(/,/g, '') ?? 0) >= min,
      minimum,
      { timeout: 20_000 },
    );

    const frontend = page.locator('.monaco-list-row', { hasText: 'frontend' }).first();
    await frontend.waitFor({ timeout: 20_000 });
    if ((await frontend.getAttribute('aria-expanded')) === 'false') await frontend.click();
    const operation = page.locator('.monaco-list-row', { hasText: 'GET /checkout' }).first();
    await operation.waitFor({ timeout: 10_000 });
    if ((await operation.getAttribute('aria-expanded')) === 'false') await operation.click();
    const trace = page.locator('.monaco-list-row', { hasText: /\d+ spans/ }).first();
    await trace.waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(RESULTS, 'workbench-traces.png') });

    await trace.click();
    // The Spans view shows the selected trace's tree: the root span of the frontend.
    const spansPane = page.locator('.pane:has(> .pane-header h3.title:text-is("Spans"))');
    const rootSpan = spansPane.locator('.monaco-list-row', { hasText: 'GET /checkout' }).first();
    await rootSpan.waitFor({ timeout: 15_000 });
    assert.match(await rootSpan.innerText(), /frontend · [\d.]+ (ms|s)/);
    assert.ok((await spansPane.locator('.monaco-list-row').count()) >= 2, 'the root span and its children are listed');
    await page.screenshot({ path: join(RESULTS, 'workbench-spans.png') });

    // The status bar's tooltip says where the traces are kept: the durable store in the extension's global storage.
    await statusItem().hover();
    const hover = page.locator('.monaco-hover', { hasText: 'Store' }).first();
    await hover.waitFor({ timeout: 10_000 });
    const text = await hover.innerText();
    assert.match(text, /Store:\s.*[\\/]store\s\(\d+(\.\d)?\s(B|KiB|MiB)\)/, text);
    await page.screenshot({ path: join(RESULTS, 'workbench-status-store.png') });
    await page.mouse.move(700, 300);

    // Search Traces from the Traces view's title: a one-line search, the matching traces in a quick pick.
    await traces.hover();
    await page.locator('.pane-header .action-label[aria-label="Search Traces…"]').first().click();
    const input = page.locator('.quick-input-widget input').first();
    await input.waitFor({ timeout: 10_000 });
    await input.fill('service=frontend error since=1h');
    await input.press('Enter');
    const picks = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await picks.first().waitFor({ timeout: 10_000 });
    assert.match(await picks.first().innerText(), /frontend: GET \/checkout[\s\S]*\d+ errors?/);
    await page.screenshot({ path: join(RESULTS, 'workbench-search.png') });
    await input.press('Escape');
  });
});
