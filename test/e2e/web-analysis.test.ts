// The analyses in the web UI, in real Chromium, on the analysis scenario (test/helpers/analysisScenario.ts) sent by
// the real OpenTelemetry SDK to a real in-process trace server: the trace header's findings line and the Insights tab
// (every kind listed, most severe first; a click selects the origin span and frames the finding's spans in the
// waterfall), the line refreshed by the live feed, the Hotspots page, the Propagation page (a dropped baggage key
// marked, the link to the trace that lost its context), "Why slow?" on the search page, and hostile span text that
// must render as text with no script run. Screenshots land in test-results/analysis-*.png for a person to look at.
// The page is the standalone one the trace server serves (out/webview.js: run `npm run build` first).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Browser, Page } from 'playwright-core';
import { findingsLine } from '../../src/core/analysis/findings';
import type { Finding, HotspotsResult, InsightsResult } from '../../src/protocol/analysis';
import type { AnalysisScenario } from '../helpers/analysisScenario';
import { makeAnalysisScenario } from '../helpers/analysisScenario';
import { watchedPage } from '../helpers/page';
import type { Call } from '../helpers/sdkShop';
import { SdkShop } from '../helpers/sdkShop';
import type { RunningServer } from '../helpers/server';
import { startServer } from '../helpers/server';
import { waitFor } from '../helpers/wait';
import { launchChromium, REPO_ROOT } from './workbench';

const RESULTS = join(REPO_ROOT, 'test-results');
const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
const HOSTILE_SERVICE = '<svg onload="window.__pwned=3">db';

/**
 * Hostile text in every place a finding shows span data: the root's name, the failing span's name, exception type
 * and message (error-origin), and the repeated statement (n-plus-one).
 *   web <HOSTILE>                    0 ........................................ 60
 *     <svg…>db <HOSTILE> child         2 .................................. 50  (exception <HOSTILE>)
 *       SELECT <HOSTILE> × 5             3 9  11 17  19 25  27 33  35 41
 */
const hostileCall: Call = {
  service: 'web',
  name: HOSTILE,
  kind: SpanKind.SERVER,
  start: 0,
  end: 60,
  children: [
    {
      service: HOSTILE_SERVICE,
      name: `${HOSTILE} child`,
      start: 2,
      end: 50,
      error: { type: HOSTILE, message: HOSTILE },
      children: [0, 1, 2, 3, 4].map((k) => ({ service: HOSTILE_SERVICE, name: `SELECT ${HOSTILE}`, kind: SpanKind.CLIENT, start: 3 + 8 * k, end: 9 + 8 * k, attributes: { 'db.system.name': 'postgresql', 'db.query.text': `SELECT '${HOSTILE}' FROM t WHERE id = 1` } })),
    },
  ],
};

describe('analyses in the web UI (Chromium)', () => {
  let srv: RunningServer;
  let browser: Browser;
  let shop: SdkShop;
  let scenario: AnalysisScenario;
  let hostile = '';
  const rpc = async <T>(method: string, params: unknown): Promise<{ result?: T; error?: string }> => {
    const res = await fetch(`${srv.query}/api/tracelens/rpc`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ method, params }) });
    return (await res.json()) as { result?: T; error?: string };
  };
  const findingsOf = async (traceId: string): Promise<readonly Finding[]> => (await rpc<InsightsResult>('tracelens/insights', { traceId })).result?.findings ?? [];

  before(async () => {
    srv = await startServer();
    browser = await launchChromium();
    mkdirSync(RESULTS, { recursive: true });
    shop = new SdkShop(srv.otlpHttp);
    scenario = makeAnalysisScenario(shop, Date.now() - 60_000);
    hostile = shop.trace(hostileCall, Date.now() - 30_000);
    await shop.flush();
    await waitFor(async () => (await srv.status()).spanCount >= scenario.spans + 7, 10_000);
  });
  after(async () => {
    await shop?.shutdown();
    await browser?.close();
    await srv?.close();
  });

  const open = async (hash: string): Promise<{ page: Page; errors: string[] }> => {
    const { page, errors } = await watchedPage(browser, { viewport: { width: 1400, height: 860 } });
    await page.goto(`${srv.query}/${hash}`);
    if (hash.startsWith('#/trace/')) await page.locator('.tl-trace[data-loaded="whole"], .tl-missing').first().waitFor({ timeout: 15_000 });
    return { page, errors };
  };
  const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: join(RESULTS, `analysis-${name}.png`) });
  const rowNames = (page: Page, which: string): Promise<string[]> => page.locator(`.tl-waterfall .tl-row${which} .tl-name`).allInnerTexts();
  const spanIdsOf = (page: Page, which: string): Promise<string[]> => page.locator(`.tl-waterfall .tl-row${which}`).evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset['spanId'] ?? ''));

  it('names the findings in the trace header (after the trace paints) and lists them, most severe first, in the Insights tab', async () => {
    const expected = await findingsOf(scenario.failing);
    const { page, errors } = await open(`#/trace/${scenario.failing}`);
    const line = page.locator('.tl-findings-line .tl-findings-text');
    await line.waitFor({ timeout: 10_000 });
    assert.equal(await line.innerText(), findingsLine(expected));
    assert.match(await line.innerText(), /^\d+ findings: Error starts in inventory/);
    // The findings were asked for once the whole trace was on screen.
    const marks = await page.evaluate(() => ['tracelens:waterfall-rendered', 'tracelens:insights-loaded'].map((m) => performance.getEntriesByName(m)[0]?.startTime ?? -1));
    assert.ok(marks[0]! >= 0 && marks[1]! > marks[0]!, `waterfall at ${marks[0]} ms, findings at ${marks[1]} ms`);

    await line.click();
    await waitFor(() => page.url().endsWith(`#/trace/${scenario.failing}?tab=insights`), 10_000, () => page.url());
    assert.equal(await page.locator('.tl-tab.active').innerText(), 'Insights');
    const items = page.locator('.tl-insights .tl-finding');
    await items.first().waitFor({ timeout: 10_000 });
    const kinds = await items.evaluateAll((li) => li.map((x) => (x as HTMLElement).dataset['kind']));
    assert.deepEqual(kinds, expected.map((f) => f.kind));
    for (const k of ['error-origin', 'n-plus-one', 'uninstrumented-time', 'broken-propagation', 'baggage-dropped']) assert.ok(kinds.includes(k as Finding['kind']), `${k} in ${kinds.join()}`);
    const rank = { error: 0, warning: 1, info: 2 } as const;
    const severities = await items.evaluateAll((li) => li.map((x) => (x.className.match(/sev-(\w+)/) ?? [])[1]));
    assert.deepEqual(severities, [...severities].sort((a, b) => rank[a as keyof typeof rank] - rank[b as keyof typeof rank]), 'most severe first');
    assert.equal(severities[0], 'error');

    // Title, where, evidence (microseconds as durations, lists one a line) and the source as text.
    const origin = page.locator('.tl-finding[data-kind="error-origin"]');
    assert.equal(await origin.locator('.tl-finding-title').innerText(), expected[0]!.title);
    assert.deepEqual([await origin.locator('.tl-finding-where .chip').innerText(), await origin.locator('.tl-finding-operation').innerText()], ['inventory', 'inventory.check_stock']);
    assert.equal(await origin.locator('dd[data-key="exceptionType"]').innerText(), 'ItemNotFoundError');
    assert.equal(await origin.locator('dd[data-key="durationMicros"]').innerText(), '42.0 ms');
    assert.equal(await origin.locator('dd[data-key="servicesBelowRoot"]').innerText(), '2');
    assert.equal(await origin.locator('dd[data-key="chain"] li').count(), 7);
    assert.equal(await page.locator('.tl-finding[data-kind="uninstrumented-time"] dd[data-key="selfMicros"]').innerText(), '34.0 ms');
    assert.equal(await page.locator('.tl-finding[data-kind="n-plus-one"] dd[data-key="count"]').innerText(), '6');
    const sourced = expected.find((f) => f.source);
    if (sourced) assert.equal(await page.locator(`.tl-finding[data-kind="${sourced.kind}"] .tl-finding-source`).first().innerText(), `${sourced.source!.file}:${sourced.source!.line}`);
    // broken-propagation links the trace that lost the context.
    assert.equal(await page.locator('.tl-finding[data-kind="broken-propagation"] dd[data-key="otherTraceID"] a').innerText(), scenario.lost);
    await shot(page, 'insights');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'insights-dark');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('a finding selects its first span and frames all its spans in the waterfall, collapsed ones revealed', async () => {
    const expected = await findingsOf(scenario.failing);
    const { page, errors } = await open(`#/trace/${scenario.failing}`);
    await page.locator('.tl-row').nth(5).waitFor({ timeout: 10_000 });
    // Collapsed to the root: the finding's spans must be revealed.
    await page.locator('.tl-collapse-all').click();
    await waitFor(async () => (await rowNames(page, '')).length === 1, 10_000);
    await page.keyboard.press(String(6)); // the Insights tab (keys 1 to 6)
    const n1 = expected.find((f) => f.kind === 'n-plus-one')!;
    await page.locator('.tl-finding[data-kind="n-plus-one"]').click();
    await waitFor(() => page.url().endsWith(`#/trace/${scenario.failing}?span=${n1.spanIDs[0]}`), 10_000, () => page.url());
    assert.equal(await page.locator('.tl-tab.active').innerText(), 'Waterfall');
    await waitFor(async () => (await rowNames(page, '.selected')).join() === 'inventory.check_stock', 10_000, () => 'check_stock not selected');
    await waitFor(async () => (await spanIdsOf(page, '.framed')).length === n1.spanIDs.length, 10_000);
    assert.deepEqual((await spanIdsOf(page, '.framed')).sort(), [...n1.spanIDs].sort());
    assert.deepEqual((await rowNames(page, '.framed')).sort(), ['SELECT items', 'SELECT items', 'SELECT items', 'SELECT items', 'SELECT items', 'SELECT items', 'inventory.check_stock']);
    assert.equal(await page.locator('.tl-frame-note .tl-frame-title').innerText(), n1.title);
    await shot(page, 'framed');

    // The error's origin: its chain from the origin up to the root, the origin selected.
    await page.keyboard.press('6');
    await page.locator('.tl-finding[data-kind="error-origin"]').click();
    const origin = expected[0]!;
    await waitFor(async () => (await spanIdsOf(page, '.selected')).join() === origin.spanIDs[0], 10_000, () => 'origin not selected');
    await waitFor(async () => (await spanIdsOf(page, '.framed')).sort().join() === [...origin.spanIDs].sort().join(), 10_000, () => 'chain not framed');
    assert.equal(await page.locator('.tl-detail .tl-detail-name').innerText(), 'inventory.check_stock');
    // The Insights tab marks the finding shown; Clear unmarks the rows.
    await page.keyboard.press('6');
    assert.equal(await page.locator('.tl-finding.framed').getAttribute('data-kind'), 'error-origin');
    await page.keyboard.press('1');
    await page.locator('.tl-clear-frame').click();
    await waitFor(async () => (await page.locator('.tl-row.framed').count()) === 0, 10_000);
    assert.equal(await page.locator('.tl-frame-note').isVisible(), false);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('opens the Insights tab from a deep link; no findings line for a trace without findings, until the live feed brings one', async () => {
    // A trace of one quiet span; a failing child joins it later (as a late exporter would send it).
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'quiet' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${srv.otlpHttp}/v1/traces` }) })],
    });
    const tracer = provider.getTracer('web-analysis-test');
    const t0 = Date.now() - 5_000;
    const root = tracer.startSpan('ping', { kind: SpanKind.SERVER, startTime: t0 });
    root.end(t0 + 5); // under the 10 ms of its own that would make it uninstrumented time
    await provider.forceFlush();
    const traceId = root.spanContext().traceId;
    await srv.waitForTrace(traceId, 1);
    assert.deepEqual(await findingsOf(traceId), []);

    const { page, errors } = await open(`#/trace/${traceId}?tab=insights`);
    assert.equal(await page.locator('.tl-tab.active').innerText(), 'Insights');
    await page.locator('.tl-insights-summary', { hasText: 'No findings in this trace' }).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('.tl-findings-line').count(), 0);

    const late = tracer.startSpan('late failure', { startTime: t0 + 1 }, trace.setSpan(ROOT_CONTEXT, root));
    late.recordException({ name: 'TimeoutError', message: 'gave up after 3 ms' }, t0 + 4);
    late.setStatus({ code: SpanStatusCode.ERROR, message: 'gave up after 3 ms' });
    late.end(t0 + 4);
    await provider.forceFlush();
    await provider.shutdown();
    await page.locator('.tl-findings-line').waitFor({ timeout: 15_000 });
    assert.match(await page.locator('.tl-findings-text').innerText(), /^1 finding: Handled error in quiet/);
    await page.locator('.tl-finding[data-kind="error-origin"]').waitFor({ timeout: 10_000 });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('the Hotspots page: a table sorted by total time with the right counts; sorting; a row opens its slowest traces', async () => {
    // Counts arrive at once; self and critical-path time once each trace has been quiet a few seconds.
    await waitFor(async () => ((await rpc<HotspotsResult>('tracelens/hotspots', { lookbackMinutes: 15 })).result?.rows ?? []).some((r) => r.selfTime > 0 && r.operation === 'GET /items'), 20_000);
    const { page, errors } = await open('#/hotspots?lookback=15');
    const rows = page.locator('table.hotspots-table tbody tr');
    await rows.first().waitFor({ timeout: 10_000 });
    const table = async (): Promise<{ service: string; operation: string; count: number; total: string }[]> =>
      rows.evaluateAll((trs) =>
        trs.map((tr) => ({
          service: (tr as HTMLElement).dataset['service'] ?? '',
          operation: (tr as HTMLElement).dataset['operation'] ?? '',
          count: Number((tr.querySelector('td.count')?.textContent ?? '').replace(/,/g, '')),
          total: tr.querySelector('td.total')?.textContent ?? '',
        })),
      );
    const shown = await table();
    const expected = (await rpc<HotspotsResult>('tracelens/hotspots', { lookbackMinutes: 15, limit: 100 })).result!.rows;
    assert.deepEqual(
      shown.map((r) => `${r.service} ${r.operation}`),
      [...expected].sort((a, b) => b.totalTime - a.totalTime).map((r) => `${r.service} ${r.operation}`),
      'sorted by total time',
    );
    const count = (service: string, operation: string): number | undefined => shown.find((r) => r.service === service && r.operation === operation)?.count;
    assert.equal(count('web', 'GET /checkout'), 8, 'six usual, the slow and the failing checkout');
    assert.equal(count('inventory', 'SELECT items'), 6);
    assert.equal(count('catalog', 'GET /items'), 20);
    assert.equal(count('inventory', 'POST /reservations'), 1);
    assert.equal(await page.locator('th[aria-sort="descending"]').innerText(), 'Total time ▼');
    await shot(page, 'hotspots');

    // Sorting by calls, then the text filter.
    await page.locator('th[data-key="count"]').click();
    await waitFor(async () => (await table())[0]?.operation === 'GET /items', 10_000);
    const counts = (await table()).map((r) => r.count);
    assert.deepEqual(counts, [...counts].sort((a, b) => b - a));
    await page.locator('input.hotspots-filter').fill('select');
    await waitFor(async () => (await table()).every((r) => /select/i.test(r.operation)), 10_000);
    assert.deepEqual((await table()).map((r) => r.operation).sort(), ['SELECT items', 'SELECT prices', `SELECT ${HOSTILE}`].sort());

    // A row: its slowest traces (at least its p95, slowest first) on the search page.
    await page.locator('tr[data-operation="SELECT items"]').click();
    await waitFor(() => decodeURIComponent(page.url()).includes('#/search?q='), 10_000, () => page.url());
    const q = new URLSearchParams(page.url().split('#/search?')[1]).get('q') ?? '';
    assert.match(q, /^service=inventory op="SELECT items" minDuration=[\d.]+ms since=15m sort=duration$/);
    await page.locator(`tr[data-trace-id="${scenario.failing}"]`).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('select.order-select').inputValue(), 'duration');
    // Grouping and window go in the route.
    await page.goBack();
    await page.locator('select.group-select').selectOption('location');
    await waitFor(() => page.url().endsWith('#/hotspots?lookback=15&group=location'), 10_000, () => page.url());
    await rows.first().waitFor({ timeout: 10_000 });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('the Propagation page: the hops with the dropped baggage key marked, the breaks, and the link to the other trace', async () => {
    const { page, errors } = await open(`#/trace/${scenario.failing}?tab=insights`);
    await page.locator('.tl-propagation-link').click();
    await waitFor(() => page.url().endsWith(`#/propagation?trace=${scenario.failing}`), 10_000, () => page.url());
    const hops = page.locator('table.hops-table tbody tr');
    await hops.nth(1).waitFor({ timeout: 10_000 });
    assert.deepEqual(await hops.evaluateAll((trs) => trs.map((tr) => `${(tr as HTMLElement).dataset['from']}>${(tr as HTMLElement).dataset['to']}`)), ['web>orders', 'orders>inventory']);
    const dropped = page.locator('tr.hop .baggage-key.dropped');
    assert.equal(await dropped.count(), 1);
    assert.equal(await dropped.getAttribute('data-key'), 'app.user');
    assert.equal(await page.locator('tr[data-from="orders"][data-to="inventory"] s.baggage-key').getAttribute('data-key'), 'app.user');
    assert.deepEqual(await page.locator('tr[data-from="web"][data-to="orders"] .baggage-key').allInnerTexts(), ['app.tier', 'app.user']);
    assert.equal(await page.locator('tr[data-from="web"] .baggage-key.dropped').count(), 0);
    const breaks = page.locator('.breaks .tl-finding');
    assert.deepEqual((await breaks.evaluateAll((li) => li.map((x) => (x as HTMLElement).dataset['kind'] ?? ''))).sort(), ['baggage-dropped', 'broken-propagation']);
    await shot(page, 'propagation');

    // The other trace: the reservation served without the caller's context.
    const broken = (await findingsOf(scenario.failing)).find((f) => f.kind === 'broken-propagation')!;
    await page.locator('.breaks .tl-finding[data-kind="broken-propagation"] a.tl-other-trace').click();
    await waitFor(() => page.url().endsWith(`#/trace/${scenario.lost}?span=${String(broken.evidence.otherSpanID)}`), 10_000, () => page.url());
    await waitFor(async () => (await page.locator('.tl-title').innerText().catch(() => '')) === 'inventory POST /reservations', 10_000);
    // Back, and the span of a break: the trace at that span.
    await page.goBack();
    await page.locator('.breaks .tl-finding[data-kind="baggage-dropped"] a.tl-finding-span-link').click();
    await waitFor(() => /#\/trace\/[0-9a-f]{32}\?span=[0-9a-f]{16}$/.test(page.url()), 10_000, () => page.url());
    assert.ok(page.url().includes(scenario.failing));

    // The window, from the navigation: the recent traces' hops and breaks.
    await page.locator('nav a', { hasText: 'Propagation' }).click();
    await waitFor(() => page.url().endsWith('#/propagation'), 10_000, () => page.url());
    await page.locator('table.hops-table tbody tr').first().waitFor({ timeout: 10_000 });
    assert.match(await page.locator('.propagation-toolbar .result-count').innerText(), /^\d+ traces$/);
    assert.ok((await page.locator('.propagation-services .chip').allInnerTexts()).includes('inventory'));
    assert.ok((await page.locator('.breaks .tl-finding[data-kind="broken-propagation"]').count()) >= 1);
    await shot(page, 'propagation-window');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('"Why slow?" on the search page: the attribute value the slow traces share, as bars; a note when there are too few', async () => {
    const { page, errors } = await open(`#/search?q=${encodeURIComponent('service=catalog minDuration=100ms')}`);
    await page.locator('table.traces tbody tr').nth(5).waitFor({ timeout: 10_000 });
    await page.locator('button.why-slow-button').click();
    const top = page.locator('.cohort-row').first();
    await top.waitFor({ timeout: 10_000 });
    assert.match(await page.locator('.cohort-summary').innerText(), /^6 slow traces \(at least 100 ms, the minimum duration of the search\) against 14 others\.$/);
    assert.deepEqual([await top.getAttribute('data-what'), await top.getAttribute('data-key'), await top.getAttribute('data-value')], ['attribute', 'app.region', 'eu-west']);
    assert.deepEqual(await top.locator('.cohort-bar-label').allInnerTexts(), ['100%', '7.1%']);
    await shot(page, 'cohort');

    // Without a minimum duration: the p95 of the 20 results (304 ms) leaves two slow traces, too few to compare.
    await page.locator('input.search-line').fill('service=catalog');
    await page.locator('input.search-line').press('Enter');
    await waitFor(async () => (await page.locator('table.traces tbody tr').count()) === 20, 10_000);
    assert.equal(await page.locator('.cohort').isVisible(), false, 'a new search closes the last answer');
    await page.locator('button.why-slow-button').click();
    await page.locator('.cohort-note').waitFor({ timeout: 10_000 });
    assert.match(await page.locator('.cohort-summary').innerText(), /^2 slow traces \(at least 304 ms, the p95 of the results\) against 18 others\.$/);
    assert.match(await page.locator('.cohort-note').innerText(), /^Too few traces to compare: 2 slow/);
    assert.equal(await page.locator('.cohort-row').count(), 0);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('renders hostile finding text (span names, exception messages, statements) as text and runs no script', async () => {
    const expected = await findingsOf(hostile);
    assert.ok(expected.some((f) => f.kind === 'error-origin') && expected.some((f) => f.kind === 'n-plus-one'), expected.map((f) => f.kind).join());
    const { page, errors } = await open(`#/trace/${hostile}?tab=insights`);
    await page.locator('.tl-finding').first().waitFor({ timeout: 10_000 });
    const origin = page.locator('.tl-finding[data-kind="error-origin"]');
    assert.equal(await origin.locator('.tl-finding-title').innerText(), expected.find((f) => f.kind === 'error-origin')!.title);
    assert.ok((await origin.locator('.tl-finding-title').innerText()).includes(HOSTILE));
    assert.equal(await origin.locator('dd[data-key="exceptionMessage"]').innerText(), HOSTILE);
    assert.equal(await origin.locator('.tl-finding-where .chip').innerText(), HOSTILE_SERVICE);
    assert.ok((await page.locator('.tl-finding[data-kind="n-plus-one"]').innerText()).includes(HOSTILE));
    assert.ok((await page.locator('.tl-findings-text').innerText()).includes('<'));
    await page.locator('.tl-finding[data-kind="n-plus-one"]').click();
    await waitFor(async () => (await page.locator('.tl-row.framed').count()) === 6, 10_000);
    await page.goto(`${srv.query}/#/propagation`);
    await page.locator('table.hops-table tbody tr').first().waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('#app img, #app script, #app svg svg, #app a[href^="javascript:"]').count(), 0, 'no element was made from span text');
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
