// Debug-integration benchmark: what reading the span at a breakpoint and the session's traces cost, each against a
// reference measured in the same run:
//   probe     Debugger.evaluateOnCallFrame(ACTIVE_SPAN_PROBE) in a real Node process paused at a `debugger` statement
//             (real OpenTelemetry SDK, CDP over ws with test/helpers/inspector.ts, as the probe's test uses), for a
//             small trace (a handful of spans queued in the batch span processor) and a big one (hundreds of ended
//             spans with ~20 attributes each), p50/p99, against evaluateOnCallFrame('1+1') in the same frame;
//             then parsePausedSpans and the tracelens/debugPaused handler on the big answer, against JSON.parse of it;
//   session   tracelens/sessionTraces (the union of the store queries of src/core/debug/sessions.ts) on a big store
//             where a few thousand spans carry the session's tag and process id, against tracelens/findTraces
//             { limit: 500 } (the Traces view's default query);
//   trace     tracelens/getTracePacked of a 1,000-span trace with a pause merged (in-flight spans of the paused
//             process), against the same request for a trace of the same shape without a pause.
// The trace server runs in this process (store on disk in a temporary folder, no listeners); the debuggees are child
// processes with their inspector on 127.0.0.1, killed at the end.
//
//   npx tsx bench/debug.ts             500,000 spans stored, 150 probe evaluations per trace, 40 searches
//   npx tsx bench/debug.ts --quick     100,000 spans, 50 evaluations, 15 searches
//   npx tsx bench/debug.ts --help      every option
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ACTIVE_SPAN_PROBE, parsePausedSpans } from '../src/core/debug/probe';
import { SESSION_ATTRIBUTE } from '../src/core/debug/otelEnv';
import { sessionQueries } from '../src/core/debug/sessions';
import type { Attributes, Resource, Span } from '../src/core/model';
import { EMPTY_SCOPE, SpanKind, SpanStatusCode } from '../src/core/model';
import { encodeTracesJson } from '../src/core/otlp/encodeJson';
import { EmbeddedStore } from '../src/core/store/embeddedStore';
import { fromWireQuery } from '../src/core/wire';
import type { WireDebugSession } from '../src/protocol/messages';
import { unpackTrace } from '../src/protocol/packedTrace';
import { DEFAULT_CONFIG } from '../src/server/config';
import { debugHandlers } from '../src/server/debugPauses';
import { dataHandlers } from '../src/server/requests';
import { TraceServer } from '../src/server/traceServer';
import { Debuggee } from '../test/helpers/inspector';
import { parseArgs, runMain, TemporaryFolders } from './options';
import { formatMs, median, percentile } from './stats';

const HELP = `Usage: npx tsx bench/debug.ts [options]
  --quick              100000 spans, 50 probe evaluations, 15 searches and trace reads
  --evaluations N      probe evaluations timed per trace, each after a '1+1' (default 150)
  --queued N           ended spans of the big trace waiting in the batch processor's queue (default 400)
  --attributes N       attributes per queued span (default 20)
  --spans N            spans stored before the session searches (default 500000)
  --services N         services (processes) the stored spans come from (default 50)
  --session-spans N    stored spans of the debugged process, with the session tag and pid (default 3000)
  --searches N         sessionTraces and findTraces requests timed, alternating (default 40)
  --trace-spans N      spans of the trace read with and without a pause (default 1000)
  --in-flight N        spans the pause adds to it (default 50)
`;

const ROOT = resolve(__dirname, '..');
const STEP_MS = 20_000;
const LIMIT = 500;
const temporary = new TemporaryFolders();

// Debuggees left running by a failure or Ctrl+C are killed by test/helpers/inspector.ts when this process exits.

const ms = formatMs;
const int = (n: number): string => n.toLocaleString('en-US');

// ---------------------------------------------------------------- the paused debuggee

/**
 * The debuggee (CommonJS, written to the scratch folder, packages resolved from the repository): the real SDK with an
 * AsyncLocalStorage context manager and a batch span processor that holds ended spans for ten minutes; a SERVER span,
 * a `handle` span under it, QUEUED ended CLIENT spans under that (ATTRIBUTES attributes each), then the running
 * `inner` span, where it stops at a `debugger` statement. Arguments: QUEUED ATTRIBUTES.
 */
const DEBUGGEE = `'use strict';
const req = require('node:module').createRequire(${JSON.stringify(join(ROOT, 'package.json'))});
const api = req('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = req('@opentelemetry/context-async-hooks');
const { resourceFromAttributes } = req('@opentelemetry/resources');
const { BatchSpanProcessor, InMemorySpanExporter, TracerProvider } = req('@opentelemetry/sdk-trace');
const queued = Number(process.argv[2]);
const perSpan = Number(process.argv[3]);
function pauseHere() {
  debugger;
}
api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const provider = new TracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'bench-debuggee', 'service.version': '1.0.0', 'process.pid': process.pid, 'host.name': 'bench' }),
  spanProcessors: [new BatchSpanProcessor({ exporter: new InMemorySpanExporter(), scheduledDelayMillis: 600000, maxQueueSize: Math.max(2048, queued + 16), maxExportBatchSize: Math.max(512, queued + 16) })],
});
api.trace.setGlobalTracerProvider(provider);
const tracer = api.trace.getTracer('bench-debuggee', '1.0.0');
const tick = () => new Promise((resolve) => setImmediate(resolve));
const KEYS = ['db.system.name', 'db.namespace', 'db.operation.name', 'db.collection.name', 'db.query.text', 'server.address', 'server.port', 'network.peer.address', 'network.peer.port', 'db.response.returned_rows', 'code.function.name', 'code.file.path', 'code.line.number', 'app.tenant', 'app.order.id', 'app.cache.hit', 'app.retry', 'app.shard', 'app.latency.budget', 'app.feature'];
function attributes(i) {
  const a = {};
  for (let k = 0; k < perSpan; k++) {
    const key = k < KEYS.length ? KEYS[k] : 'app.extra.' + k;
    a[key] = k % 4 === 0 ? 'value ' + i + ' of ' + key + ' ' + 'x'.repeat(24) : k % 4 === 1 ? i * 31 + k : k % 4 === 2 ? (i + k) / 7 : (i + k) % 2 === 0;
  }
  return a;
}
tracer.startActiveSpan('GET /orders/:id', { kind: api.SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'url.path': '/orders/7' } }, async (root) => {
  await tick();
  await tracer.startActiveSpan('handle', async (handle) => {
    for (let i = 0; i < queued; i++) {
      const s = tracer.startSpan('SELECT orders.' + (i % 16), { kind: api.SpanKind.CLIENT, attributes: attributes(i) });
      s.addEvent('rows', { count: i });
      s.end();
    }
    await tick();
    await tracer.startActiveSpan('inner', { attributes: attributes(-1) }, async (inner) => {
      await tick();
      pauseHere();
      inner.end();
    });
    handle.end();
  });
  root.end();
}).then(() => provider.shutdown());
`;

interface ProbeRun {
  readonly queued: number;
  readonly probe: number[];
  /** The probe's own run time, measured inside the debuggee with performance.now() (no transport). */
  readonly inside: number[];
  readonly reference: number[];
  readonly text: string;
  readonly spans: number;
}

/** Starts a debuggee with `queued` ended spans, then evaluates '1+1' and the probe alternately. */
async function probeRun(program: string, queued: number, attributes: number, evaluations: number): Promise<ProbeRun> {
  const d = await Debuggee.start({ program, args: [String(queued), String(attributes)], cwd: ROOT, stepMs: STEP_MS });
  // As a debug adapter's evaluate: exceptions thrown by the expression do not pause the debuggee.
  const evaluate = (expression: string): Promise<unknown> => d.evaluate(expression, { silent: true });
  try {
    const probe: number[] = [];
    const inside: number[] = [];
    const reference: number[] = [];
    const timedInside = `(function () { var t = performance.now(); var r = ${ACTIVE_SPAN_PROBE}; return r.length > 0 ? performance.now() - t : -1; })()`;
    let text = '';
    // Warm-up: the first evaluation compiles the probe in the debuggee.
    for (let i = 0; i < 3; i++) {
      await evaluate('1+1');
      text = String(await evaluate(ACTIVE_SPAN_PROBE));
    }
    for (let i = 0; i < evaluations; i++) {
      let s = performance.now();
      const two = await evaluate('1+1');
      reference.push(performance.now() - s);
      if (two !== 2) throw new Error(`'1+1' evaluated to ${JSON.stringify(two)}`);
      s = performance.now();
      const answer = await evaluate(ACTIVE_SPAN_PROBE);
      probe.push(performance.now() - s);
      if (typeof answer !== 'string') throw new Error(`the probe evaluated to ${JSON.stringify(answer)}`);
      text = answer;
      const own = await evaluate(timedInside);
      if (typeof own !== 'number' || own < 0) throw new Error(`the timed probe evaluated to ${JSON.stringify(own)}`);
      inside.push(own);
    }
    const found = parsePausedSpans(text);
    if (found.kind !== 'span') throw new Error(`the probe found ${found.kind}`);
    // The queued spans, the running `inner`; handle and the root run but are not reachable from the frame.
    if (found.spans.length !== queued + 1) throw new Error(`the probe read ${found.spans.length} spans, expected ${queued + 1}`);
    return { queued, probe, inside, reference, text, spans: found.spans.length };
  } finally {
    await d.close();
  }
}

// ---------------------------------------------------------------- the store

const hex = (n: number, digits: number): string => n.toString(16).padStart(digits, '0').slice(-digits);
const attr = (key: string, value: string | bigint | boolean): Attributes[number] => ({ key, value });
const resource = (attributes: Attributes): Resource => ({ attributes, droppedAttributesCount: 0, schemaUrl: '' });

interface Layout {
  readonly total: number;
  readonly services: number;
  readonly sessionSpans: number;
  readonly tag: string;
  readonly pid: number;
  readonly nowMs: number;
}

const SPANS_PER_TRACE = 10;
/** The session covers the newest fifth of the stored time (12 of 60 minutes). */
const SESSION_SHARE = 0.2;
const HOUR_MS = 3_600_000;
/** Spans the debugged process exports per batch (its own frames); the other services send 512. */
const SESSION_BATCH = 128;
const BATCH = 512;

let spanSeq = 0;

function span(traceId: string, parentSpanId: string, name: string, kind: SpanKind, startNanos: bigint, durationNanos: bigint, res: Resource, attributes: Attributes, error: boolean): Span {
  return {
    traceId,
    spanId: hex(++spanSeq, 16),
    parentSpanId,
    name,
    kind,
    startTimeUnixNano: startNanos,
    endTimeUnixNano: startNanos + durationNanos,
    attributes,
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: error ? SpanStatusCode.ERROR : SpanStatusCode.UNSET, message: error ? 'failed' : '' },
    traceState: '',
    flags: 1,
    resource: res,
    scope: EMPTY_SCOPE,
  };
}

/**
 * Fills the store as `services` processes export: traces of 10 spans over several services, spread over the last hour,
 * each process sending its own batches. In the newest fifth of the hour the debugged service (`checkout`, service 0)
 * runs under the debug session: its resource has the session tag and the session's pid, and it is the root of
 * enough traces to make `sessionSpans` tagged spans (3 of its spans per trace). Before the session the same service
 * ran without a tag under another pid.
 */
async function fillStore(store: EmbeddedStore, o: Layout): Promise<{ sessionStartNanos: bigint; sessionTraces: number }> {
  const names = Array.from({ length: o.services }, (_, i) => (i === 0 ? 'checkout' : `service-${String(i).padStart(2, '0')}`));
  const plain = names.map((name, i) => resource([attr('service.name', name), attr('service.version', '1.4.2'), attr('host.name', `host-${i % 7}`), attr('process.pid', BigInt(20_000 + i)), attr('process.runtime.name', 'nodejs')]));
  const session = resource([
    attr('service.name', 'checkout'),
    attr('service.version', '1.5.0-dev'),
    attr('host.name', 'laptop'),
    attr('process.pid', BigInt(o.pid)),
    attr('process.runtime.name', 'nodejs'),
    attr(SESSION_ATTRIBUTE, o.tag),
  ]);
  const traces = Math.ceil(o.total / SPANS_PER_TRACE);
  const firstSessionTrace = Math.floor(traces * (1 - SESSION_SHARE));
  // Share of the session window's traces that the debugged process roots.
  const sessionRootEvery = Math.max(1, Math.floor((traces - firstSessionTrace) / Math.ceil(o.sessionSpans / 3)));
  const startMs = o.nowMs - HOUR_MS;
  const sessionStartNanos = BigInt(Math.round(startMs + (HOUR_MS * firstSessionTrace) / traces)) * 1_000_000n;
  const buffers = new Map<Resource, Span[]>();
  const ready: Span[][] = [];
  let sessionTraces = 0;
  let sessionSpans = 0;
  const emit = (s: Span): void => {
    let b = buffers.get(s.resource);
    if (!b) buffers.set(s.resource, (b = []));
    b.push(s);
    if (b.length >= (s.resource === session ? SESSION_BATCH : BATCH)) {
      ready.push(b);
      buffers.set(s.resource, []);
    }
  };
  const flush = async (all: boolean): Promise<void> => {
    if (all) for (const b of buffers.values()) if (b.length > 0) ready.push(b);
    if (all) buffers.clear();
    while (ready.length >= 8 || (all && ready.length > 0)) await store.append(ready.splice(0, 8).map((spans) => ({ kind: 'spans' as const, spans })));
  };
  for (let t = 0; t < traces; t++) {
    const traceId = hex(0x5eed0000 + t, 8) + hex(t * 2654435761, 24);
    const start = BigInt(Math.round(startMs + (HOUR_MS * t) / traces)) * 1_000_000n;
    const inSession = t >= firstSessionTrace && (t - firstSessionTrace) % sessionRootEvery === 0 && sessionSpans < o.sessionSpans;
    const rootService = inSession ? 0 : 1 + (t % (o.services - 1));
    const rootRes = inSession ? session : t >= firstSessionTrace && rootService === 0 ? plain[1]! : plain[rootService]!;
    const error = t % 37 === 0;
    const route = `/api/${names[rootService]}/${t % 12}`;
    const root = span(traceId, '', `GET ${route}`, SpanKind.SERVER, start, 40_000_000n + BigInt((t % 50) * 1_000_000), rootRes, [attr('http.request.method', 'GET'), attr('http.route', route), attr('http.response.status_code', BigInt(error ? 500 : 200)), attr('url.scheme', 'http')], error);
    emit(root);
    let parent = root;
    let n = 1;
    if (inSession) {
      // Two more spans of the debugged process: its handler and a query.
      const handler = span(traceId, root.spanId, 'handleCheckout', SpanKind.INTERNAL, start + 1_000_000n, 30_000_000n, session, [attr('code.function.name', 'handleCheckout'), attr('code.file.path', '/app/src/checkout.ts'), attr('code.line.number', 42n)], false);
      emit(handler);
      emit(span(traceId, handler.spanId, 'SELECT carts', SpanKind.CLIENT, start + 2_000_000n, 3_000_000n, session, [attr('db.system.name', 'postgresql'), attr('db.operation.name', 'SELECT')], false));
      parent = handler;
      n = 3;
      sessionTraces++;
      sessionSpans += 3;
    }
    for (; n < SPANS_PER_TRACE; n++) {
      const svc = 1 + ((t * 7 + n * 13) % (o.services - 1));
      const s = span(traceId, parent.spanId, `POST /internal/${names[svc]}/${n % 4}`, n % 2 ? SpanKind.CLIENT : SpanKind.SERVER, start + BigInt(n) * 2_000_000n, 5_000_000n + BigInt(n * 100_000), plain[svc]!, [attr('rpc.system', 'http'), attr('server.address', `${names[svc]}.svc`), attr('http.response.status_code', 200n)], false);
      emit(s);
      if (n % 3 === 0) parent = s;
    }
    if (ready.length >= 8) await flush(false);
  }
  await flush(true);
  return { sessionStartNanos, sessionTraces };
}

/** A trace of `count` spans of 4 services (tree 3 wide), stored in its services' own batches; its spans. */
async function bigTrace(store: EmbeddedStore, traceId: string, count: number, nowMs: number): Promise<Span[]> {
  const res = [0, 1, 2, 3].map((i) => resource([attr('service.name', `trace-svc-${i}`), attr('process.pid', BigInt(30_000 + i))]));
  const start = BigInt(nowMs - 5_000) * 1_000_000n;
  const spans: Span[] = [];
  for (let i = 0; i < count; i++) {
    const parent = i === 0 ? '' : spans[Math.floor((i - 1) / 3)]!.spanId;
    spans.push(span(traceId, parent, `op-${i % 20}`, i === 0 ? SpanKind.SERVER : SpanKind.INTERNAL, start + BigInt(i) * 1_000_000n, 2_000_000n, res[i % 4]!, [attr('app.step', BigInt(i)), attr('app.note', `step ${i}`), attr('code.function.name', `fn${i % 50}`)], i % 97 === 0));
  }
  await store.append(res.map((r) => ({ kind: 'spans' as const, spans: spans.filter((s) => s.resource === r) })));
  return spans;
}

/** A probe answer (as ACTIVE_SPAN_PROBE returns it) with `count` spans of the trace still in the paused process. */
function probeAnswer(trace: readonly Span[], count: number, nowNanos: bigint): string {
  const res = resource([attr('service.name', 'trace-svc-0'), attr('process.pid', 30_000n)]);
  const extra: Span[] = [];
  for (let i = 0; i < count; i++) {
    const parent = i === 0 ? trace[trace.length - 1]!.spanId : extra[i - 1]!.spanId;
    const s = span(trace[0]!.traceId, parent, `in-flight-${i}`, SpanKind.INTERNAL, trace[trace.length - 1]!.startTimeUnixNano + BigInt(i + 1) * 100_000n, 0n, res, [attr('app.step', BigInt(i))], false);
    extra.push({ ...s, endTimeUnixNano: nowNanos });
  }
  // The newest 80 % run (a chain down to the paused span), the others ended and wait for export.
  const ended = Math.floor(count / 5);
  return JSON.stringify({
    tracelens: 1,
    now: String(nowNanos),
    otel: true,
    active: { traceId: trace[0]!.traceId, spanId: extra[count - 1]!.spanId },
    running: extra.slice(ended).map((s) => s.spanId),
    unexported: extra.slice(0, ended).map((s) => s.spanId),
    request: JSON.parse(encodeTracesJson(extra)) as unknown,
  });
}

// ---------------------------------------------------------------- main

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, HELP, ['--quick']);
  if (args.has('--help') || args.has('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const quick = args.has('--quick');
  const n = (flag: string, full: number, short: number): number => Math.round(args.num(flag, quick ? short : full));
  const evaluations = n('--evaluations', 150, 50);
  const queued = n('--queued', 400, 400);
  const perSpan = n('--attributes', 20, 20);
  const total = n('--spans', 500_000, 100_000);
  const services = Math.max(2, n('--services', 50, 50));
  const sessionSpans = n('--session-spans', 3000, 3000);
  const searches = n('--searches', 40, 15);
  const traceSpans = n('--trace-spans', 1000, 1000);
  const inFlight = n('--in-flight', 50, 50);
  const t0 = performance.now();
  const log = (line: string): void => void process.stderr.write(`${line}\n`);

  const scratch = mkdtempSync(join(os.tmpdir(), 'tracelens-bench-debug-'));
  temporary.add(scratch);
  const program = join(scratch, 'debuggee.cjs');
  writeFileSync(program, DEBUGGEE);

  // 1. The probe in paused debuggees: a handful of queued spans, then the big trace.
  log(`probe: ${evaluations} evaluations in a debuggee with 5 queued spans, then one with ${queued} ...`);
  const small = await probeRun(program, 5, perSpan, evaluations);
  const big = await probeRun(program, queued, perSpan, evaluations);

  // 2. The store.
  const dataDir = join(scratch, 'store');
  const server = new TraceServer({ ...DEFAULT_CONFIG, dataDir, otlpHttp: null, otlpGrpc: null, zipkin: null, query: null }, () => undefined);
  await server.start();
  const store = server.store;
  if (!(store instanceof EmbeddedStore)) throw new Error('expected the embedded store');
  const nowMs = Date.now();
  const tag = 'c0ffee00-bench-session';
  const pid = 4242;
  const t = performance.now();
  log(`filling the store with ${int(total)} spans ...`);
  const filled = await fillStore(store, { total, services, sessionSpans, tag, pid, nowMs });
  const [traceA, traceB] = [hex(0xa1, 32), hex(0xb2, 32)];
  const spansA = await bigTrace(store, traceA, traceSpans, nowMs);
  await bigTrace(store, traceB, traceSpans, nowMs);
  const stats = store.stats();
  const fillSeconds = (performance.now() - t) / 1000;

  // 1b. The big probe answer read, and the debugPaused handler, on the full store; reference: JSON.parse of it.
  const debug = debugHandlers(server);
  const data = dataHandlers(server);
  const parseTimes: number[] = [];
  const handlerTimes: number[] = [];
  const jsonTimes: number[] = [];
  const rounds = Math.max(20, Math.round(evaluations / 2));
  for (let i = 0; i < rounds + 3; i++) {
    let s = performance.now();
    JSON.parse(big.text);
    const j = performance.now() - s;
    s = performance.now();
    parsePausedSpans(big.text);
    const p = performance.now() - s;
    s = performance.now();
    const answer = await debug['tracelens/debugPaused']!({ sessionId: 'bench-probe', sessionName: 'Probe', probe: big.text });
    const h = performance.now() - s;
    if (answer.status !== 'span' || answer.spans !== queued + 1) throw new Error(`debugPaused answered ${JSON.stringify(answer).slice(0, 200)}`);
    if (i < 3) continue;
    jsonTimes.push(j);
    parseTimes.push(p);
    handlerTimes.push(h);
  }
  await debug['tracelens/debugResumed']!({ sessionId: 'bench-probe' });

  // 2. sessionTraces against findTraces { limit: 500 }; each query of the union apart.
  const session: WireDebugSession = { id: tag, name: 'Launch checkout', serviceName: 'checkout', startNanos: String(filled.sessionStartNanos), pids: [pid] };
  const sessionTimes: number[] = [];
  const findTimes: number[] = [];
  const firstCalls: { session: number; find: number; decoded: number } = { session: 0, find: 0, decoded: 0 };
  let sessionCount = 0;
  let decodedPerCall = 0;
  for (let i = 0; i < searches + 1; i++) {
    let s = performance.now();
    const found = await data['tracelens/findTraces']!({ limit: LIMIT });
    const f = performance.now() - s;
    if (found.length !== LIMIT) throw new Error(`findTraces found ${found.length}`);
    const before = store.framesDecoded;
    s = performance.now();
    const mine = await debug['tracelens/sessionTraces']!({ session, limit: LIMIT });
    const st = performance.now() - s;
    sessionCount = mine.length;
    if (i === 0) firstCalls.decoded = store.framesDecoded - before;
    else decodedPerCall += store.framesDecoded - before;
    if (i === 0) {
      firstCalls.session = st;
      firstCalls.find = f;
      continue;
    }
    findTimes.push(f);
    sessionTimes.push(st);
  }
  const queries = sessionQueries(session, LIMIT);
  const perQuery = queries.map(() => [] as number[]);
  for (let i = 0; i < Math.min(searches, 10); i++) {
    for (const [k, q] of queries.entries()) {
      const s = performance.now();
      await store.findTraces(fromWireQuery(q));
      perQuery[k]!.push(performance.now() - s);
    }
  }

  // 3. getTracePacked of a 1,000-span trace with a pause merged, against one of the same shape without.
  const probe = probeAnswer(spansA, inFlight, BigInt(nowMs) * 1_000_000n);
  const paused = await debug['tracelens/debugPaused']!({ sessionId: 'bench-pause', sessionName: 'Launch trace-svc-0', probe });
  if (paused.status !== 'span' || paused.spans !== traceSpans + inFlight) throw new Error(`debugPaused answered ${JSON.stringify(paused).slice(0, 200)}`);
  const withPause: number[] = [];
  const withoutPause: number[] = [];
  for (let i = 0; i < searches * 2 + 3; i++) {
    let s = performance.now();
    const a = await data['tracelens/getTracePacked']!({ traceId: traceA });
    const x = performance.now() - s;
    s = performance.now();
    const b = await data['tracelens/getTracePacked']!({ traceId: traceB });
    const y = performance.now() - s;
    if (!a || !b) throw new Error('a trace is missing');
    if (i < 3) continue;
    withPause.push(x);
    withoutPause.push(y);
  }
  const merged = unpackTrace((await data['tracelens/getTracePacked']!({ traceId: traceA }))!);
  if (merged.spans.length !== traceSpans + inFlight || merged.live?.runningSpanIds.length !== inFlight - Math.floor(inFlight / 5)) throw new Error(`the merged trace has ${merged.spans.length} spans`);
  await debug['tracelens/debugResumed']!({ sessionId: 'bench-pause' });

  const row = (name: string, xs: readonly number[], ref?: readonly number[]): void => {
    const ratio = ref ? `   ${(median(xs) / median(ref)).toFixed(2)}x / ${(percentile(xs, 99) / percentile(ref, 99)).toFixed(2)}x the reference` : '';
    console.log(`  ${name.padEnd(60)} p50 ${ms(median(xs)).padStart(9)}   p99 ${ms(percentile(xs, 99)).padStart(9)}${ratio}`);
  };
  const kb = (text: string): string => `${int(Math.round(text.length / 1024))} KB`;
  console.log(`\nactive-span probe in a paused Node process (real SDK 3, CDP over ws, ${evaluations} evaluations each, alternating with the reference)`);
  row(`probe, small trace (${small.spans} spans read, answer ${kb(small.text)})`, small.probe, small.reference);
  row('  of which the probe running in the debuggee', small.inside, small.reference);
  row(`probe, big trace (${big.spans} spans x ${perSpan} attrs, answer ${kb(big.text)})`, big.probe, big.reference);
  row('  of which the probe running in the debuggee', big.inside, big.reference);
  row("reference: evaluateOnCallFrame('1+1') (small debuggee)", small.reference);
  row("reference: evaluateOnCallFrame('1+1') (big debuggee)", big.reference);
  console.log(`\nthe big answer on the server (${kb(big.text)}, ${int(stats.spanCount)} spans stored, ${rounds} rounds)`);
  row('parsePausedSpans', parseTimes, jsonTimes);
  row('tracelens/debugPaused handler (parse, getTrace, merge)', handlerTimes, jsonTimes);
  row('reference: JSON.parse of the answer', jsonTimes);
  console.log(
    `\nsession traces: ${int(stats.spanCount)} spans in ${int(stats.traceCount)} traces of ${services} services; ${int(sessionSpans)} spans (${int(filled.sessionTraces)} traces) ` +
      `carry ${SESSION_ATTRIBUTE} and the session's pid (${searches} requests each, alternating; limit ${LIMIT}, ${sessionCount} traces answered)`,
  );
  row('tracelens/sessionTraces', sessionTimes, findTimes);
  row(`reference: tracelens/findTraces { limit: ${LIMIT} }`, findTimes);
  for (const [k, q] of queries.entries()) row(`  of which store.findTraces: ${q.attributes?.[0]?.key ?? q.service ?? '?'}${q.startFromNanos ? ' + window' : ''}`, perQuery[k]!, findTimes);
  console.log(
    `  first calls: sessionTraces ${ms(firstCalls.session)} (${int(firstCalls.decoded)} frames decoded), findTraces ${ms(firstCalls.find)}; ` +
      `later sessionTraces decoded ${(decodedPerCall / searches).toFixed(1)} frames a call`,
  );
  console.log(`\ntrace read: tracelens/getTracePacked of a ${int(traceSpans)}-span trace (${searches * 2} requests each, alternating)`);
  row(`with a pause merged (${inFlight} in-flight spans)`, withPause, withoutPause);
  row('reference: the same shape, no pause', withoutPause);
  console.log(
    `\nstore filled in ${fillSeconds.toFixed(1)} s (${int(stats.spanCount)} spans, ${int(stats.evictedSpans)} evicted); ${os.cpus().length} cores, Node ${process.version}; ` +
      `1-min load average at the end ${os.loadavg()[0]!.toFixed(1)}; ${((performance.now() - t0) / 1000).toFixed(0)} s in all`,
  );
  await server.close();
  return 0;
}

runMain('bench/debug', main, temporary.cleanUp);
