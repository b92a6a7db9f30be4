// The standalone web page the trace server serves, in real Chromium: traces sent by the real SDK appear in the list,
// a click opens the trace's timeline, hostile span text renders as text, and screenshots are saved for a person to see.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../helpers/server';
import { startServer } from '../helpers/server';
import { launchChromium, REPO_ROOT } from './workbench';
import { waitFor } from '../helpers/wait';

const RESULTS = join(REPO_ROOT, 'test-results');
const HOSTILE = '<img src=x onerror="window.__pwned=1">';

async function sendTrace(endpoint: string): Promise<string> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'web-ui-test' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }) })],
  });
  const tracer = provider.getTracer('web-ui-test');
  const root = tracer.startSpan('GET /orders/:id', { kind: SpanKind.SERVER });
  const ctx = trace.setSpan(ROOT_CONTEXT, root);
  const db = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, attributes: { 'db.query.text': HOSTILE } }, ctx);
  db.end();
  const bad = tracer.startSpan(HOSTILE, {}, ctx);
  bad.setStatus({ code: SpanStatusCode.ERROR, message: HOSTILE });
  bad.end();
  root.end();
  await provider.forceFlush();
  await provider.shutdown();
  return root.spanContext().traceId;
}

describe('standalone web UI in Chromium', () => {
  let srv: RunningServer;
  let browser: Browser;
  before(async () => {
    srv = await startServer();
    browser = await launchChromium();
    mkdirSync(RESULTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('lists live traces, opens one, and renders hostile span text as text', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    const consoleErrors: string[] = [];
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|WebSocket/.test(m.text())) consoleErrors.push(m.text());
    });
    await page.goto(srv.query);
    await page.getByText('No traces yet').waitFor({ timeout: 10_000 });
    // The page follows the live feed (a WebSocket the page's CSP allows), not only polling.
    await waitFor(() => srv.server.live.subscribers > 0, 10_000, () => 'no WebSocket subscriber');
    const traceId = await sendTrace(srv.otlpHttp);
    // The list refreshes by itself.
    const row = page.locator(`tr[data-trace-id="${traceId}"]`);
    await row.waitFor({ timeout: 10_000 });
    assert.match(await row.innerText(), /web-ui-test\s+GET \/orders\/:id/);
    assert.match(await page.locator('.status').innerText(), /1 traces · 3 spans/);
    await page.screenshot({ path: join(RESULTS, 'web-ui-traces.png') });
    await row.click();
    await page.locator('.waterfall .span').nth(2).waitFor({ timeout: 10_000 });
    const labels = await page.locator('.waterfall .label').allInnerTexts();
    assert.equal(labels.length, 3);
    assert.ok(labels.some((l) => l.includes(HOSTILE)), `the hostile name shows as text: ${labels.join(' | ')}`);
    assert.equal(await page.locator('.waterfall img').count(), 0, 'no element was made from span text');
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(await page.locator('.waterfall .span.error').count(), 1);
    await page.screenshot({ path: join(RESULTS, 'web-ui-trace.png') });
    assert.deepEqual(consoleErrors, []);
  });
});
