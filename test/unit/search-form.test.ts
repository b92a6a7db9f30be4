// The search page's form and one-line search kept in sync (src/webview/search/searchQuery.ts), and the scatter plot's
// scales (scatterScale.ts): pure, in plain Node.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { niceStep, scatterLayout, timeStep } from '../../src/webview/search/scatterScale';
import type { SearchForm } from '../../src/webview/search/searchQuery';
import { EMPTY_FORM, formToLine, formToQuery, isLive, lineToForm, SearchSyntaxError } from '../../src/webview/search/searchQuery';

const NOW_MS = 1_700_000_000_000;
const NOW_NS = BigInt(NOW_MS) * 1_000_000n;

describe('search form and line', () => {
  it('writes a form as a line and reads it back unchanged', () => {
    const form: SearchForm = {
      ...EMPTY_FORM,
      service: 'checkout',
      operation: 'GET /cart',
      kind: 'server',
      attributes: 'http.response.status_code>=500 has:db.statement user.note="two words"',
      minDuration: '100ms',
      maxDuration: '2s',
      range: '1h',
      errorsOnly: true,
      limit: '50',
    };
    const line = formToLine(form);
    assert.equal(line, 'service=checkout op="GET /cart" kind=server http.response.status_code>=500 has:db.statement user.note="two words" minDuration=100ms maxDuration=2s since=1h error limit=50');
    assert.deepEqual(lineToForm(line), form);
    assert.equal(formToLine(EMPTY_FORM), '');
    assert.deepEqual(lineToForm(''), EMPTY_FORM);
  });

  it('asks for what parseSearch asks for, and keeps attribute conditions typed by hand', () => {
    const f = lineToForm('SERVICE=web Errors a.b=1 c!=x n<3 since=15m');
    assert.equal(f.service, 'web');
    assert.equal(f.errorsOnly, true);
    assert.equal(f.attributes, 'a.b=1 c!=x n<3');
    assert.deepEqual(formToQuery(f, NOW_MS), {
      service: 'web',
      errorsOnly: true,
      startFromNanos: (NOW_NS - 15n * 60n * 1_000_000_000n).toString(),
      attributes: [
        { key: 'a.b', op: '=', value: '1' },
        { key: 'c', op: '!=', value: 'x' },
        { key: 'n', op: '<', value: 3 },
      ],
    });
  });

  it('a custom range is from= and to= in the line; with an end time the search is not live', () => {
    const f = lineToForm('service=a from=2023-11-14T22:00:00Z to=1700000100000');
    assert.equal(f.range, 'custom');
    const q = formToQuery(f, NOW_MS);
    assert.equal(q.startFromNanos, (BigInt(Date.parse('2023-11-14T22:00:00Z')) * 1_000_000n).toString());
    assert.equal(q.startToNanos, (1_700_000_100_000n * 1_000_000n).toString());
    assert.equal(isLive(f), false);
    assert.equal(isLive(lineToForm('service=a from=2023-11-14T22:00:00Z')), true);
    assert.equal(isLive(lineToForm('since=5m')), true);
    assert.equal(formToLine(f), 'service=a from=2023-11-14T22:00:00Z to=1700000100000');
  });

  it('says what is wrong with a line', () => {
    const bad: [string, RegExp][] = [
      ['minDuration=fast', /is not a duration/],
      ['n>=many', /needs a number/],
      ['kind=sideways', /not a span kind/],
      ['op="unclosed', /double quote is not closed/],
      ['from=yesterday', /is not a time/],
      ['limit=0', /positive whole number/],
      ['justaword', /is not a condition/],
    ];
    for (const [line, message] of bad) assert.throws(() => lineToForm(line), (e: unknown) => e instanceof SearchSyntaxError && message.test(e.message), line);
  });
});

describe('scatter scales', () => {
  it('picks 1-2-5 steps and readable time steps', () => {
    assert.equal(niceStep(100, 4), 20);
    assert.equal(niceStep(100, 2), 50);
    assert.equal(niceStep(9, 4), 2);
    assert.equal(niceStep(0.3, 3), 0.1);
    assert.equal(timeStep(60_000, 6), 10_000);
    assert.equal(timeStep(3_600_000, 6), 600_000);
    assert.equal(timeStep(3_600_000, 5), 900_000);
    assert.equal(timeStep(900, 4), 500);
  });

  it('maps start time to x and duration to y from 0, slower higher, inside the plot', () => {
    const points = [
      { startMs: NOW_MS, durationNanos: 10e6 },
      { startMs: NOW_MS + 30_000, durationNanos: 80e6 },
      { startMs: NOW_MS + 60_000, durationNanos: 40e6 },
    ];
    const l = scatterLayout(points, 800, 200);
    const [a, b, c] = l.points;
    assert.ok(a!.x < b!.x && b!.x < c!.x, 'later starts further right');
    assert.ok(b!.y < c!.y && c!.y < a!.y, 'longer durations higher');
    for (const p of l.points) assert.ok(p.x >= l.plot.left && p.x <= l.plot.right && p.y >= l.plot.top && p.y <= l.plot.bottom);
    assert.equal(Math.round(b!.x), Math.round((l.plot.left + l.plot.right) / 2), 'the middle start is in the middle');
    // y ticks start at 0 ns at the bottom and go past the slowest trace.
    assert.equal(l.yTicks[0]!.label, '0 ns');
    assert.equal(l.yTicks[0]!.at, l.plot.bottom);
    assert.ok(l.yTicks.at(-1)!.at <= b!.y);
    assert.deepEqual(l.yTicks.map((t) => t.label), ['0 ns', '20.0 ms', '40.0 ms', '60.0 ms', '80.0 ms', '100 ms']);
    assert.ok(l.xTicks.length >= 3 && l.xTicks.every((t) => t.at >= l.plot.left && t.at <= l.plot.right));
  });

  it('puts a single trace in the middle, and draws empty axes for none', () => {
    const one = scatterLayout([{ startMs: NOW_MS, durationNanos: 5e6 }], 400, 100);
    assert.equal(Math.round(one.points[0]!.x), Math.round((one.plot.left + one.plot.right) / 2));
    assert.ok(one.points[0]!.y > one.plot.top);
    const none = scatterLayout([], 400, 100);
    assert.deepEqual(none.points, []);
    assert.ok(none.yTicks.length >= 2);
  });
});
