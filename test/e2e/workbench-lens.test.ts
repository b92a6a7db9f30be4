// Span <-> code as a person sees it: the real VS Code workbench (code-server) in Chromium with TraceLens installed,
// the demo app sending traces with the real OpenTelemetry SDK. The lens above the orders service's handler shows
// how often it ran; a click lists its spans and opens the chosen one; "Go to Span Source" from the palette lands on
// the line of the span's withSpan( call; a hover on the lens line summarises it. Screenshots go to test-results/.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import type { DemoWorkbench } from './workbench';
import { openDemoWorkbench, openFile, quickInput as sharedQuickInput, quickRows as sharedQuickRows, REPO_ROOT, runCommand as sharedRunCommand } from './workbench';

const RESULTS = join(REPO_ROOT, 'test-results');
const REQUESTS = 5;
/** demo/orders.js: the handler's first line, and the line of its withSpan( call (what code.line.number says). */
const ORDERS_SOURCE = readFileSync(join(REPO_ROOT, 'demo', 'orders.js'), 'utf8').split('\n');
const HANDLER_LINE = ORDERS_SOURCE.findIndex((l) => l.startsWith('async function placeOrder(')) + 1;
const WITH_SPAN_LINE = ORDERS_SOURCE.findIndex((l, i) => i >= HANDLER_LINE && l.includes("withSpan('orders.place'")) + 1;

describe('span <-> code in the real workbench', () => {
  let demo: DemoWorkbench;
  let page: Page;
  const runDemo = (requests: number): Promise<number | null> => demo.runDemo(requests);

  before(async () => {
    assert.ok(HANDLER_LINE > 0 && WITH_SPAN_LINE > HANDLER_LINE, 'demo/orders.js has placeOrder and its withSpan call');
    mkdirSync(RESULTS, { recursive: true });
    demo = await openDemoWorkbench();
    page = demo.page;
  });

  after(async () => {
    await demo?.close();
  });

  const quickInput = (): Locator => sharedQuickInput(page);
  const quickRows = (): Locator => sharedQuickRows(page);
  const runCommand = (title: string): Promise<void> => sharedRunCommand(page, title);
  const quickTitle = async (): Promise<string> => (await page.locator('.quick-input-widget .quick-input-title').first().textContent()) ?? '';
  const callsLens = (): Locator => page.locator('.codelens-decoration a', { hasText: new RegExp(`● ${REQUESTS} calls`) }).first();
  /** The text of the editor line right below the calls lens (the line it belongs to), and a point on its first word.
   * Read in one go in the page: lenses are re-rendered whenever the server refreshes them. */
  async function lineBelowLens(): Promise<{ text: string; x: number; y: number }> {
    const handle = await page.waitForFunction(
      (pattern) => {
        const lens = [...document.querySelectorAll('.codelens-decoration a')].find((a) => new RegExp(pattern).test(a.textContent ?? ''));
        if (!lens) return undefined;
        const bottom = lens.getBoundingClientRect().bottom;
        const below = [...document.querySelectorAll('.view-lines .view-line')]
          .filter((l) => l.getBoundingClientRect().top >= bottom - 2)
          .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)[0];
        const word = below ? [...below.querySelectorAll('span span')].find((s) => /\w/.test(s.textContent ?? '')) : undefined;
        if (!below || !word) return undefined;
        const r = word.getBoundingClientRect();
        // Monaco draws spaces as no-break spaces.
        return { text: (below.textContent ?? '').replace(/\u00a0/g, ' '), x: r.left + r.width / 2, y: r.top + r.height / 2 };
      },
      `● ${REQUESTS} calls`,
      { timeout: 15_000 },
    );
    return (await handle.jsonValue()) as { text: string; x: number; y: number };
  }
  /** "Ln 16, Col 1 (40 selected)" from the status bar. */
  const cursorLine = async (): Promise<number> => Number(/Ln (\d+)/.exec((await page.locator('.statusbar').textContent()) ?? '')?.[1] ?? 0);

  it('shows the handler\'s call count in a lens; a click lists its spans and opens the chosen one', async () => {
    await page.waitForFunction(() => /TraceLens: 0 spans/.test(document.querySelector('.statusbar')?.textContent ?? ''), undefined, { timeout: 60_000 });
    assert.equal(await runDemo(REQUESTS), 0, 'the demo delivered all its spans');

    // Open demo/orders.js with Quick Open.
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });
    await openFile(page, 'orders.js');

    // Every request reaches orders.place once: REQUESTS calls, one of them failed (the error path).
    const lens = callsLens();
    await lens.waitFor({ timeout: 60_000 });
    assert.match((await lens.textContent()) ?? '', new RegExp(`● ${REQUESTS} calls · p50 .* · p95 .* · 20\\.0% errors`));
    // Above the handler: its first line, or the line of its withSpan( call.
    assert.match((await lineBelowLens()).text, /async function placeOrder\(|withSpan\('orders\.place'/);
    // The failing gutter mark (one of five calls failed): the red icon in the glyph margin.
    await page.waitForFunction(() => [...document.querySelectorAll('.cgmr')].some((e) => getComputedStyle(e).backgroundImage.includes('lens-failing.svg')), undefined, { timeout: 15_000 });
    await page.screenshot({ path: join(RESULTS, 'workbench-lens.png') });

    await lens.click();
    await quickRows().first().waitFor({ timeout: 15_000 });
    // Named after the function when the server knows it, else after the file and line.
    assert.match(await quickTitle(), new RegExp(`${REQUESTS} spans of (placeOrder|orders\\.js:\\d+), slowest first`));
    assert.equal(await quickRows().count(), REQUESTS);
    const first = await quickRows().first().innerText();
    assert.match(first, /[\d.]+ (ms|s)\s+orders\.place[\s\S]*orders/, first);
    const traceId = /trace ([0-9a-f]{32})/.exec(first)?.[1];
    assert.ok(traceId, `the row names its trace: ${first}`);
    assert.equal(await quickRows().filter({ hasText: 'error' }).count(), 1, 'the failed call is marked');
    await page.screenshot({ path: join(RESULTS, 'workbench-lens-spans.png') });
    await quickInput().press('Enter');

    // The chosen trace opens in a trace panel.
    const ui = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await ui.getByText(traceId.slice(0, 7)).first().waitFor({ timeout: 30_000 });
    await ui.getByText('orders.place').first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(RESULTS, 'workbench-lens-trace.png') });
  });

  it('"Go to Span Source" from the palette opens orders.js at the span\'s line', async () => {
    // Back to orders.js first: the trace panel, once hidden, cannot take the focus (and close the quick pick).
    await page.locator('.tabs-container .tab', { hasText: 'orders.js' }).first().click();
    await page.locator('.tabs-container .tab.active', { hasText: 'orders.js' }).waitFor({ timeout: 10_000 });
    await runCommand('TraceLens: Go to Span Source');
    // Without a selected span: a trace first (unless the Spans view shows one), then its span.
    const titled = (re: RegExp): Promise<unknown> =>
      page.waitForFunction((source) => new RegExp(source).test(document.querySelector('.quick-input-widget .quick-input-title')?.textContent ?? ''), re.source, { timeout: 15_000 });
    await titled(/Go to Span Source: which (trace|span)\?/);
    if (/which trace\?/.test(await quickTitle())) {
      await quickInput().fill('GET /checkout');
      await quickRows().filter({ hasText: 'GET /checkout' }).first().waitFor({ timeout: 10_000 });
      await quickInput().press('Enter');
      await titled(/which span\?/);
    }
    assert.match(await quickTitle(), /Go to Span Source: which span\?/);
    await quickInput().fill('orders.place');
    await quickRows().filter({ hasText: 'orders.place' }).first().waitFor({ timeout: 10_000 });
    await quickInput().press('Enter');

    await page.locator('.tabs-container .tab.active', { hasText: 'orders.js' }).waitFor({ timeout: 15_000 });
    await page.waitForFunction((line) => new RegExp(`Ln ${line},`).test(document.querySelector('.statusbar')?.textContent ?? ''), WITH_SPAN_LINE, { timeout: 10_000 });
    assert.equal(await cursorLine(), WITH_SPAN_LINE);
    const selected = await page.locator('.view-line', { hasText: "withSpan('orders.place'" }).count();
    assert.equal(selected, 1, 'the withSpan line is on screen');
    await page.screenshot({ path: join(RESULTS, 'workbench-lens-source.png') });
  });

  it('unticking "Lens: Enabled" in the Settings editor hides the lens at once; ticking it shows it again', async () => {
    // orders.js stays visible on the left; the Settings editor opens in a group on the right.
    await runCommand('View: Split Editor Right');
    await runCommand('Preferences: Open Settings (UI)');
    await page.locator('.settings-editor').waitFor({ timeout: 15_000 });
    await page.keyboard.type('tracelens.lens.enabled');
    const checkbox = page.locator('.settings-editor .setting-item-bool', { hasText: 'Code lenses above functions' }).locator('.setting-value-checkbox').first();
    await checkbox.waitFor({ timeout: 15_000 });
    assert.equal(await checkbox.getAttribute('aria-checked'), 'true');
    await checkbox.click();
    await page.waitForFunction(() => document.querySelectorAll('.codelens-decoration a').length === 0, undefined, { timeout: 15_000 });
    await page.screenshot({ path: join(RESULTS, 'workbench-lens-off.png') });
    await checkbox.click();
    await callsLens().waitFor({ timeout: 15_000 });
  });

  it('hovering the lens line shows the lens summary and why the line is marked', async () => {
    const line = await lineBelowLens();
    await page.mouse.move(line.x, line.y);
    const hover = page.locator('.monaco-hover', { hasText: 'TraceLens' }).first();
    await hover.waitFor({ timeout: 15_000 });
    const text = await hover.innerText();
    assert.match(text, new RegExp(`${REQUESTS} calls`), text);
    assert.match(text, /orders\.place/, text);
    // The line's failing gutter mark adds its reason, as plain text (appendText keeps spaces as no-break spaces).
    assert.match(text, new RegExp(`20\\.0%\\sof\\s${REQUESTS}\\scalls\\sfailed\\sin\\sthe\\slast\\s15\\smin`), text);
    await page.screenshot({ path: join(RESULTS, 'workbench-lens-hover.png') });
    // The slowest traces are command links, trusted for tracelens.openTrace only: one opens its trace view.
    const link = hover.locator('a', { hasText: /trace [0-9a-f]{8}/ }).first();
    await link.click();
    await page.locator('.tab.active', { hasText: /\(\d+ spans?\)/ }).first().waitFor({ timeout: 15_000 });
  });
});
