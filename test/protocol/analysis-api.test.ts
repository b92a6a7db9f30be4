// The analysis API on a real server, fed by the real OpenTelemetry SDK and OTLP exporter: a failing checkout across
// three services (an error two services down, an N+1, a baggage key one service drops, a call whose context the
// callee never received), usual and slow traces of the same root (slow-vs-usual), and a slow cohort that shares one
// attribute value. Checked through GET /api/tracelens/... and the UI's typed requests; bad parameters get a 400.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Finding, HotspotRow, PropagationResult, SlowCohortResult } from '../../src/protocol/analysis';
import { makeAnalysisScenario } from '../helpers/analysisScenario';
import { SdkShop } from '../helpers/sdkShop';
import type { RunningServer } from '../helpers/server';
import { startServer } from '../helpers/server';
import { waitFor } from '../helpers/wait';

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
    const scenario = makeAnalysisScenario(shop, Date.now() - 60_000);
    ({ failing, lost, slow } = scenario);
    await shop.flush();
    await waitFor(async () => (await srv.status()).spanCount >= scenario.spans, 10_000);
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

  it('GET /api/tracelens/hotspots: operations by total time, with counts, errors, percentiles and self time', async () => {
    await srv.server.hotspots!.idle();
    const { status, body } = await get<{ data: HotspotRow[] }>('/api/tracelens/hotspots?lookback=1h&limit=100');
    assert.equal(status, 200);
    const rows = body.data;
    assert.deepEqual(rows.map((r) => r.totalTime), [...rows.map((r) => r.totalTime)].sort((a, b) => b - a), 'most costly first');
    const checkout = rows.find((r) => r.service === 'web' && r.operation === 'GET /checkout')!;
    assert.equal(checkout.count, 8, 'six usual, the slow and the failing one');
    assert.equal(checkout.errors, 1);
    assert.ok(checkout.p50 > 15_000 && checkout.p50 < 30_000, `p50 ${checkout.p50} µs`);
    const selects = rows.find((r) => r.service === 'inventory' && r.operation === 'SELECT items')!;
    assert.equal(selects.count, 6);
    assert.ok(Math.abs(selects.p95 - 5000) <= 50, `p95 ${selects.p95} µs (1 % sketch accuracy)`);
    assert.equal(selects.selfTime, 6 * 5000, 'leaf calls: all their time is their own');
    const place = rows.find((r) => r.operation === 'orders.place')!;
    assert.equal(place.selfTime, 34_000);
    assert.ok(rows.every((r) => r.criticalPathShare !== null && r.criticalPathShare >= 0 && r.criticalPathShare <= 1), 'the embedded store computes every share');
    const one = await get<{ data: HotspotRow[] }>('/api/tracelens/hotspots?service=inventory&lookback=1h&limit=2');
    assert.ok(one.body.data.length === 2 && one.body.data.every((r) => r.service === 'inventory'));
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
    await bad('/api/tracelens/hotspots?groupBy=host', /groupBy "host" is not one of operation, location/);
    await bad('/api/tracelens/hotspots?limit=1001', /limit "1001" is not a whole number from 1 to 1000/);
    await bad('/api/tracelens/hotspots?lookback=2d', /lookback "2d" is longer than the 24h hotspots keep/);
    assert.equal((await get(`/api/tracelens/traces/${'ab'.repeat(16)}/insights`)).status, 404);
    assert.equal((await get(`/api/tracelens/propagation?traceID=${'ab'.repeat(16)}`)).status, 404);
  });
});
