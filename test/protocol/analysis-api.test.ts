// The analysis API on a real server, fed by the real OpenTelemetry SDK and OTLP exporter: a failing checkout across
// three services (an error two services down, an N+1, a baggage key one service drops, a call whose context the
// callee never received), usual and slow traces of the same root (slow-vs-usual), and a slow cohort that shares one
// attribute value. Checked through GET /api/tracelens/... and the UI's typed requests; bad parameters get a 400.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import type { Finding, PropagationResult, SlowCohortResult } from '../../src/protocol/analysis';
import type { Call } from '../helpers/sdkShop';
import { SdkShop } from '../helpers/sdkShop';
import type { RunningServer } from '../helpers/server';
import { startServer } from '../helpers/server';
import { waitFor } from '../helpers/wait';

const DB = { 'db.system.name': 'postgresql', 'db.query.text': "SELECT sku, stock FROM items WHERE sku = 'x'", 'server.address': 'inventory-db' };
const both = { 'baggage.app.user': 'alice', 'baggage.app.tier': 'gold' };
const tierOnly = { 'baggage.app.tier': 'gold' };

const failingCheckout: Call = {
  service: 'web', name: 'GET /checkout', kind: SpanKind.SERVER, start: 0, end: 120, attributes: both, error: { type: 'HttpError', message: '500 from orders' },
  children: [{
    service: 'web', name: 'POST /orders', kind: SpanKind.CLIENT, start: 5, end: 115, attributes: { ...both, 'http.request.method': 'POST', 'url.full': 'http://127.0.0.1:7102/orders' }, error: { type: 'HttpError', message: '500' },
    children: [{
      service: 'orders', name: 'POST /orders', kind: SpanKind.SERVER, start: 8, end: 112, attributes: both, error: { type: 'HttpError', message: '409' },
      children: [{
        service: 'orders', name: 'orders.place', start: 10, end: 110, attributes: both, error: { type: 'HttpError', message: 'x is out of stock' },
        children: [
          {
            service: 'orders', name: 'GET', kind: SpanKind.CLIENT, start: 12, end: 60, attributes: { ...tierOnly, 'http.request.method': 'GET', 'url.full': 'http://127.0.0.1:7103/stock/x' }, error: { type: 'HttpError', message: '404' },
            children: [{
              service: 'inventory', name: 'GET /stock/:sku', kind: SpanKind.SERVER, start: 14, end: 58, attributes: tierOnly, error: { type: 'HttpError', message: '404' },
              children: [{
                service: 'inventory', name: 'inventory.check_stock', start: 15, end: 57, attributes: tierOnly, error: { type: 'ItemNotFoundError', message: 'no item with sku "x"' },
                children: [0, 1, 2, 3, 4, 5].map((k) => ({ service: 'inventory', name: 'SELECT items', kind: SpanKind.CLIENT, start: 16 + 6 * k, end: 21 + 6 * k, attributes: DB })),
              }],
            }],
          },
          { service: 'orders', name: 'POST', kind: SpanKind.CLIENT, start: 62, end: 80, attributes: { 'http.request.method': 'POST', 'url.full': 'http://127.0.0.1:7103/reservations', 'server.port': 7103 } },
        ],
      }],
    }],
  }],
};
/** The reservation the callee served without the caller's context: a trace of its own, inside the call. */
const lostReservation: Call = { service: 'inventory', name: 'POST /reservations', kind: SpanKind.SERVER, start: 64, end: 78, attributes: { 'url.path': '/reservations', 'server.port': 7103 } };
const usualCheckout = (ms: number): Call => ({
  service: 'web', name: 'GET /checkout', kind: SpanKind.SERVER, start: 0, end: ms + 10,
  children: [{ service: 'web', name: 'SELECT prices', kind: SpanKind.CLIENT, start: 2, end: 2 + ms, attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT * FROM prices' } }],
});
const cohortTrace = (ms: number, region: string): Call => ({ service: 'catalog', name: 'GET /items', kind: SpanKind.SERVER, start: 0, end: ms, attributes: { 'app.region': region } });

describe('analysis API', () => {
  let srv: RunningServer;
  let shop: SdkShop;
  let failing = '';
  let lost = '';
  let slow = '';
  const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${srv.query}${path}`);
    return { status: res.status, body: (await res.json()) as T };
  };
  const kinds = (findings: readonly Finding[]): string[] => [...new Set(findings.map((f) => f.kind))].sort();

  before(async () => {
    srv = await startServer();
    shop = new SdkShop(srv.otlpHttp);
    const t0 = Date.now() - 60_000;
    for (let i = 0; i < 6; i++) shop.trace(usualCheckout(10 + i), t0 + i * 1000);
    slow = shop.trace({ ...usualCheckout(10), end: 230, children: [usualCheckout(10).children![0]!, { ...usualCheckout(10).children![0]!, start: 20, end: 220 }] }, t0 + 7000);
    failing = shop.trace(failingCheckout, t0 + 9000);
    lost = shop.trace(lostReservation, t0 + 9000);
    for (let i = 0; i < 20; i++) shop.trace(cohortTrace(i < 6 ? 300 + i : 20 + i, i < 6 || i === 10 ? 'eu-west' : 'us-east'), t0 + 10_000 + i * 100);
    await shop.flush();
    await waitFor(async () => (await srv.status()).spanCount >= 6 * 2 + 3 + 14 + 1 + 20, 10_000);
  });
  after(async () => {
    await shop.shutdown();
    await srv.close();
  });

  it('GET /api/tracelens/traces/{id}/insights: the failing checkout explained', async () => {
    const { status, body } = await get<{ data: Finding[] }>(`/api/tracelens/traces/${failing}/insights`);
    assert.equal(status, 200);
    const f = body.data;
    assert.deepEqual(kinds(f).filter((k) => k !== 'slow-vs-usual'), ['baggage-dropped', 'broken-propagation', 'error-origin', 'n-plus-one', 'uninstrumented-time']);
    // orders.place runs 100 ms and its two calls cover 66 of them.
    assert.deepEqual(f.filter((x) => x.kind === 'uninstrumented-time').map((x) => [x.operation, x.evidence.selfMicros]), [['orders.place', 34_000]]);
    assert.equal(f[0]!.kind, 'error-origin', 'the error first');
    assert.equal(f[0]!.service, 'inventory');
    assert.equal(f[0]!.operation, 'inventory.check_stock');
    assert.equal(f[0]!.evidence.servicesBelowRoot, 2);
    assert.equal(f[0]!.evidence.exceptionType, 'ItemNotFoundError');
    assert.equal(f[0]!.spanIDs.length, 7, 'the chain from the origin to the root');
    const n1 = f.find((x) => x.kind === 'n-plus-one')!;
    assert.equal(n1.evidence.count, 6);
    assert.equal(n1.evidence.statement, 'SELECT sku, stock FROM items WHERE sku = ?');
    assert.equal(n1.operation, 'inventory.check_stock');
    const broken = f.find((x) => x.kind === 'broken-propagation')!;
    assert.equal(broken.evidence.otherTraceID, lost);
    assert.equal(broken.evidence.callee, 'inventory');
    assert.equal(broken.evidence.likelySide, 'caller', 'inventory continues the callers\' traces elsewhere');
    const bag = f.find((x) => x.kind === 'baggage-dropped')!;
    assert.deepEqual([bag.evidence.keys, bag.evidence.fromService, bag.evidence.toService], [['app.user'], 'orders', 'inventory']);
    for (const x of f) {
      assert.equal(x.traceID, failing);
      assert.ok(x.spanIDs.every((id) => /^[0-9a-f]{16}$/.test(id)));
    }
  });

  it('slow-vs-usual against the usual traces of the same root, with the operation that caused it', async () => {
    const { body } = await get<{ data: Finding[] }>(`/api/tracelens/traces/${slow}/insights`);
    const s = body.data.find((x) => x.kind === 'slow-vs-usual');
    assert.ok(s, JSON.stringify(body.data.map((x) => x.title)));
    assert.ok((s.evidence.baselineTraces as number) >= 6);
    assert.match((s.evidence.causes as string[])[0]!, /^web SELECT prices \+\d/);
  });

  it('the same through the UI\'s typed request', async () => {
    const res = await fetch(`${srv.query}/api/tracelens/rpc`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ method: 'tracelens/insights', params: { traceId: failing } }) });
    const rpc = (await res.json()) as { result: { findings: Finding[] } };
    const http = (await get<{ data: Finding[] }>(`/api/tracelens/traces/${failing}/insights`)).body.data;
    assert.deepEqual(rpc.result.findings, http);
  });

  it('GET /api/tracelens/propagation: the hops with their baggage and the breaks, for a trace and for a window', async () => {
    const one = await get<{ data: PropagationResult }>(`/api/tracelens/propagation?traceID=${failing}`);
    assert.equal(one.status, 200);
    const hops = one.body.data.hops.map((h) => `${h.fromService}>${h.toService}:${h.baggageBefore.join('+')}>${h.baggageAfter.join('+')}`);
    assert.deepEqual(hops, ['web>orders:app.tier+app.user>app.tier+app.user', 'orders>inventory:app.tier+app.user>app.tier']);
    assert.deepEqual(kinds(one.body.data.breaks), ['baggage-dropped', 'broken-propagation']);
    const window = await get<{ data: PropagationResult }>('/api/tracelens/propagation?lookback=1h&limit=100');
    assert.ok(window.body.data.traceIDs.includes(failing) && window.body.data.traceIDs.includes(lost));
    assert.deepEqual(window.body.data.services, ['catalog', 'inventory', 'orders', 'web']);
    assert.ok(window.body.data.breaks.some((b) => b.kind === 'broken-propagation' && b.evidence.otherTraceID === lost));
  });

  it('GET /api/tracelens/slow-cohort: the attribute value the slow traces share', async () => {
    const { body } = await get<{ data: SlowCohortResult }>('/api/tracelens/slow-cohort?service=catalog&minDuration=100ms&lookback=1h');
    assert.equal(body.data.slowTraces, 6);
    assert.equal(body.data.baselineTraces, 14);
    const top = body.data.differences[0]!;
    assert.deepEqual([top.what, top.key, top.value, top.slowShare], ['attribute', 'app.region', 'eu-west', 1]);
    assert.ok(Math.abs(top.baselineShare - 1 / 14) < 1e-9);
    const few = await get<{ data: SlowCohortResult }>('/api/tracelens/slow-cohort?service=catalog&minDuration=1s&lookback=1h');
    assert.deepEqual(few.body.data.differences, []);
    assert.match(few.body.data.note ?? '', /Too few traces to compare: 0 slow/);
  });

  it('bad parameters get a 400 that says what to send; an unknown trace a 404', async () => {
    const bad = async (path: string, message: RegExp): Promise<void> => {
      const { status, body } = await get<{ errors: { code: number; msg: string }[] }>(path);
      assert.equal(status, 400, path);
      assert.match(body.errors[0]!.msg, message);
    };
    await bad('/api/tracelens/traces/xyz/insights', /not a trace ID/);
    await bad('/api/tracelens/propagation?traceID=nothex', /not a trace ID/);
    await bad('/api/tracelens/propagation?lookback=forever', /lookback "forever" is not a duration/);
    await bad(`/api/tracelens/propagation?traceID=${failing}&lookback=1h`, /either traceID, or lookback/);
    await bad('/api/tracelens/propagation?limit=0', /limit "0" is not a whole number from 1 to 200/);
    await bad('/api/tracelens/slow-cohort?minDuration=slow', /minDuration "slow" is not a duration/);
    assert.equal((await get(`/api/tracelens/traces/${'ab'.repeat(16)}/insights`)).status, 404);
    assert.equal((await get(`/api/tracelens/propagation?traceID=${'ab'.repeat(16)}`)).status, 404);
  });
});
