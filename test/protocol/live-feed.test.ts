// The query API's WebSocket live feed, as the web UI uses it: a span exported over OTLP/HTTP reaches a connected
// client as one throttled tracesChanged message naming its trace; Clear Data says cleared; a page from a foreign
// origin cannot connect.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { LiveMessage, TracesChangedEvent } from '../../src/protocol/messages';
import { LIVE_PATH } from '../../src/protocol/messages';
import { encodeRequest, otlpSpan } from '../helpers/otlp';
import type { RunningServer } from '../helpers/server';
import { startServer } from '../helpers/server';
import { waitFor } from '../helpers/wait';

function open(url: string, origin?: string): Promise<{ ws: WebSocket; messages: LiveMessage[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    const messages: LiveMessage[] = [];
    ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8')) as LiveMessage));
    ws.once('open', () => resolve({ ws, messages }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('live feed (WebSocket)', () => {
  let srv: RunningServer;
  let url = '';
  before(async () => {
    srv = await startServer();
    url = `${srv.query.replace('http:', 'ws:')}${LIVE_PATH}`;
  });
  after(() => srv.close());

  it('tells a connected page which traces changed, throttled, with the status', async () => {
    const { ws, messages } = await open(url, srv.query);
    try {
      const spans = [otlpSpan(), otlpSpan()];
      for (const s of spans) {
        const res = await fetch(`${srv.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: Buffer.from(encodeRequest([s])) });
        assert.equal(res.status, 200);
      }
      const want = spans.map((s) => s.traceIdHex);
      const changes = (): TracesChangedEvent[] => messages.flatMap((m) => (m.method === 'tracelens/tracesChanged' ? [m.params] : []));
      await waitFor(() => want.every((id) => changes().some((c) => c.traceIds.includes(id))), 5000, () => JSON.stringify(messages));
      assert.ok(messages.length <= 2, `${messages.length} messages for two quick exports (throttled)`);
      const last = messages.at(-1)!;
      assert.equal(last.method, 'tracelens/tracesChanged');
      assert.equal(changes().at(-1)!.status.spanCount, 2);
      await srv.server.clear();
      await waitFor(() => changes().some((c) => c.cleared), 5000);
    } finally {
      ws.close();
    }
  });

  it('refuses a page from another origin, and other paths', async () => {
    await assert.rejects(open(url, 'https://evil.example'), /HTTP 403/);
    await assert.rejects(open(`${srv.query.replace('http:', 'ws:')}/api/tracelens/nope`), /HTTP 404/);
    const local = await open(url, 'http://localhost:3000'); // a localhost dev server, allowed by the CORS default
    local.ws.close();
  });

  it('does not keep the server from stopping: a connected page is disconnected', async () => {
    const own = await startServer();
    const { ws } = await open(`${own.query.replace('http:', 'ws:')}${LIVE_PATH}`, own.query);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const stopped = own.close().then(() => 'stopped' as const);
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000).unref());
    assert.equal(await Promise.race([stopped, timeout]), 'stopped', 'server.close() returned while a live-feed client was connected');
    assert.equal(typeof (await closed), 'number');
  });
});
