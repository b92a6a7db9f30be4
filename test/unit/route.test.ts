// Deep links: every route survives a round trip through its path and its hash; hostile or malformed links give no route.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UiRoute } from '../../src/protocol/webview';
import { routeFromHash, routeFromPath, routeToHash, routeToPath } from '../../src/webview/route';

const T = '0af7651916cd43dd8448eb211c80319c';
const S = 'b7ad6b7169203331';

describe('deep links', () => {
  const routes: UiRoute[] = [
    { page: 'search' },
    { page: 'search', query: 'service=checkout error minDuration=100ms' },
    { page: 'trace', traceId: T },
    { page: 'trace', traceId: T, spanId: S, tab: 'flame' },
    { page: 'compare', left: T, right: 'f'.repeat(32) },
    { page: 'dependencies', lookbackMinutes: 60 },
  ];
  for (const r of routes) {
    it(`round-trips ${routeToPath(r)}`, () => {
      assert.deepEqual(routeFromHash(routeToHash(r)), r);
      const [path, query] = routeToPath(r).split('?');
      assert.deepEqual(routeFromPath(`/${path}`, query), r);
    });
  }
  it('reads upper-case ids, and drops an invalid span id or tab but keeps the trace', () => {
    assert.deepEqual(routeFromPath(`/trace/${T.toUpperCase()}`, `span=${S.toUpperCase()}`), { page: 'trace', traceId: T, spanId: S });
    assert.deepEqual(routeFromPath(`/trace/${T}`, 'span=<script>&tab=evil'), { page: 'trace', traceId: T });
  });
  it('refuses malformed links', () => {
    assert.equal(routeFromPath('/trace/<img src=x>'), undefined);
    assert.equal(routeFromPath('/trace/abc'), undefined);
    assert.equal(routeFromPath(`/trace/${T}/extra`), undefined);
    assert.equal(routeFromPath('/compare', `left=${T}`), undefined);
    assert.equal(routeFromPath('/settings'), undefined);
    assert.deepEqual(routeFromPath('/dependencies', 'lookback=-5'), { page: 'dependencies' });
  });
});
