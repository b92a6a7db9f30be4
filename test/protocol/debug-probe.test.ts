// The active-span probe (src/core/debug/probe.ts) against a real paused Node process: test/fixtures/debug/traced.js
// runs the real OpenTelemetry SDK and stops at a `debugger` statement; the test speaks the Chrome DevTools Protocol to
// its inspector like a debug adapter does, evaluates the probe in the paused frame, and reads the answer with
// parsePausedSpans. Then the answer goes to a real TraceServer (tracelens/debugPaused) and the trace requests answer
// the merged trace until tracelens/debugResumed.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { ACTIVE_SPAN_PROBE, parsePausedSpans } from '../../src/core/debug/probe';
import type { PausedSpans } from '../../src/core/debug/probe';
import type { Span } from '../../src/core/model';
import { SpanKind, SpanStatusCode } from '../../src/core/model';
import type { DebugPausedResult } from '../../src/protocol/messages';
import { unpackTrace } from '../../src/protocol/packedTrace';
import { debugHandlers } from '../../src/server/debugPauses';
import { dataHandlers } from '../../src/server/requests';
import type { RunningServer } from '../helpers/server';
import { freePorts, startServer } from '../helpers/server';
import { waitFor } from '../helpers/wait';

const ROOT = join(__dirname, '..', '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'debug', 'traced.js');
const STEP_MS = 10_000;

interface CallFrame {
  readonly callFrameId: string;
  readonly functionName: string;
  readonly url: string;
  readonly location: { readonly lineNumber: number };
}
interface PausedEvent {
  readonly reason: string;
  readonly callFrames: readonly CallFrame[];
}
interface Fixture {
  readonly mode: string;
  readonly traceId?: string;
  readonly resourcePending?: boolean;
  readonly ids: Readonly<Record<string, string>>;
}

/** Rejects after `ms` with what was being waited for. */
function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

/** A fixture process stopped at its `debugger` statement, with an inspector session on it. */
class Debuggee {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly pauses: PausedEvent[] = [];
  private pauseWaiter: (() => void) | undefined;
  stderr = '';

  private constructor(
    readonly child: ChildProcess,
    private readonly ws: WebSocket,
  ) {
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString('utf8')) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: unknown };
      if (msg.id !== undefined) {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(msg.error.message));
        else p?.resolve(msg.result);
      } else if (msg.method === 'Debugger.paused') {
        this.pauses.push(msg.params as PausedEvent);
        this.pauseWaiter?.();
      }
    });
  }

  /** Starts the fixture under --inspect-brk and lets it run to its `debugger` statement. */
  static async start(mode: string, env: Readonly<Record<string, string>> = {}): Promise<Debuggee> {
    const child = spawn(process.execPath, ['--inspect-brk=127.0.0.1:0', FIXTURE, mode], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    try {
      const url = await deadline(
        new Promise<string>((resolve, reject) => {
          child.stderr!.on('data', (d: Buffer) => {
            stderr += d.toString('utf8');
            const m = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(stderr);
            if (m) resolve(m[1]!);
          });
          child.once('exit', (code) => reject(new Error(`the fixture exited (${code}) before its inspector listened: ${stderr}`)));
        }),
        STEP_MS,
        'the inspector URL',
      );
      const ws = new WebSocket(url);
      await deadline(
        new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('error', reject);
        }),
        STEP_MS,
        'the inspector connection',
      );
      const d = new Debuggee(child, ws);
      child.stderr!.on('data', (x: Buffer) => (d.stderr += x.toString('utf8')));
      await d.send('Runtime.enable');
      await d.send('Debugger.enable');
      await d.send('Runtime.runIfWaitingForDebugger');
      // --inspect-brk stops on the first line first; the second stop is the fixture's `debugger` statement.
      for (;;) {
        const paused = await d.nextPause();
        if (paused.reason === 'other') {
          d.paused = paused;
          return d;
        }
        await d.send('Debugger.resume');
      }
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    }
  }

  /** The stop at the `debugger` statement. */
  paused: PausedEvent | undefined;

  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    const answer = new Promise<T>((resolve, reject) => this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    this.ws.send(JSON.stringify({ id, method, params }));
    return deadline(answer, STEP_MS, method);
  }

  private nextPause(): Promise<PausedEvent> {
    return deadline(
      new Promise<PausedEvent>((resolve, reject) => {
        const check = (): void => {
          const p = this.pauses.shift();
          if (p) {
            this.pauseWaiter = undefined;
            resolve(p);
          } else this.pauseWaiter = check;
        };
        this.child.once('exit', (code) => reject(new Error(`the fixture exited (${code}) before pausing: ${this.stderr}`)));
        check();
      }),
      STEP_MS,
      'Debugger.paused',
    );
  }

  /** Evaluates an expression in the paused (top) frame; its value must be a string. */
  async evaluate(expression: string, extra: Record<string, unknown> = {}): Promise<string> {
    const frame = this.paused!.callFrames[0]!;
    const r = await this.send<{ result: { type: string; value?: unknown }; exceptionDetails?: { text: string; exception?: { description?: string } } }>('Debugger.evaluateOnCallFrame', {
      callFrameId: frame.callFrameId,
      expression,
      returnByValue: true,
      ...extra,
    });
    if (r.exceptionDetails) throw new Error(`${r.exceptionDetails.text} ${r.exceptionDetails.exception?.description ?? ''}`);
    assert.equal(r.result.type, 'string', `the expression evaluated to ${JSON.stringify(r.result)}`);
    return r.result.value as string;
  }

  async fixture(): Promise<Fixture> {
    return JSON.parse(await this.evaluate('JSON.stringify(globalThis.fixture)')) as Fixture;
  }

  async close(): Promise<void> {
    this.ws.close();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGKILL');
      await deadline(exited, STEP_MS, 'the fixture exit');
    }
  }
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
    const d = await Debuggee.start(mode, env);
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
    const text = await d.evaluate(ACTIVE_SPAN_PROBE);
    const fixture = await d.fixture();
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
    const fixture = await d.fixture();
    assert.equal(fixture.resourcePending, true, 'the default detectors leave async resource attributes pending');
    const found = spanFound(parsePausedSpans(await d.evaluate(ACTIVE_SPAN_PROBE)));
    assert.equal(found.spanId, fixture.ids['inner']);
    assert.deepEqual(found.spans.map((s) => s.name).sort(), ['inner', 'sibling']);
    assert.ok(found.unexported.has(fixture.ids['sibling']!));
    const inner = byName(found.spans, 'inner');
    assert.ok(inner.resource.attributes.some((a) => a.key === 'service.name' && a.value === 'probe-fixture'));
    assert.ok(inner.resource.attributes.some((a) => a.key === 'process.pid' && a.value === BigInt(d.child.pid!)));
    // The program's diagnostics stay quiet; the getter the probe avoids would have logged (the check can fail).
    await d.evaluate('String(1)');
    assert.doesNotMatch(d.stderr, /resource attributes/i);
    await d.evaluate(`String(Object.keys(globalThis[Symbol.for('opentelemetry.js.api.1')].context.active().getValue(Symbol.for('OpenTelemetry Context Key SPAN')).resource.attributes).length)`);
    await waitFor(() => /Accessing resource attributes before async attributes settled/.test(d.stderr), 5000, () => d.stderr);
  });

  it('answers no-otel without OpenTelemetry, and no-span outside any span', async () => {
    const [none, outside] = await Promise.all([start('no-otel'), start('outside')]);
    assert.deepEqual(parsePausedSpans(await none.evaluate(ACTIVE_SPAN_PROBE)), { kind: 'no-otel' });
    assert.deepEqual(parsePausedSpans(await outside.evaluate(ACTIVE_SPAN_PROBE)), { kind: 'no-span' });
  });

  it('finds the in-flight HTTP SERVER span through the context the HTTP instrumentation keeps', async () => {
    const d = await start('http');
    const found = spanFound(parsePausedSpans(await d.evaluate(ACTIVE_SPAN_PROBE)));
    const { ids, traceId } = await d.fixture();
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
    const text = await d.evaluate(ACTIVE_SPAN_PROBE);
    const { ids, traceId } = await d.fixture();
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
