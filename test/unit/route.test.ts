// Deep links: every route survives a round trip through its path and its hash; hostile or malformed links give no route.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UiRoute } from '../../src/protocol/webview';
import { TRACE_TABS } from '../../src/protocol/webview';
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
    { page: 'trace', traceId: T, tab: 'insights' },
    { page: 'hotspots' },
    { page: 'hotspots', service: 'check out', lookbackMinutes: 360, groupBy: 'location' },
    { page: 'propagation' },
    { page: 'propagation', traceId: T },
    { page: 'propagation', lookbackMinutes: 1440 },
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
    assert.equal(routeFromPath('/propagation', 'trace=<script>'), undefined, 'a trace that is not one is refused, not dropped');
    assert.equal(routeFromPath(`/propagation/${T}`), undefined);
    assert.equal(routeFromPath('/hotspots/extra'), undefined);
  });
  it('reads the new pages\' links: every trace tab, hotspots filters (bad ones dropped), propagation of a trace', () => {
    for (const tab of TRACE_TABS) assert.deepEqual(routeFromPath(`/trace/${T}`, `tab=${tab}`), { page: 'trace', traceId: T, tab });
    assert.equal(routeToPath({ page: 'trace', traceId: T, tab: 'insights' }), `trace/${T}?tab=insights`);
    assert.equal(routeToPath({ page: 'hotspots', service: 'web', lookbackMinutes: 15, groupBy: 'location' }), 'hotspots?service=web&lookback=15&group=location');
    assert.deepEqual(routeFromPath('/hotspots', 'service=web&lookback=0&group=evil'), { page: 'hotspots', service: 'web' });
    assert.deepEqual(routeFromPath('/hotspots', 'group=operation'), { page: 'hotspots' }, 'the default grouping is left out');
    assert.equal(routeToPath({ page: 'propagation', traceId: T }), `propagation?trace=${T}`);
    assert.deepEqual(routeFromPath('/propagation', `trace=${T.toUpperCase()}`), { page: 'propagation', traceId: T });
    assert.deepEqual(routeFromHash('#/propagation?lookback=60'), { page: 'propagation', lookbackMinutes: 60 });
  });

  it('reads a hash whose query an editor percent-encoded on the way to the browser', () => {
    const S = 'ab'.repeat(8);
    assert.deepEqual(routeFromHash(`#/trace/${T}%3Fspan%3D${S}`), { page: 'trace', traceId: T, spanId: S });
    assert.equal(routeFromHash('#/trace/%3F%E0%A4%A'), undefined, 'a broken escape names no route');
  });
});
