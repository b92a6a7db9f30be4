// The trace view (src/core/views/traceView.ts): tree order, depth, offsets, self time, header figures, and the
// broken traces real exporters send (orphans, parent cycles, repeated span ids), on traces drawn as timelines.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { traceView } from '../../src/core/views/traceView';
import type { WireTrace } from '../../src/protocol/wire';
import { MS, spanIdOf, timeline, TIMELINE_BASE } from '../helpers/timeline';

/** name, depth, offset ms, duration ms, self ms per row. */
const rows = (trace: WireTrace): [string, number, number, number, number][] =>
  traceView(trace).spans.map((s) => [s.span.name, s.depth, s.offset / MS, s.duration / MS, s.selfTime / MS]);

describe('trace view', () => {
  it('orders spans as a tree, children by start, with offsets, durations and self time', () => {
    const t = timeline(`
      api:root  |==================|
        late                 |===|
        early     |==========|
          db:q      |====|
    `);
    assert.deepEqual(rows(t.trace), [
      ['root', 0, 0, 19, 4],
      ['early', 1, 2, 11, 6],
      ['q', 2, 4, 5, 5],
      ['late', 1, 13, 4, 4],
    ]);
    const v = traceView(t.trace);
    assert.deepEqual(v.spans.map((s) => s.parent), [-1, 0, 1, 0]);
    assert.deepEqual(v.spans[0]!.children, [1, 3]);
    assert.deepEqual(v.spans.map((s) => s.subtreeEnd), [4, 3, 3, 4]);
    assert.deepEqual(v.spans.map((s) => s.service), ['api', 'api', 'db', 'api']);
    assert.equal(traceView(t.trace), v, 'memoised per trace');
  });

  it('self time clips children to the parent and merges overlapping children', () => {
    const t = timeline(`
      root  |==========|
        a       |====|
        b         |====|
        c              |=====|
    `);
    // root 0..11; a 4..9, b 6..11 (union 4..11 = 7); c 11..17 clipped to nothing: self 11 - 7 = 4.
    assert.equal(traceView(t.trace).spans[0]!.selfTime, 4 * MS);
  });

  it('header: root service and operation, start, duration, services, depth, counts', () => {
    const t = timeline(`
      web:GET /  |==========|
        api:list   |=====|
          db:q!     |==|
      ^lost            |=======|
    `);
    const h = traceView(t.trace).header;
    assert.deepEqual(
      { ...h, startNanos: h.startNanos.toString() },
      { rootService: 'web', rootName: 'GET /', startNanos: (TIMELINE_BASE + BigInt(11 * MS)).toString(), duration: 14 * MS, services: ['api', 'db', 'svc', 'web'], depth: 3, spanCount: 4, errorCount: 1, orphanCount: 1 },
    );
    const v = traceView(t.trace);
    assert.deepEqual(v.spans.map((s) => [s.span.name, s.orphan, s.error]), [['GET /', false, false], ['list', false, false], ['q', false, true], ['lost', true, false]]);
  });

  it('keeps exact offsets of Unix nanosecond times past 2^53', () => {
    const t = timeline(`
      root |==|
    `);
    const span = { ...t.trace.spans[0]!, startTimeUnixNano: '1700000000000000001', endTimeUnixNano: '1700000000000000004' };
    const v = traceView({ ...t.trace, spans: [span] });
    assert.equal(v.spans[0]!.duration, 3);
    assert.equal(v.header.startNanos, 1700000000000000001n);
  });

  it('survives parent cycles, self-parents, repeated span ids and ends before starts, without mutating the trace', () => {
    const t = timeline(`
      root |==========|
        a    |===|
        b      |===|
      c        |==|
      d         |=|
    `);
    const spans = t.trace.spans.map((s) => ({ ...s }));
    // c and d are each other's parent (a cycle no root reaches); b names itself; a repeats root's id; root ends early.
    spans[3] = { ...spans[3]!, parentSpanId: spanIdOf(4) };
    spans[4] = { ...spans[4]!, parentSpanId: spanIdOf(3) };
    spans[2] = { ...spans[2]!, parentSpanId: spanIdOf(2) };
    spans[1] = { ...spans[1]!, spanId: spanIdOf(0) };
    spans[0] = { ...spans[0]!, endTimeUnixNano: '1' };
    const trace: WireTrace = Object.freeze({ ...t.trace, spans: Object.freeze(spans) });
    const before = JSON.stringify(trace);
    const v = traceView(trace);
    assert.equal(v.spans.length, 5, 'every span is placed once');
    assert.deepEqual(new Set(v.spans.map((s) => s.span)), new Set(spans));
    assert.deepEqual(v.spans.map((s) => [s.span.name, s.depth, s.orphan]), [['root', 0, false], ['a', 1, false], ['b', 0, true], ['c', 0, true], ['d', 1, false]]);
    assert.equal(v.spans[0]!.duration, 0, 'an end before the start is a zero-length span');
    assert.equal(v.byId.get(spanIdOf(0)), 0, 'a repeated id names its first span');
    assert.equal(v.header.orphanCount, 2);
    assert.equal(JSON.stringify(trace), before);
  });

  it('an empty trace has an empty view', () => {
    const v = traceView({ traceId: '00'.repeat(16), spans: [], resources: [], scopes: [] });
    assert.deepEqual([v.spans.length, v.root, v.header.spanCount, v.header.depth, v.header.duration], [0, -1, 0, 0, 0]);
  });

  it('a 100,000-deep chain does not overflow the stack', () => {
    const t = timeline(`
      root |==|
    `);
    const base = t.trace.spans[0]!;
    const spans = Array.from({ length: 100_000 }, (_, i) => ({ ...base, spanId: spanIdOf(i), parentSpanId: i === 0 ? '' : spanIdOf(i - 1) }));
    const v = traceView({ ...t.trace, spans });
    assert.equal(v.header.depth, 100_000);
    assert.equal(v.spans[99_999]!.depth, 99_999);
    assert.equal(v.spans[0]!.subtreeEnd, 100_000);
  });
});
