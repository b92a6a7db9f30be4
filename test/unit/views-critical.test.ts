// The critical path (src/core/views/criticalPath.ts), Jaeger UI's algorithm, on the shapes of its test cases: drawn
// timelines next to the segments expected (name, start ms, end ms), in time order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { criticalPath } from '../../src/core/views/criticalPath';
import { traceView } from '../../src/core/views/traceView';
import type { WireTrace } from '../../src/protocol/wire';
import { MS, spanIdOf, timeline } from '../helpers/timeline';

const segments = (trace: WireTrace): [string, number, number][] => {
  const v = traceView(trace);
  return criticalPath(v).segments.map((s) => [v.spans[s.pos]!.span.name, s.start / MS, s.end / MS]);
};

describe('critical path', () => {
  it('sequential children: each in turn, the parent in the gaps', () => {
    const t = timeline(`
      root |====================|
        a    |=====|
        b          |========|
    `);
    assert.deepEqual(segments(t.trace), [['root', 5, 7], ['a', 7, 13], ['b', 13, 22], ['root', 22, 26]].map(([n, s, e]) => [n, (s as number) - 5, (e as number) - 5]));
  });

  it('overlapping children: the last-finishing one, then only children that ended before it started', () => {
    const t = timeline(`
      root |====================|
        a   |==========|
        b     |====|
    `);
    assert.deepEqual(segments(t.trace), [['root', 0, 1], ['a', 1, 12], ['root', 12, 21]]);
  });

  it('nested: descends into the child, and the child waits on its own children', () => {
    const t = timeline(`
      api:root  |==================|
        a         |==========|
          db:b      |====|
        c                    |===|
    `);
    assert.deepEqual(segments(t.trace), [['root', 0, 2], ['a', 2, 4], ['b', 4, 9], ['a', 9, 13], ['c', 13, 17], ['root', 17, 19]]);
    const v = traceView(t.trace);
    const path = criticalPath(v);
    assert.deepEqual([...path.spans].map((p) => v.spans[p]!.span.name).sort(), ['a', 'b', 'c', 'root']);
    assert.equal(path.timeOf.get(0), 4 * MS);
    assert.equal(criticalPath(v), path, 'memoised');
  });

  it('a child overflowing its parent is clipped; one entirely outside is ignored', () => {
    const t = timeline(`
      root |==========|
        a         |=======|
        b                   |==|
    `);
    assert.deepEqual(segments(t.trace), [['root', 0, 7], ['a', 7, 11]]);
  });

  it('children that end together with the next one starting are both on the path', () => {
    const t = timeline(`
      root |==========|
        a  |====|
        b       |=====|
    `);
    assert.deepEqual(segments(t.trace), [['a', 0, 5], ['b', 5, 11]]);
  });

  it('a root with 20,000 children and a 50,000-deep chain finish (no quadratic walk, no stack overflow)', () => {
    const t = timeline(`
      root |==========|
    `);
    const base = t.trace.spans[0]!;
    const wide = Array.from({ length: 20_001 }, (_, i) => ({ ...base, spanId: spanIdOf(i), parentSpanId: i === 0 ? '' : spanIdOf(0) }));
    assert.equal(criticalPath(traceView({ ...t.trace, spans: wide })).spans.size, 1, 'equal children: the first one, covering the root');
    const deep = Array.from({ length: 50_000 }, (_, i) => ({ ...base, spanId: spanIdOf(i), parentSpanId: i === 0 ? '' : spanIdOf(i - 1) }));
    assert.deepEqual(criticalPath(traceView({ ...t.trace, spans: deep })).segments.length, 1, 'only the deepest span has time of its own');
  });
});
