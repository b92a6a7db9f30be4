// The UI's request route on the standalone page (POST /api/tracelens/rpc): the same typed requests as over LSP, for
// the read-only methods of UI_REQUESTS only, JSON bodies only, from the page's own or an allowed origin only.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WireDependency } from '../../src/protocol/messages';
import type { WireTrace, WireTraceSummary } from '../../src/protocol/wire';
import { encodeRequest, otlpSpan } from '../helpers/otlp';
import type { RunningServer } from '../helpers/server';
import { startServer } from '../helpers/server';

/** The machine secret of this test's server (TraceLens processes of one user share one; see secret.ts). */
const SECRET = 'c0ffee'.repeat(10) + 'abcd';

describe('UI request route', () => {
  let srv: RunningServer;
  const call = (body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${srv.query}/api/tracelens/rpc`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  before(async () => {
    srv = await startServer({}, { peerSecret: SECRET });
  });
  after(() => srv.close());

  it('answers findTraces, getTrace and dependencies like the LSP endpoint', async () => {
    const span = otlpSpan();
    const res = await fetch(`${srv.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: Buffer.from(encodeRequest([span], 'rpc-test')) });
    assert.equal(res.status, 200);
    const found = (await (await call({ method: 'tracelens/findTraces', params: { service: 'rpc-test' } })).json()) as { result: WireTraceSummary[] };
    assert.deepEqual(found.result.map((t) => t.traceId), [span.traceIdHex]);
    const trace = (await (await call({ method: 'tracelens/getTrace', params: { traceId: span.traceIdHex } })).json()) as { result: WireTrace };
    assert.equal(trace.result.spans.length, 1);
    const missing = (await (await call({ method: 'tracelens/getTrace', params: { traceId: 'ab'.repeat(16) } })).json()) as { result: null };
    assert.equal(missing.result, null);
    const deps = (await (await call({ method: 'tracelens/dependencies', params: {} })).json()) as { result: WireDependency[] };
    assert.deepEqual(deps.result, []);
  });

  it('refuses methods outside the UI list, other content types, foreign origins and bad JSON, saying why', async () => {
    // A browser page (even the server's own) makes UI requests only.
    const clear = await call({ method: 'tracelens/clear', params: {} }, { Origin: srv.query });
    assert.equal(clear.status, 404);
    assert.match(((await clear.json()) as { error: string }).error, /not a request the UI may make/);
    assert.equal((await call({ method: 'tracelens/status' }, { 'Content-Type': 'text/plain' })).status, 415);
    assert.equal((await call({ method: 'tracelens/status' }, { Origin: 'https://evil.example' })).status, 403);
    assert.equal((await call('{"method":')).status, 400);
    assert.equal((await fetch(`${srv.query}/api/tracelens/rpc`)).status, 405);
    // Every other request is for a TraceLens process attached to this one (it carries this user's machine secret; no
    // Origin), never for a page, nor for a local program without the secret.
    assert.equal((await call({ method: 'tracelens/lensState', params: {} }, { Origin: srv.query, 'X-TraceLens-Peer': SECRET })).status, 404);
    assert.equal((await call({ method: 'tracelens/lensState', params: {} })).status, 404);
    assert.equal((await call({ method: 'tracelens/lensState', params: {} }, { 'X-TraceLens-Peer': SECRET.replace(/^c/, 'd') })).status, 404);
    assert.equal((await call({ method: 'tracelens/lensState', params: {} }, { 'X-TraceLens-Peer': SECRET })).status, 200);
    const unknown = await call({ method: 'tracelens/nothing', params: {} }, { 'X-TraceLens-Peer': SECRET });
    assert.equal(unknown.status, 404);
    assert.match(((await unknown.json()) as { error: string }).error, /"tracelens\/nothing" is not served here/);
    const ok = await call({ method: 'tracelens/status' }, { Origin: srv.query });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { result: { spanCount: number } }).result.spanCount, 1);
  });
});
