// The analyses as a person sees them in the real workbench (code-server in Chromium, TraceLens installed), on the demo
// shop's own traffic sent with the real OpenTelemetry SDK: above inventory's getStock, a lens for its N+1 and its error
// origin and a hover that lists them; the lens opens the trace, whose Insights tab lists every kind the demo has
// (error two services down, N+1, context not propagated, baggage dropped) and frames a finding's spans; the Hotspots
// page ranks the operations. Screenshots: test-results/workbench-analysis-*.png.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import type { DemoWorkbench } from './workbench';
import { openDemoWorkbench, openFile, quickInput, quickRows, REPO_ROOT, runCommand } from './workbench';

const RESULTS = join(REPO_ROOT, 'test-results');
/** fast, slow (the bundle: an N+1), error (an unknown item), twice. */
const REQUESTS = 6;
const INVENTORY = readFileSync(join(REPO_ROOT, 'demo', 'inventory.js'), 'utf8').split('\n');
const GET_STOCK_LINE = INVENTORY.findIndex((l) => l.startsWith('async function getStock(')) + 1;

describe('analyses in the real workbench', () => {
  let demo: DemoWorkbench;
  let page: Page;
  const ui = (): FrameLocator => page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  const lens = (pattern: RegExp): Locator => page.locator('.codelens-decoration a', { hasText: pattern }).first();

  before(async () => {
    assert.ok(GET_STOCK_LINE > 0, 'demo/inventory.js has getStock');
    mkdirSync(RESULTS, { recursive: true });
    demo = await openDemoWorkbench();
    page = demo.page;
  });

  after(async () => {
    await demo?.close();
  });

  it('lenses above getStock name its N+1 and where its error starts; the hover lists them', async () => {
    await page.waitForFunction(() => /TraceLens: 0 spans/.test(document.querySelector('.statusbar')?.textContent ?? ''), undefined, { timeout: 60_000 });
    assert.equal(await demo.runDemo(REQUESTS), 0, 'the demo delivered all its spans');
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });
    await openFile(page, 'inventory.js');
    // The editor updates the lenses it shows: bring getStock into view (Go to Line).
    await page.keyboard.press('Control+G');
    await quickInput(page).waitFor({ timeout: 10_000 });
    await quickInput(page).fill(`:${GET_STOCK_LINE + 8}`);
    await quickRows(page).filter({ hasText: `go to line ${GET_STOCK_LINE + 8}` }).first().waitFor({ timeout: 10_000 });
    await quickInput(page).press('Enter');
    await quickInput(page).waitFor({ state: 'hidden', timeout: 10_000 });

    const n1 = lens(/⚠ N\+1: \d+ × SELECT sku, name, stock, unit_price, components FROM items WHERE sku = \? · \d+ of \d+ traces/);
    await n1.waitFor({ timeout: 60_000 }).catch(async (e: unknown) => {
      await page.screenshot({ path: join(RESULTS, 'workbench-analysis-failed.png') });
      const lenses = await page.locator('.codelens-decoration a').allTextContents();
      throw new Error(`${e instanceof Error ? e.message : String(e)}\nlenses: ${JSON.stringify(lenses)}`);
    });
    await lens(/✖ Error origin: ItemNotFoundError · \d+ of \d+ traces/).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(RESULTS, 'workbench-analysis-lens.png') });

    // Hover the function's first line: the lens summary and its findings.
    const line = page.locator('.view-line', { hasText: 'async function getStock(' }).first();
    const box = (await line.boundingBox())!;
    await page.mouse.move(box.x + 40, box.y + box.height / 2);
    const hover = page.locator('.monaco-hover', { hasText: 'Findings' }).first();
    await hover.waitFor({ timeout: 15_000 });
    const text = await hover.innerText();
    assert.match(text, /N\+1: \d+ × SELECT/, text);
    assert.match(text, /Error starts in inventory: inventory\.check_stock/, text);
    await page.screenshot({ path: join(RESULTS, 'workbench-analysis-hover.png') });
    await page.keyboard.press('Escape');
  });

  it('the N+1 lens opens its trace; the Insights tab lists what the demo does wrong and frames a finding', async () => {
    await lens(/⚠ N\+1: /).click();
    const trace = ui();
    await trace.locator('.tl-findings-text').waitFor({ timeout: 30_000 });
    assert.match(await trace.locator('.tl-findings-text').innerText(), /\d+ findings?: /);
    await trace.locator('.tl-tab', { hasText: 'Insights' }).click();
    const items = trace.locator('.tl-insights .tl-finding');
    await items.first().waitFor({ timeout: 15_000 });
    const kinds = new Set(await trace.locator('.tl-insights .tl-finding-kind').allInnerTexts());
    // The slow checkout (the bundle): its N+1, the reservation sent without context, user.id dropped by orders.
    for (const kind of ['n-plus-one', 'broken-propagation', 'baggage-dropped']) assert.ok(kinds.has(kind), `${kind} in ${[...kinds].join(', ')}`);
    assert.match(await trace.locator('.tl-finding[data-kind="baggage-dropped"] .tl-finding-title').innerText(), /user\.id lost between orders and inventory/);
    await page.screenshot({ path: join(RESULTS, 'workbench-analysis-insights.png') });
    // A click on the N+1 shows the waterfall with the parent selected.
    await trace.locator('.tl-finding[data-kind="n-plus-one"] .tl-finding-title').click();
    await trace.locator('.tl-tab.active', { hasText: 'Waterfall' }).waitFor({ timeout: 10_000 });
    await trace.locator('.tl-row.selected', { hasText: 'inventory.check_stock' }).first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(RESULTS, 'workbench-analysis-framed.png') });
  });

  it('"Show Hotspots" ranks the demo\'s operations by total time', async () => {
    await runCommand(page, 'TraceLens: Show Hotspots');
    const rows = page.locator('.tab.active', { hasText: 'Hotspots' });
    await rows.waitFor({ timeout: 15_000 });
    const table = ui().locator('table.hotspots-table tbody tr');
    await table.first().waitFor({ timeout: 30_000 });
    const text = (await ui().locator('table.hotspots-table').innerText()).replace(/\s+/g, ' ');
    assert.match(text, /frontend GET \/checkout 6 /, text);
    assert.match(text, /inventory SELECT items \d+ /, text);
    await page.screenshot({ path: join(RESULTS, 'workbench-analysis-hotspots.png') });
  });
});
