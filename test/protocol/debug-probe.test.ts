// The active-span probe (src/core/debug/probe.ts) against a real paused Node process: test/fixtures/debug/traced.js
// runs the real OpenTelemetry SDK and stops at a `debugger` statement; the test speaks the Chrome DevTools Protocol to
// its inspector like a debug adapter does, evaluates the probe in the paused frame, and reads the answer with
// parsePausedSpans. Then the answer goes to a real TraceServer (tracelens/debugPaused) and the trace requests answer
// the merged trace until tracelens/debugResumed.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ACTIVE_SPAN_PROBE, parsePausedSpans } from '../../src/core/debug/probe';
import type { PausedSpans } from '../../src/core/debug/probe';
import type { Span } from '../../src/core/model';
import { SpanKind, SpanStatusCode } from '../../src/core/model';
import type { DebugPausedResult } from '../../src/protocol/messages';
import { unpackTrace } from '../../src/protocol/packedTrace';
import { debugHandlers } from '../../src/server/debugPauses';
import { dataHandlers } from '../../src/server/requests';
import { Debuggee } from '../helpers/inspector';
import type { RunningServer } from '../helpers/server';
import { freePorts, startServer } from '../helpers/server';
import { waitFor } from '../helpers/wait';

const ROOT = join(__dirname, '..', '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'debug', 'traced.js');
const STEP_MS = 10_000;

interface Fixture {
  readonly mode: string;
  readonly traceId?: string;
  readonly resourcePending?: boolean;
  readonly ids: Readonly<Record<string, string>>;
}

/** Evaluates an expression in the fixture's paused frame; its value must be a string. */
async function evaluate(d: Debuggee, expression: string): Promise<string> {
  const value = await d.evaluate(expression);
  assert.equal(typeof value, 'string', `the expression evaluated to ${JSON.stringify(value)}`);
  return value as string;
}

/** What the fixture wrote to globalThis.fixture: its mode, trace id and span ids. */
async function fixtureOf(d: Debuggee): Promise<Fixture> {
  return JSON.parse(await evaluate(d, 'JSON.stringify(globalThis.fixture)')) as Fixture;
}

const byName = (spans: readonly Span[], name: string): Span => {
  const s = spans.find((x) => x.name === name);
  assert.ok(s, `no span named ${name} in ${spans.map((x) => x.name).join(', ')}`);
  return s;
};
const attr = (s: Span, key: string): unknown => s.attributes.find((a) => a.key === key)?.value;
const spanFound = (p: PausedSpans): Extract<PausedSpans, { kind: 'span' }> => {
  assert.equal(p.kind, 'span');
  return p as Extract<PausedSpans, { kind: 'span' }>;
};

describe('active-span probe in a paused Node process (real SDK, real inspector)', () => {
  const started: Debuggee[] = [];
  const start = async (mode: string, env?: Readonly<Record<string, string>>): Promise<Debuggee> => {
    const d = await Debuggee.start({ program: FIXTURE, args: [mode], cwd: ROOT, env, stepMs: STEP_MS });
    started.push(d);
    return d;
  };
  let srv: RunningServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await Promise.all(started.map((d) => d.close()));
    await srv.close();
  });

  let nested: { readonly text: string; readonly fixture: Fixture } | undefined;

  it('finds the active span across awaits, its ended sibling in the batch queue, with names, attributes, events, kinds and times', async () => {
    const d = await start('nested');
    const before = BigInt(Date.now()) * 1_000_000n;
    const text = await evaluate(d, ACTIVE_SPAN_PROBE);
    const fixture = await fixtureOf(d);
    nested = { text, fixture };
    const found = spanFound(parsePausedSpans(text));
    const ids = fixture.ids;
    assert.equal(found.traceId, fixture.traceId);
    assert.equal(found.spanId, ids['inner']);

    const inner = byName(found.spans, 'inner');
    assert.equal(inner.spanId, ids['inner']);
    assert.equal(inner.parentSpanId, ids['parent']);
    assert.equal(inner.kind, SpanKind.CLIENT);
    assert.equal(attr(inner, 'str.attr'), 'hello');
    assert.equal(attr(inner, 'int.attr'), 42n);
    assert.equal(attr(inner, 'double.attr'), 1.5);
    assert.equal(attr(inner, 'bool.attr'), true);
    assert.deepEqual(attr(inner, 'array.attr'), ['a', 'b']);
    assert.deepEqual(
      inner.events.map((e) => [e.name, e.attributes.map((a) => [a.key, a.value])]),
      [['checkpoint', [['step', 2n]]]],
    );
    assert.equal(inner.scope.name, 'probe-fixture');
    assert.equal(inner.scope.version, '1.2.3');
    assert.ok(inner.resource.attributes.some((a) => a.key === 'service.name' && a.value === 'probe-fixture'));
    assert.ok(inner.resource.attributes.some((a) => a.key === 'process.pid' && a.value === BigInt(d.child.pid!)));

    // Running spans end at the debuggee's clock when paused; times are Unix ns, close to this process's clock.
    assert.ok(found.running.has(ids['inner']!));
    assert.equal(inner.endTimeUnixNano, found.now > inner.startTimeUnixNano ? found.now : inner.startTimeUnixNano);
    assert.ok(inner.startTimeUnixNano > before - 60_000_000_000n && inner.startTimeUnixNano <= found.now, `start ${inner.startTimeUnixNano}, now ${found.now}`);
    const event = inner.events[0]!;
    assert.ok(event.timeUnixNano >= inner.startTimeUnixNano && event.timeUnixNano <= found.now, `event at ${event.timeUnixNano}, now ${found.now}`);

    // The ended sibling waits in the batch processor's queue: not exported yet, with its status and end time.
    const sibling = byName(found.spans, 'sibling');
    assert.equal(sibling.spanId, ids['sibling']);
    assert.equal(sibling.parentSpanId, ids['parent']);
    assert.ok(found.unexported.has(ids['sibling']!));
    assert.ok(!found.running.has(ids['sibling']!));
    assert.equal(sibling.kind, SpanKind.INTERNAL);
    assert.equal(attr(sibling, 'done'), true);
    assert.deepEqual(sibling.status, { code: SpanStatusCode.ERROR, message: 'sibling failed' });
    // The SDK starts spans at Date.now() (whole milliseconds) and ends them at that plus performance.now() steps.
    assert.ok(sibling.endTimeUnixNano >= sibling.startTimeUnixNano && sibling.endTimeUnixNano < inner.startTimeUnixNano + 1_000_000n, `sibling ended ${sibling.endTimeUnixNano}, inner started ${inner.startTimeUnixNano}`);

    // Running ancestors are not reachable from the paused frame: the context holds the innermost span only (see the
    // HTTP case for the server span, which the instrumentation keeps in the context).
    assert.deepEqual(found.spans.map((s) => s.name).sort(), ['inner', 'sibling']);
    assert.ok(!found.running.has(ids['parent']!) && !found.running.has(ids['root']!));
  });

  it('reads spans of an SDK started by NodeSDK, without touching the resource getter that logs while detectors are pending', async () => {
    const [closed] = await freePorts(1);
    const d = await start('sdk-node', {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closed}`,
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_LOG_LEVEL: 'error',
    });
    const fixture = await fixtureOf(d);
    assert.equal(fixture.resourcePending, true, 'the default detectors leave async resource attributes pending');
    const found = spanFound(parsePausedSpans(await evaluate(d, ACTIVE_SPAN_PROBE)));
    assert.equal(found.spanId, fixture.ids['inner']);
    assert.deepEqual(found.spans.map((s) => s.name).sort(), ['inner', 'sibling']);
    assert.ok(found.unexported.has(fixture.ids['sibling']!));
    const inner = byName(found.spans, 'inner');
    assert.ok(inner.resource.attributes.some((a) => a.key === 'service.name' && a.value === 'probe-fixture'));
    assert.ok(inner.resource.attributes.some((a) => a.key === 'process.pid' && a.value === BigInt(d.child.pid!)));
    // The program's diagnostics stay quiet; the getter the probe avoids would have logged (the check can fail).
    await evaluate(d, 'String(1)');
    assert.doesNotMatch(d.stderr, /resource attributes/i);
    await evaluate(d, `String(Object.keys(globalThis[Symbol.for('opentelemetry.js.api.1')].context.active().getValue(Symbol.for('OpenTelemetry Context Key SPAN')).resource.attributes).length)`);
    await waitFor(() => /Accessing resource attributes before async attributes settled/.test(d.stderr), 5000, () => d.stderr);
  });

  it('answers no-otel without OpenTelemetry, and no-span outside any span', async () => {
    const [none, outside] = await Promise.all([start('no-otel'), start('outside')]);
    assert.deepEqual(parsePausedSpans(await evaluate(none, ACTIVE_SPAN_PROBE)), { kind: 'no-otel' });
    assert.deepEqual(parsePausedSpans(await evaluate(outside, ACTIVE_SPAN_PROBE)), { kind: 'no-span' });
  });

  it('finds the in-flight HTTP SERVER span through the context the HTTP instrumentation keeps', async () => {
    const d = await start('http');
    const found = spanFound(parsePausedSpans(await evaluate(d, ACTIVE_SPAN_PROBE)));
    const { ids, traceId } = await fixtureOf(d);
    assert.equal(found.traceId, traceId);
    assert.equal(found.spanId, ids['handle']);
    const server = byName(found.spans, 'GET');
    assert.equal(server.spanId, ids['server']);
    assert.equal(server.kind, SpanKind.SERVER);
    assert.equal(server.parentSpanId, '');
    assert.equal(attr(server, 'http.request.method'), 'GET');
    assert.equal(attr(server, 'url.path'), '/items/7');
    assert.ok(found.running.has(ids['server']!));
    assert.equal(byName(found.spans, 'handle').parentSpanId, ids['server']);
  });

  it('reports the context of a sampled-out span without making up a span for it; the server keeps no empty trace', async () => {
    const d = await start('unsampled');
    const text = await evaluate(d, ACTIVE_SPAN_PROBE);
    const { ids, traceId } = await fixtureOf(d);
    const found = spanFound(parsePausedSpans(text));
    assert.equal(found.traceId, traceId);
    assert.equal(found.spanId, ids['inner']);
    assert.deepEqual(found.spans, []);
    assert.deepEqual([found.running.size, found.unexported.size], [0, 0]);
    const answer = await debugHandlers(srv.server)['tracelens/debugPaused']!({ sessionId: 's2', sessionName: 'Unsampled', probe: text });
    assert.deepEqual(answer, { status: 'span', traceId, spanId: ids['inner'], chain: [], spans: 0, running: 0, unexported: 0 });
    assert.equal(await dataHandlers(srv.server)['tracelens/getTracePacked']!({ traceId: traceId! }), null);
    await debugHandlers(srv.server)['tracelens/debugResumed']!({ sessionId: 's2' });
  });

  it('joins the trace on the server while paused: debugPaused answers the chain, the trace requests the merged trace', async () => {
    assert.ok(nested, 'the first test evaluated the probe');
    const { text, fixture } = nested;
    const debug = debugHandlers(srv.server);
    const data = dataHandlers(srv.server);
    const traceId = fixture.traceId!;
    assert.equal(await data['tracelens/getTracePacked']!({ traceId }), null);

    const answer = (await debug['tracelens/debugPaused']!({ sessionId: 's1', sessionName: 'Launch fixture', probe: text })) as DebugPausedResult;
    assert.equal(answer.status, 'span');
    if (answer.status !== 'span') return;
    assert.equal(answer.traceId, traceId);
    assert.equal(answer.spanId, fixture.ids['inner']);
    assert.deepEqual(
      answer.chain.map((c) => [c.spanId, c.name, c.service, c.running]),
      [[fixture.ids['inner'], 'inner', 'probe-fixture', true]],
    );
    assert.ok(BigInt(answer.chain[0]!.durationNanos) > 0n);
    assert.deepEqual([answer.spans, answer.running, answer.unexported], [2, 1, 1]);

    const packed = await data['tracelens/getTracePacked']!({ traceId });
    assert.ok(packed);
    const trace = unpackTrace(packed);
    assert.deepEqual(trace.spans.map((s) => s.name).sort(), ['inner', 'sibling']);
    assert.ok(trace.live);
    assert.equal(trace.live.pausedSpanId, fixture.ids['inner']);
    assert.deepEqual(trace.live.runningSpanIds, [fixture.ids['inner']]);
    assert.deepEqual(trace.live.unexportedSpanIds, [fixture.ids['sibling']]);
    assert.equal(trace.live.sessionName, 'Launch fixture');

    assert.equal(await debug['tracelens/debugResumed']!({ sessionId: 's1' }), null);
    assert.equal(await data['tracelens/getTracePacked']!({ traceId }), null);

    // The probe's request is OTLP JSON the receiver takes: once the sibling is stored, the stored copy is the one
    // in the trace and it no longer counts as waiting for export.
    const request = JSON.parse(text) as { request: { resourceSpans: { scopeSpans: { spans: { spanId: string }[] }[] }[] } };
    const siblingOnly = { resourceSpans: request.request.resourceSpans.filter((r) => r.scopeSpans[0]!.spans[0]!.spanId === fixture.ids['sibling']) };
    assert.equal(siblingOnly.resourceSpans.length, 1);
    const res = await fetch(`${srv.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(siblingOnly) });
    assert.equal(res.status, 200);
    await srv.waitForTrace(traceId, 1);
    const again = (await debug['tracelens/debugPaused']!({ sessionId: 's1', sessionName: 'Launch fixture', probe: text })) as DebugPausedResult;
    assert.equal(again.status, 'span');
    if (again.status !== 'span') return;
    assert.deepEqual([again.spans, again.running, again.unexported], [2, 1, 0]);
    const live = unpackTrace((await data['tracelens/getTracePacked']!({ traceId }))!);
    assert.deepEqual(live.live?.unexportedSpanIds, []);
    assert.deepEqual(live.spans.map((x) => x.name).sort(), ['inner', 'sibling']);
    await debug['tracelens/debugResumed']!({ sessionId: 's1' });
    const stored = unpackTrace((await data['tracelens/getTracePacked']!({ traceId }))!);
    assert.deepEqual([stored.spans.map((x) => x.name), stored.live], [['sibling'], undefined]);
  });
});
