// The one-line search of "TraceLens: Search Traces…".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/core/address';
import { parseSearch } from '../../src/core/search';

const NOW = 1_700_000_000_000_000_000n;

describe('parseSearch', () => {
  it('reads every kind of word', () => {
    assert.deepEqual(parseSearch('service=checkout op="GET /cart" kind=server error minDuration=1.5ms maxDuration=2s since=1h limit=50', NOW), {
      service: 'checkout',
      operation: 'GET /cart',
      spanKind: 1,
      errorsOnly: true,
      minDurationNanos: '1500000',
      maxDurationNanos: '2000000000',
      startFromNanos: (NOW - 3_600_000_000_000n).toString(),
      limit: 50,
    });
  });
  it('turns the rest into attribute conditions', () => {
    assert.deepEqual(parseSearch('http.route=/cart user.id!=42 http.response.status_code>=500 retries<3 has:db.statement "note=two words"', NOW), {
      attributes: [
        { key: 'http.route', op: '=', value: '/cart' },
        { key: 'user.id', op: '!=', value: '42' },
        { key: 'http.response.status_code', op: '>=', value: 500 },
        { key: 'retries', op: '<', value: 3 },
        { key: 'db.statement', op: 'exists' },
        { key: 'note', op: '=', value: 'two words' },
      ],
    });
    assert.deepEqual(parseSearch('', NOW), {});
  });
  it('says what is wrong', () => {
    const bad: [string, RegExp][] = [
      ['checkout', /"checkout" is not a condition; use e\.g\. service=checkout/],
      ['minDuration=soon', /minDuration "soon" is not a duration; use e\.g\. 250ms/],
      ['limit=0', /limit "0" is not a positive whole number/],
      ['kind=sideways', /kind "sideways" is not a span kind/],
      ['latency>fast', /latency>fast: a comparison needs a number/],
      ['service=', /service= needs a value/],
      ['has:', /has: needs an attribute key/],
      ['op="GET /cart', /a double quote is not closed/],
    ];
    for (const [text, message] of bad) assert.throws(() => parseSearch(text, NOW), (e) => e instanceof ConfigError && message.test(e.message), text);
  });
});
