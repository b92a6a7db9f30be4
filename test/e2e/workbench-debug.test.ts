// Trace-aware debugging as a person sees it: the real workbench (code-server) in Chromium, the demo shop started
// under the Node debugger through demo/.vscode/launch.json, which sets no OTEL_* variable. TraceLens adds them, so
// the services export to this workbench's receiver (on a free port: nothing else would reach it). The Traces view
// shows only the session's traces; a breakpoint in the orders handler pauses inside the orders.place span; the
// status bar and the Span at Breakpoint view name the span; the trace view shows it highlighted with its running
// ancestor. Screenshots of each step go to test-results/workbench-debug-*.png, and the three as one animated PNG to
// test-results/debugging-flow.png (the README's).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { animatePng } from '../../scripts/apng';
import type { DemoWorkbench } from './workbench';
import { freePort, openDemoWorkbench, openFile, quickInput as sharedQuickInput, quickRows as sharedQuickRows, REPO_ROOT, runCommand as sharedRunCommand } from './workbench';

const RESULTS = join(REPO_ROOT, 'test-results');
const ORDERS_SOURCE = readFileSync(join(REPO_ROOT, 'demo', 'orders.js'), 'utf8').split('\n');
/** Inside placeOrder, after the inventory call returned: the orders.place span runs, the HTTP client span ended. */
const BREAK_LINE = ORDERS_SOURCE.findIndex((l) => l.includes('if (!stock.available)')) + 1;

describe('debugging in the real workbench', () => {
  let demo: DemoWorkbench;
  let page: Page;

  before(async () => {
    assert.ok(BREAK_LINE > 0, 'demo/orders.js checks stock.available');
    mkdirSync(RESULTS, { recursive: true });
    // The launch must get its OTEL_* variables from TraceLens alone.
    for (const key of Object.keys(process.env)) if (key.startsWith('OTEL_')) delete process.env[key];
    demo = await openDemoWorkbench({
      env: { DEMO_FRONTEND_PORT: String(await freePort()), DEMO_ORDERS_PORT: String(await freePort()), DEMO_INVENTORY_PORT: String(await freePort()) },
    });
    page = demo.page;
  });

  after(async () => {
    if (page) await runCommand('Debug: Stop').catch(() => undefined);
    await demo?.close();
  });

  const quickInput = (): Locator => sharedQuickInput(page);
  const quickRows = (): Locator => sharedQuickRows(page);
  const runCommand = (title: string): Promise<void> => sharedRunCommand(page, title);
  const tracesPane = (): ReturnType<Page['locator']> => page.locator('.pane:has(> .pane-header h3.title:text-is("Traces"))');

  it('a launch configuration without OTEL variables exports; the Traces view shows only the session', async () => {
    await page.waitForFunction(() => /TraceLens: 0 spans/.test(document.querySelector('.statusbar')?.textContent ?? ''), undefined, { timeout: 60_000 });
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });
    // Run and Debug's picker lists the launch configurations of demo/.vscode/launch.json.
    await runCommand('Debug: Select and Start Debugging');
    await quickRows().filter({ hasText: 'Demo shop' }).first().waitFor({ timeout: 10_000 });
    await quickInput().fill('debug Demo shop');
    await quickRows().filter({ hasText: 'Demo shop' }).first().click();
    // The three services start under the debugger and send traffic: spans arrive.
    await page.waitForFunction(() => /TraceLens: [1-9][\d,]* spans?/.test(document.querySelector('.statusbar')?.textContent ?? ''), undefined, { timeout: 90_000 });
    await page.locator('.activitybar [aria-label^="TraceLens"]').first().click();
    const pane = tracesPane();
    await pane.waitFor({ timeout: 15_000 });
    // A new session: the view lists its traces only, and says so.
    await pane.locator('.pane-header', { hasText: 'debug session: Demo shop' }).waitFor({ timeout: 30_000 });
    for (const service of ['frontend', 'orders']) await pane.locator('.monaco-list-row', { hasText: service }).first().waitFor({ timeout: 60_000 });
    // The "no traces yet" message of the new session's clean view is gone once its traces are listed.
    await pane.locator('.message', { hasText: 'No traces from the debug session' }).waitFor({ state: 'hidden', timeout: 10_000 });
    await page.screenshot({ path: join(RESULTS, 'workbench-debug-session.png') });
    // "Show All Traces" is offered in the view's title while the filter is on.
    await pane.locator('.pane-header').hover();
    await pane.locator('.actions-container [aria-label="Show All Traces"]').waitFor({ timeout: 10_000 });
  });

  it('a breakpoint in the traced handler pauses; the span at the breakpoint is shown and opens highlighted', async () => {
    // Open orders.js, go to the line, toggle a breakpoint (F9).
    await openFile(page, 'orders.js');
    await page.keyboard.press('Control+G');
    await quickInput().waitFor({ timeout: 10_000 });
    await quickInput().fill(`:${BREAK_LINE}`);
    await quickInput().press('Enter');
    await page.waitForFunction((line) => new RegExp(`Ln ${line},`).test(document.querySelector('.statusbar')?.textContent ?? ''), BREAK_LINE, { timeout: 10_000 });
    await page.keyboard.press('F9');

    // The next request pauses there; TraceLens reads the active span from the paused frame.
    const item = page.locator('.statusbar-item', { hasText: 'orders.place' }).first();
    await item.waitFor({ timeout: 60_000 });
    await page.locator('.debug-top-stack-frame-column, .debug-top-stack-frame').first().waitFor({ timeout: 10_000 }).catch(() => undefined);
    // The Span at Breakpoint view beside the Call Stack: the paused span, then its running HTTP server span.
    const view = page.locator('.pane:has(> .pane-header h3.title:text-is("Span at Breakpoint"))');
    await view.waitFor({ timeout: 15_000 });
    if ((await view.locator('.pane-header').getAttribute('aria-expanded')) !== 'true') await view.locator('.pane-header').click();
    const paused = view.locator('.monaco-list-row', { hasText: 'orders.place' }).first();
    await paused.waitFor({ timeout: 15_000 });
    assert.match(await paused.innerText(), /paused here/);
    const running = view.locator('.monaco-list-row', { hasText: 'POST /orders' }).first();
    await running.waitFor({ timeout: 10_000 });
    assert.match(await running.innerText(), /running/);
    await page.screenshot({ path: join(RESULTS, 'workbench-debug-paused.png') });

    // The status bar item opens the trace view on the paused span.
    await item.click();
    const ui = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    const banner = ui.locator('.tl-live-banner');
    await banner.waitFor({ timeout: 30_000 });
    assert.match((await banner.textContent()) ?? '', /Paused in .*orders\.place/);
    const pausedRow = ui.locator('.tl-row.paused');
    await pausedRow.waitFor({ timeout: 10_000 });
    assert.match((await pausedRow.textContent()) ?? '', /orders\.place/);
    assert.match((await pausedRow.getAttribute('class')) ?? '', /\bselected\b/, 'the paused span is the selected one');
    assert.ok((await ui.locator('.tl-row.running', { hasText: 'POST /orders' }).count()) >= 1, 'its HTTP server span runs too');
    // That span's parent is frontend's call, waiting in its own process: not an orphan, a parent still running.
    await ui.locator('.tl-row.running', { hasText: 'POST /orders' }).locator('.tl-orphan-mark', { hasText: 'parent running' }).waitFor({ timeout: 5_000 });
    // Finished spans of the same trace are there: inventory answered before the pause.
    await ui.locator('.tl-row', { hasText: 'inventory' }).first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(RESULTS, 'workbench-debug-trace.png') });

    // The flow as one animation (the README's): the session's traces, the pause, the trace at the paused span.
    const frames = ['workbench-debug-session.png', 'workbench-debug-paused.png', 'workbench-debug-trace.png'].map((f) => readFileSync(join(RESULTS, f)));
    writeFileSync(join(RESULTS, 'debugging-flow.png'), animatePng(frames, 2500));
  });
});
