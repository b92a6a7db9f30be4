// Findings in one trace (src/core/analysis): each kind on a small trace drawn as an ASCII timeline (one column is one
// millisecond; see test/helpers/timeline.ts), next to what must be found and what must not; then bad data (no root,
// several roots, zero-length spans, cycles, duplicate ids) that must neither crash nor invent findings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalisePath, normaliseStatement } from '../../src/core/analysis/calls';
import type { FindingContext, OtherRoot } from '../../src/core/analysis/context';
import { findingsLine, traceFindings } from '../../src/core/analysis/findings';
import { baselineOf } from '../../src/core/analysis/latency';
import { propagationHops } from '../../src/core/analysis/propagation';
import { traceView } from '../../src/core/views/traceView';
import type { Finding, FindingKind } from '../../src/protocol/analysis';
import type { WireTrace } from '../../src/protocol/wire';
import { spanIdOf, TIMELINE_BASE, MS, timeline } from '../helpers/timeline';
import type { TimelineOptions } from '../helpers/timeline';

const CLIENT = 2;
const SERVER = 1;
const PRODUCER = 3;
const CONSUMER = 4;

const find = (trace: WireTrace, ctx: FindingContext = {}): Finding[] => traceFindings(traceView(trace), ctx);
const ofKind = (findings: readonly Finding[], kind: FindingKind): Finding[] => findings.filter((f) => f.kind === kind);
const draw = (text: string, options?: TimelineOptions): WireTrace => timeline(text, options).trace;

const DB = { 'db.system.name': 'postgresql', 'server.address': 'db.internal' };

describe('error-origin', () => {
  it('the deepest failing span two services down, the chain that carried it, its exception', () => {
    const t = timeline(
      `
      web:GET /checkout!        |==========================|
        orders:POST /orders!     |======================|
          orders.place!           |===================|
            inventory:GET /stock!  |==========|
              check_stock!          |=======|
                SELECT items         |==|
            audit                              |==|
      `,
      { exceptions: { check_stock: { type: 'ItemNotFoundError', message: 'no item with sku "x"', stacktrace: 'ItemNotFoundError: no item\n    at getStock (/app/inventory.js:71:19)\n    at run (/app/common.js:9:3)' } } },
    );
    const [origin, ...others] = ofKind(find(t.trace), 'error-origin');
    assert.equal(others.length, 0, 'one origin: every other failing span has a failing child');
    assert.equal(origin!.severity, 'error');
    assert.equal(origin!.service, 'inventory');
    assert.equal(origin!.operation, 'check_stock');
    assert.deepEqual(origin!.spanIDs, ['check_stock', 'GET /stock', 'orders.place', 'POST /orders', 'GET /checkout'].map(t.id));
    assert.equal(origin!.evidence.exceptionType, 'ItemNotFoundError');
    assert.equal(origin!.evidence.stackFrame, 'at getStock (/app/inventory.js:71:19)');
    assert.equal(origin!.evidence.servicesBelowRoot, 2);
    assert.match(origin!.title, /^Error starts in inventory: check_stock — ItemNotFoundError: no item with sku "x" \(2 services below the root\)$/);
  });

  it('an error the caller handled is a warning, and its chain stops where the failure stopped', () => {
    const t = timeline(`
      api:root     |==========|
        cache!      |==|
        db:load          |===|
    `);
    const [f] = ofKind(find(t.trace), 'error-origin');
    assert.equal(f!.severity, 'warning');
    assert.deepEqual(f!.spanIDs, [t.id('cache')]);
    assert.equal(f!.evidence.reachedRoot, false);
  });

  it('no error, no finding', () => {
    assert.deepEqual(ofKind(find(draw('root |===|\n  a |=|')), 'error-origin'), []);
  });
});

describe('n-plus-one', () => {
  const nPlusOne = `
    inventory:check_stock |==============================|
      q                    |==|
      q                       |==|
      q                          |==|
      q                             |==|
      q                                |==|
      q                                   |==|
  `;

  it('six similar queries one after another: count, total time, the normalised statement', () => {
    const t = timeline(nPlusOne, { attributes: { q: { ...DB, 'db.query.text': "SELECT * FROM items WHERE sku = 'gpu' AND n > 3" } } });
    const [f] = ofKind(find(t.trace), 'n-plus-one');
    assert.ok(f, 'found');
    assert.equal(f.evidence.count, 6);
    assert.equal(f.evidence.totalMicros, 6 * 3 * 1000);
    assert.equal(f.evidence.statement, 'SELECT * FROM items WHERE sku = ? AND n > ?');
    assert.equal(f.spanIDs[0], t.id('check_stock'), 'the parent first: the calling code');
    assert.equal(f.spanIDs.length, 7);
    assert.match(f.title, /^N\+1: 6 × SELECT \* FROM items WHERE sku = \? AND n > \? in check_stock \(18.0 ms\)$/);
  });

  it('the same statements run concurrently are a batch, not an N+1', () => {
    const t = timeline(
      `
      p |==========|
        q |===|
        q |===|
        q |===|
        q |===|
        q |===|
        q |===|
    `,
      { attributes: { q: { ...DB, 'db.query.text': 'SELECT 1' } } },
    );
    assert.deepEqual(ofKind(find(t.trace), 'n-plus-one'), []);
  });

  it('different statements, or fewer than five, are not one', () => {
    const t = timeline(nPlusOne, { attributes: { q: DB } }); // no statement: grouped by span name
    assert.equal(ofKind(find(t.trace), 'n-plus-one').length, 1);
    assert.deepEqual(ofKind(find(t.trace, { thresholds: { nPlusOneMin: 7 } }), 'n-plus-one'), []);
  });

  it('each query behind a wrapper span (a resolver, an ORM method): the N+1 is the caller\'s', () => {
    const resolvers = [0, 1, 2, 3, 4, 5].map((i) => `  resolve${i}${' '.repeat(2 + i * 4)}|==|\n    q${i}${' '.repeat(6 + i * 4)}|=|`).join('\n');
    const names = [0, 1, 2, 3, 4, 5];
    const t = timeline(`api:POST /graphql |=============================|\n${resolvers}`, {
      attributes: Object.fromEntries(names.map((i) => [`q${i}`, { ...DB, 'db.query.text': `SELECT * FROM authors WHERE id = ${i}` }])),
    });
    const [f] = ofKind(find(t.trace), 'n-plus-one');
    assert.ok(f, 'found through the resolvers');
    assert.equal(f.operation, 'POST /graphql');
    assert.equal(f.evidence.count, 6);
    assert.equal(f.evidence.statement, 'SELECT * FROM authors WHERE id = ?');
  });

  it('HTTP calls to one route of one peer, ids in the path folded', () => {
    const lines = [0, 1, 2, 3, 4].map((i) => `  get${i}${' '.repeat(2 + i * 3)}|==|`).join('\n');
    const attributes = Object.fromEntries([0, 1, 2, 3, 4].map((i) => [`get${i}`, { 'http.request.method': 'GET', 'url.full': `http://users:8080/users/${1000 + i}?x=1` }]));
    const kinds = Object.fromEntries([0, 1, 2, 3, 4].map((i) => [`get${i}`, CLIENT]));
    const t = timeline(`p |====================|\n${lines}`, { attributes, kinds });
    const [f] = ofKind(find(t.trace), 'n-plus-one');
    assert.equal(f?.evidence.statement, 'GET /users/{id}');
    assert.equal(f?.evidence.peer, 'users:8080');
  });
});

describe('sequential-calls', () => {
  it('calls to different peers in a row: the time overlapping them would save', () => {
    const t = timeline(
      `
      api:handler |==============================|
        users      |========|
        prices               |======|
        stock                       |==========|
    `,
      {
        kinds: { users: CLIENT, prices: CLIENT, stock: CLIENT },
        attributes: { users: { 'peer.service': 'users' }, prices: { 'peer.service': 'prices' }, stock: { 'peer.service': 'stock' } },
      },
    );
    const [f] = ofKind(find(t.trace), 'sequential-calls');
    assert.ok(f);
    assert.deepEqual(f.evidence.peers, ['users', 'prices', 'stock']);
    assert.equal(f.evidence.sequentialMicros, (9 + 7 + 11) * 1000);
    assert.equal(f.evidence.savedMicros, (9 + 7) * 1000, 'all but the longest');
  });

  it('two calls to one service (one answered, one to the same address) are not calls to different services', () => {
    const http = (path: string): Record<string, string> => ({ 'http.request.method': 'GET', 'url.full': `http://10.0.0.7:7103${path}` });
    const t = draw(
      `
      orders:place |==============================|
        stock        |==========|
          inventory:serve |======|
        reserve                  |==========|
    `,
      { kinds: { stock: CLIENT, reserve: CLIENT, serve: SERVER }, attributes: { stock: http('/stock/x'), reserve: http('/reservations') } },
    );
    assert.deepEqual(ofKind(find(t), 'sequential-calls'), []);
  });

  it('calls that already overlap, or that save too little, are left alone', () => {
    const kinds = { a: CLIENT, b: CLIENT };
    const attributes = { a: { 'peer.service': 'a' }, b: { 'peer.service': 'b' } };
    assert.deepEqual(ofKind(find(draw('h |==========|\n  a |=====|\n  b  |=====|', { kinds, attributes })), 'sequential-calls'), []);
    assert.deepEqual(ofKind(find(draw('h |==========================================================|\n  a |=|\n  b   |==|', { kinds, attributes })), 'sequential-calls'), []);
  });
});

describe('retry-storm', () => {
  it('failing calls to one peer under one parent, then a success', () => {
    const t = timeline(
      `
      api:pay  |==========================|
        call!   |==|
        call!       |==|
        call!           |==|
        call                |==|
    `,
      { kinds: { call: CLIENT }, attributes: { call: { 'http.request.method': 'POST', 'url.full': 'http://bank/charge' } } },
    );
    const [f] = ofKind(find(t.trace), 'retry-storm');
    assert.equal(f?.evidence.failed, 3);
    assert.equal(f?.evidence.attempts, 4);
    assert.equal(f?.evidence.succeededAtEnd, true);
    assert.equal(f?.spanIDs.length, 4);
  });
});

describe('fan-out', () => {
  it('a span that calls many services', () => {
    const children = ['a', 'b', 'c', 'd', 'e'].map((s) => `  ${s}:call_${s} |=|`).join('\n');
    const [f] = ofKind(find(draw(`gw:root |=====|\n${children}`)), 'fan-out');
    assert.equal(f?.evidence.services, 5);
    assert.deepEqual(ofKind(find(draw(`gw:root |=====|\n${children}`), { thresholds: { fanOutServices: 6 } }), 'fan-out'), []);
  });
});

describe('uninstrumented-time', () => {
  it('self time large against the trace; calls and short spans are not flagged', () => {
    const t = timeline(
      `
      api:handler |========================================|
        db:query   |===|
        remote                                     |===|
    `,
      { kinds: { remote: CLIENT }, attributes: { query: DB } },
    );
    const found = ofKind(find(t.trace), 'uninstrumented-time');
    assert.deepEqual(found.map((f) => f.operation), ['handler']);
    assert.equal(found[0]!.evidence.selfMicros, (41 - 4 - 4) * 1000);
    assert.equal(found[0]!.severity, 'warning', 'over half the trace');
  });
});

describe('slow-vs-usual', () => {
  const usual = (db: number): WireTrace => draw(`api:root |${'='.repeat(10 + db)}|\n  db:select |${'='.repeat(db)}|`);

  it('the extra time attributed to the operation that caused it, with the extra calls', () => {
    const baseline = baselineOf([8, 9, 10, 11, 12].map((n) => traceView(usual(n))));
    const slow = draw(`api:root |${'='.repeat(60)}|\n  db:select |${'='.repeat(10)}|\n  db:select ${' '.repeat(11)}|${'='.repeat(40)}|`);
    const [f] = ofKind(find(slow, { baseline }), 'slow-vs-usual');
    assert.ok(f);
    assert.equal(f.evidence.medianMicros, 21 * 1000);
    assert.equal(f.evidence.baselineTraces, 5);
    assert.match(String((f.evidence.causes as string[])[0]), /^db select \+41.0 ms, 1 more call$/);
  });

  it('too few usual traces, or not slower: nothing', () => {
    const slow = draw(`api:root |${'='.repeat(80)}|`);
    assert.deepEqual(ofKind(find(slow, { baseline: baselineOf([10, 10, 10].map((n) => traceView(usual(n)))) }), 'slow-vs-usual'), []);
    assert.deepEqual(ofKind(find(usual(11), { baseline: baselineOf([8, 9, 10, 11, 12].map((n) => traceView(usual(n)))) }), 'slow-vs-usual'), []);
  });
});

describe('broken-propagation', () => {
  const caller = timeline(
    `
    orders:place |====================|
      reserve      |==========|
  `,
    { kinds: { reserve: CLIENT }, attributes: { reserve: { 'http.request.method': 'POST', 'url.full': 'http://127.0.0.1:7103/reservations', 'server.port': 7103 } } },
  );
  const root = (over: Partial<OtherRoot> = {}): OtherRoot => ({
    traceId: 'cd'.repeat(16),
    spanId: '11'.repeat(8),
    service: 'inventory',
    name: 'POST /reservations',
    kind: SERVER,
    startNanos: TIMELINE_BASE + BigInt(4 * MS),
    endNanos: TIMELINE_BASE + BigInt(12 * MS),
    path: '/reservations',
    linkedSpanIds: [],
    ...over,
  });

  it('a CLIENT span with no server child while the callee started its own trace: the root named, the side guessed', () => {
    const [f] = ofKind(find(caller.trace, { otherRoots: [root()], extractingServices: new Set(['inventory']) }), 'broken-propagation');
    assert.ok(f);
    assert.deepEqual(f.spanIDs, [caller.id('reserve')]);
    assert.equal(f.evidence.otherTraceID, 'cd'.repeat(16));
    assert.equal(f.evidence.likelySide, 'caller');
    assert.deepEqual(f.evidence.matchedBy, ['path /reservations']);
    assert.match(f.title, /orders did not inject the context/);
  });

  it('no root at that time, or another path and peer: nothing', () => {
    assert.deepEqual(ofKind(find(caller.trace, { otherRoots: [root({ startNanos: TIMELINE_BASE + BigInt(200 * MS), endNanos: TIMELINE_BASE + BigInt(210 * MS) })] }), 'broken-propagation'), []);
    assert.deepEqual(ofKind(find(caller.trace, { otherRoots: [root({ path: '/other' })] }), 'broken-propagation'), []);
    assert.deepEqual(ofKind(find(caller.trace), 'broken-propagation'), []);
  });

  it('an external call (no path, no peer.service in common) is not matched to a root that happens to run meanwhile', () => {
    const stripe = timeline('payments:charge |====================|\n  POST     |==========|', {
      kinds: { POST: CLIENT },
      attributes: { POST: { 'http.request.method': 'POST', 'url.full': 'https://api.stripe.com:443/', 'server.port': 443 } },
    });
    const frontend = root({ service: 'frontend', name: 'GET /', path: '/' });
    assert.deepEqual(ofKind(find(stripe.trace, { otherRoots: [frontend] }), 'broken-propagation'), []);
  });

  it('a consumer that links back to its producer is propagation done right', () => {
    const t = timeline('svc:send |=====|\n  publish |==|', { kinds: { publish: PRODUCER }, attributes: { publish: { 'messaging.destination.name': 'orders' } } });
    const consumer = root({ kind: CONSUMER, path: 'orders', startNanos: TIMELINE_BASE + BigInt(30 * MS), endNanos: TIMELINE_BASE + BigInt(40 * MS) });
    assert.equal(ofKind(find(t.trace, { otherRoots: [consumer] }), 'broken-propagation').length, 1);
    assert.deepEqual(ofKind(find(t.trace, { otherRoots: [{ ...consumer, linkedSpanIds: [t.id('publish')] }] }), 'broken-propagation'), []);
  });
});

describe('orphan-span', () => {
  const t = timeline(`
    api:root |==========|
    ^worker:late  |===|
  `);
  const endMs = Number((TIMELINE_BASE + BigInt(11 * MS)) / 1_000_000n);

  it('a missing parent after the grace period is a warning; within it, still expected', () => {
    const [late] = ofKind(find(t.trace, { nowMs: endMs + 60_000 }), 'orphan-span');
    assert.equal(late?.severity, 'warning');
    assert.equal(late?.evidence.missingParentID, 'ff'.repeat(8));
    const [early] = ofKind(find(t.trace, { nowMs: endMs + 1000 }), 'orphan-span');
    assert.equal(early?.severity, 'info');
    assert.match(early!.title, /has not arrived yet/);
  });

  it('a parent a debugger holds running is not an orphan', () => {
    const live = { ...t.trace, live: { pausedSpanId: t.id('late'), runningSpanIds: [t.id('late')], unexportedSpanIds: [], pausedAtUnixNano: '0', sessionName: 's' } };
    const [f] = ofKind(find(live, { nowMs: endMs + 600_000 }), 'orphan-span');
    assert.equal(f?.evidence.parentRunning, true);
    assert.equal(f?.severity, 'info');
  });
});

describe('clock-skew', () => {
  it('a child on another host starting before its parent: the centring shift, shown and not applied', () => {
    const t = timeline(
      `
      web:call      |==========|
        api:serve |====|
          db:q     |=|
    `,
      { resources: { web: { 'host.name': 'a' }, api: { 'host.name': 'b' }, db: { 'host.name': 'b' } } },
    );
    const [f] = ofKind(find(t.trace), 'clock-skew');
    assert.ok(f);
    // parent [4, 15] (11 ms), child [2, 7] (5 ms): centred it would start at 4 + 3 = 7, a shift of +5 ms.
    assert.equal(f.evidence.shiftMicros, 5000);
    assert.equal(f.evidence.descendantsShifted, 1);
    assert.equal(f.evidence.adjusted, false);
    assert.equal(traceView(t.trace).spans[1]!.offset, 0, 'recorded times kept');
  });

  it('a consumer after its producer, and a skew under a millisecond, are not skew', () => {
    const hosts = { resources: { a: { 'host.name': 'a' }, b: { 'host.name': 'b' } } };
    const queue = draw('a:send |=====|\n  publish |=|\n    b:process    |===|', { ...hosts, kinds: { publish: PRODUCER, process: CONSUMER } });
    assert.deepEqual(ofKind(find(queue), 'clock-skew'), []);
    // One column is 1 ms: a child 0.5 ms outside its parent, drawn by moving the times directly.
    const near = draw('a:call |========|\n  b:serve |===|', hosts);
    const spans = near.spans.map((x, i) => (i === 1 ? { ...x, startTimeUnixNano: (BigInt(near.spans[0]!.startTimeUnixNano) - 500_000n).toString() } : x));
    assert.deepEqual(ofKind(find({ ...near, spans }), 'clock-skew'), []);
  });

  it('the same host: async work outliving its parent, not skew', () => {
    assert.deepEqual(ofKind(find(draw('svc:a |===|\n  b   |=======|')), 'clock-skew'), []);
  });
});

describe('baggage-dropped and the propagation path', () => {
  const t = timeline(
    `
    web:checkout    |======================|
      orders:place   |==================|
        call_inv       |==========|
          inventory:stock |=====|
  `,
    {
      kinds: { call_inv: CLIENT, stock: SERVER },
      attributes: {
        checkout: { 'baggage.app.user': 'alice', 'baggage.app.tier': 'gold' },
        place: { 'baggage.app.user': 'alice', 'baggage.app.tier': 'gold' },
        call_inv: { 'baggage.app.tier': 'gold' },
        stock: { 'baggage.app.tier': 'gold' },
      },
    },
  );

  it('the hop where a key disappeared, even when the caller dropped it before calling', () => {
    const [f] = ofKind(find(t.trace), 'baggage-dropped');
    assert.ok(f);
    assert.deepEqual(f.evidence.keys, ['app.user']);
    assert.equal(f.evidence.fromService, 'orders');
    assert.equal(f.evidence.toService, 'inventory');
    assert.equal(f.severity, 'warning');
  });

  it('hops list the keys on each side', () => {
    const hops = propagationHops(traceView(t.trace), 'baggage.');
    assert.deepEqual(
      hops.map((h) => [h.fromService, h.toService, h.baggageBefore, h.baggageAfter, h.dropped]),
      [
        ['web', 'orders', ['app.tier', 'app.user'], ['app.tier', 'app.user'], []],
        ['orders', 'inventory', ['app.tier', 'app.user'], ['app.tier'], ['app.user']],
      ],
    );
  });

  it('another prefix, and a callee that records no baggage at all (info, not a drop)', () => {
    assert.deepEqual(ofKind(find(t.trace, { baggagePrefix: 'bg.' }), 'baggage-dropped'), []);
    const silent = timeline('web:a |=====|\n  api:b |==|', { attributes: { a: { 'baggage.k': 'v' } } });
    const [f] = ofKind(find(silent.trace), 'baggage-dropped');
    assert.equal(f?.severity, 'info');
    assert.equal(f?.evidence.calleeRecordsBaggage, false);
  });
});

describe('bad data', () => {
  it('no root, several roots, zero-length spans: no crash, findings still sensible', () => {
    const t = timeline(`
      ^a:x! |=====|
      ^b:y   |
      c:z      |==|
      d:w      |==|
    `);
    const findings = find(t.trace, { nowMs: Date.now() });
    assert.equal(ofKind(findings, 'orphan-span').length, 1, 'both orphans share the missing parent');
    assert.equal(ofKind(findings, 'error-origin').length, 1);
  });

  it('a parent cycle and duplicate span ids neither hang nor double-count', () => {
    const base = timeline(`
      svc:root |==========|
        q       |=|
        q         |=|
        q           |=|
        q             |=|
        q               |=|
    `, { attributes: { q: DB } }).trace;
    const spans = base.spans.map((s, i) => (i === 0 ? { ...s, parentSpanId: spanIdOf(1) } : s));
    const dup = { ...base, spans: [...spans, spans[1]!] };
    const findings = find(dup, { nowMs: Date.now() });
    const [n1] = ofKind(findings, 'n-plus-one');
    assert.ok(n1, 'still found through the cycle');
    assert.ok(findings.length < 10);
  });

  it('large shapes stay linear and their findings bounded: a 20,000-span failing chain, 100,000 sequential calls', () => {
    const n = 20_000;
    const chain = (i: number): WireTrace['spans'][number] => ({
      ...draw('svc:x! |=|').spans[0]!,
      spanId: spanIdOf(i),
      parentSpanId: i === 0 ? '' : spanIdOf(i - 1),
      name: `step ${i}`,
    });
    const deep = draw('svc:x |=|');
    let started = performance.now();
    const [origin] = ofKind(find({ ...deep, spans: Array.from({ length: n }, (_, i) => chain(i)) }), 'error-origin');
    assert.ok(performance.now() - started < 5_000, 'linear in the depth');
    assert.equal(origin?.evidence.failingSpans, n);
    assert.equal(origin?.spanIDs.length, 50);
    assert.equal((origin?.evidence.chain as string[]).at(-1), `… and ${n - 50} more`);
    const m = 100_000;
    const base = draw('svc:p |=|', { kinds: { c: CLIENT } }).spans[0]!;
    const calls = Array.from({ length: m }, (_, i) => ({
      ...base,
      spanId: spanIdOf(i + 1),
      parentSpanId: spanIdOf(0),
      name: `call ${i}`,
      kind: CLIENT,
      startTimeUnixNano: (TIMELINE_BASE + BigInt(i * 2 * MS)).toString(),
      endTimeUnixNano: (TIMELINE_BASE + BigInt((i * 2 + 1) * MS)).toString(),
      attributes: [{ key: 'peer.service', value: `peer${i}` }],
    }));
    const wide = { ...deep, spans: [{ ...base, endTimeUnixNano: (TIMELINE_BASE + BigInt(2 * m * MS)).toString() }, ...calls] };
    started = performance.now();
    const [seq] = ofKind(find(wide), 'sequential-calls');
    assert.ok(performance.now() - started < 10_000);
    assert.ok(seq && seq.title.length < 600, seq?.title.slice(0, 200));
    assert.equal(seq.spanIDs.length, 50);
    assert.equal((seq.evidence.peers as string[]).at(-1), `… and ${m - 8} more`);
  });

  it('an empty trace has no findings, and the header line says so', () => {
    const empty: WireTrace = { traceId: 'ab'.repeat(16), spans: [], resources: [], scopes: [] };
    assert.deepEqual(find(empty), []);
    assert.equal(findingsLine([]), 'No findings');
  });

  it('hostile text: titles are one line and short', () => {
    const evil = `x\n${'<script>'.repeat(50)}\u2028`;
    const t = timeline('svc:root |=====|\n  bad! |=|', { exceptions: { bad: { type: evil, message: evil } } });
    const [f] = ofKind(find(t.trace), 'error-origin');
    assert.ok(f && !/[\n\u2028]/.test(f.title) && f.title.length < 300);
  });
});

describe('order and the header line', () => {
  it('errors first, then the most time; at most perKind of a kind', () => {
    const t = timeline(
      `
      api:root!  |==============================|
        q          |==|
        q             |==|
        q                |==|
        q                   |==|
        q                      |==|
        boom!                     |=|
    `,
      { attributes: { q: DB } },
    );
    const findings = find(t.trace);
    assert.deepEqual(findings.map((f) => f.kind).slice(0, 2), ['error-origin', 'n-plus-one']);
    assert.match(findingsLine(findings), /^\d+ findings: Error starts in api · N\+1/);
  });
});

describe('call keys', () => {
  it('statements and paths normalised', () => {
    assert.equal(normaliseStatement("SELECT a FROM t WHERE id IN (1, 2, 3) AND name = 'o''brien' AND x = $1"), 'SELECT a FROM t WHERE id IN (?) AND name = ? AND x = ?');
    assert.equal(normalisePath('/orders/123/items/0f8fad5b-d9cb-469f-a165-70867728950e?page=2'), '/orders/{id}/items/{id}');
  });
});
