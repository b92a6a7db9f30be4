// The dependency graph's edge text and colour class (src/webview/deps/depsPage.ts), in plain Node.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { edgeHealth, edgeLabel } from '../../src/webview/deps/depsPage';

const edge = (callCount: number, errorCount: number, p95Nanos: string) => ({ parent: 'a', child: 'b', callCount, errorCount, p95Nanos });

describe('dependency graph edges', () => {
  it('labels an edge with its calls, error rate and p95', () => {
    assert.equal(edgeLabel(edge(1, 0, '65000000')), '1 call · 0% errors · p95 65.0 ms');
    assert.equal(edgeLabel(edge(1200, 3, '1500')), '1,200 calls · <1% errors · p95 1.50 µs');
    assert.equal(edgeLabel(edge(3, 1, '2000000000')), '3 calls · 33% errors · p95 2.00 s');
    assert.equal(edgeLabel(edge(40, 2, '0')), '40 calls · 5.0% errors · p95 0 ns');
  });

  it('colours edges by error rate: none, under 5%, and 5% or more', () => {
    assert.equal(edgeHealth(edge(10, 0, '1')), 'ok');
    assert.equal(edgeHealth(edge(100, 4, '1')), 'warn');
    assert.equal(edgeHealth(edge(100, 5, '1')), 'bad');
    assert.equal(edgeHealth(edge(0, 1, '1')), 'bad');
  });
});
