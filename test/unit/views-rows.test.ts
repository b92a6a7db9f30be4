// Waterfall rows (src/core/views/rows.ts): visible rows under collapsed spans, the collapse helpers, and the virtual
// list's positions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collapseAll, collapseBelow, collapsedFromIds, collapsedIds, revealSpan, RowPositions, setCollapsed, toggleCollapsed, visibleRows } from '../../src/core/views/rows';
import { traceView } from '../../src/core/views/traceView';
import { timeline } from '../helpers/timeline';

const t = timeline(`
  root  |==================|
    a     |==========|
      a1    |====|
        a11  |=|
      a2         |==|
    b                    |===|
      b1                  |=|
`);
const v = traceView(t.trace);
const names = (rows: readonly number[]): string[] => rows.map((p) => v.spans[p]!.span.name);
const pos = (name: string): number => v.byId.get(t.id(name))!;

describe('waterfall rows', () => {
  it('hides the subtrees of collapsed spans', () => {
    assert.deepEqual(names(visibleRows(v, new Set())), ['root', 'a', 'a1', 'a11', 'a2', 'b', 'b1']);
    assert.deepEqual(names(visibleRows(v, new Set([pos('a')]))), ['root', 'a', 'b', 'b1']);
    assert.deepEqual(names(visibleRows(v, new Set([pos('a1'), pos('b')]))), ['root', 'a', 'a1', 'a2', 'b']);
    assert.deepEqual(names(visibleRows(v, collapseAll(v))), ['root']);
    assert.deepEqual(names(visibleRows(v, collapseBelow(v, 1))), ['root', 'a', 'b']);
    assert.deepEqual(names(visibleRows(v, collapseBelow(v, 2))), ['root', 'a', 'a1', 'a2', 'b', 'b1']);
  });

  it('toggles and sets without touching the set given', () => {
    const none: ReadonlySet<number> = new Set();
    const one = toggleCollapsed(none, pos('a'));
    assert.deepEqual([...one], [pos('a')]);
    assert.equal(none.size, 0);
    assert.deepEqual([...toggleCollapsed(one, pos('a'))], []);
    assert.deepEqual([...setCollapsed(one, pos('b'), true)].sort(), [pos('a'), pos('b')].sort());
    assert.deepEqual([...setCollapsed(one, pos('a'), false)], []);
  });

  it('reveals a span by expanding its ancestors only', () => {
    const collapsed = new Set([pos('root'), pos('a1'), pos('b')]);
    const shown = revealSpan(v, collapsed, pos('a11'));
    assert.deepEqual([...shown].sort(), [pos('b')]);
    assert.ok(visibleRows(v, shown).includes(pos('a11')));
    assert.equal(revealSpan(v, collapsed, pos('root')), collapsed, 'nothing to do: the same set');
  });

  it('keeps collapsed spans by id across a new view of the same trace', () => {
    const ids = collapsedIds(v, new Set([pos('a')]));
    const reloaded = traceView({ ...t.trace, spans: [...t.trace.spans].reverse() });
    assert.deepEqual(names(visibleRows(reloaded, collapsedFromIds(reloaded, ids))), ['root', 'a', 'b', 'b1']);
  });

  it('virtual list positions: rows in view, row at y, scroll to show', () => {
    const p = new RowPositions(20, 1000);
    assert.equal(p.totalHeight, 20_000);
    assert.deepEqual(p.range(0, 100), { first: 0, last: 5 });
    assert.deepEqual(p.range(110, 100), { first: 5, last: 11 });
    assert.deepEqual(p.range(110, 100, 3), { first: 2, last: 14 });
    assert.deepEqual(p.range(19_990, 500, 2), { first: 997, last: 1000 });
    assert.equal(p.rowAt(39), 1);
    assert.equal(p.rowAt(-5), 0);
    assert.equal(p.rowAt(1e9), 999);
    assert.equal(p.scrollToShow(10, 0, 100), 120, 'below: scroll so it is the last row');
    assert.equal(p.scrollToShow(2, 100, 100), 40, 'above: scroll so it is the first row');
    assert.equal(p.scrollToShow(6, 100, 100), 100, 'in view: no change');
    assert.deepEqual(new RowPositions(20, 0).range(0, 100), { first: 0, last: 0 });
  });
});
