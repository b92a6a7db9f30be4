// The debug integration's pure core: the OTEL_* environment a debugged program gets (otelEnv.ts), which traces belong
// to a debug session (sessions.ts), the probe's answer read as untrusted text (probe.ts), and a paused process's spans
// merged into its trace (paused.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEBUG_BATCH_DELAY_MS, otelEnvironment, parseEnvFile, resourceAttributeKeys, serviceNameFrom, SESSION_ATTRIBUTE } from '../../src/core/debug/otelEnv';
import type { EnvRequest } from '../../src/core/debug/otelEnv';
import { mergePaused, pausedChain } from '../../src/core/debug/paused';
import type { Pause } from '../../src/core/debug/paused';
import { atPause, MAX_PROBE_CHARS, parsePausedSpans } from '../../src/core/debug/probe';
import type { PausedSpans } from '../../src/core/debug/probe';
import { mergeSummaries, sessionQueries } from '../../src/core/debug/sessions';
import type { Span } from '../../src/core/model';
import { MalformedPayloadError } from '../../src/core/model';
import type { WireDebugSession } from '../../src/protocol/messages';
import type { WireTraceSummary } from '../../src/protocol/wire';
import { modelSpan } from '../helpers/spans';

const HTTP = 'http://127.0.0.1:4318';
const GRPC = 'http://127.0.0.1:4317';
const env = (userEnv: EnvRequest['userEnv'], more: Partial<EnvRequest> = {}): ReturnType<typeof otelEnvironment> =>
  otelEnvironment({ userEnv, endpoints: { http: HTTP, grpc: GRPC }, protocol: 'http/protobuf', ...more });

describe('otelEnvironment', () => {
  it('adds the endpoint, protocol, service, fast batches, sampling, no metrics and the session tag to an empty environment', () => {
    const plan = env({}, { serviceName: '  Launch API\n(dev) ', sessionTag: 'a b/c' });
    assert.deepEqual(plan.add, {
      OTEL_EXPORTER_OTLP_ENDPOINT: HTTP,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_SERVICE_NAME: 'Launch API (dev)',
      OTEL_BSP_SCHEDULE_DELAY: DEBUG_BATCH_DELAY_MS,
      OTEL_TRACES_SAMPLER: 'always_on',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_RESOURCE_ATTRIBUTES: `${SESSION_ATTRIBUTE}=a%20b%2Fc`,
    });
    assert.deepEqual(plan.kept, []);
    assert.equal(plan.endpoint, HTTP);
    assert.equal(plan.problem, undefined);
  });

  it('never replaces a variable the user set, to a value or to null (unset on purpose)', () => {
    const names = ['OTEL_SERVICE_NAME', 'OTEL_BSP_SCHEDULE_DELAY', 'OTEL_TRACES_SAMPLER', 'OTEL_METRICS_EXPORTER', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_RESOURCE_ATTRIBUTES'];
    for (const name of names) {
      for (const value of ['user-value', null]) {
        const plan = env({ [name]: value }, { serviceName: 'svc', sessionTag: 's1' });
        // The session tag goes after the user's resource attributes (below); everything else stays as the user set it.
        if (name === 'OTEL_RESOURCE_ATTRIBUTES' && value !== null) assert.equal(plan.add[name], `user-value,${SESSION_ATTRIBUTE}=s1`);
        else assert.ok(!(name in plan.add), `${name}=${String(value)} was replaced by ${plan.add[name]}`);
        assert.deepEqual(plan.kept, [name]);
      }
    }
    // Blank is not set: SDKs read an empty variable as absent.
    assert.equal(env({ OTEL_TRACES_SAMPLER: '  ' }).add['OTEL_TRACES_SAMPLER'], 'always_on');
    assert.deepEqual(env({ OTEL_TRACES_SAMPLER: undefined, PATH: '/bin' }).kept, []);
  });

  it('leaves an unset endpoint unset and says so; an unset protocol means the SDK default, http/protobuf', () => {
    const unsetEndpoint = env({ OTEL_EXPORTER_OTLP_ENDPOINT: null });
    assert.equal(unsetEndpoint.endpoint, undefined);
    assert.ok(!('OTEL_EXPORTER_OTLP_PROTOCOL' in unsetEndpoint.add));
    assert.match(unsetEndpoint.problem ?? '', /unsets OTEL_EXPORTER_OTLP_ENDPOINT/);
    const unsetProtocol = env({ OTEL_EXPORTER_OTLP_PROTOCOL: null }, { protocol: 'grpc' });
    assert.equal(unsetProtocol.add['OTEL_EXPORTER_OTLP_ENDPOINT'], HTTP);
    assert.ok(!('OTEL_EXPORTER_OTLP_PROTOCOL' in unsetProtocol.add));
  });

  it("leaves a launch that exports elsewhere alone; with the user's own endpoint on a receiver, adds the rest", () => {
    const elsewhere = env({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: ' http://collector:4318/v1/traces ' }, { serviceName: 'Launch', sessionTag: 't' });
    assert.equal(elsewhere.endpoint, 'http://collector:4318/v1/traces');
    assert.deepEqual(elsewhere.add, {}, 'no service name, sampler, batch delay, metrics or tag for a team collector');
    assert.match(elsewhere.problem ?? '', /exports to http:\/\/collector:4318\/v1\/traces .*leaves its environment alone/);
    const ours = env({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318/' }, { serviceName: 'Launch', sessionTag: 't' });
    assert.equal(ours.problem, undefined);
    assert.ok(!('OTEL_EXPORTER_OTLP_ENDPOINT' in ours.add));
    assert.equal(ours.add['OTEL_SERVICE_NAME'], 'Launch');
    assert.equal(ours.add['OTEL_RESOURCE_ATTRIBUTES'], `${SESSION_ATTRIBUTE}=t`);
    const unsetTraces = env({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: null });
    assert.ok(!('OTEL_EXPORTER_OTLP_ENDPOINT' in unsetTraces.add), 'traces would fall back to the general endpoint');
    assert.match(unsetTraces.problem ?? '', /unsets OTEL_EXPORTER_OTLP_TRACES_ENDPOINT/);
  });

  it("picks the receiver of the user's protocol (the traces variable first)", () => {
    const grpc = env({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    assert.equal(grpc.add['OTEL_EXPORTER_OTLP_ENDPOINT'], GRPC);
    assert.ok(!('OTEL_EXPORTER_OTLP_PROTOCOL' in grpc.add));
    const json = env({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }, { protocol: 'grpc' });
    assert.equal(json.endpoint, HTTP);
  });

  it('falls back to the other receiver when the preferred one is off, naming its protocol', () => {
    assert.deepEqual(
      [otelEnvironment({ userEnv: {}, endpoints: { grpc: GRPC }, protocol: 'http/protobuf' })].map((p) => [p.add['OTEL_EXPORTER_OTLP_ENDPOINT'], p.add['OTEL_EXPORTER_OTLP_PROTOCOL']]),
      [[GRPC, 'grpc']],
    );
    assert.deepEqual(
      [otelEnvironment({ userEnv: {}, endpoints: { http: HTTP }, protocol: 'grpc' })].map((p) => [p.add['OTEL_EXPORTER_OTLP_ENDPOINT'], p.add['OTEL_EXPORTER_OTLP_PROTOCOL']]),
      [[HTTP, 'http/protobuf']],
    );
    // The user's protocol is not changed behind their back: no fallback, a problem instead.
    const wanted = otelEnvironment({ userEnv: { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, endpoints: { http: HTTP }, protocol: 'http/protobuf' });
    assert.equal(wanted.endpoint, undefined);
    assert.ok(!('OTEL_EXPORTER_OTLP_ENDPOINT' in wanted.add));
    assert.match(wanted.problem ?? '', /no TraceLens receiver listens for OTEL_EXPORTER_OTLP_PROTOCOL=grpc/);
  });

  it('says that no receiver listens when both are off, and still adds the rest', () => {
    const plan = otelEnvironment({ userEnv: {}, endpoints: {}, protocol: 'http/protobuf', serviceName: 'svc' });
    assert.equal(plan.endpoint, undefined);
    assert.equal(plan.problem, 'no TraceLens OTLP receiver is listening; turn one on in the tracelens.receivers settings');
    assert.ok(!('OTEL_EXPORTER_OTLP_ENDPOINT' in plan.add) && !('OTEL_EXPORTER_OTLP_PROTOCOL' in plan.add));
    assert.equal(plan.add['OTEL_SERVICE_NAME'], 'svc');
  });

  it('adds no service name when the user names the service in OTEL_RESOURCE_ATTRIBUTES (percent-encoded too)', () => {
    assert.ok(!('OTEL_SERVICE_NAME' in env({ OTEL_RESOURCE_ATTRIBUTES: 'team=a, service.name = billing' }, { serviceName: 'Launch' }).add));
    assert.ok(!('OTEL_SERVICE_NAME' in env({ OTEL_RESOURCE_ATTRIBUTES: 'service%2Ename=billing' }, { serviceName: 'Launch' }).add));
    assert.equal(env({ OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=shop' }, { serviceName: 'Launch' }).add['OTEL_SERVICE_NAME'], 'Launch');
    assert.ok(!('OTEL_SERVICE_NAME' in env({}, { serviceName: ' \n ' }).add), 'a blank configuration name names no service');
  });

  it("appends the session tag after the user's resource attributes, once", () => {
    assert.equal(env({ OTEL_RESOURCE_ATTRIBUTES: 'team=a,tier=web' }, { sessionTag: 's1' }).add['OTEL_RESOURCE_ATTRIBUTES'], `team=a,tier=web,${SESSION_ATTRIBUTE}=s1`);
    assert.equal(env({ OTEL_RESOURCE_ATTRIBUTES: 'team=a, ' }, { sessionTag: 's1' }).add['OTEL_RESOURCE_ATTRIBUTES'], `team=a,${SESSION_ATTRIBUTE}=s1`);
    assert.ok(!('OTEL_RESOURCE_ATTRIBUTES' in env({ OTEL_RESOURCE_ATTRIBUTES: `${SESSION_ATTRIBUTE}=other` }, { sessionTag: 's1' }).add));
    assert.ok(!('OTEL_RESOURCE_ATTRIBUTES' in env({}).add), 'no tag for a terminal');
  });

  it('adds nothing more when its own plan is applied and asked again (keeping it idempotent is up to the caller)', () => {
    const user = { OTEL_RESOURCE_ATTRIBUTES: 'team=a', NODE_ENV: 'dev' };
    const first = env(user, { serviceName: 'svc', sessionTag: 's1' });
    const again = env({ ...user, ...first.add }, { serviceName: 'svc', sessionTag: 's1' });
    assert.deepEqual(again.add, {});
    assert.equal(again.endpoint, HTTP);
  });
});

describe('resourceAttributeKeys and serviceNameFrom', () => {
  it('reads the decoded keys of OTEL_RESOURCE_ATTRIBUTES, skipping empty ones', () => {
    assert.deepEqual(resourceAttributeKeys(' a=1, b = 2,,c%2Ed=3,=x,%E0%A4%A=bad'), ['a', 'b', 'c.d', '%E0%A4%A']);
    assert.deepEqual(resourceAttributeKeys(''), []);
  });

  it('makes one trimmed line of at most 100 characters', () => {
    assert.equal(serviceNameFrom('\tRun\r\n tests  '), 'Run tests');
    assert.equal(serviceNameFrom('x'.repeat(150)).length, 100);
  });
});

describe('parseEnvFile', () => {
  it('reads assignments with export, quotes, escapes and comments; skips other lines', () => {
    const text = [
      '# a comment',
      'export API_URL=http://localhost:8080/#frag',
      'PLAIN = value with spaces   # trailing comment',
      'EMPTY=',
      'ONLY_COMMENT= # nothing',
      "SINGLE='keep \\n and # as is'",
      'DOUBLE="line1\\nline2 \\"quoted\\" back\\\\slash" # comment after quotes',
      'HASH="a # in quotes"',
      'UNCLOSED="abc',
      'not an assignment',
      '1BAD=x',
      'OTEL_RESOURCE_ATTRIBUTES=a=1,b=2\r',
      '  export   SPACED=1',
    ].join('\n');
    assert.deepEqual(parseEnvFile(text), {
      API_URL: 'http://localhost:8080/#frag',
      PLAIN: 'value with spaces',
      EMPTY: '',
      ONLY_COMMENT: '',
      SINGLE: 'keep \\n and # as is',
      DOUBLE: 'line1\nline2 "quoted" back\\slash',
      HASH: 'a # in quotes',
      UNCLOSED: '"abc',
      OTEL_RESOURCE_ATTRIBUTES: 'a=1,b=2',
      SPACED: '1',
    });
  });
});

describe('sessionQueries', () => {
  const session = (o: Partial<WireDebugSession> = {}): WireDebugSession => ({ id: 'sess-1', name: 'Launch', startNanos: '5000000000', pids: [], ...o });
  const tag = { attributes: [{ key: SESSION_ATTRIBUTE, op: '=', value: 'sess-1' }], limit: 50 };

  it('asks for the tag always, and for each process id within the window (a second of slack each side)', () => {
    assert.deepEqual(sessionQueries(session({ pids: [41, 42], endNanos: '9000000000', serviceName: 'svc' }), 50), [
      tag,
      { startFromNanos: '4000000000', startToNanos: '10000000000', attributes: [{ key: 'process.pid', op: '=', value: 41 }], limit: 50 },
      { startFromNanos: '4000000000', startToNanos: '10000000000', attributes: [{ key: 'process.pid', op: '=', value: 42 }], limit: 50 },
    ]);
  });

  it('asks for the service only while no usable process id is known; an open session has no end', () => {
    assert.deepEqual(sessionQueries(session({ serviceName: 'svc' }), 50), [tag, { startFromNanos: '4000000000', service: 'svc', limit: 50 }]);
    assert.deepEqual(sessionQueries(session({ serviceName: 'svc', pids: [Number.NaN, 1.5, -3] }), 50), [tag, { startFromNanos: '4000000000', service: 'svc', limit: 50 }]);
    assert.deepEqual(sessionQueries(session(), 50), [tag]);
    assert.equal(sessionQueries(session({ startNanos: '200' }), 50).length, 1);
    assert.deepEqual(sessionQueries(session({ startNanos: '200', serviceName: 'svc' }), 50)[1], { startFromNanos: '0', service: 'svc', limit: 50 });
  });

  it('refuses a start or end that is not decimal Unix nanoseconds, naming the field', () => {
    for (const bad of ['', 'abc', '-5', '1e9', '1'.repeat(21)]) assert.throws(() => sessionQueries(session({ startNanos: bad }), 50), /session\.startNanos must be Unix nanoseconds/);
    assert.throws(() => sessionQueries(session({ startNanos: 7 as unknown as string }), 50), RangeError);
    assert.throws(() => sessionQueries(session({ endNanos: 'soon' }), 50), /session\.endNanos/);
  });
});

describe('mergeSummaries', () => {
  const summary = (traceId: string, start: bigint, rootName = 'op'): WireTraceSummary => ({
    traceId,
    rootService: 'svc',
    rootName,
    hasRoot: true,
    startTimeUnixNano: String(start),
    durationNanos: '1',
    spanCount: 1,
    errorCount: 0,
    orphanCount: 0,
    services: [{ service: 'svc', spans: 1 }],
  });

  it('lists each trace once (the first answer wins), newest first, at most the limit', () => {
    const a = summary('a'.repeat(32), 10n);
    const b = summary('b'.repeat(32), 30n);
    const c = summary('c'.repeat(32), 20n);
    const d = summary('d'.repeat(32), 30n);
    const merged = mergeSummaries([[a, b], [summary('b'.repeat(32), 30n, 'later copy'), c], [], [d]], 10);
    assert.deepEqual(merged.map((t) => t.traceId[0]), ['b', 'd', 'c', 'a']);
    assert.equal(merged[0]!.rootName, 'op');
    assert.deepEqual(mergeSummaries([[a, b], [c, d]], 2).map((t) => t.traceId[0]), ['b', 'd']);
    assert.deepEqual(mergeSummaries([], 5), []);
  });
});

describe('parsePausedSpans (the debuggee answers, so nothing is trusted)', () => {
  const TRACE = '0af7651916cd43dd8448eb211c80319c';
  const OTHER = '1af7651916cd43dd8448eb211c80319c';
  const ACTIVE = 'b7ad6b7169203331';
  const PARENT = '00f067aa0ba902b7';
  const otlp = (traceId: string, spanId: string, name: string, parentSpanId = ''): Record<string, unknown> => ({
    traceId,
    spanId,
    parentSpanId,
    name,
    kind: 2,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000500000000',
  });
  const answer = (o: Record<string, unknown> = {}): string =>
    JSON.stringify({
      tracelens: 1,
      now: '1700000000500000000',
      otel: true,
      active: { traceId: TRACE, spanId: ACTIVE },
      running: [ACTIVE],
      unexported: [PARENT],
      request: { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] }, scopeSpans: [{ spans: [otlp(TRACE, ACTIVE, 'inner', PARENT), otlp(TRACE, PARENT, 'outer')] }] }] },
      ...o,
    });
  const span = (p: PausedSpans): Extract<PausedSpans, { kind: 'span' }> => {
    assert.equal(p.kind, 'span');
    return p as Extract<PausedSpans, { kind: 'span' }>;
  };

  it('reads the probe answer: the active span, its spans, which run and which wait for export, and the clock', () => {
    const found = span(parsePausedSpans(answer()));
    assert.equal(found.traceId, TRACE);
    assert.equal(found.spanId, ACTIVE);
    assert.deepEqual(found.spans.map((s) => [s.spanId, s.name, s.parentSpanId]), [
      [ACTIVE, 'inner', PARENT],
      [PARENT, 'outer', ''],
    ]);
    assert.deepEqual([...found.running], [ACTIVE]);
    assert.deepEqual([...found.unexported], [PARENT]);
    assert.equal(found.now, 1_700_000_000_500_000_000n);
  });

  it('throws MalformedPayloadError on text that is not its answer', () => {
    for (const text of ['', 'not json', '{"tracelens":', 'null', '[]', '"text"', '42', '{}', '{"tracelens":2,"otel":true}', '{"tracelens":"1"}']) {
      assert.throws(() => parsePausedSpans(text), MalformedPayloadError, text);
    }
    assert.throws(() => parsePausedSpans(answer({ now: 'later' })), /no time/);
    assert.throws(() => parsePausedSpans(answer({ now: '-1' })), /no time/);
    assert.throws(() => parsePausedSpans(answer({ running: 'all' })), /no running list/);
    assert.throws(() => parsePausedSpans(answer({ unexported: { length: 1 } })), /no unexported list/);
    assert.throws(() => parsePausedSpans(answer({ request: 'spans' })), MalformedPayloadError);
    assert.throws(() => parsePausedSpans(answer({ request: { resourceSpans: [{ scopeSpans: [{ spans: [{ ...otlp(TRACE, ACTIVE, 'x'), startTimeUnixNano: 'soon' }] }] }] } })), MalformedPayloadError);
    // The probe failed before it found a span: its error is the message.
    assert.throws(() => parsePausedSpans(answer({ active: null, error: 'x is not a function' })), /an error: x is not a function/);
  });

  it('refuses a huge answer before parsing it, and one nested deeper than the stack', () => {
    const huge = `{"tracelens":1,"pad":"${'x'.repeat(MAX_PROBE_CHARS)}"}`;
    assert.throws(() => parsePausedSpans(huge), /characters \(more than 8388608\)/);
    const n = 1_000_000;
    const deep = answer({ request: null }).replace('"request":null', `"request":${'['.repeat(n)}${']'.repeat(n)}`);
    assert.ok(deep.length < MAX_PROBE_CHARS);
    assert.throws(() => parsePausedSpans(deep), MalformedPayloadError);
  });

  it('answers no-otel and no-span, and no-span for an active context that is invalid (zero or malformed ids)', () => {
    assert.deepEqual(parsePausedSpans(answer({ otel: false, active: null })), { kind: 'no-otel' });
    assert.deepEqual(parsePausedSpans(answer({ otel: 'yes' })), { kind: 'no-otel' });
    assert.deepEqual(parsePausedSpans(answer({ active: null })), { kind: 'no-span' });
    assert.deepEqual(parsePausedSpans(answer({ active: undefined })), { kind: 'no-span' });
    for (const active of [{ traceId: '0'.repeat(32), spanId: ACTIVE }, { traceId: TRACE, spanId: '0'.repeat(16) }, { traceId: 'xyz', spanId: ACTIVE }, { traceId: TRACE, spanId: 7 }, 'span', 5]) {
      assert.deepEqual(parsePausedSpans(answer({ active })), { kind: 'no-span' }, JSON.stringify(active));
    }
  });

  it('drops bad ids from the lists, spans with bad ids, and spans of other traces', () => {
    const found = span(
      parsePausedSpans(
        answer({
          running: [ACTIVE, 'zz', 12, null, 'B7AD6B7169203331x', PARENT.slice(1)],
          unexported: [{}, PARENT],
          request: {
            resourceSpans: [
              { scopeSpans: [{ spans: [otlp(TRACE, ACTIVE, 'inner'), otlp(OTHER, PARENT, 'elsewhere'), otlp(TRACE, 'nothex!!nothex!!', 'bad id'), otlp(TRACE, PARENT, 'bad parent', 'short'), otlp('0'.repeat(32), PARENT, 'zero trace')] }] },
            ],
          },
        }),
      ),
    );
    assert.deepEqual([...found.running], [ACTIVE]);
    assert.deepEqual([...found.unexported], [PARENT]);
    assert.deepEqual(found.spans.map((s) => s.name), ['inner']);
  });
});

describe('mergePaused and pausedChain', () => {
  const TRACE = 'ab'.repeat(16);
  const id = (n: number): string => n.toString(16).padStart(16, '0');
  const T0 = 1_700_000_000_000_000_000n;
  const s = (n: number, parent: number, startMs: number, endMs: number, o: Partial<Span> = {}): Span =>
    modelSpan({ traceId: TRACE, spanId: id(n), parentSpanId: parent ? id(parent) : '', name: `s${n}`, startTimeUnixNano: T0 + BigInt(startMs) * 1_000_000n, endTimeUnixNano: T0 + BigInt(endMs) * 1_000_000n, ...o });
  const pause = (spans: readonly Span[], active: number, running: readonly number[], unexported: readonly number[]): Pause => ({
    sessionId: 'dap-1',
    sessionName: 'Launch API',
    found: { kind: 'span', traceId: TRACE, spanId: id(active), spans, running: new Set(running.map(id)), unexported: new Set(unexported.map(id)), now: T0 + 50_000_000n },
  });

  //   s1 (stored, final)      |==========|
  //     s2 (stored; the process still holds a copy)  |===|
  //     s3 (running)             |=======....   ends at the pause
  //       s4 (unexported)          |=|
  //       s5 (running, paused)        |==....
  it('keeps stored spans over the process copies; running and unexported name added spans only; sorted by start', () => {
    const stored = [s(1, 0, 0, 100), s(2, 1, 5, 10, { name: 'stored s2' })];
    const held = [s(5, 3, 30, 50), s(2, 1, 5, 50, { name: 'copy of s2' }), s(3, 1, 20, 50), s(4, 3, 25, 28)];
    const merged = mergePaused(stored, pause(held, 5, [5, 3, 2, 1], [4, 2]));
    assert.deepEqual(merged.spans.map((x) => x.name), ['s1', 'stored s2', 's3', 's4', 's5']);
    assert.equal(merged.spans[1], stored[1]);
    assert.deepEqual(merged.live, {
      pausedSpanId: id(5),
      runningSpanIds: [id(5), id(3)],
      unexportedSpanIds: [id(4)],
      pausedAtUnixNano: String(T0 + 50_000_000n),
      sessionName: 'Launch API',
    });
    assert.deepEqual(stored.map((x) => x.name), ['s1', 'stored s2'], 'the stored list is not changed');
  });

  it('moves running spans back to the moment of the pause (atPause), never before their start', () => {
    // s1 started at 0 and s2 at 40 ms; both still running when the probe ran at 50 ms, 20 ms after the pause.
    const found = pause([s(1, 0, 0, 50), s(2, 1, 40, 50), s(3, 1, 1, 5)], 2, [1, 2], [3]).found;
    const at = atPause(found, 20_000_000n);
    assert.equal(at.now, T0 + 30_000_000n);
    assert.deepEqual(
      at.spans.map((x) => [x.name, Number((x.endTimeUnixNano - T0) / 1_000_000n)]),
      [['s1', 30], ['s2', 40], ['s3', 5]],
      's1 ends at the pause, s2 (started after it by this clock) at its start, the ended s3 unchanged',
    );
    assert.equal(atPause(found, 0n), found);
    assert.equal(found.spans[0]!.endTimeUnixNano, T0 + 50_000_000n, 'the answer it was given is not changed');
  });

  it('merges every paused process of the trace; the newest pause names the paused span', () => {
    // frontend (paused earlier) holds s1 running; orders (paused now) holds s2 running under it and s3 queued.
    const frontend = { ...pause([s(1, 0, 0, 50)], 1, [1], []), sessionId: 'dap-frontend', sessionName: 'frontend.js' };
    const orders = { ...pause([s(2, 1, 5, 50), s(3, 2, 6, 9), s(1, 0, 0, 50)], 2, [2], [3]), sessionId: 'dap-orders', sessionName: 'orders.js' };
    const merged = mergePaused(undefined, [frontend, orders]);
    assert.deepEqual(merged.spans.map((x) => x.name), ['s1', 's2', 's3'], 'each span once');
    assert.equal(merged.live.pausedSpanId, id(2));
    assert.equal(merged.live.sessionName, 'orders.js');
    assert.deepEqual([...merged.live.runningSpanIds].sort(), [id(1), id(2)]);
    assert.deepEqual(merged.live.unexportedSpanIds, [id(3)]);
    assert.deepEqual(pausedChain(merged).map((c) => [c.name, c.running]), [['s2', true], ['s1', true]]);
  });

  it('stands alone when nothing is stored, and returns the stored list itself when the process adds nothing', () => {
    const alone = mergePaused(undefined, pause([s(2, 1, 10, 50), s(1, 0, 0, 50)], 2, [1, 2], []));
    assert.deepEqual(alone.spans.map((x) => x.name), ['s1', 's2']);
    assert.deepEqual(alone.live.runningSpanIds, [id(1), id(2)]);
    const stored = [s(1, 0, 0, 100)];
    const same = mergePaused(stored, pause([s(1, 0, 0, 50)], 1, [1], []));
    assert.equal(same.spans, stored);
    assert.deepEqual(same.live.runningSpanIds, []);
  });

  it('walks from the paused span up its ancestors, innermost first, until an unknown parent', () => {
    const service = { attributes: [{ key: 'service.name', value: 'api' }], droppedAttributesCount: 0, schemaUrl: '' };
    const merged = mergePaused([s(1, 0, 0, 100), s(9, 8, 0, 1)], pause([s(3, 1, 20, 50, { resource: service }), s(5, 3, 30, 50)], 5, [5, 3], []));
    assert.deepEqual(pausedChain(merged), [
      { spanId: id(5), name: 's5', service: 'unknown_service', running: true, durationNanos: '20000000' },
      { spanId: id(3), name: 's3', service: 'api', running: true, durationNanos: '30000000' },
      { spanId: id(1), name: 's1', service: 'unknown_service', running: false, durationNanos: '100000000' },
    ]);
    const gap = mergePaused(undefined, pause([s(5, 3, 30, 50)], 5, [5], []));
    assert.deepEqual(pausedChain(gap).map((c) => c.spanId), [id(5)]);
    assert.deepEqual(pausedChain(mergePaused(undefined, pause([s(5, 3, 30, 50)], 7, [], []))), [], 'the paused span unknown: no chain');
  });

  it('stops at a cycle and after 64 spans, and never reports a negative duration', () => {
    const cycle = mergePaused(undefined, pause([s(1, 2, 0, 10), s(2, 3, 0, 10), s(3, 1, 5, 4)], 1, [], []));
    assert.deepEqual(pausedChain(cycle).map((c) => [c.spanId, c.durationNanos]), [
      [id(1), '10000000'],
      [id(2), '10000000'],
      [id(3), '0'],
    ]);
    const deep = Array.from({ length: 100 }, (_, i) => s(i + 1, i + 2, i, 100));
    assert.equal(pausedChain(mergePaused(undefined, pause(deep, 1, [], []))).length, 64);
  });
});
