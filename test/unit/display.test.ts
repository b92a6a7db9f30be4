// The pure helpers the tree views and the web UI render with.
//
//   root   |==========|        0..100 ms
//   a        |====|            10..50, child of root
//   b           |=|            30..40, child of a
//   lost      |==|             parent 9999 never arrived -> a top-level orphan
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSpanTree, escapeHtml, formatAge, formatBytes, formatDuration, groupTraces, truncate } from '../../src/core/display';
import type { WireSpan, WireTrace, WireTraceSummary } from '../../src/protocol/wire';

const T = 1_700_000_000_000_000_000n;
function span(spanId: string, parentSpanId: string, startMs: number, endMs: number): WireSpan {
  return {
    traceId: 't'.repeat(32),
    spanId,
    parentSpanId,
    name: spanId,
    kind: 0,
    startTimeUnixNano: String(T + BigInt(startMs) * 1_000_000n),
    endTimeUnixNano: String(T + BigInt(endMs) * 1_000_000n),
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
    traceState: '',
    flags: 1,
    resource: 0,
    scope: 0,
  };
}

describe('display helpers', () => {
  it('builds the span tree by start time, with orphans and cycles at the top, nothing lost', () => {
    const trace: WireTrace = {
      traceId: 't'.repeat(32),
      spans: [span('b', 'a', 30, 40), span('lost', '9999', 20, 35), span('a', 'root', 10, 50), span('root', '', 0, 100), span('x', 'y', 60, 61), span('y', 'x', 62, 63)],
      resources: [{ attributes: [], droppedAttributesCount: 0, schemaUrl: '' }],
      scopes: [],
    };
    const tree = buildSpanTree(trace);
    const shape = (nodes: typeof tree.roots): unknown => nodes.map((n) => [n.span.spanId, n.orphan, shape(n.children)]);
    assert.deepEqual(shape(tree.roots), [
      ['root', false, [['a', false, [['b', false, []]]]]],
      ['lost', true, []],
      ['x', true, [['y', false, []]]],
    ]);
    assert.equal(tree.startNanos, T);
  });

  it('formats durations with three significant digits, ages, and untrusted text', () => {
    assert.deepEqual([850n, 12_345n, 12_345_678n, 1_240_000_000n, 999_960n].map(formatDuration), ['850 ns', '12.3 µs', '12.3 ms', '1.24 s', '1.00 ms']);
    assert.deepEqual([0, 5_000, 180_000, 7_200_000, 4 * 86_400_000].map(formatAge), ['just now', '5s ago', '3m ago', '2h ago', '4d ago']);
    assert.equal(truncate('a\nb\tc'), 'a b c');
    assert.equal(truncate('x'.repeat(300), 10), `${'x'.repeat(9)}…`);
    assert.equal(escapeHtml('<img src=x onerror=alert(1)> & co'), '&lt;img src=x onerror=alert(1)&gt; &amp; co');
  });

  it('groups traces by root service and operation, newest first', () => {
    const sum = (traceId: string, rootService: string, rootName: string, startMs: number): WireTraceSummary => ({
      traceId,
      rootService,
      rootName,
      hasRoot: true,
      startTimeUnixNano: String(T + BigInt(startMs) * 1_000_000n),
      durationNanos: '1',
      spanCount: 1,
      errorCount: 0,
      orphanCount: 0,
      services: [],
    });
    const groups = groupTraces([sum('1', 'web', 'GET /', 1), sum('2', 'api', 'POST /x', 2), sum('3', 'web', 'GET /', 3), sum('4', 'web', 'GET /a', 4)]);
    assert.deepEqual(
      groups.map((g) => [g.service, g.operations.map((o) => [o.operation, o.traces.map((t) => t.traceId)])]),
      [
        ['api', [['POST /x', ['2']]]],
        ['web', [['GET /', ['3', '1']], ['GET /a', ['4']]]],
      ],
    );
  });
});

describe('formatBytes', () => {
  it('picks the unit a person reads', () => {
    assert.deepEqual([0, 1023, 1024, 1536, 10 * 1024 * 1024, 3.25 * 1024 ** 3, 5000 * 1024 ** 4].map(formatBytes), ['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '10 MiB', '3.3 GiB', '5000 TiB']);
  });
});
