// The trace page in real Chromium, on traces sent by the real OpenTelemetry SDK to a real trace server: header
// figures, collapse and expand, the span detail (typed attributes, an exception's stack trace, a link that opens the
// linked trace, copy buttons), search in the trace, the critical path, every tab, the keyboard, and a hostile trace
// whose text must render as text with no script run. Screenshots go to test-results/ for a person to look at.
// The page is the standalone one the trace server serves (out/webview.js: run `npm run build` first), at #/trace/<id>.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Span, Tracer } from '@opentelemetry/api';
import { ROOT_CONTEXT, SeverityNumber, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Browser, Page } from 'playwright-core';
import { watchedPage } from '../helpers/page';
import type { RunningServer } from '../helpers/server';
import { startServer } from '../helpers/server';
import { waitFor } from '../helpers/wait';
import { launchChromium, REPO_ROOT } from './workbench';

const RESULTS = join(REPO_ROOT, 'test-results');
const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
const HOSTILE_LINK = 'javascript:window.__pwned=3';
const MISSING_TRACE = 'ee'.repeat(16);

interface Providers {
  readonly frontend: Tracer;
  readonly payments: Tracer;
  flush(): Promise<void>;
}

function providers(endpoint: string, frontendResource: Record<string, string> = {}): Providers {
  const make = (service: string, extra: Record<string, string> = {}): TracerProvider =>
    new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': service, ...extra }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }) })],
    });
  const a = make('shop-frontend', frontendResource);
  const b = make('payments');
  return {
    frontend: a.getTracer('web-trace-test', '1.2.3'),
    payments: b.getTracer('payments-lib'),
    async flush() {
      await Promise.all([a.forceFlush(), b.forceFlush()]);
      await Promise.all([a.shutdown(), b.shutdown()]);
    },
  };
}

/**
 * The main trace, with fixed times (ms from `t0`):
 *   shop-frontend GET /checkout   0 ............................ 100
 *     auth                          5 .... 20
 *     cache lookup                   6 . 10                       (not on the critical path)
 *     POST /pay (client)                      25 ........ 80
 *       payments charge card (error)            30 ..... 75      (exception event, links)
 *         payments SELECT card                     35 . 60
 *     render                                                 82 .. 95
 * and a log record (OTLP logs) emitted inside charge card at 50.
 */
async function sendTraces(endpoint: string): Promise<{ traceId: string; linkedTraceId: string; linkedSpanId: string }> {
  const p = providers(endpoint);
  const t0 = Date.now() - 1000;
  const at = (ms: number): number => t0 + ms;
  const linked = p.frontend.startSpan('nightly batch', { kind: SpanKind.CONSUMER, startTime: at(-500) });
  linked.end(at(-400));
  const root = p.frontend.startSpan('GET /checkout', { kind: SpanKind.SERVER, startTime: at(0), attributes: { 'http.request.method': 'GET', 'http.route': '/checkout' } });
  const inRoot = trace.setSpan(ROOT_CONTEXT, root);
  const child = (tracer: Tracer, name: string, start: number, end: number, ctx = inRoot, opts: Parameters<Tracer['startSpan']>[1] = {}): Span => {
    const s = tracer.startSpan(name, { startTime: at(start), ...opts }, ctx);
    s.end(at(end));
    return s;
  };
  child(p.frontend, 'auth', 5, 20);
  child(p.frontend, 'cache lookup', 6, 10);
  const pay = p.frontend.startSpan('POST /pay', { kind: SpanKind.CLIENT, startTime: at(25) }, inRoot);
  const inPay = trace.setSpan(ROOT_CONTEXT, pay);
  const charge = p.payments.startSpan(
    'charge card',
    {
      kind: SpanKind.SERVER,
      startTime: at(30),
      attributes: {
        'payment.amount': 42,
        'payment.ratio': 0.25,
        'payment.retry': false,
        'payment.cards': ['visa', 'amex'],
        'code.function.name': 'chargeCard',
        'code.file.path': '/srv/payments/charge.ts',
        'baggage.tenant': 'acme',
        'long.value': 'x'.repeat(500),
      },
      links: [{ context: linked.spanContext() }, { context: { traceId: MISSING_TRACE, spanId: 'ee'.repeat(8), traceFlags: 1 } }],
    },
    inPay,
  );
  child(p.payments, 'SELECT card', 35, 60, trace.setSpan(ROOT_CONTEXT, charge), { kind: SpanKind.CLIENT });
  const logs = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'payments' }),
    processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${endpoint}/v1/logs` }) })],
  });
  logs.getLogger('payments-log').emit({ context: trace.setSpan(ROOT_CONTEXT, charge), timestamp: at(50), severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: 'retrying the card' });
  await logs.forceFlush();
  await logs.shutdown();
  charge.recordException(new Error('card declined'), at(70));
  charge.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
  charge.end(at(75));
  pay.end(at(80));
  child(p.frontend, 'render', 82, 95);
  root.end(at(100));
  await p.flush();
  return { traceId: root.spanContext().traceId, linkedTraceId: linked.spanContext().traceId, linkedSpanId: linked.spanContext().spanId };
}

async function sendHostileTrace(endpoint: string): Promise<string> {
  const p = providers(endpoint, { 'deployment.environment': HOSTILE, 'service.namespace': HOSTILE_LINK });
  const root = p.frontend.startSpan(HOSTILE, { kind: SpanKind.SERVER, attributes: { [HOSTILE]: HOSTILE, 'url.full': HOSTILE_LINK } });
  const ctx = trace.setSpan(ROOT_CONTEXT, root);
  const bad = p.frontend.startSpan(`${HOSTILE} child`, { attributes: { 'code.stacktrace': HOSTILE } }, ctx);
  bad.addEvent(HOSTILE, { [HOSTILE]: HOSTILE_LINK });
  bad.recordException({ name: HOSTILE, message: HOSTILE, stack: HOSTILE });
  bad.setStatus({ code: SpanStatusCode.ERROR, message: HOSTILE });
  bad.end();
  root.end();
  await p.flush();
  return root.spanContext().traceId;
}

describe('trace page in Chromium', () => {
  let srv: RunningServer;
  let browser: Browser;
  let ids: { traceId: string; linkedTraceId: string; linkedSpanId: string };
  let hostileId: string;
  before(async () => {
    srv = await startServer();
    browser = await launchChromium();
    mkdirSync(RESULTS, { recursive: true });
    ids = await sendTraces(srv.otlpHttp);
    hostileId = await sendHostileTrace(srv.otlpHttp);
    await srv.waitForTrace(ids.traceId, 7);
    await srv.waitForTrace(hostileId, 2);
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  const open = async (hash: string): Promise<{ page: Page; errors: string[] }> => {
    const { page, errors } = await watchedPage(browser, { viewport: { width: 1400, height: 800 }, permissions: ['clipboard-read', 'clipboard-write'] });
    await page.goto(`${srv.query}/${hash}`);
    // A trace paints from its outline first; wait for the whole trace (or the page saying it is not stored).
    if (hash.startsWith('#/trace/')) await page.locator('.tl-trace[data-loaded="whole"], .tl-missing').first().waitFor({ timeout: 15_000 });
    return { page, errors };
  };
  const rowNames = (page: Page): Promise<string[]> => page.locator('.tl-waterfall .tl-row .tl-name').allInnerTexts();
  const row = (page: Page, name: string) => page.locator('.tl-waterfall .tl-row', { has: page.locator('.tl-name', { hasText: new RegExp(`^${name}$`) }) });

  it('shows the header, rows, collapse and expand, search and the critical path', async () => {
    const { page, errors } = await open(`#/trace/${ids.traceId}`);
    await page.locator('.tl-row').nth(6).waitFor({ timeout: 15_000 });
    const field = (name: string): Promise<string> => page.locator(`.tl-field[data-field="${name}"] .tl-field-value`).innerText();
    assert.equal(await page.locator('.tl-title').innerText(), 'shop-frontend GET /checkout');
    await waitFor(async () => /^shop-frontend: GET \/checkout \(\d+ spans\) · TraceLens$/.test(await page.title()), 5000, () => 'title: ' + page.url());
    assert.deepEqual([await field('spans'), await field('errors'), await field('services'), await field('depth'), await field('orphans')], ['7', '1', '2', '4', '0']);
    assert.equal(await field('duration'), '100 ms');
    assert.deepEqual(await rowNames(page), ['GET /checkout', 'auth', 'cache lookup', 'POST /pay', 'charge card', 'SELECT card', 'render']);
    assert.equal(await page.locator('.tl-row.error .tl-name').innerText(), 'charge card');

    // Collapse the client span, then everything, then expand again.
    await row(page, 'POST /pay').locator('.tl-toggle').click();
    await waitFor(async () => (await rowNames(page)).length === 5, 10_000);
    assert.deepEqual(await rowNames(page), ['GET /checkout', 'auth', 'cache lookup', 'POST /pay', 'render']);
    await page.locator('.tl-collapse-all').click();
    await waitFor(async () => (await rowNames(page)).length === 1, 10_000);
    await page.locator('.tl-expand-all').click();
    await waitFor(async () => (await rowNames(page)).length === 7, 10_000);
    await page.locator('.tl-depth').selectOption('2');
    await waitFor(async () => (await rowNames(page)).length === 5, 10_000);
    assert.deepEqual(await rowNames(page), ['GET /checkout', 'auth', 'cache lookup', 'POST /pay', 'render']);
    await page.locator('.tl-depth').selectOption('0');
    await waitFor(async () => (await rowNames(page)).length === 7, 10_000);

    // Search: matches highlighted, the rest dimmed, "n of m", Enter steps.
    await page.locator('.tl-search').fill('payments');
    await waitFor(async () => (await page.locator('.tl-search-count').innerText()) === '0 of 2', 10_000, () => 'no count');
    assert.equal(await page.locator('.tl-waterfall .tl-row.match').count(), 2);
    assert.equal(await page.locator('.tl-waterfall .tl-row.dim').count(), 5);
    await page.locator('.tl-search').press('Enter');
    await waitFor(async () => (await page.locator('.tl-search-count').innerText()) === '1 of 2', 10_000);
    // Rows are drawn in the next animation frame: wait for the selected row, do not read it at once.
    await waitFor(async () => (await page.locator('.tl-row.selected .tl-name').innerText()) === 'charge card', 10_000, () => 'charge card not selected');
    await page.locator('.tl-search').press('Enter');
    await waitFor(async () => (await page.locator('.tl-search-count').innerText()) === '2 of 2', 10_000);
    assert.equal(await page.locator('.tl-row.selected .tl-name').innerText(), 'SELECT card');
    await page.locator('.tl-search').fill('http.route=/checkout');
    await waitFor(async () => (await page.locator('.tl-waterfall .tl-row.match .tl-name').allInnerTexts()).join() === 'GET /checkout', 10_000);
    await page.locator('.tl-search').fill('>50ms');
    await waitFor(async () => (await page.locator('.tl-waterfall .tl-row.match .tl-name').allInnerTexts()).join() === 'GET /checkout,POST /pay', 10_000);
    await page.locator('.tl-search').fill('');
    await waitFor(async () => (await page.locator('.tl-waterfall .tl-row.dim').count()) === 0, 10_000);

    // Critical path: everything but the cache lookup (it overlaps auth, which finishes later).
    await page.locator('.tl-critical-toggle').click();
    await waitFor(async () => (await page.locator('.tl-row.critical').count()) > 0, 10_000);
    assert.deepEqual((await page.locator('.tl-row.critical .tl-name').allInnerTexts()).sort(), ['GET /checkout', 'POST /pay', 'SELECT card', 'auth', 'charge card', 'render']);
    assert.equal(await row(page, 'cache lookup').locator('.tl-crit').count(), 0);
    assert.equal(await row(page, 'render').locator('.tl-crit').count(), 1);
    await page.screenshot({ path: join(RESULTS, 'web-trace-waterfall.png') });
    await page.locator('.tl-critical-toggle').click();
    await waitFor(async () => (await page.locator('.tl-row.critical').count()) === 0, 10_000);

    // Zoom: a drag on the minimap narrows the ruler; reset restores it.
    const ticks = (): Promise<string[]> => page.locator('.tl-tick').allInnerTexts();
    assert.equal((await ticks()).at(-1), '100 ms');
    const box = (await page.locator('.tl-minimap').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.2, box.y + 10);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + 10, { steps: 4 });
    await page.mouse.up();
    await waitFor(async () => (await ticks()).at(-1) !== '100 ms', 10_000);
    assert.match((await ticks())[0]!, /^(19|20|21)\.\d ms$/);
    await page.locator('.tl-reset-zoom').click();
    await waitFor(async () => (await ticks()).at(-1) === '100 ms', 10_000);
    // The dark theme (the standalone page follows the system's): a screenshot to look at.
    await row(page, 'charge card').click();
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(RESULTS, 'web-trace-dark.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shows the span detail: typed attributes, exception stack, links, copy and open in editor', async () => {
    const { page, errors } = await open(`#/trace/${ids.traceId}`);
    await page.locator('.tl-row').nth(6).waitFor({ timeout: 15_000 });
    await row(page, 'charge card').click();
    const detail = page.locator('.tl-detail');
    await detail.locator('.tl-detail-name').waitFor();
    assert.equal(await detail.locator('.tl-detail-name').innerText(), 'charge card');
    assert.match(page.url(), new RegExp(`#/trace/${ids.traceId}\\?span=[0-9a-f]{16}$`), 'the route follows the selection');
    const dd = (label: string) => detail.locator('dl.tl-kv').first().locator(`dt:text-is("${label}") + dd`);
    assert.equal(await dd('Service').innerText(), 'payments');
    assert.equal(await dd('Kind').innerText(), 'SERVER');
    assert.match(await dd('Status').innerText(), /ERROR\s+card declined/);
    assert.equal(await dd('Duration').innerText(), '45.0 ms');
    assert.equal(await dd('Self time').innerText(), '20.0 ms');
    assert.equal(await dd('Start').innerText(), '+30.0 ms');
    const attr = (key: string) => detail.locator(`.tl-attrs dt:text-is("${key}") + dd`).first();
    assert.equal(await attr('payment.amount').innerText(), '42');
    assert.equal(await attr('payment.amount').locator('.tl-v-int').count(), 1);
    assert.equal(await attr('payment.ratio').innerText(), '0.25');
    assert.equal(await attr('payment.retry').innerText(), 'false');
    assert.deepEqual(await attr('payment.cards').locator('li').allInnerTexts(), ['"visa"', '"amex"']);
    assert.equal(await attr('code.function.name').innerText(), '"chargeCard"');
    assert.match(await attr('long.value').innerText(), /show more \(502 characters\)/);
    await attr('long.value').locator('.tl-more').click();
    assert.equal((await attr('long.value').innerText()).length, 502);
    assert.equal(await detail.locator('.tl-section:has(h3:text-is("Baggage")) dt').innerText(), 'baggage.tenant');
    assert.equal(await detail.locator('.tl-section:has(h3:text-is("Resource")) dt:text-is("service.name") + dd').innerText(), '"payments"');
    // The exception event, its time from the span start and its stack trace.
    const exception = detail.locator('.tl-event-item.exception');
    assert.equal(await exception.locator('.tl-event-time').innerText(), '+40.0 ms');
    assert.equal(await exception.locator('.tl-exception').innerText(), 'Error: card declined');
    assert.match(await exception.locator('pre.tl-stack').innerText(), /^Error: card declined\n\s+at /);
    assert.equal(await row(page, 'charge card').locator('.tl-event.exception').count(), 1, 'the event on the bar');
    // The log record joined to the span, like an event.
    const log = detail.locator('.tl-section:has(h3:text-is("Logs (1)")) .tl-event-item');
    assert.equal(await log.locator('.tl-event-name').innerText(), 'WARN retrying the card');
    assert.equal(await log.locator('.tl-event-time').innerText(), '+20.0 ms');
    // Copy buttons (the standalone page writes the clipboard and says so) and Open in editor (code.* attributes).
    const clipboard = (): Promise<string> => page.evaluate(() => navigator.clipboard.readText());
    const spanId = await dd('Span ID').innerText();
    await detail.locator('.tl-copy-traceparent').click();
    await waitFor(async () => (await clipboard()) === `00-${ids.traceId}-${spanId}-01`, 10_000, () => 'traceparent not copied');
    await detail.locator('.tl-copy-span').click();
    await waitFor(async () => (await clipboard()) === spanId, 10_000, () => 'span id not copied');
    await detail.locator('.tl-copy-json').click();
    await waitFor(async () => ((JSON.parse(await clipboard()) as { spanId?: string }).spanId ?? '') === spanId, 10_000, () => 'span JSON not copied');
    await detail.locator('.tl-open-source').click();
    await page.getByText(`span ${spanId} of trace ${ids.traceId}`).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(RESULTS, 'web-trace-detail.png') });
    // A span without code attributes has no Open in editor.
    await row(page, 'render').click();
    await waitFor(async () => (await detail.locator('.tl-detail-name').innerText()) === 'render', 10_000);
    assert.equal(await detail.locator('.tl-open-source').count(), 0);
    // Back in history: the span selected before.
    await page.goBack();
    await waitFor(async () => (await detail.locator('.tl-detail-name').innerText()) === 'charge card', 10_000, () => page.url());
    // Rows are drawn in the next animation frame: wait for the selected row, do not read it at once.
    await waitFor(async () => (await page.locator('.tl-row.selected .tl-name').innerText()) === 'charge card', 10_000, () => 'charge card not selected');
    // Links: a missing trace says so; a stored one opens it at the span.
    await row(page, 'charge card').click();
    const links = detail.locator('.tl-links li');
    await links.nth(1).locator('a').click();
    await waitFor(async () => (await links.nth(1).locator('.tl-link-note').innerText()).trim() === 'not stored', 10_000);
    await links.nth(0).locator('a').click();
    await waitFor(async () => (await page.locator('.tl-title').innerText()) === 'shop-frontend nightly batch', 10_000, () => page.url());
    assert.ok(page.url().endsWith(`#/trace/${ids.linkedTraceId}?span=${ids.linkedSpanId}`), page.url());
    await page.locator('.tl-detail .tl-detail-name').waitFor();
    assert.equal(await page.locator('.tl-detail .tl-detail-name').innerText(), 'nightly batch');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('opens a deep link to the JSON tab with the whole trace, not its outline', async () => {
    const { page, errors } = await open(`#/trace/${ids.traceId}?tab=json`);
    await waitFor(async () => {
      const text = await page.locator('pre.tl-json').innerText();
      const json = JSON.parse(text || '{}') as { spans?: { attributes: unknown[] }[] };
      return (json.spans?.length ?? 0) === 7 && json.spans!.some((s) => s.attributes.length > 0);
    }, 10_000, () => 'the JSON tab shows no attributes');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('renders every tab and follows the keyboard', async () => {
    const { page, errors } = await open(`#/trace/${ids.traceId}`);
    await page.locator('.tl-row').nth(6).waitFor({ timeout: 15_000 });
    const selected = (): Promise<string> => page.locator('.tl-waterfall .tl-row.selected .tl-name').innerText();
    const activeTab = (): Promise<string | null> => page.locator('.tl-tab.active').getAttribute('data-tab');
    await page.keyboard.press('j');
    await waitFor(async () => (await page.locator('.tl-row.selected').count()) === 1, 10_000);
    await waitFor(async () => (await selected()) === 'GET /checkout', 10_000, () => 'expected GET /checkout selected');
    await page.keyboard.press('j');
    await page.keyboard.press('ArrowDown');
    await waitFor(async () => (await selected()) === 'cache lookup', 10_000, () => 'expected cache lookup selected');
    await page.keyboard.press('k');
    await waitFor(async () => (await selected()) === 'auth', 10_000, () => 'expected auth selected');
    await page.keyboard.press('e');
    await waitFor(async () => (await selected()) === 'charge card', 10_000, () => 'expected charge card selected');
    await page.keyboard.press('ArrowLeft');
    await waitFor(async () => (await rowNames(page)).length === 6, 10_000);
    await page.keyboard.press('ArrowRight');
    await waitFor(async () => (await rowNames(page)).length === 7, 10_000);
    await page.keyboard.press('c');
    await waitFor(async () => (await page.locator('.tl-row.critical').count()) === 6, 10_000);
    await page.keyboard.press('c');
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement?.className), 'tl-search');
    await page.keyboard.type('auth');
    await page.keyboard.press('Escape');
    await waitFor(async () => (await page.locator('.tl-search-count').innerText()) === '0 of 1', 10_000, () => 'no count');
    await page.keyboard.press('n');
    await waitFor(async () => (await selected()) === 'auth', 10_000, () => 'expected auth selected');

    // Tabs by number, each rendering its view.
    await page.keyboard.press('2');
    assert.equal(await activeTab(), 'flame');
    await page.locator('.tl-flame-box').nth(6).waitFor();
    assert.deepEqual((await page.locator('.tl-flame-box').allInnerTexts()).sort(), ['GET /checkout', 'POST /pay', 'SELECT card', 'auth', 'cache lookup', 'charge card', 'render']);
    assert.match(page.url(), /tab=flame/);
    await page.screenshot({ path: join(RESULTS, 'web-trace-flame.png') });
    await page.keyboard.press('3');
    assert.equal(await activeTab(), 'stats');
    const statsRows = page.locator('.tl-stats-table tbody tr');
    await statsRows.nth(6).waitFor();
    assert.equal(await statsRows.first().locator('td').nth(1).innerText(), 'GET /checkout', 'by total time first');
    await page.locator('.tl-stats-table th[data-key="operation"]').click();
    assert.equal(await page.locator('.tl-stats-table tbody tr').first().locator('td').nth(1).innerText(), 'auth', 'by name (locale order)');
    await page.locator('.tl-stats-table th[data-key="operation"]').click();
    assert.equal(await page.locator('.tl-stats-table tbody tr').first().locator('td').nth(1).innerText(), 'SELECT card', 'reversed');
    await page.screenshot({ path: join(RESULTS, 'web-trace-stats.png') });
    await page.keyboard.press('4');
    assert.equal(await activeTab(), 'table');
    await page.locator('.tl-table .tl-rows .tl-table-row').nth(6).waitFor();
    const tableNames = (): Promise<string[]> => page.locator('.tl-table .tl-rows .tl-table-row .tl-cell:nth-child(2)').allInnerTexts();
    assert.equal((await tableNames())[0], 'GET /checkout', 'longest first');
    await page.locator('.tl-table-head [data-key="self"]').click();
    await page.locator('.tl-table-head [data-key="self"]').click();
    await waitFor(async () => (await tableNames())[0] === 'cache lookup', 10_000, () => 'not sorted by self time, ascending');
    await page.keyboard.press('5');
    assert.equal(await activeTab(), 'json');
    const json = JSON.parse(await page.locator('pre.tl-json').innerText()) as { traceId: string; spans: unknown[] };
    assert.equal(json.traceId, ids.traceId);
    assert.equal(json.spans.length, 7);
    await page.keyboard.press('1');
    assert.equal(await activeTab(), 'waterfall');
    await page.keyboard.press('?');
    await page.locator('.tl-shortcuts').waitFor();
    assert.match(await page.locator('.tl-shortcuts').innerText(), /Next \/ previous error/);
    await page.screenshot({ path: join(RESULTS, 'web-trace-shortcuts.png') });
    await page.keyboard.press('Escape');
    await waitFor(async () => (await page.locator('.tl-shortcuts').count()) === 0, 10_000);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('reloads the trace when new spans arrive, keeping the selection', async () => {
    const first = providers(srv.otlpHttp);
    const root = first.frontend.startSpan('GET /live', { kind: SpanKind.SERVER });
    const inRoot = trace.setSpan(ROOT_CONTEXT, root);
    first.frontend.startSpan('step one', {}, inRoot).end();
    root.end();
    await first.flush();
    const traceId = root.spanContext().traceId;
    await srv.waitForTrace(traceId, 2);
    const { page, errors } = await open(`#/trace/${traceId}`);
    await page.locator('.tl-row').nth(1).waitFor({ timeout: 15_000 });
    await waitFor(() => srv.server.live.subscribers > 0, 10_000, () => 'the page did not subscribe to the live feed');
    await row(page, 'step one').click();
    await page.locator('.tl-detail .tl-detail-name').waitFor();
    const later = providers(srv.otlpHttp);
    later.payments.startSpan('step two', {}, inRoot).end();
    await later.flush();
    await waitFor(async () => (await page.locator('.tl-field[data-field="spans"] .tl-field-value').innerText()) === '3', 15_000, () => 'no reload');
    assert.deepEqual(await rowNames(page), ['GET /live', 'step one', 'step two']);
    assert.equal(await page.locator('.tl-row.selected .tl-name').innerText(), 'step one');
    assert.equal(await page.locator('.tl-detail .tl-detail-name').innerText(), 'step one');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('says when a trace is not stored, with a way back to search', async () => {
    const { page } = await open(`#/trace/${MISSING_TRACE}`);
    await page.locator('.tl-missing').waitFor({ timeout: 10_000 });
    assert.match(await page.locator('.tl-missing').innerText(), /is not stored/);
    await page.locator('.tl-missing button').click();
    await waitFor(() => page.url().endsWith('#/search'), 10_000, () => page.url());
    await page.close();
  });

  it('renders a hostile trace as text and runs none of it', async () => {
    const { page, errors } = await open(`#/trace/${hostileId}`);
    await page.locator('.tl-row').nth(1).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('.tl-title-name').innerText(), HOSTILE);
    assert.deepEqual(await rowNames(page), [HOSTILE, `${HOSTILE} child`]);
    await page.locator('.tl-row').nth(1).click();
    const detail = page.locator('.tl-detail');
    await detail.locator('.tl-detail-name').waitFor();
    assert.match(await detail.locator('.tl-status-message').innerText(), /window\.__pwned=1/);
    assert.equal(await detail.locator('.tl-event-item').first().locator('.tl-event-name').innerText(), HOSTILE);
    assert.equal(await detail.locator('pre.tl-stack').innerText(), HOSTILE);
    assert.ok((await detail.locator('.tl-section:has(h3:text-is("Resource"))').innerText()).includes(HOSTILE_LINK));
    await page.locator('.tl-row').nth(0).click();
    await waitFor(async () => (await detail.locator('.tl-detail-name').innerText()) === HOSTILE, 10_000);
    assert.equal(await detail.locator(`.tl-attrs dt`).first().innerText(), HOSTILE);
    for (const key of ['2', '3', '4', '5']) await page.keyboard.press(key);
    assert.ok((await page.locator('pre.tl-json').innerText()).includes('onerror'));
    await page.keyboard.press('1');
    // Nothing from the payload became an element, and nothing ran.
    assert.equal(await page.locator('#app img, #app script, #app a[href^="javascript:"]').count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
