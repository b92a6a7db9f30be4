// The standalone web page the trace server serves, in real Chromium: the page and its CSP (a nonce per response),
// traces sent by the real SDK appear in the search results by themselves, a click opens the trace, hostile span text
// renders as text, and a server that goes away is shown as unreachable. Screenshots are saved for a person to see.
// (Search, compare and the dependency graph in detail: web-search.test.ts.)
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../helpers/server';
import { freePorts, startServer } from '../helpers/server';
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
  const db = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, attributes: { 'db.query.text': HOSTILE, 'code.file.path': '/app/src/orders.ts', 'code.line.number': 42 } }, ctx);
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

  it('serves one page with a strict CSP and a fresh nonce per response', async () => {
    const page1 = await (await fetch(srv.query)).text();
    const page2 = await (await fetch(srv.query)).text();
    const nonce = (html: string): string => /script-src 'nonce-([^']+)'/.exec(html)?.[1] ?? '';
    assert.match(page1, /default-src 'none'; script-src 'nonce-[A-Za-z0-9+/=]{16,}'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self' ws:\/\/127\.0\.0\.1:\d+/);
    assert.notEqual(nonce(page1), nonce(page2));
    assert.match(page1, new RegExp(`<script nonce="${nonce(page1).replace(/[+/]/g, '\\$&')}" src="out/webview.js">`));
    assert.match(page1, /<body data-mode="standalone">/);
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
    await waitFor(async () => /1 trace · 3 spans/.test(await page.locator('.live-status').innerText()), 10_000, () => 'status count');
    await page.screenshot({ path: join(RESULTS, 'web-ui-traces.png') });
    await row.click();
    await waitFor(() => page.url().endsWith(`#/trace/${traceId}`), 10_000, () => page.url());
    await page.getByText('SELECT orders').first().waitFor({ timeout: 10_000 });
    await waitFor(async () => (await page.locator('.content').innerText()).includes(HOSTILE), 10_000, () => 'the hostile span name shows as text');
    assert.equal(await page.locator('.content img').count(), 0, 'no element was made from span text');
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    await page.screenshot({ path: join(RESULTS, 'web-ui-trace.png') });
    assert.deepEqual(consoleErrors, []);
    await page.close();
  });

  it('copies with a confirmation, and says that source opens from VS Code', async () => {
    const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await context.newPage();
    const [found] = await srv.findTraces({ service: 'web-ui-test' });
    const t = await srv.getTrace(found!.traceId);
    const root = t!.spans.find((s) => s.parentSpanId === '')!;
    await page.goto(`${srv.query}/#/trace/${root.traceId}?span=${root.spanId}`);
    await page.locator('button.tl-copy-trace').click();
    await page.locator('.toast', { hasText: 'Copied trace id' }).waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), root.traceId);
    const db = t!.spans.find((s) => s.name === 'SELECT orders')!;
    await page.goto(`${srv.query}/#/trace/${db.traceId}?span=${db.spanId}`);
    await page.locator('button.tl-open-source').click();
    await page.locator('.toast', { hasText: 'Source opens from VS Code' }).waitFor({ timeout: 10_000 });
    assert.match(await page.locator('.toast', { hasText: 'Source opens from VS Code' }).innerText(), new RegExp(db.spanId));
    await context.close();
  });

  it('says when the trace server is unreachable, and recovers when it is back', async () => {
    // The server as its own process (out/server.js), so it can go away the way a real one does.
    const dir = mkdtempSync(join(tmpdir(), 'tracelens-web-ui-'));
    const [otlp, query] = await freePorts(2);
    const serve = (): ChildProcess => spawn(process.execPath, [join(REPO_ROOT, 'out', 'server.js'), 'serve', '--data-dir', dir, '--otlp-http', `127.0.0.1:${otlp}`, '--otlp-grpc', 'off', '--zipkin', 'off', '--query', `127.0.0.1:${query}`], { stdio: 'ignore' });
    const exited = (c: ChildProcess): Promise<unknown> => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r)));
    const up = async (): Promise<boolean> => fetch(`http://127.0.0.1:${query}/api/tracelens/status`).then((r) => r.ok, () => false);
    let child = serve();
    const page = await browser.newPage();
    try {
      await waitFor(up, 15_000, () => 'server did not start');
      await page.goto(`http://127.0.0.1:${query}/`);
      const status = page.locator('.live-status');
      await waitFor(async () => /0 traces · 0 spans/.test(await status.innerText()), 10_000, () => 'status');
      child.kill('SIGKILL');
      await exited(child);
      await waitFor(async () => /Trace server unreachable/.test(await status.innerText()), 15_000, () => 'unreachable state');
      assert.match((await status.getAttribute('class')) ?? '', /\bdown\b/);
      await page.screenshot({ path: join(RESULTS, 'web-ui-unreachable.png') });
      child = serve();
      await waitFor(async () => /0 traces · 0 spans/.test(await status.innerText()), 20_000, () => `after restart: ${child.exitCode}`);
    } finally {
      await page.close();
      child.kill('SIGKILL');
      await exited(child);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
