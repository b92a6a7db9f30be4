// The standalone page's search, compare and dependency graph in real Chromium, on traces sent by the real
// OpenTelemetry SDK (one tracer provider per service, context passed between them as a propagator would): searches by
// service, operation, attribute, duration and errors; the scatter plot; deep links with back and forward; comparing two
// traces; the dependency graph of a 3-service trace; hostile names and values rendered as text under the page's CSP.
// Screenshots in light and dark land in test-results/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Context, Span } from '@opentelemetry/api';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../helpers/server';
import { startServer } from '../helpers/server';
import { waitFor } from '../helpers/wait';
import { launchChromium, REPO_ROOT } from './workbench';

const RESULTS = join(REPO_ROOT, 'test-results');
const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const HOSTILE_SERVICE = '<svg onload="window.__pwned=2">svc';

/** Spans of several services in one process, each service with its own SDK provider and OTLP exporter. */
class Services {
  private readonly providers = new Map<string, TracerProvider>();
  constructor(private readonly endpoint: string) {}

  /** Starts a span of `service` at `startMs` (Unix ms) under `parent`. */
  span(service: string, name: string, startMs: number, parent: Context = ROOT_CONTEXT, o: { kind?: SpanKind; attributes?: Record<string, string | number> } = {}): { span: Span; ctx: Context } {
    let provider = this.providers.get(service);
    if (!provider) {
      provider = new TracerProvider({
        resource: resourceFromAttributes({ 'service.name': service }),
        spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${this.endpoint}/v1/traces` }) })],
      });
      this.providers.set(service, provider);
    }
    const span = provider.getTracer('web-search-test').startSpan(name, { kind: o.kind ?? SpanKind.INTERNAL, startTime: startMs, attributes: o.attributes ?? {} }, parent);
    return { span, ctx: trace.setSpan(parent, span) };
  }

  async flush(): Promise<void> {
    await Promise.all([...this.providers.values()].map((p) => p.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.providers.values()].map((p) => p.shutdown()));
  }
}

interface Sent {
  /** frontend -> checkout -> payment (payment failed, HTTP 500). */
  checkout: string;
  /** orders: GET /orders/:id with its SELECT 30 ms (fast) and 80 ms (slow). */
  fast: string;
  slow: string;
  hostile: string;
  /** Unix ms the traces are drawn from. */
  t0: number;
}

async function sendTraces(endpoint: string): Promise<Sent> {
  const s = new Services(endpoint);
  const t0 = Date.now() - 60_000;
  // A 3-service checkout; the payment call fails.
  const fe = s.span('frontend', 'GET /checkout', t0, ROOT_CONTEXT, { kind: SpanKind.SERVER, attributes: { 'http.route': '/checkout', 'http.response.status_code': 500 } });
  const co = s.span('checkout', 'POST /checkout', t0 + 5, fe.ctx, { kind: SpanKind.SERVER });
  const pay = s.span('payment', 'charge card', t0 + 10, co.ctx, { kind: SpanKind.SERVER, attributes: { 'payment.provider': 'acme pay' } });
  pay.span.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
  pay.span.end(t0 + 60);
  co.span.end(t0 + 70);
  fe.span.end(t0 + 80);

  // The same operation twice; in the second its SELECT is 50 ms slower.
  const orders = (start: number, dbMs: number): string => {
    const root = s.span('orders', 'GET /orders/:id', start, ROOT_CONTEXT, { kind: SpanKind.SERVER, attributes: { 'http.route': '/orders/:id', 'http.response.status_code': 200 } });
    const cache = s.span('orders', 'cache get', start + 2, root.ctx);
    cache.span.end(start + 7);
    const db = s.span('orders', 'SELECT orders', start + 10, root.ctx, { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql' } });
    db.span.end(start + 10 + dbMs);
    root.span.end(start + 20 + dbMs);
    return root.span.spanContext().traceId;
  };
  const fast = orders(t0 + 1000, 30);
  const slow = orders(t0 + 2000, 80);

  // Hostile text in a service name, a span name and an attribute value; it calls a service named like an object
  // property the graph layout must not trip on, so both are in the graph too.
  const h = s.span(HOSTILE_SERVICE, HOSTILE, t0 + 3000, ROOT_CONTEXT, { kind: SpanKind.SERVER, attributes: { 'user.note': HOSTILE } });
  const hc = s.span('__proto__', 'constructor', t0 + 3005, h.ctx, { kind: SpanKind.SERVER });
  hc.span.end(t0 + 3010);
  h.span.setStatus({ code: SpanStatusCode.ERROR, message: HOSTILE });
  h.span.end(t0 + 3020);
  await s.flush();
  await s.shutdown();
  return { checkout: fe.span.spanContext().traceId, fast, slow, hostile: h.span.spanContext().traceId, t0 };
}

describe('standalone web UI: search, compare, dependencies', () => {
  let srv: RunningServer;
  let browser: Browser;
  let page: Page;
  let sent: Sent;
  const problems: string[] = [];

  const rowIds = (): Promise<string[]> => page.locator('table.traces tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset['traceId'] ?? ''));
  /** Types a search line and waits until the list shows exactly `ids` (in any order). */
  const searchFor = async (line: string, ids: readonly string[]): Promise<void> => {
    await page.locator('input.search-line').fill(line);
    await page.locator('input.search-line').press('Enter');
    await waitForRows(ids, line);
  };
  const waitForRows = async (ids: readonly string[], what: string): Promise<void> => {
    let last: string[] = [];
    await waitFor(
      async () => {
        last = (await page.locator('table.traces').count()) ? await rowIds() : [];
        return last.length === ids.length && ids.every((id) => last.includes(id));
      },
      10_000,
      () => `${what}: rows ${last.join(', ')}, expected ${ids.join(', ')}`,
    );
  };
  const shot = async (name: string): Promise<void> => {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await page.screenshot({ path: join(RESULTS, `web-${name}-${colorScheme}.png`), fullPage: true });
    }
    await page.emulateMedia({ colorScheme: 'light' });
  };

  before(async () => {
    srv = await startServer();
    browser = await launchChromium();
    mkdirSync(RESULTS, { recursive: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) problems.push(m.text());
    });
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('shows what to do before any trace, then lists traces as they arrive', async () => {
    await page.goto(srv.query);
    await page.getByText('No traces yet.').waitFor({ timeout: 10_000 });
    assert.match(await page.locator('.empty code').innerText(), /OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/127\.0\.0\.1:\d+/);
    await waitFor(() => srv.server.live.subscribers > 0, 10_000, () => 'no WebSocket subscriber');
    sent = await sendTraces(srv.otlpHttp);
    await waitForRows([sent.checkout, sent.fast, sent.slow, sent.hostile], 'live refresh');
    await waitFor(async () => /4 traces · 11 spans/.test(await page.locator('.live-status').innerText()), 10_000, () => 'status count');
    // Services of a trace as chips with their span counts.
    const chips = await page.locator(`tr[data-trace-id="${sent.checkout}"] .chip`).allInnerTexts();
    assert.deepEqual(chips.sort(), ['checkout 1', 'frontend 1', 'payment 1']);
    assert.equal(await page.locator('.dot').count(), 4);
    await shot('search');
  });

  it('searches by service and operation from the form, kept in the search line and the URL', async () => {
    await page.locator('select.service-select').selectOption('orders');
    await waitForRows([sent.fast, sent.slow], 'service=orders');
    assert.equal(await page.locator('input.search-line').inputValue(), 'service=orders');
    assert.match(decodeURIComponent(new URL(page.url()).hash), /^#\/search\?q=service=orders$/);
    // The operation dropdown lists the service's operations.
    await waitFor(async () => (await page.locator('select.operation-select option').allInnerTexts()).includes('SELECT orders'), 10_000);
    await page.locator('select.operation-select').selectOption('SELECT orders');
    await waitForRows([sent.fast, sent.slow], 'op=SELECT orders');
    assert.equal(await page.locator('input.search-line').inputValue(), 'service=orders op="SELECT orders"');
    // Duration: only the slow trace has a span of 50 ms or more.
    await page.locator('input.min-duration').fill('50ms');
    await page.locator('input.min-duration').press('Enter');
    await waitForRows([sent.slow], 'minDuration=50ms');
    assert.equal(await page.locator('input.search-line').inputValue(), 'service=orders op="SELECT orders" minDuration=50ms');
  });

  it('searches by attribute, errors and kind from the search line, which fills the form', async () => {
    await searchFor('http.response.status_code>=500', [sent.checkout]);
    assert.equal(await page.locator('input.attributes-input').inputValue(), 'http.response.status_code>=500');
    assert.equal(await page.locator('select.service-select').inputValue(), '');
    await searchFor('payment.provider="acme pay"', [sent.checkout]);
    await searchFor('error', [sent.checkout, sent.hostile]);
    assert.equal(await page.locator('input.errors-only').isChecked(), true);
    await searchFor('service=payment kind=server since=1h', [sent.checkout]);
    assert.equal(await page.locator('select.kind-select').inputValue(), 'server');
    assert.equal(await page.locator('select.range-select').inputValue(), '1h');
    // A custom time range (from= and to= in the line): only the slow orders trace started in it.
    await searchFor(`service=orders from=${sent.t0 + 1500} to=${sent.t0 + 2500}`, [sent.slow]);
    assert.equal(await page.locator('select.range-select').inputValue(), 'custom');
    assert.equal(await page.locator('.custom-range').isVisible(), true);
    await searchFor('db.system=mysql', []);
    await page.getByText('No traces match this search.').waitFor();
    // A mistake is explained, and the last results stay.
    await page.locator('input.search-line').fill('minDuration=fast');
    await page.locator('input.search-line').press('Enter');
    await page.locator('.problem', { hasText: 'is not a duration' }).waitFor();
  });

  it('draws the scatter plot, errors in the error colour; hovering shows a trace and clicking opens it', async () => {
    await searchFor('', [sent.checkout, sent.fast, sent.slow, sent.hostile]);
    const dots = page.locator('.scatter .dot');
    assert.equal(await dots.count(), 4);
    const errorDots = await page.locator('.scatter .dot.error').evaluateAll((d) => d.map((x) => (x as SVGElement).dataset['traceId']));
    assert.deepEqual(errorDots.sort(), [sent.checkout, sent.hostile].sort());
    // The slow trace sits higher (a smaller y) than the fast one.
    const cy = (id: string): Promise<number> => page.locator(`.dot[data-trace-id="${id}"]`).evaluate((d) => Number(d.getAttribute('cy')));
    assert.ok((await cy(sent.slow)) < (await cy(sent.fast)));
    const slowDot = page.locator(`.dot[data-trace-id="${sent.slow}"]`);
    await slowDot.hover();
    await page.locator('.tooltip:not([hidden])').waitFor();
    assert.match(await page.locator('.tooltip').innerText(), /orders: GET \/orders\/:id\s+100 ms · 3 spans/);
    await shot('scatter');
    await slowDot.click();
    await waitFor(() => page.url().endsWith(`#/trace/${sent.slow}`), 10_000, () => page.url());
    await page.getByText('SELECT orders').first().waitFor({ timeout: 10_000 });
  });

  it('deep links: back returns to the search, forward to the trace, and a pasted link reproduces the search', async () => {
    await page.goBack();
    await waitFor(() => /#\/search/.test(page.url()), 10_000, () => page.url());
    await waitForRows([sent.checkout, sent.fast, sent.slow, sent.hostile], 'back');
    await searchFor('service=orders minDuration=60ms', [sent.slow]);
    await searchFor('service=frontend', [sent.checkout]);
    await page.goBack();
    await waitForRows([sent.slow], 'back to the previous search');
    assert.equal(await page.locator('input.search-line').inputValue(), 'service=orders minDuration=60ms');
    assert.equal(await page.locator('input.min-duration').inputValue(), '60ms');
    await page.goForward();
    await waitForRows([sent.checkout], 'forward');
    const link = page.url();
    const other = await browser.newPage();
    await other.goto(link);
    await other.locator(`tr[data-trace-id="${sent.checkout}"]`).waitFor({ timeout: 10_000 });
    assert.equal(await other.locator('select.service-select').inputValue(), 'frontend');
    assert.equal(await other.locator('table.traces tbody tr').count(), 1);
    await other.close();
  });

  it('selects two traces and compares them: the slower span first, with the right difference', async () => {
    await searchFor('service=orders', [sent.fast, sent.slow]);
    const compare = page.locator('button.compare-button');
    assert.equal(await compare.isDisabled(), true);
    await page.locator(`tr[data-trace-id="${sent.fast}"] input.select`).check();
    await page.locator(`tr[data-trace-id="${sent.slow}"] input.select`).check();
    assert.equal(await compare.isDisabled(), false);
    await compare.click();
    await waitFor(() => page.url().includes(`#/compare?left=${sent.fast}&right=${sent.slow}`), 10_000, () => page.url());
    await page.locator('tr.compare-row').nth(2).waitFor({ timeout: 10_000 });
    const rows = await page.locator('tr.compare-row').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())),
    );
    assert.deepEqual(rows, [
      ['orders GET /orders/:id', '50.0 ms', '100 ms', '+50.0 ms', ''],
      ['orders SELECT orders', '30.0 ms', '80.0 ms', '+50.0 ms', ''],
      ['orders cache get', '5.00 ms', '5.00 ms', '0', ''],
    ]);
    assert.match(await page.locator('.total-delta').innerText(), /B − A: \+50\.0 ms/);
    assert.equal(await page.locator('.compare-page .warning').count(), 0);
    await shot('compare');
    // The nav's Search goes back to the last search, as it was left.
    await page.locator('nav a', { hasText: 'Search' }).click();
    await waitForRows([sent.fast, sent.slow], 'the last search');
    assert.equal(await page.locator('input.search-line').inputValue(), 'service=orders');
  });

  it('draws the dependency graph with labelled edges; clicking an edge lists its traces, and a trace opens', async () => {
    await page.locator('nav a', { hasText: 'Dependencies' }).click();
    await page.locator('.deps-graph .node').first().waitFor({ timeout: 10_000 });
    const nodes = await page.locator('.deps-graph .node').evaluateAll((g) => g.map((n) => (n as SVGElement).dataset['service']));
    assert.deepEqual(nodes.sort(), ['__proto__', 'checkout', 'frontend', 'payment', HOSTILE_SERVICE].sort());
    assert.equal(await page.locator('.deps-graph .edge').count(), 3);
    const label = (parent: string, child: string): Promise<string> => page.locator(`.edge[data-parent="${parent}"][data-child="${child}"] text.edge-label`).innerHTML();
    assert.equal(await label('frontend', 'checkout'), '1 call · 0% errors · p95 65.0 ms');
    assert.equal(await label('checkout', 'payment'), '1 call · 100% errors · p95 50.0 ms');
    assert.match(await page.locator('.edge[data-parent="checkout"][data-child="payment"]').getAttribute('class') ?? '', /\bbad\b/);
    await shot('dependencies');
    await page.locator('.edge[data-parent="checkout"][data-child="payment"] text.edge-label').click();
    const row = page.locator(`.edge-traces tr[data-trace-id="${sent.checkout}"]`);
    await row.waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('.edge-traces tbody tr').count(), 1);
    await row.click();
    await waitFor(() => page.url().endsWith(`#/trace/${sent.checkout}`), 10_000, () => page.url());
    await page.getByText('charge card').first().waitFor({ timeout: 10_000 });
    // Back to the graph, window kept in the route.
    await page.goBack();
    await page.locator('select.window-select').selectOption('15');
    await waitFor(() => page.url().endsWith('#/dependencies?lookback=15'), 10_000, () => page.url());
    await page.locator('.deps-graph .node').first().waitFor({ timeout: 10_000 });
  });

  it('draws the first 200 of many results and the rest on demand; the scatter plot has them all', async () => {
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'bulk' }),
      spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${srv.otlpHttp}/v1/traces` }), maxExportBatchSize: 512, maxQueueSize: 1024 })],
    });
    const start = Date.now() - 30_000;
    for (let i = 0; i < 450; i++) provider.getTracer('bulk').startSpan(`job ${i}`, { startTime: start + i }).end(start + i + 1 + (i % 7));
    await provider.forceFlush();
    await provider.shutdown();
    await page.goto(`${srv.query}/#/search?q=${encodeURIComponent('service=bulk limit=1000')}`);
    await page.locator('.scatter .dot').nth(449).waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('.scatter .dot').count(), 450);
    assert.equal(await page.locator('table.traces tbody tr').count(), 200);
    const more = page.locator('button.more-button');
    assert.equal(await more.innerText(), 'Show 200 more of 250');
    await more.click();
    assert.equal(await page.locator('table.traces tbody tr').count(), 400);
    assert.equal(await more.innerText(), 'Show 50 more of 50');
    await more.click();
    assert.equal(await page.locator('table.traces tbody tr').count(), 450);
    assert.equal(await more.isVisible(), false);
  });

  it('renders hostile service names, span names and attribute values as text, runs no script, breaks no CSP rule', async () => {
    // (A value with double quotes cannot be written in a search line; the attribute's presence can.)
    await page.goto(`${srv.query}/#/search?q=${encodeURIComponent('has:user.note')}`);
    await waitForRows([sent.hostile], 'hostile attribute value');
    const row = page.locator(`tr[data-trace-id="${sent.hostile}"]`);
    assert.equal(await row.locator('td.root-service').innerText(), HOSTILE_SERVICE);
    assert.equal(await row.locator('td.root-name').innerText(), HOSTILE);
    assert.equal(await page.locator('input.attributes-input').inputValue(), 'has:user.note');
    assert.ok((await page.locator('select.service-select option').allInnerTexts()).includes(HOSTILE_SERVICE));
    await page.locator(`.dot[data-trace-id="${sent.hostile}"]`).hover();
    assert.match(await page.locator('.tooltip').innerText(), new RegExp(HOSTILE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await page.locator('nav a', { hasText: 'Dependencies' }).click();
    await page.locator(`.deps-graph .node[data-service="${HOSTILE_SERVICE.replace(/"/g, '\\"')}"]`).waitFor({ timeout: 10_000 });
    await page.goto(`${srv.query}/#/compare?left=${sent.hostile}&right=${sent.checkout}`);
    await page.locator('.compare-page .warning').waitFor({ timeout: 10_000 });
    assert.match(await page.locator('.compare-page').innerText(), /different operations/);
    assert.ok((await page.locator('.compare-page td.name').allInnerTexts()).some((t) => t.includes(HOSTILE)));
    assert.equal(await page.locator('#app img, #app svg svg, #app script').count(), 0, 'no element was made from span text');
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.deepEqual(problems, []);
  });
});
