// What a webview posts is input: the panel host acts only on messages of the declared shape, with routes rebuilt
// from their deep-link form, ids checked, and texts bounded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanRoute, parseHostMessage } from '../../src/extension/panels/messages';

const T = '0af7651916cd43dd8448eb211c80319c';
const S = 'b7ad6b7169203331';

describe('messages from a webview', () => {
  it('keeps well-formed messages, with routes rebuilt and ids lower-cased', () => {
    assert.deepEqual(parseHostMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseHostMessage({ type: 'open', route: { page: 'trace', traceId: T.toUpperCase(), spanId: S, extra: '<x>' } }), {
      type: 'open',
      route: { page: 'trace', traceId: T, spanId: S },
    });
    assert.deepEqual(parseHostMessage({ type: 'openSource', params: { traceId: T, spanId: S.toUpperCase() } }), { type: 'openSource', params: { traceId: T, spanId: S } });
    assert.deepEqual(parseHostMessage({ type: 'openSource', params: { traceId: T, spanId: S, action: 'logpoint' } }), { type: 'openSource', params: { traceId: T, spanId: S, action: 'logpoint' } });
    assert.deepEqual(parseHostMessage({ type: 'openSource', params: { traceId: T, spanId: S, action: 'open' } }), { type: 'openSource', params: { traceId: T, spanId: S } });
    assert.deepEqual(parseHostMessage({ type: 'request', id: 7, method: 'tracelens/clear' }), { type: 'request', id: 7, method: 'tracelens/clear', params: {} });
  });

  it('drops malformed or hostile ones', () => {
    for (const m of [
      null,
      'ready',
      [],
      { type: 'eval', code: 'x' },
      { type: 'request', id: '7', method: 'tracelens/status' },
      { type: 'request', id: 1.5, method: 'tracelens/status' },
      { type: 'open', route: { page: 'trace', traceId: '<img src=x onerror=alert(1)>' } },
      { type: 'open', route: { page: 'settings' } },
      { type: 'openSource', params: { traceId: T, spanId: '../../etc/passwd' } },
      { type: 'openSource', params: { traceId: T, spanId: S, action: 'workbench.action.terminal.new' } },
      { type: 'navigated', route: { page: 'search' }, title: 'x'.repeat(100_001) },
      { type: 'copy', text: 42, what: 'span id' },
    ]) {
      assert.equal(parseHostMessage(m), undefined, JSON.stringify(m)?.slice(0, 80));
    }
    assert.equal(cleanRoute({ page: 'compare', left: T }), undefined);
  });

  it('copies long texts (a span JSON with big attributes) but not past 16 MiB', () => {
    const big = 'x'.repeat(1_000_000);
    assert.deepEqual(parseHostMessage({ type: 'copy', text: big, what: 'span JSON' }), { type: 'copy', text: big, what: 'span JSON' });
    assert.equal(parseHostMessage({ type: 'copy', text: 'x'.repeat(16 * 1024 * 1024 + 1), what: 'span JSON' }), undefined);
  });
});
