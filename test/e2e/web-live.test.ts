// The trace page in real Chromium while a debugger holds a process of the trace paused: the real OpenTelemetry SDK
// exports the spans that had ended, the server is told of the pause (server.pauses.set, as tracelens/debugPaused does
// with the probe's answer) with the spans the process still holds, decoded by the receivers' own OTLP JSON decoder.
// The page names the pause in a banner, marks running, paused and queued rows, selects the paused span and words its
// detail as still running; when the debuggee resumes (server.pauses.clear) the page reloads by itself without them.
// A hostile session and span name must render as text. Screenshots go to test-results/ for a person to look at.
// The page is the standalone one the trace server serves (out/webview.js: run `npm run build` first), at #/trace/<id>.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Browser, Page } from 'playwright-core';
import type { Pause } from '../../src/core/debug/paused';
import { decodeTraceRequestJson } from '../../src/core/otlp/json';
import { watchedPage } from '../helpers/page';
import type { RunningServer } from '../helpers/server';
import { startServer } from '../helpers/server';
import { waitFor } from '../helpers/wait';
import { launchChromium, REPO_ROOT } from './workbench';

const RESULTS = join(REPO_ROOT, 'test-results');
const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
const SERVICE = 'orders-api';
const MS = 1_000_000n;

interface InFlight {
  readonly name: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly start: number;
  /** ms from t0; undefined: still running (ends at the pause, as the probe reports it). */
  readonly end?: number;
}

/**
 * The trace, with fixed times (ms from `t0`), the debugger paused at 60:
 *   GET /orders                      0 ........................ (running)
 *     load orders                      5 ..... 30                  exported, stored
 *     check stock                                32 . 40          exported, stored
 *     <HOSTILE> validate cart                         41 . 44      ended, queued in the process
 *     compute total                                        45 .... (running: the debugger paused here)
 * The root is started with the SDK and never ended, so only its children are exported.
 */
async function sendStoredSpans(endpoint: string, t0: number): Promise<{ traceId: string; rootSpanId: string }> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }) })],
  });
  const tracer = provider.getTracer('web-live-test');
  const root = tracer.startSpan('GET /orders', { kind: SpanKind.SERVER, startTime: t0 });
  const inRoot = trace.setSpan(ROOT_CONTEXT, root);
  tracer.startSpan('load orders', { startTime: t0 + 5 }, inRoot).end(t0 + 30);
  tracer.startSpan('check stock', { startTime: t0 + 32 }, inRoot).end(t0 + 40);
  await provider.forceFlush();
  await provider.shutdown();
  return { traceId: root.spanContext().traceId, rootSpanId: root.spanContext().spanId };
}

/** What the active-span probe would report: the process's spans as an OTLP JSON request, decoded as the server does. */
function pause(sessionId: string, sessionName: string, traceId: string, t0: bigint, pausedAt: number, spans: readonly InFlight[], pausedSpanId: string): Pause {
  const ns = (ms: number): string => (t0 + BigInt(ms) * MS).toString();
  const request = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: SERVICE } }] },
        scopeSpans: [
          {
            scope: { name: 'web-live-test' },
            spans: spans.map((s) => ({
              traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId,
              name: s.name,
              kind: s.parentSpanId ? 1 : 2,
              startTimeUnixNano: ns(s.start),
              endTimeUnixNano: ns(s.end ?? pausedAt),
              attributes: [{ key: 'code.function.name', value: { stringValue: s.name } }],
            })),
          },
        ],
      },
    ],
  };
  const decoded = decodeTraceRequestJson(JSON.stringify(request));
  assert.equal(decoded.spans.length, spans.length, 'the in-flight spans decode');
  return {
    sessionId,
    sessionName,
    found: {
      kind: 'span',
      traceId,
      spanId: pausedSpanId,
      spans: decoded.spans,
      running: new Set(spans.filter((s) => s.end === undefined).map((s) => s.spanId)),
      unexported: new Set(spans.filter((s) => s.end !== undefined).map((s) => s.spanId)),
      now: t0 + BigInt(pausedAt) * MS,
    },
  };
}

describe('trace page while a debugger holds the process paused', () => {
  let srv: RunningServer;
  let browser: Browser;
  let traceId: string;
  let rootSpanId: string;
  let t0: number;
  const PAUSED = 'compute total';
  const PAUSED_ID = 'c0ffee00c0ffee01';
  const QUEUED_ID = 'c0ffee00c0ffee02';
  const SESSION = 'session-1';
  const inFlight = (): InFlight[] => [
    { name: 'GET /orders', spanId: rootSpanId, parentSpanId: '', start: 0 },
    { name: `${HOSTILE} validate cart`, spanId: QUEUED_ID, parentSpanId: rootSpanId, start: 41, end: 44 },
    { name: PAUSED, spanId: PAUSED_ID, parentSpanId: rootSpanId, start: 45 },
  ];
  const setPause = (): void => srv.server.pauses.set(pause(SESSION, `Launch ${HOSTILE}`, traceId, BigInt(t0) * MS, 60, inFlight(), PAUSED_ID));

  before(async () => {
    srv = await startServer();
    browser = await launchChromium();
    mkdirSync(RESULTS, { recursive: true });
    t0 = Date.now() - 1000;
    ({ traceId, rootSpanId } = await sendStoredSpans(srv.otlpHttp, t0));
    await srv.waitForTrace(traceId, 2);
  });
  after(async () => {
    srv?.server.pauses.clear(SESSION);
    await browser?.close();
    await srv?.close();
  });

  const open = async (hash: string): Promise<{ page: Page; errors: string[] }> => {
    const { page, errors } = await watchedPage(browser, { viewport: { width: 1400, height: 800 } });
    await page.goto(`${srv.query}/${hash}`);
    await page.locator('.tl-trace[data-loaded="whole"]').waitFor({ timeout: 15_000 });
    return { page, errors };
  };
  const rowNames = (page: Page): Promise<string[]> => page.locator('.tl-waterfall .tl-row .tl-name').allInnerTexts();
  const row = (page: Page, name: string) => page.locator('.tl-waterfall .tl-row', { has: page.locator('.tl-name', { hasText: new RegExp(`^${name}$`) }) });
  const dd = (page: Page, label: string) => page.locator('.tl-detail dl.tl-kv').first().locator(`dt:text-is("${label}") + dd`);

  it('names the pause, marks the in-flight spans and selects the paused one; the resume takes them away', async () => {
    setPause();
    const { page, errors } = await open(`#/trace/${traceId}`);
    await waitFor(() => srv.server.live.subscribers > 0, 10_000, () => 'the page did not subscribe to the live feed');
    const banner = page.locator('.tl-live-banner');
    await banner.waitFor({ timeout: 10_000 });
    assert.equal(await banner.innerText(), `⏸ Paused in Launch ${HOSTILE}: ${PAUSED} · 2 running · 1 not exported yet`);
    // The banner sits between the header and the tabs.
    const [headerBox, bannerBox, tabsBox] = await Promise.all(['.tl-header', '.tl-live-banner', '.tl-tabs'].map(async (s) => (await page.locator(s).boundingBox())!));
    assert.ok(headerBox!.y + headerBox!.height <= bannerBox!.y + 1 && bannerBox!.y + bannerBox!.height <= tabsBox!.y + 1, 'banner below the header, above the tabs');

    await waitFor(async () => (await rowNames(page)).length === 5, 10_000, () => 'rows');
    assert.deepEqual(await rowNames(page), ['GET /orders', 'load orders', 'check stock', `${HOSTILE} validate cart`, PAUSED]);
    // The paused span: selected (the route named none), highlighted, with its mark; the detail shows it.
    await waitFor(async () => (await page.locator('.tl-row.selected .tl-name').allInnerTexts()).join() === PAUSED, 10_000, () => 'the paused span is not selected');
    const pausedRow = row(page, PAUSED);
    assert.deepEqual(await pausedRow.evaluate((e) => [...e.classList].filter((c) => ['paused', 'running', 'selected'].includes(c)).sort()), ['paused', 'running', 'selected']);
    assert.equal(await pausedRow.locator('.tl-paused-mark').innerText(), '⏸ paused here');
    assert.equal(await page.locator('.tl-row.paused').count(), 1);
    // Highlighted differently from a selection: the paused row keeps a frame when another row is selected.
    const frame = (name: string): Promise<string> => row(page, name).evaluate((e) => getComputedStyle(e).boxShadow);
    assert.notEqual(await frame(PAUSED), 'none');
    assert.equal(await frame('load orders'), 'none');
    // The running parent: a running mark with its tooltip, an open-ended bar, its duration a lower bound.
    const rootRow = row(page, 'GET /orders');
    assert.ok(await rootRow.evaluate((e) => e.classList.contains('running')));
    assert.equal(await rootRow.locator('.tl-running-mark').innerText(), 'running');
    assert.equal(await rootRow.locator('.tl-running-mark').getAttribute('title'), 'Still running when the debugger paused (not exported yet)');
    assert.notEqual(await rootRow.locator('.tl-bar').evaluate((e) => getComputedStyle(e).backgroundImage), 'none');
    assert.equal(await rootRow.locator('.tl-duration').innerText(), '≥ 60.0 ms');
    // A line down the lanes at the pause: where the running bars end.
    const lineX = (await page.locator('.tl-pause-line').boundingBox())!.x;
    const rootBar = (await rootRow.locator('.tl-bar').boundingBox())!;
    assert.ok(Math.abs(lineX - (rootBar.x + rootBar.width)) <= 2, `pause line at ${lineX}, running bar ends at ${rootBar.x + rootBar.width}`);
    // The ended, still-queued span; the stored ones carry no mark.
    assert.equal(await row(page, `${HOSTILE} validate cart`).locator('.tl-unexported-mark').innerText(), 'queued');
    assert.equal(await page.locator('.tl-running-mark').count(), 1, 'only the running parent (the paused row has its own mark)');
    assert.equal(await row(page, 'load orders').locator('.tl-running-mark, .tl-unexported-mark, .tl-paused-mark').count(), 0);
    assert.ok(!(await row(page, 'load orders').evaluate((e) => e.classList.contains('running'))));

    // The detail of the paused span: running wording, not a final duration.
    await waitFor(async () => (await page.locator('.tl-detail .tl-detail-name').innerText().catch(() => '')) === PAUSED, 10_000, () => 'no detail');
    assert.equal(await dd(page, 'Duration').innerText(), 'Running — the debugger paused it 15.0 ms after it started');
    assert.match(await page.locator('.tl-detail .tl-paused-note').innerText(), /is paused in this span/);
    await page.screenshot({ path: join(RESULTS, 'web-live-paused.png') });

    // Another running span's detail says so too; a stored span's shows its final duration.
    await rootRow.click();
    await waitFor(async () => (await page.locator('.tl-detail .tl-detail-name').innerText()) === 'GET /orders', 10_000);
    assert.equal(await dd(page, 'Duration').innerText(), 'Running — the debugger paused it 60.0 ms after it started');
    assert.notEqual(await frame(PAUSED), 'none', 'the paused row stays highlighted when not selected');
    await row(page, 'load orders').click();
    await waitFor(async () => (await page.locator('.tl-detail .tl-detail-name').innerText()) === 'load orders', 10_000);
    assert.equal(await dd(page, 'Duration').innerText(), '25.0 ms');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(RESULTS, 'web-live-paused-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });

    // The debuggee resumes: the page reloads by itself; the in-flight spans go, the stored ones stay.
    srv.server.pauses.clear(SESSION);
    await waitFor(async () => (await page.locator('.tl-live-banner').count()) === 0, 15_000, () => 'the banner stayed after the resume');
    await waitFor(async () => (await rowNames(page)).join() === 'load orders,check stock', 10_000, () => 'in-flight rows stayed');
    assert.equal(await page.locator('.tl-row.running, .tl-row.paused, .tl-running-mark, .tl-paused-mark, .tl-unexported-mark, .tl-pause-line').count(), 0);
    assert.equal(await page.locator('.tl-row.selected .tl-name').innerText(), 'load orders', 'the selection survives the reload');

    // The same process pauses again while the page is open: the banner and marks come back; the selection the
    // person made is kept.
    setPause();
    await banner.waitFor({ timeout: 15_000 });
    await waitFor(async () => (await page.locator('.tl-row.paused').count()) === 1, 10_000, () => 'no paused row after the second pause');
    assert.equal(await page.locator('.tl-row.selected .tl-name').innerText(), 'load orders');

    // Nothing from the hostile names became an element, and nothing ran.
    assert.equal(await page.locator('#app img, #app script').count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.deepEqual(errors, []);
    await page.close();
    srv.server.pauses.clear(SESSION);
  });

  it('keeps the span the route names selected, and selects a new pause when nothing is', async () => {
    setPause();
    const { page, errors } = await open(`#/trace/${traceId}?span=${QUEUED_ID}`);
    await waitFor(async () => (await page.locator('.tl-row.selected .tl-name').allInnerTexts()).join() === `${HOSTILE} validate cart`, 10_000, () => 'the route span is not selected');
    await waitFor(async () => (await page.locator('.tl-row.paused').count()) === 1, 10_000);
    assert.ok(!(await row(page, PAUSED).evaluate((e) => e.classList.contains('selected'))));
    assert.match(await page.locator('.tl-detail .tl-live-note').innerText(), /not exported yet/);

    // Resumed, then paused in another span with nothing selected: the new paused span is selected.
    srv.server.pauses.clear(SESSION);
    await waitFor(async () => (await page.locator('.tl-live-banner').count()) === 0, 15_000);
    // (The queued span went with the pause; the route still names it, and would select it again if it came back.)
    await row(page, 'load orders').click();
    await waitFor(async () => (await page.locator('.tl-row.selected .tl-name').allInnerTexts()).join() === 'load orders', 10_000);
    await page.keyboard.press('Escape');
    await waitFor(async () => (await page.locator('.tl-row.selected').count()) === 0 && !page.url().includes('span='), 10_000, () => `Escape did not clear the selection: ${page.url()}`);
    srv.server.pauses.set(pause(SESSION, 'second', traceId, BigInt(t0) * MS, 70, [...inFlight(), { name: 'round prices', spanId: 'c0ffee00c0ffee03', parentSpanId: PAUSED_ID, start: 62 }], 'c0ffee00c0ffee03'));
    await waitFor(async () => (await page.locator('.tl-row.selected .tl-name').allInnerTexts()).join() === 'round prices', 15_000, () => 'the new paused span is not selected');
    assert.equal(await page.locator('.tl-live-banner').innerText(), '⏸ Paused in second: round prices · 3 running · 1 not exported yet');
    assert.deepEqual(errors, []);
    await page.close();
    srv.server.pauses.clear(SESSION);
  });
});
