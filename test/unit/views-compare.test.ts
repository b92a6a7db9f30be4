// Trace compare (src/core/views/compare.ts): spans matched by their (service, name) path, repeated siblings by order,
// durations in A and B, sorted by contribution to the latency difference, missing and added spans, differing roots.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CompareNode } from '../../src/core/views/compare';
import { compareRows, compareTraces } from '../../src/core/views/compare';
import { MS, timeline } from '../helpers/timeline';

/** [depth, service:name, state, A ms, B ms, delta ms, contribution ms] per row, in display order. */
const table = (roots: readonly CompareNode[]): [number, string, string, number | null, number | null, number, number][] =>
  compareRows(roots).map(({ node, depth }) => [
    depth,
    `${node.service}:${node.name}`,
    node.state,
    node.a ? Number(node.a.durationNanos) / MS : null,
    node.b ? Number(node.b.durationNanos) / MS : null,
    Number(node.deltaNanos) / MS,
    Number(node.contributionNanos) / MS,
  ]);

describe('trace compare', () => {
  it('matches spans by path, puts the span that got slower first, with its difference', () => {
    const a = timeline(`
      web:GET /cart  |==========|
        auth         |=|
        cart:load      |===|
          db:SELECT     |=|
        price:quote        |==|
    `);
    const b = timeline(`
      web:GET /cart  |================|
        auth         |=|
        cart:load      |===|
          db:SELECT     |=|
        price:quote        |========|
    `);
    const c = compareTraces(a.trace, b.trace);
    assert.equal(c.warning, undefined);
    assert.equal(Number(c.durationA) / MS, 11);
    assert.equal(Number(c.durationB) / MS, 17);
    assert.deepEqual(table(c.roots), [
      [0, 'web:GET /cart', 'both', 11, 17, 6, 6],
      [1, 'price:quote', 'both', 3, 9, 6, 6],
      [1, 'web:auth', 'both', 2, 2, 0, 0],
      [1, 'cart:load', 'both', 4, 4, 0, 0],
      [2, 'db:SELECT', 'both', 2, 2, 0, 0],
    ]);
    // Span ids on each side, for opening either trace at the span.
    const quote = c.roots[0]!.children[0]!;
    assert.equal(quote.a?.spanId, a.id('quote'));
    assert.equal(quote.b?.spanId, b.id('quote'));
  });

  it('rolls self-time changes up: a parent whose child got slower ranks by the child, not by its own duration', () => {
    const a = timeline(`
      api:handle  |==============|
        fast      |====|
        slow           |==|
    `);
    // In B "fast" got 2 ms faster and "slow" 6 ms slower.
    const b = timeline(`
      api:handle  |==================|
        fast      |==|
        slow             |========|
    `);
    const c = compareTraces(a.trace, b.trace);
    const [root] = c.roots;
    assert.deepEqual(root!.children.map((n) => [n.name, Number(n.contributionNanos) / MS]), [
      ['slow', 6],
      ['fast', -2],
    ]);
    // Root: 15 -> 19 ms with the same self time: the whole +4 ms comes from its children.
    assert.equal(Number(root!.deltaNanos) / MS, 4);
    assert.equal(Number(root!.contributionNanos) / MS, 4);
  });

  it('matches repeated siblings by order and marks spans only in A missing and only in B added', () => {
    const a = timeline(`
      svc:batch  |==============|
        db:q     |=|
        db:q        |=|
        db:q           |=|
        cache:get         |=|
    `);
    const b = timeline(`
      svc:batch  |==============|
        db:q     |=|
        db:q        |=====|
        mail:send           |==|
    `);
    const c = compareTraces(a.trace, b.trace);
    const rows = table(c.roots);
    assert.deepEqual(rows[0], [0, 'svc:batch', 'both', 15, 15, 0, 0]);
    // The second q got 4 ms slower and ranks first; the third q and cache:get are missing, mail:send is added.
    assert.deepEqual(rows.slice(1), [
      [1, 'db:q', 'both', 2, 6, 4, 4],
      [1, 'mail:send', 'added', null, 3, 3, 3],
      [1, 'db:q', 'missing', 2, null, -2, -2],
      [1, 'cache:get', 'missing', 2, null, -2, -2],
      [1, 'db:q', 'both', 2, 2, 0, 0],
    ]);
    // The batch took as long in both: its self time shrank (7 -> 4 ms) by what its children gained.
    assert.equal(c.roots[0]!.contributionNanos, 0n);
  });

  it('compares traces with different roots, with a warning', () => {
    const a = timeline(`
      web:GET /a  |====|
        db:q      |=|
    `);
    const b = timeline(`
      web:GET /b  |======|
        db:q      |===|
    `);
    const c = compareTraces(a.trace, b.trace);
    assert.match(c.warning ?? '', /different operations \(web: GET \/a and web: GET \/b\)/);
    assert.deepEqual(table(c.roots).map((r) => [r[0], r[1], r[2]]), [
      [0, 'web:GET /b', 'added'],
      [1, 'db:q', 'added'],
      [0, 'web:GET /a', 'missing'],
      [1, 'db:q', 'missing'],
    ]);
  });

  it('does not change the traces it compares', () => {
    const a = timeline(`
      x:r  |===|
        y  |=|
    `);
    const before = JSON.stringify(a.trace);
    compareTraces(a.trace, a.trace);
    assert.equal(JSON.stringify(a.trace), before);
  });
});
