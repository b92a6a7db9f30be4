// Hotspots across traces. The pure parts (src/core/analysis/hotspots.ts) on traces drawn as timelines: self time and
// critical-path time per span, which must agree with the trace page's own (traceView's selfTime, criticalPath's
// timeOf); then the engine (src/server/analysis/hotspots.ts) on a real embedded store in memory fed with span batches:
// the window, the previous window's trend, filters, limit, groupBy location, a late span after settling, a store read
// from its backlog, and clearing.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { TraceSpans, TraceTimes } from '../../src/core/analysis/hotspots';
import { foldLineAt, HotspotBucket, HotspotSeries, hotspotWindow, mergedSketch, traceTimes, TraceTimer } from '../../src/core/analysis/hotspots';
import type { Span } from '../../src/core/model';
import { EMPTY_RESOURCE } from '../../src/core/model';
import { EmbeddedStore } from '../../src/core/store/embeddedStore';
import { spanHash } from '../../src/core/store/indexPart';
import { criticalPath } from '../../src/core/views/criticalPath';
import { traceView } from '../../src/core/views/traceView';
import type { HotspotRow, HotspotsResult } from '../../src/protocol/analysis';
import type { WireSpan, WireTrace } from '../../src/protocol/wire';
import { HotspotEngine } from '../../src/server/analysis/hotspots';
import { MS, spanIdOf, timeline, TIMELINE_BASE } from '../helpers/timeline';
import { modelSpan } from '../helpers/spans';

/** A wire trace as index rows: hashes, starts from the timeline's column 0, durations (ns). */
function rowsOf(spans: readonly WireSpan[]): TraceSpans {
  return {
    spanHash: spans.map((s) => spanHash(s.spanId)),
    parentHash: spans.map((s) => spanHash(s.parentSpanId)),
    start: spans.map((s) => Number(BigInt(s.startTimeUnixNano) - TIMELINE_BASE)),
    duration: spans.map((s) => Number(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano))),
  };
}

/** Per span name (the first span of that name): [self ms, critical ms]. */
function timesByName(spans: readonly WireSpan[], t: TraceTimes = traceTimes(rowsOf(spans))): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  spans.forEach((s, i) => (out[s.name] ??= [t.self[i]! / MS, t.critical[i]! / MS]));
  return out;
}

/** The trace page's figures for the same spans: every span's selfTime and time on criticalPath, by wire index. */
function pageTimes(trace: WireTrace): { self: number[]; critical: number[] } {
  const view = traceView(trace);
  const path = criticalPath(view);
  const self: number[] = new Array<number>(trace.spans.length).fill(0);
  const critical: number[] = new Array<number>(trace.spans.length).fill(0);
  for (const v of view.spans) {
    const i = trace.spans.indexOf(v.span);
    self[i] = v.selfTime;
    critical[i] = path.timeOf.get(v.pos) ?? 0;
  }
  return { self, critical };
}

/** Within the sketches' 1 % (and a rounding). */
const near = (actual: number, expected: number, what: string): void => assert.ok(Math.abs(actual - expected) <= expected * 0.011, `${what}: ${actual}, expected about ${expected}`);

/** A parent span id that is not in the trace. */
const MISSING = '0123456789abcdef';

describe('hotspots: self and critical-path time of one trace', () => {
  it('overlapping children: self time is the parent minus their union; the path takes the last-finishing one', () => {
    const t = timeline(`
      api:root |====================|
        a        |======|
        b            |========|
          c            |=|
    `);
    // root 9..30, a 11..18, b 15..24, c 17..19 (in b). Children cover 11..24: the root's own 8 ms. The path, walking
    // back from 30: root 24..30, b 19..24, c 17..19, b 15..17; a ended after b started, so it waits on nothing: root
    // 9..15.
    assert.deepEqual(timesByName(t.trace.spans), { root: [8, 12], a: [7, 0], b: [7, 7], c: [2, 2] });
    const page = pageTimes(t.trace);
    const times = traceTimes(rowsOf(t.trace.spans));
    assert.deepEqual([...times.self], page.self, 'the trace page agrees');
    assert.deepEqual([...times.critical], page.critical);
    assert.equal(times.criticalTotal, 21 * MS, 'the path is the root');
  });

  it('sequential children: each on the path in turn, the parent in the gaps', () => {
    const t = timeline(`
      root |====================|
        a    |=====|
        b          |========|
    `);
    // root 5..26, a 7..13, b 13..22.
    assert.deepEqual(timesByName(t.trace.spans), { root: [6, 6], a: [6, 6], b: [9, 9] });
  });

  it('zero-length spans have no time and take none from their parent', () => {
    const t = timeline(`
      root |==========|
        mark    |
        a       |==|
          tick    |
    `);
    // root 5..16, mark at 10, a 10..13, tick at 12 (in a).
    assert.deepEqual(timesByName(t.trace.spans), { root: [8, 8], mark: [0, 0], a: [3, 3], tick: [0, 0] });
    const lone = timeline(`
      only |
    `);
    assert.deepEqual(timesByName(lone.trace.spans), { only: [0, 0] });
  });

  it('a span id received twice counts once (the first row)', () => {
    const t = timeline(`
      root |==========|
        a    |====|
    `);
    // root 5..16, a 7..12, and a again.
    const spans = [...t.trace.spans, { ...t.trace.spans[1]! }];
    const times = traceTimes(rowsOf(spans));
    assert.deepEqual([...times.self].map((x) => x / MS), [6, 5, 0]);
    assert.deepEqual([...times.critical].map((x) => x / MS), [6, 5, 0]);
  });

  it('a trace without a root: the path starts at the earliest orphan; other orphans keep their self time', () => {
    const t = timeline(`
      ^lost  |========|
        a      |==|
      ^later        |======|
    `);
    // lost 7..16 with a 9..12, later 14..21: both parents are elsewhere. (The helper's missing parent, ff..ff, folds
    // to the same 32-bit hash as span 00..01, as every id with equal halves does: named otherwise here.)
    const spans = t.trace.spans.map((s) => (s.parentSpanId === 'ff'.repeat(8) ? { ...s, parentSpanId: MISSING } : s));
    assert.deepEqual(timesByName(spans), { lost: [6, 6], a: [3, 3], later: [7, 0] });
    const page = pageTimes({ ...t.trace, spans });
    assert.deepEqual([...traceTimes(rowsOf(spans)).critical], page.critical, 'the trace page starts there too');
  });

  it('a parent cycle neither hangs nor counts twice: entered at its earliest span, as the trace page does', () => {
    const t = timeline(`
      x |==========|
      y   |====|
      z      |==|
    `);
    // x 2..13, y 4..9, z 7..10, and x's parent is z, z's is y, y's is x: no root at all. Entered at x: x > y > z.
    const [x, y, z] = t.trace.spans;
    const spans = [
      { ...x!, parentSpanId: z!.spanId },
      { ...y!, parentSpanId: x!.spanId },
      { ...z!, parentSpanId: y!.spanId },
    ];
    const times = traceTimes(rowsOf(spans));
    const page = pageTimes({ ...t.trace, spans });
    assert.deepEqual([...times.self], page.self);
    assert.deepEqual([...times.critical], page.critical);
    assert.deepEqual(timesByName(spans, times), { x: [6, 6], y: [3, 3], z: [3, 2] });
  });

  it('late spans: the trace as it was (a prefix of its rows) and as it is now', () => {
    const t = timeline(`
      web:GET /a |====================|
        db:SELECT     |======|
        render                |===|
    `);
    // GET /a 11..32, SELECT 16..23, render 24..28; the rows arrive in this order, the engine measured the first alone.
    const rows = rowsOf(t.trace.spans);
    const timer = new TraceTimer();
    const early = timer.measure(rows, 1);
    assert.deepEqual([early.self[0]! / MS, early.critical[0]! / MS], [21, 21], 'alone, the root is all self time');
    const now = timer.measure(rows);
    assert.deepEqual([...now.self].map((x) => x / MS), [10, 7, 4]);
    assert.deepEqual([...now.critical].map((x) => x / MS), [10, 7, 4]);
  });

  it('agrees with the trace page on random traces (deep, wide, overlapping, overflowing, orphans, repeats, cycles)', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const base = timeline(`
      r |=|
    `).trace;
    const timer = new TraceTimer();
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + rnd(40);
      const spans: WireSpan[] = [];
      for (let i = 0; i < n; i++) {
        // Mostly an earlier span; sometimes a root, an orphan, or a later span (which makes cycles).
        const parent = i === 0 || rnd(12) === 0 ? (rnd(3) === 0 ? MISSING : '') : rnd(10) === 0 ? spanIdOf(i + rnd(4)) : spanIdOf(rnd(i));
        const start = rnd(100);
        const end = start + (rnd(8) === 0 ? 0 : rnd(60));
        spans.push({
          ...base.spans[0]!,
          spanId: rnd(20) === 0 && i > 0 ? spanIdOf(rnd(i)) : spanIdOf(i),
          parentSpanId: parent,
          name: `s${i}`,
          startTimeUnixNano: (TIMELINE_BASE + BigInt(start * MS)).toString(),
          endTimeUnixNano: (TIMELINE_BASE + BigInt(end * MS)).toString(),
        });
      }
      // The store hands the trace page each span id once (the first): so does the comparison.
      const seen = new Set<string>();
      const unique = spans.filter((s) => !seen.has(s.spanId) && seen.add(s.spanId));
      const page = pageTimes({ ...base, spans: unique });
      const mine = timer.measure(rowsOf(spans));
      const kept = spans.map((s) => unique.indexOf(s));
      kept.forEach((k, i) => {
        assert.equal(mine.self[i], k < 0 ? 0 : page.self[k], `trial ${trial}: self time of span ${i}`);
        assert.equal(mine.critical[i], k < 0 ? 0 : page.critical[k], `trial ${trial}: critical time of span ${i}`);
      });
    }
  });
});

describe('hotspots: buckets and windows', () => {
  it('folds old minutes into hours and counts a bucket in the window that holds its start', () => {
    const series = new HotspotSeries();
    const fold = 600; // minute 600 = hour 10
    for (const minute of [530, 590, 600, 601]) series.bucket(minute, 0, true).accept(minute * 1000, minute === 590);
    series.fold(fold);
    assert.deepEqual([...series.minutes.keys()], [600, 601]);
    assert.deepEqual([...series.hours.keys()], [8, 9]);
    assert.equal(series.hours.get(9)!.errors, 1);
    const seen: number[] = [];
    series.forEachIn(540, 601, (b) => seen.push(b.count));
    assert.deepEqual(seen, [1, 1, 1], 'hour 9 (540..599), minutes 600 and 601; hour 8 starts before 540');
    const merged = new HotspotBucket();
    series.forEachIn(0, 1e9, (b) => merged.merge(b));
    assert.equal(merged.count, 4);
    assert.equal(mergedSketch([merged]).count, 4);
    near(mergedSketch([merged]).getValueAtQuantile(1), 601_000, 'the slowest call, from the bins');
    series.prune(545);
    assert.deepEqual([...series.hours.keys()], [], 'hour 9 started before minute 545');
  });

  it('a window reaching into the hours starts at the next whole hour', () => {
    const now = Date.UTC(2026, 0, 1, 12, 30, 20);
    const line = foldLineAt(now); // two hours back, on the hour: 10:00
    assert.equal(line * 60_000, Date.UTC(2026, 0, 1, 10, 0));
    const w60 = hotspotWindow(now, 60, line);
    assert.equal(w60.fromMs, Date.UTC(2026, 0, 1, 11, 31));
    assert.equal(w60.toMs, now);
    const w180 = hotspotWindow(now, 180, line);
    assert.equal(w180.fromMs, Date.UTC(2026, 0, 1, 10, 0), '09:31 is in an hour bucket: from 10:00');
    assert.equal(hotspotWindow(now, undefined, line).recent[0], w60.recent[0], 'default 60 minutes');
  });
});

// ---- the engine on a real store ----

const WEB = { ...EMPTY_RESOURCE, attributes: [{ key: 'service.name', value: 'web' }] };
const DB = { ...EMPTY_RESOURCE, attributes: [{ key: 'service.name', value: 'db' }] };
let traces = 0;

/** A timeline's spans as model spans of a new trace whose column 0 is `startMs` (Unix ms). */
function spansAt(t: WireTrace, startMs: number): Span[] {
  const traceId = (++traces).toString(16).padStart(32, '0');
  const shift = BigInt(startMs) * 1_000_000n - TIMELINE_BASE;
  return t.spans.map((s) => {
    const service = t.resources[s.resource]!.attributes[0]!.value;
    return modelSpan({
      traceId,
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
      name: s.name,
      kind: s.parentSpanId === '' ? SpanKind.SERVER : SpanKind.INTERNAL,
      startTimeUnixNano: BigInt(s.startTimeUnixNano) + shift,
      endTimeUnixNano: BigInt(s.endTimeUnixNano) + shift,
      status: s.status.code === 2 ? { code: SpanStatusCode.ERROR, message: 'boom' } : { code: SpanStatusCode.UNSET, message: '' },
      resource: service === 'db' ? DB : WEB,
    });
  });
}

// GET /checkout 20 ms (18..38): SELECT 6 ms (22..28, failing), render 2 ms (30..32). Its own time is 12 ms, and so is
// its time on the critical path (the path is the whole root: 18..22, SELECT, 28..30, render, 32..38).
const CHECKOUT = timeline(`
  web:GET /checkout |===================|
    db:SELECT!          |=====|
    render                      |=|
`).trace;
// 6 ms.
const HEALTH = timeline(`
  web:GET /health |=====|
`).trace;

const row = (r: HotspotsResult, operation: string): HotspotRow => {
  const found = r.rows.find((x) => x.operation === operation);
  assert.ok(found, `no row for ${operation}: ${r.rows.map((x) => x.operation).join(', ')}`);
  return found;
};

describe('hotspot engine on a real store', () => {
  const store = new EmbeddedStore();
  const engine = new HotspotEngine(store, { settleMs: 30 });
  const logged: string[] = [];
  const second: HotspotEngine[] = [];
  after(async () => {
    engine.dispose();
    for (const e of second) e.dispose();
    await store.close();
  });
  // Two minutes ago, so that every span is well inside a 15-minute window whatever the second.
  const recent = Date.now() - 2 * 60_000;
  const lateTrace: Span[] = spansAt(CHECKOUT, recent + 500);

  it('counts calls, errors, percentiles, self time and the share of the critical path per operation', async () => {
    // Spans arrive out of order and over several batches: the children first, the root later.
    const a = spansAt(CHECKOUT, recent);
    await store.append([{ kind: 'spans', spans: [a[1]!, a[2]!] }]);
    await store.append([{ kind: 'spans', spans: [a[0]!] }]);
    await store.append([{ kind: 'spans', spans: spansAt(CHECKOUT, recent + 1000) }]);
    await store.append([{ kind: 'spans', spans: spansAt(HEALTH, recent + 2000) }]);
    await engine.idle();
    const r = engine.query({ lookbackMinutes: 15 }, Date.now());
    assert.equal(r.spans, 7);
    assert.deepEqual(
      r.rows.map((x) => [x.service, x.operation, x.count, x.errors]),
      [
        ['web', 'GET /checkout', 2, 0],
        ['db', 'SELECT', 2, 2],
        ['web', 'GET /health', 1, 0],
        ['web', 'render', 2, 0],
      ],
      'most total time first',
    );
    const root = row(r, 'GET /checkout');
    near(root.p50, 20_000, 'p50 (µs)');
    near(root.p99, 20_000, 'p99');
    assert.equal(root.totalTime, 40_000);
    assert.equal(root.selfTime, 2 * 12_000, '20 ms minus SELECT and render, twice');
    // The window's critical path: 2 x 20 ms + 6 ms; the root's own 12 ms twice is 24 of 46.
    assert.equal(root.criticalPathShare, 24 / 46);
    assert.equal(row(r, 'SELECT').criticalPathShare, 12 / 46);
    assert.equal(row(r, 'GET /health').criticalPathShare, 6 / 46);
    assert.equal(row(r, 'render').criticalPathShare, 4 / 46);
    assert.equal(row(r, 'SELECT').selfTime, 12_000);
    near(root.throughput, 2 / ((r.toMs - r.fromMs) / 60_000), 'calls per minute');
    assert.ok(r.toMs - r.fromMs > 14 * 60_000 && r.toMs - r.fromMs <= 15 * 60_000);
    assert.equal(root.trend, null, 'no calls in the previous window');
    assert.equal(root.source, undefined);
    assert.equal(root.operations, undefined);
  });

  it('filters by service and operation, and limits', () => {
    const now = Date.now();
    const web = engine.query({ lookbackMinutes: 15, service: 'web' }, now);
    assert.deepEqual(
      web.rows.map((x) => x.operation),
      ['GET /checkout', 'GET /health', 'render'],
    );
    assert.equal(web.spans, 7, 'the header counts every span of the window');
    assert.deepEqual(
      engine.query({ lookbackMinutes: 15, operation: 'SELECT' }, now).rows.map((x) => x.service),
      ['db'],
    );
    assert.deepEqual(engine.query({ lookbackMinutes: 15, service: 'db', operation: 'render' }, now).rows, []);
    assert.deepEqual(
      engine.query({ lookbackMinutes: 15, limit: 2 }, now).rows.map((x) => x.operation),
      ['GET /checkout', 'SELECT'],
    );
    assert.equal(engine.query({ lookbackMinutes: 15, limit: 0 }, now).rows.length, 0);
  });

  it('the window: older calls are in the previous window, and the trend compares the p95s', async () => {
    // 20 minutes ago: outside a 15-minute window, inside the one before it. The health check took 3 ms then.
    const old = timeline(`
      web:GET /health |==|
    `).trace;
    await store.append([{ kind: 'spans', spans: [...spansAt(old, Date.now() - 20 * 60_000), ...spansAt(old, Date.now() - 21 * 60_000)] }]);
    await engine.idle();
    const now = Date.now();
    const r = engine.query({ lookbackMinutes: 15 }, now);
    assert.equal(r.spans, 7, 'the old calls are not in this window');
    const health = row(r, 'GET /health');
    assert.equal(health.count, 1);
    assert.ok(health.trend !== null && Math.abs(health.trend - 2) < 0.05, `6 ms now over 3 ms before: ${String(health.trend)}`);
    assert.equal(row(r, 'GET /checkout').trend, null);
    const wide = engine.query({ lookbackMinutes: 30 }, now);
    assert.equal(row(wide, 'GET /health').count, 3);
    assert.equal(wide.spans, 9);
    const narrow = engine.query({ lookbackMinutes: 1 }, now);
    assert.equal(narrow.spans, 0, 'nothing ended in the current minute');
  });

  it('groupBy location merges operations that map to the same source; the others stay their own rows', () => {
    const file = '/work/app/shop.ts';
    const locate = (_service: string, operation: string): { file: string; line: number } | undefined =>
      operation === 'GET /checkout' || operation === 'render' ? { file, line: 12 } : operation === 'SELECT' ? { file, line: 40 } : undefined;
    const now = Date.now();
    const r = engine.query({ lookbackMinutes: 15, groupBy: 'location' }, now, locate);
    assert.deepEqual(
      r.rows.map((x) => [x.service, x.operation, x.count, x.source?.line, x.operations?.map((o) => o.operation)]),
      [
        ['web', 'GET /checkout', 4, 12, ['GET /checkout', 'render']],
        ['db', 'SELECT', 2, 40, ['SELECT']],
        ['web', 'GET /health', 1, undefined, ['GET /health']],
      ],
    );
    const merged = r.rows[0]!;
    assert.equal(merged.totalTime, 44_000);
    assert.equal(merged.selfTime, 28_000);
    near(merged.p99, 20_000, 'merged sketches');
    near(merged.p50, 2_000, 'merged sketches: half the calls are renders');
    // By operation, the location is still given for each row.
    const byOp = engine.query({ lookbackMinutes: 15 }, now, locate);
    assert.deepEqual(row(byOp, 'render').source, { file, line: 12 });
    assert.equal(row(byOp, 'render').operations, undefined);
  });

  it('a span arriving after its trace settled: the trace is measured again and its earlier contribution replaced', async () => {
    // The trace arrives without its render span, settles, then the render span arrives late.
    await store.append([{ kind: 'spans', spans: lateTrace.slice(0, 2) }]);
    await engine.idle();
    let root = row(engine.query({ lookbackMinutes: 15 }, Date.now()), 'GET /checkout');
    assert.equal(root.count, 3);
    assert.equal(root.selfTime, 2 * 12_000 + 14_000, 'settled without the render span: 14 ms of its own');
    await store.append([{ kind: 'spans', spans: [lateTrace[2]!] }]);
    await engine.idle();
    const r = engine.query({ lookbackMinutes: 15 }, Date.now());
    root = row(r, 'GET /checkout');
    assert.equal(root.selfTime, 3 * 12_000, 'replaced, not added: 12 ms of its own now');
    assert.equal(row(r, 'render').count, 3);
    assert.equal(root.criticalPathShare, 36 / 66);
    // The same span again (an exporter's retry): counted as a call, its time once.
    await store.append([{ kind: 'spans', spans: [lateTrace[2]!] }]);
    await engine.idle();
    const again = engine.query({ lookbackMinutes: 15 }, Date.now());
    assert.equal(row(again, 'GET /checkout').selfTime, 3 * 12_000);
    assert.equal(row(again, 'render').count, 4, 'a repeated span counts as a call (as in the store span count)');
    assert.equal(row(again, 'render').selfTime, 6_000);
  });

  it('an engine started on a full store reads its backlog and agrees with the one that followed it', async () => {
    const late = new HotspotEngine(store, { settleMs: 60_000, log: (l) => logged.push(l) });
    second.push(late);
    await late.idle(); // the backlog's traces count as quiet: no 60 s wait
    const now = Date.now();
    assert.deepEqual(late.query({ lookbackMinutes: 30 }, now), engine.query({ lookbackMinutes: 30 }, now));
    assert.deepEqual(logged, []);
  });

  it('spans dated far ahead of the clock are not counted (a wrong or hostile clock grows nothing)', async () => {
    const before = engine.size.buckets;
    const health = (): number => engine.query({ lookbackMinutes: 15 }, Date.now()).rows.find((x) => x.operation === 'GET /health')?.count ?? 0;
    const calls = health();
    const ahead = Array.from({ length: 200 }, (_, i) => spansAt(HEALTH, Date.now() + (2 + i) * 3600_000)).flat();
    await store.append([{ kind: 'spans', spans: ahead }]);
    await engine.idle();
    assert.equal(engine.size.buckets, before, 'no bucket for a span hours ahead');
    assert.equal(health(), calls);
  });

  it('clearing the store clears the hotspots', async () => {
    await store.clear();
    await engine.idle();
    assert.deepEqual(engine.query({ lookbackMinutes: 15 }, Date.now()).rows, []);
    await store.append([{ kind: 'spans', spans: spansAt(HEALTH, recent) }]);
    await engine.idle();
    const r = engine.query({ lookbackMinutes: 15 }, Date.now());
    assert.deepEqual(
      r.rows.map((x) => [x.operation, x.count, x.selfTime, x.criticalPathShare]),
      [['GET /health', 1, 6_000, 1]],
    );
  });
});
