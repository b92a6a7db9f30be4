// Flame graph layout (src/core/views/flame.ts) and the statistics table (src/core/views/stats.ts), on drawn traces.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flameLayout } from '../../src/core/views/flame';
import { sortStats, traceStats } from '../../src/core/views/stats';
import { traceView } from '../../src/core/views/traceView';
import { MS, timeline } from '../helpers/timeline';

describe('flame graph layout', () => {
  const t = timeline(`
    root  |==============================|
      big   |==========|
        x    |========|
      n1                |
      n2                 |
      n3                  |
      tiny                       |
  `);
  const v = traceView(t.trace);
  const rects = (minWidth: number): [string, number, number, number, number][] =>
    flameLayout(v, minWidth * MS).rects.map((r) => [v.spans[r.pos]!.span.name, r.depth, r.x / MS, r.width / MS, r.count]);

  it('places each span at its depth, offset and duration when all are wide enough', () => {
    assert.deepEqual(rects(0), [
      ['root', 0, 0, 31, 1],
      ['big', 1, 2, 11, 1],
      ['n1', 1, 14, 0, 1],
      ['n2', 1, 15, 0, 1],
      ['n3', 1, 16, 0, 1],
      ['tiny', 1, 23, 0, 1],
      ['x', 2, 3, 9, 1],
    ]);
  });

  it('merges a run of narrow siblings into one rectangle when it is wide enough, hides it when not', () => {
    const layout = flameLayout(v, 2 * MS);
    assert.deepEqual(rects(2), [['root', 0, 0, 31, 1], ['big', 1, 2, 11, 1], ['n1', 1, 14, 2, 3], ['x', 2, 3, 9, 1]]);
    assert.equal(layout.hidden, 1, 'tiny is alone and under the minimum');
    assert.equal(layout.maxDepth, 2);
    assert.deepEqual(rects(10), [['root', 0, 0, 31, 1], ['big', 1, 2, 11, 1]], 'x (9 ms) is under the minimum');
  });
});

describe('trace statistics', () => {
  const t = timeline(`
    web:GET /  |====================|
      api:call   |=====|
        db:q!     |==|
      api:call          |=====|
        db:q             |==|
  `);
  const v = traceView(t.trace);

  it('groups by service and operation with count, total, self, avg, min, max and share', () => {
    const rows = traceStats(v).map((r) => [r.service, r.operation, r.count, r.total / MS, r.selfTotal / MS, r.avg / MS, r.min / MS, r.max / MS, Math.round(r.percent), r.errors]);
    assert.deepEqual(rows, [
      ['web', 'GET /', 1, 21, 9, 21, 21, 21, 100, 0],
      ['api', 'call', 2, 12, 6, 6, 6, 6, 57, 0],
      ['db', 'q', 2, 6, 6, 3, 3, 3, 29, 1],
    ]);
    assert.equal(traceStats(v), traceStats(v), 'memoised');
  });

  it('sorts by any column without touching the input', () => {
    const rows = traceStats(v);
    const first = rows[0];
    assert.deepEqual(sortStats(rows, 'count', 'asc').map((r) => r.operation), ['GET /', 'call', 'q']);
    assert.deepEqual(sortStats(rows, 'service', 'asc').map((r) => r.service), ['api', 'db', 'web']);
    assert.deepEqual(sortStats(rows, 'selfTotal', 'desc').map((r) => r.operation), ['GET /', 'call', 'q']);
    assert.deepEqual(sortStats(rows, 'avg', 'asc').map((r) => r.operation), ['q', 'call', 'GET /']);
    assert.equal(rows[0], first);
  });
});
