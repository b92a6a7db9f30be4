// Search inside a trace (src/core/views/find.ts): free text, key=value, durations, errors as data, and stepping
// through matches and errors from the selected span.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorSpans, findSpans, step } from '../../src/core/views/find';
import { traceView } from '../../src/core/views/traceView';
import type { WireTrace } from '../../src/protocol/wire';
import { timeline } from '../helpers/timeline';

const t = timeline(`
  web:GET /orders  |==============================|
    api:load          |==========|
      db:SELECT!        |===|
      db:SELECT               |=|
    api:render                     |=====|
`);
// Attributes on two spans, and the web resource gets a region.
const trace: WireTrace = {
  ...t.trace,
  spans: t.trace.spans.map((s) =>
    s.name === 'load'
      ? { ...s, attributes: [{ key: 'http.route', value: '/orders/:id' }, { key: 'user.id', value: { int: '9007199254740993' } }] }
      : s.name === 'render'
        ? { ...s, attributes: [{ key: 'template', value: 'Order Page' }] }
        : s,
  ),
  resources: t.trace.resources.map((r) => (r.attributes[0]!.value === 'web' ? { ...r, attributes: [...r.attributes, { key: 'cloud.region', value: 'eu-west-1' }] } : r)),
};
const v = traceView(trace);
const names = (text: string): string[] => findSpans(v, text).matches.map((p) => v.spans[p]!.span.name);

describe('find in trace', () => {
  it('free text: name, service, attribute keys and values (span and resource), any case, all words', () => {
    assert.deepEqual(names('select'), ['SELECT', 'SELECT']);
    assert.deepEqual(names('API'), ['load', 'render']);
    assert.deepEqual(names('http.route'), ['load']);
    assert.deepEqual(names('render select'), [], 'two words: both must match one span');
    assert.deepEqual(names('order page'), ['render']);
    assert.deepEqual(names('"page order"'), [], 'quoted: one phrase');
    assert.deepEqual(names('eu-west'), ['GET /orders']);
    assert.deepEqual(names('9007199254740993'), ['load'], 'int64 values exactly');
    assert.deepEqual(names(''), []);
  });

  it('key=value on attributes and service/name, durations', () => {
    assert.deepEqual(names('http.route=/orders/:id'), ['load']);
    assert.deepEqual(names('http.route=/orders'), [], 'values match whole');
    assert.deepEqual(names('user.id=9007199254740993'), ['load']);
    assert.deepEqual(names('cloud.region=EU-WEST-1'), ['GET /orders']);
    assert.deepEqual(names('service=db'), ['SELECT', 'SELECT']);
    assert.deepEqual(names('name=render'), ['render']);
    assert.deepEqual(names('>6ms'), ['GET /orders', 'load']);
    assert.deepEqual(names('>=6ms'), ['GET /orders', 'load', 'render']);
    assert.deepEqual(names('minDuration=10ms'), ['GET /orders', 'load']);
    assert.deepEqual(names('<3ms service=db'), ['SELECT']);
    assert.deepEqual(names('maxDuration=2ms'), ['SELECT']);
  });

  it('a bad duration is an error, not a throw', () => {
    const r = findSpans(v, '>soon');
    assert.deepEqual(r.matches, []);
    assert.match(r.error ?? '', /"soon" is not a duration/);
  });

  it('steps to the next and previous match or error from the current span, wrapping', () => {
    const m = findSpans(v, 'select').matches;
    assert.deepEqual(m, [2, 3]);
    assert.equal(step(m, -1, 1), 2);
    assert.equal(step(m, 0, 1), 2);
    assert.equal(step(m, 2, 1), 3);
    assert.equal(step(m, 3, 1), 2, 'wraps');
    assert.equal(step(m, 3, -1), 2);
    assert.equal(step(m, 2, -1), 3, 'wraps back');
    assert.equal(step(m, 4, -1), 3);
    assert.equal(step([], 0, 1), undefined);
    assert.deepEqual(errorSpans(v), [2]);
    assert.equal(step(errorSpans(v), 4, 1), 2);
  });
});
