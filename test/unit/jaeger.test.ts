// Jaeger's query API JSON: the span model -> Jaeger UI JSON against fixtures recorded in Jaeger's repository, the import
// back (round trip), every query parameter and every error message.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/core/address';
import {
  fromJaegerJson,
  jaegerError,
  jaegerResponse,
  jaegerSpanKind,
  jaegerTraceIdsParam,
  parseGoDuration,
  parseJaegerDependenciesQuery,
  parseJaegerSpanKind,
  parseJaegerTracesQuery,
  parseOperationsQuery,
  parseRfc3339,
  parseV3TracesQuery,
  toJaegerDependencies,
  toJaegerOperationNames,
  toJaegerOperations,
  toJaegerTrace,
  toV3Operations,
  WARNINGS_ATTRIBUTE,
} from '../../src/core/jaeger';
import type { JaegerKeyValue, JaegerTrace } from '../../src/core/jaeger';
import type { Attributes, LogRecord, Resource, Span } from '../../src/core/model';
import { EMPTY_ATTRIBUTES, EMPTY_SCOPE, MalformedPayloadError, SpanKind, SpanStatusCode, UNSET_STATUS } from '../../src/core/model';
import { decodeTraceRequestJson } from '../../src/core/otlp/json';
import type { OperationInfo } from '../../src/core/store/store';
import { modelSpan } from '../helpers/spans';

const FIXTURES = join(__dirname, '..', 'fixtures', 'jaeger');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
/** What a client sees: the value after JSON.stringify and JSON.parse. */
const asJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

const TRACE = '83a9efd15c1c98a977e0711cc93ee28b';
const OTHER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const T0 = 1_706_678_909_209_712_000n; // a whole number of microseconds: Jaeger keeps microseconds

function resource(attributes: Attributes): Resource {
  return { attributes, droppedAttributesCount: 0, schemaUrl: '' };
}

const CHECKOUT = resource([
  { key: 'service.name', value: 'checkout' },
  { key: 'host.name', value: 'box-1' },
  { key: 'process.pid', value: 4242n },
]);

function span(o: Partial<Span> & Pick<Span, 'spanId'>): Span {
  return modelSpan({ traceId: TRACE, startTimeUnixNano: T0, endTimeUnixNano: T0 + 5_000n, resource: CHECKOUT, ...o });
}

function roundTrip(spans: readonly Span[]): readonly Span[] {
  const batch = fromJaegerJson(JSON.stringify(jaegerResponse([toJaegerTrace(TRACE, spans)])));
  assert.equal(batch.rejectedSpans, 0, batch.rejectReasons.join('; '));
  return batch.spans;
}

/** The exact message; a RegExp where it quotes V8's JSON.parse text, which differs between Node versions. */
function malformed(text: string, message: string | RegExp): void {
  assert.throws(() => fromJaegerJson(text), (e: unknown) => {
    assert.ok(e instanceof MalformedPayloadError, `not a MalformedPayloadError: ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

function configError(run: () => unknown, message: string | RegExp): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe('Jaeger fixtures', () => {
  it('renders Jaeger\'s otlp2jaeger-in.json exactly as Jaeger\'s otlp2jaeger-out.json', () => {
    // Both files: jaegertracing/jaeger cmd/jaeger/internal/extension/jaegerquery/internal/fixture/otlp2jaeger-{in,out}.json,
    // the OTLP JSON that Jaeger's /api/transform takes and the /api/traces response it answers with. The spans are
    // decoded by TraceLens's own OTLP JSON decoder, so this is the real model -> Jaeger JSON, byte for byte as JSON.
    const decoded = decodeTraceRequestJson(fixture('otlp2jaeger-in.json'));
    assert.equal(decoded.spans.length, 2);
    const response = jaegerResponse([toJaegerTrace(TRACE, decoded.spans)]);
    assert.deepEqual(asJson(response), JSON.parse(fixture('otlp2jaeger-out.json')));
  });

  it('imports Jaeger\'s ui_01.json and writes it back as Jaeger itself normalises it', () => {
    // jaegertracing/jaeger internal/uimodel/converter/v1/json/fixtures/ui_01.json: the UI model Jaeger's converter
    // produces, with every kind of tag value, logs, references and warnings.
    const original = JSON.parse(fixture('ui_01.json')) as JaegerTrace;
    const batch = fromJaegerJson(fixture('ui_01.json'));
    assert.equal(batch.rejectedSpans, 0);
    const written = asJson(toJaegerTrace(original.traceID, batch.spans)) as JaegerTrace;

    // What differs is what Jaeger v2 (OTLP inside, the collector's translator in and out) does to the same trace:
    const expected = structuredClone(original) as { -readonly [K in keyof JaegerTrace]: JaegerTrace[K] } & { spans: { tags: JaegerKeyValue[]; references: unknown[] }[] };
    const kindTag: JaegerKeyValue = { key: 'span.kind', type: 'string', value: 'internal' };
    for (const s of expected.spans) {
      // 1. A span without span.kind is an INTERNAL span (the model has no "unspecified"), and says so.
      if (s.tags.some((t) => t.key === 'error')) {
        // 2. error=true is the span's ERROR status, written after the attributes as otel.status_code and error.
        s.tags = [...s.tags.filter((t) => t.key !== 'error'), kindTag, { key: 'otel.status_code', type: 'string', value: 'ERROR' }, { key: 'error', type: 'bool', value: true }];
      } else {
        s.tags = [...s.tags, kindTag];
      }
    }
    // 3. Span 4's parent is its first CHILD_OF in the trace (span 2); its FOLLOWS_FROM to the same span turns the
    //    parent reference into FOLLOWS_FROM; the CHILD_OF into another trace is a link and comes after the parent.
    expected.spans[3]!.references = [
      { refType: 'FOLLOWS_FROM', traceID: '00000000000000000000000000000001', spanID: '0000000000000002' },
      { refType: 'CHILD_OF', traceID: '000000000000000000000000000000ff', spanID: '00000000000000ff' },
    ];
    // 4. Trace-level warnings are Jaeger's own (from its adjusters); they are not kept. Span warnings are.
    expected.warnings = null;
    assert.deepEqual(written, expected);
  });

  it('reads every ui_01.json value with its type', () => {
    const [first, errorSpan, child, refs] = fromJaegerJson(fixture('ui_01.json')).spans;
    assert.ok(first && errorSpan && child && refs);
    assert.deepEqual(first.events, [
      { timeUnixNano: 1485467191639875000n, name: 'some-event', attributes: [], droppedAttributesCount: 0 },
      { timeUnixNano: 1485467191639875000n, name: '', attributes: [{ key: 'x', value: 'y' }], droppedAttributesCount: 0 },
    ]);
    assert.deepEqual(errorSpan.status, { code: SpanStatusCode.ERROR, message: '' });
    assert.deepEqual(errorSpan.attributes, [
      { key: 'peer.service', value: 'service-y' },
      { key: 'peer.ipv4', value: 23456n },
      { key: 'temperature', value: 72.5 },
      { key: 'javascript_limit', value: 9223372036854775222n },
      { key: 'blob', value: new Uint8Array([0, 0, 0x30, 0x39]) },
    ]);
    assert.deepEqual(errorSpan.resource.attributes, [{ key: 'service.name', value: 'service-x' }]);
    assert.equal(first.resource, errorSpan.resource, 'spans of one process share one resource');
    assert.equal(child.parentSpanId, '0000000000000002');
    assert.equal(child.startTimeUnixNano, 1485467191639875000n);
    assert.equal(child.endTimeUnixNano, 1485467191639880000n);
    assert.equal(refs.parentSpanId, '0000000000000002');
    assert.deepEqual(refs.links.map((l) => [l.traceId, l.spanId, l.attributes]), [
      ['000000000000000000000000000000ff', '00000000000000ff', [{ key: 'opentracing.ref_type', value: 'child_of' }]],
      ['00000000000000000000000000000001', '0000000000000002', []],
    ]);
    assert.deepEqual(refs.attributes, [{ key: WARNINGS_ATTRIBUTE, value: ['some span warning'] }]);
  });

  it('lists operations as Jaeger\'s api/v3 GetOperations snapshot does', () => {
    // jaegertracing/jaeger cmd/jaeger/internal/extension/jaegerquery/internal/apiv3/snapshots/GetOperations.json
    const ops: OperationInfo[] = [{ service: 'foo', name: 'get_users', spanKind: SpanKind.SERVER }];
    assert.deepEqual({ operations: toV3Operations(ops) }, JSON.parse(fixture('GetOperations.json')));
  });
});

describe('toJaegerTrace', () => {
  it('writes scope, kind, status and trace state as the tags Jaeger uses, in Jaeger\'s order', () => {
    const s = span({
      spanId: '0000000000000001',
      kind: SpanKind.CLIENT,
      attributes: [{ key: 'http.method', value: 'GET' }],
      status: { code: SpanStatusCode.ERROR, message: 'boom' },
      traceState: 'vendor=1',
      scope: { ...EMPTY_SCOPE, name: 'lib', version: '1.2' },
    });
    assert.deepEqual(toJaegerTrace(TRACE, [s]).spans[0]!.tags, [
      { key: 'otel.scope.name', type: 'string', value: 'lib' },
      { key: 'otel.scope.version', type: 'string', value: '1.2' },
      { key: 'http.method', type: 'string', value: 'GET' },
      { key: 'span.kind', type: 'string', value: 'client' },
      { key: 'otel.status_code', type: 'string', value: 'ERROR' },
      { key: 'error', type: 'bool', value: true },
      { key: 'otel.status_description', type: 'string', value: 'boom' },
      { key: 'w3c.tracestate', type: 'string', value: 'vendor=1' },
    ]);
    const ok = toJaegerTrace(TRACE, [span({ spanId: '0000000000000001', status: { code: SpanStatusCode.OK, message: '' } })]);
    assert.deepEqual(ok.spans[0]!.tags.map((t) => `${t.key}=${String(t.value)}`), ['span.kind=internal', 'otel.status_code=OK']);
  });

  it('spells span kinds as Jaeger does', () => {
    assert.deepEqual(
      [SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER].map(jaegerSpanKind),
      ['internal', 'server', 'client', 'producer', 'consumer'],
    );
  });

  it('writes int64 as a number while it is exact and as a decimal string past 2^53, as Jaeger does', () => {
    const s = span({
      spanId: '0000000000000001',
      attributes: [
        { key: 'safe', value: 9007199254740991n },
        { key: 'big', value: 9007199254740993n },
        { key: 'negative', value: -9223372036854775808n },
        { key: 'nan', value: NaN },
        { key: 'inf', value: -Infinity },
        { key: 'list', value: ['a', 1n, 2.5, true, null, new Uint8Array([1])] },
        { key: 'map', value: { kvlist: [{ key: 'k', value: 'v' }] } },
        { key: 'empty', value: null },
      ],
    });
    assert.deepEqual(asJson(toJaegerTrace(TRACE, [s]).spans[0]!.tags.slice(0, -1)), [
      { key: 'safe', type: 'int64', value: 9007199254740991 },
      { key: 'big', type: 'int64', value: '9007199254740993' },
      { key: 'negative', type: 'int64', value: '-9223372036854775808' },
      { key: 'nan', type: 'float64', value: 'NaN' },
      { key: 'inf', type: 'float64', value: '-Infinity' },
      { key: 'list', type: 'string', value: '["a",1,2.5,true,null,"AQ=="]' },
      { key: 'map', type: 'string', value: '{"k":"v"}' },
      { key: 'empty', type: 'string', value: '' },
    ]);
  });

  it('names processes p1, p2, ... by first use, one per distinct service and tags', () => {
    const sameAsCheckout = resource([...CHECKOUT.attributes]);
    const other = resource([{ key: 'service.name', value: 'payments' }]);
    const bare = resource([]);
    const t = toJaegerTrace(TRACE, [
      span({ spanId: '0000000000000001', resource: other }),
      span({ spanId: '0000000000000002' }),
      span({ spanId: '0000000000000003', resource: sameAsCheckout }),
      span({ spanId: '0000000000000004', resource: bare }),
    ]);
    assert.deepEqual(t.spans.map((s) => s.processID), ['p1', 'p2', 'p2', 'p3']);
    assert.deepEqual(t.processes, {
      p1: { serviceName: 'payments', tags: [] },
      p2: {
        serviceName: 'checkout',
        tags: [
          { key: 'host.name', type: 'string', value: 'box-1' },
          { key: 'process.pid', type: 'int64', value: 4242 },
        ],
      },
      p3: { serviceName: 'unknown_service', tags: [] },
    });
  });

  it('writes times in microseconds, truncated, and a negative duration as 0', () => {
    const t = toJaegerTrace(TRACE, [
      span({ spanId: '0000000000000001', startTimeUnixNano: 1_000_999n, endTimeUnixNano: 3_000_500n }),
      span({ spanId: '0000000000000002', startTimeUnixNano: 5_000_000n, endTimeUnixNano: 4_000_000n }),
    ]);
    assert.deepEqual(t.spans.map((s) => [s.startTime, s.duration]), [[1000, 1999], [5000, 0]]);
  });

  it('puts the parent first and links after it; a link to the parent sets the parent\'s reference type', () => {
    const link = (traceId: string, spanId: string, attributes: Attributes = EMPTY_ATTRIBUTES) => ({ traceId, spanId, traceState: '', attributes, droppedAttributesCount: 0, flags: 0 });
    const t = toJaegerTrace(TRACE, [
      span({
        spanId: '0000000000000002',
        parentSpanId: '0000000000000001',
        links: [link(OTHER_TRACE, '00000000000000aa'), link(OTHER_TRACE, '00000000000000bb', [{ key: 'opentracing.ref_type', value: 'child_of' }])],
      }),
      span({ spanId: '0000000000000003', parentSpanId: '0000000000000001', links: [link(TRACE, '0000000000000001')] }),
    ]);
    assert.deepEqual(t.spans[0]!.references, [
      { refType: 'CHILD_OF', traceID: TRACE, spanID: '0000000000000001' },
      { refType: 'FOLLOWS_FROM', traceID: OTHER_TRACE, spanID: '00000000000000aa' },
      { refType: 'CHILD_OF', traceID: OTHER_TRACE, spanID: '00000000000000bb' },
    ]);
    assert.deepEqual(t.spans[1]!.references, [{ refType: 'FOLLOWS_FROM', traceID: TRACE, spanID: '0000000000000001' }]);
  });

  it('writes events as logs with an "event" field, unless an attribute already has that name', () => {
    const s = span({
      spanId: '0000000000000001',
      events: [
        { timeUnixNano: T0 + 1_000n, name: 'retry', attributes: [{ key: 'attempt', value: 2n }], droppedAttributesCount: 0 },
        { timeUnixNano: T0 + 2_000n, name: 'x', attributes: [{ key: 'event', value: 'own' }], droppedAttributesCount: 0 },
      ],
    });
    assert.deepEqual(toJaegerTrace(TRACE, [s]).spans[0]!.logs, [
      { timestamp: 1706678909209713, fields: [{ key: 'event', type: 'string', value: 'retry' }, { key: 'attempt', type: 'int64', value: 2 }] },
      { timestamp: 1706678909209714, fields: [{ key: 'event', type: 'string', value: 'own' }] },
    ]);
  });

  it('appends the log records of a span to its logs in time order, and leaves others out', () => {
    const record = (o: Partial<LogRecord>): LogRecord => ({
      timeUnixNano: 0n,
      observedTimeUnixNano: 0n,
      severityNumber: 0,
      severityText: '',
      body: null,
      attributes: EMPTY_ATTRIBUTES,
      droppedAttributesCount: 0,
      flags: 0,
      traceId: TRACE,
      spanId: '0000000000000001',
      eventName: '',
      resource: CHECKOUT,
      scope: EMPTY_SCOPE,
      ...o,
    });
    const s = span({ spanId: '0000000000000001', events: [{ timeUnixNano: T0 + 2_000n, name: 'ev', attributes: [], droppedAttributesCount: 0 }] });
    const logs = [
      record({ timeUnixNano: T0 + 3_000n, body: 'charged', severityNumber: 9, attributes: [{ key: 'amount', value: 12.5 }] }),
      record({ timeUnixNano: 0n, observedTimeUnixNano: T0 + 1_000n, body: 7n, severityNumber: 18, eventName: 'card.declined' }),
      record({ timeUnixNano: T0, body: 'elsewhere', spanId: '0000000000000009' }),
      record({ timeUnixNano: T0, body: 'other trace', traceId: OTHER_TRACE }),
      record({ timeUnixNano: T0 + 4_000n, severityText: 'Warning' }),
    ];
    assert.deepEqual(toJaegerTrace(TRACE, [s], logs).spans[0]!.logs, [
      {
        timestamp: 1706678909209713,
        fields: [
          { key: 'event', type: 'string', value: 'card.declined' },
          { key: 'message', type: 'int64', value: 7 },
          { key: 'level', type: 'string', value: 'ERROR2' },
        ],
      },
      { timestamp: 1706678909209714, fields: [{ key: 'event', type: 'string', value: 'ev' }] },
      {
        timestamp: 1706678909209715,
        fields: [
          { key: 'message', type: 'string', value: 'charged' },
          { key: 'level', type: 'string', value: 'INFO' },
          { key: 'amount', type: 'float64', value: 12.5 },
        ],
      },
      { timestamp: 1706678909209716, fields: [{ key: 'level', type: 'string', value: 'Warning' }] },
    ]);
  });
});

describe('jaegerResponse and jaegerError', () => {
  it('wrap data in Jaeger\'s envelope', () => {
    assert.deepEqual(jaegerResponse(['a', 'b'], null, 2), { data: ['a', 'b'], total: 2, limit: 0, offset: 0, errors: null });
    assert.deepEqual(jaegerResponse([]), { data: [], total: 0, limit: 0, offset: 0, errors: null });
    assert.deepEqual(jaegerError(400, "parameter 'service' is required"), {
      data: null,
      total: 0,
      limit: 0,
      offset: 0,
      errors: [{ code: 400, msg: "parameter 'service' is required" }],
    });
  });
});

describe('fromJaegerJson round trip', () => {
  it('gives back every span feature Jaeger can express', () => {
    const payments = resource([{ key: 'service.name', value: 'payments' }, { key: 'deployment.environment', value: 'dev' }]);
    const noService = resource([{ key: 'host.name', value: 'box-2' }]);
    const scope = { ...EMPTY_SCOPE, name: 'io.opentelemetry.http', version: '2.1.0' };
    const spans: Span[] = [
      span({ spanId: '0000000000000001', kind: SpanKind.SERVER, name: 'GET /cart', scope, status: { code: SpanStatusCode.OK, message: '' }, traceState: 'a=1,b=2' }),
      span({
        spanId: '0000000000000002',
        parentSpanId: '0000000000000001',
        kind: SpanKind.CLIENT,
        status: { code: SpanStatusCode.ERROR, message: 'connection refused' },
        attributes: [
          { key: 'text', value: 'hello' },
          { key: 'flag', value: false },
          { key: 'count', value: 42n },
          { key: 'negative', value: -7n },
          { key: 'huge', value: 9223372036854775807n },
          { key: 'ratio', value: 0.25 },
          { key: 'whole.double', value: 3 },
          { key: 'nan', value: NaN },
          { key: 'bytes', value: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) },
          { key: 'dup', value: 'first' },
          { key: 'dup', value: 'second' },
        ],
        events: [
          { timeUnixNano: T0 + 1_000n, name: 'exception', attributes: [{ key: 'exception.type', value: 'ECONNREFUSED' }], droppedAttributesCount: 0 },
          { timeUnixNano: T0 + 2_000n, name: '', attributes: [{ key: 'note', value: 'no name' }], droppedAttributesCount: 0 },
          { timeUnixNano: T0 + 3_000n, name: 'bare', attributes: [], droppedAttributesCount: 0 },
        ],
        links: [
          { traceId: OTHER_TRACE, spanId: '00000000000000aa', traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 },
          { traceId: OTHER_TRACE, spanId: '00000000000000bb', traceState: '', attributes: [{ key: 'opentracing.ref_type', value: 'child_of' }], droppedAttributesCount: 0, flags: 0 },
        ],
        resource: payments,
      }),
      span({ spanId: '0000000000000003', parentSpanId: '0000000000000002', kind: SpanKind.PRODUCER, resource: noService }),
      span({ spanId: '0000000000000004', parentSpanId: '0000000000000003', kind: SpanKind.CONSUMER, attributes: [{ key: WARNINGS_ATTRIBUTE, value: ['clock skew adjusted'] }] }),
      span({ spanId: '0000000000000005', parentSpanId: '0000000000000001', status: { code: SpanStatusCode.OK, message: 'fine' }, startTimeUnixNano: T0 + 7_000n, endTimeUnixNano: T0 + 7_000n }),
    ];
    const back = roundTrip(spans);
    assert.deepEqual(back, spans);
    assert.equal(back[0]!.resource, back[3]!.resource, 'one process -> one shared resource');
  });

  it('loses, as Jaeger does, what its model cannot hold', () => {
    const [s] = roundTrip([
      span({
        spanId: '0000000000000001',
        startTimeUnixNano: T0 + 123n,
        endTimeUnixNano: T0 + 2_999n,
        attributes: [{ key: 'list', value: [1n, 'a'] }],
        droppedAttributesCount: 3,
        flags: 0x301,
        status: { code: SpanStatusCode.UNSET, message: 'ignored' },
      }),
    ]);
    assert.ok(s);
    assert.equal(s.startTimeUnixNano, T0, 'nanoseconds below a microsecond are cut');
    assert.equal(s.endTimeUnixNano, T0 + 2_000n);
    assert.deepEqual(s.attributes, [
      { key: 'list', value: '[1,"a"]' },
      { key: 'otel.status_description', value: 'ignored' },
    ]);
    assert.equal(s.droppedAttributesCount, 0);
    assert.equal(s.flags, 0);
    assert.deepEqual(s.status, UNSET_STATUS);
  });
});

describe('fromJaegerJson', () => {
  const trace = (spans: unknown[], processes: unknown = { p1: { serviceName: 'svc', tags: [] } }) => ({ traceID: TRACE, spans, processes });
  const jspan = (o: Record<string, unknown> = {}) => ({
    traceID: TRACE,
    spanID: '0000000000000001',
    operationName: 'op',
    references: [],
    startTime: 1,
    duration: 2,
    tags: [],
    logs: [],
    processID: 'p1',
    ...o,
  });
  const one = (o: Record<string, unknown>, processes?: unknown): Span => {
    const batch = fromJaegerJson(JSON.stringify(trace([jspan(o)], processes)));
    assert.equal(batch.rejectedSpans, 0, batch.rejectReasons.join('; '));
    return batch.spans[0]!;
  };
  const tag = (key: string, type: string | undefined, value: unknown) => ({ key, ...(type !== undefined && { type }), value });

  it('accepts an /api/traces response, a bare array of traces and a single trace', () => {
    assert.equal(fromJaegerJson(JSON.stringify({ data: [trace([jspan()]), trace([jspan()])] })).spans.length, 2);
    assert.equal(fromJaegerJson(JSON.stringify([trace([jspan()])])).spans.length, 1);
    assert.equal(fromJaegerJson(JSON.stringify(trace([jspan(), jspan({ spanID: '0000000000000002' })]))).spans.length, 2);
    assert.equal(fromJaegerJson('{"data":null}').spans.length, 0);
  });

  it('pads short ids (64-bit trace ids), lower-cases them, and rejects spans whose ids are invalid', () => {
    const batch = fromJaegerJson(
      JSON.stringify(
        trace([
          jspan({ traceID: 'ABC', spanID: 'F', references: [{ refType: 'CHILD_OF', traceID: 'abc', spanID: '1' }] }),
          jspan({ spanID: '0000000000000000' }),
          jspan({ spanID: 'xyz' }),
          jspan({ traceID: '', spanID: '0000000000000003' }),
          jspan({ spanID: '0000000000000004', references: [{ refType: 'FOLLOWS_FROM', traceID: 'nothex', spanID: '1' }] }),
        ]),
      ),
    );
    assert.equal(batch.spans.length, 2, 'the fourth span takes the trace\'s traceID');
    assert.equal(batch.spans[0]!.traceId, '00000000000000000000000000000abc');
    assert.equal(batch.spans[0]!.spanId, '000000000000000f');
    assert.equal(batch.spans[0]!.parentSpanId, '0000000000000001');
    assert.equal(batch.rejectedSpans, 3);
    assert.deepEqual(batch.rejectReasons, [
      'spans[1]: spanID: all zero',
      'spans[2]: spanID: not lower-case hex: "xyz"',
      'spans[4]: a reference: not lower-case hex: "nothex"',
    ]);
  });

  it('reads status as the collector does: error=true first, then otel.status_code, removing those tags', () => {
    assert.deepEqual(one({ tags: [tag('error', 'bool', true), tag('otel.status_code', 'string', 'OK'), tag('otel.status_description', 'string', 'x')] }).status, {
      code: SpanStatusCode.ERROR,
      message: 'x',
    });
    const stringError = one({ tags: [tag('error', 'string', 'true')] });
    assert.deepEqual(stringError.status, { code: SpanStatusCode.ERROR, message: '' });
    assert.deepEqual(stringError.attributes, []);
    const notError = one({ tags: [tag('error', 'bool', false)] });
    assert.deepEqual(notError.status, UNSET_STATUS);
    assert.deepEqual(notError.attributes, [{ key: 'error', value: false }]);
    assert.deepEqual(one({ tags: [tag('otel.status_code', 'string', 'ok'), tag('otel.status_description', 'string', 'fine')] }).status, { code: SpanStatusCode.OK, message: 'fine' });
    const unknownCode = one({ tags: [tag('otel.status_code', 'string', 'MAYBE')] });
    assert.deepEqual([unknownCode.status, unknownCode.attributes], [UNSET_STATUS, []]);
  });

  it('reads span.kind (removing it), the scope (also the older otel.library.* tags) and w3c.tracestate', () => {
    const s = one({ tags: [tag('span.kind', 'string', 'producer'), tag('otel.library.name', 'string', 'old'), tag('otel.library.version', 'string', '0.1'), tag('w3c.tracestate', 'string', 'k=v'), tag('a', 'string', 'b')] });
    assert.equal(s.kind, SpanKind.PRODUCER);
    assert.deepEqual([s.scope.name, s.scope.version, s.traceState], ['old', '0.1', 'k=v']);
    assert.deepEqual(s.attributes, [{ key: 'a', value: 'b' }]);
    const odd = one({ tags: [tag('span.kind', 'string', 'rpc'), tag('otel.scope.version', 'string', 'lonely'), tag('otel.library.version', 'string', 'alone')] });
    assert.equal(odd.kind, SpanKind.INTERNAL);
    assert.deepEqual(odd.scope, EMPTY_SCOPE, 'a version without a name is no scope');
    assert.deepEqual(odd.attributes, [{ key: 'otel.scope.version', value: 'lonely' }, { key: 'otel.library.version', value: 'alone' }]);
  });

  it('takes the first CHILD_OF in the trace as the parent, else the first FOLLOWS_FROM (Jaeger\'s ParentSpanID)', () => {
    const ref = (refType: string, spanID: string, traceID = TRACE) => ({ refType, traceID, spanID });
    const followsOnly = one({ references: [ref('FOLLOWS_FROM', '00000000000000aa', OTHER_TRACE), ref('FOLLOWS_FROM', '0000000000000009')] });
    assert.equal(followsOnly.parentSpanId, '0000000000000009');
    assert.deepEqual(followsOnly.links.map((l) => l.spanId), ['00000000000000aa', '0000000000000009']);
    const childLater = one({ references: [ref('FOLLOWS_FROM', '0000000000000009'), ref('CHILD_OF', '0000000000000008')] });
    assert.equal(childLater.parentSpanId, '0000000000000008');
    assert.deepEqual(childLater.links.map((l) => l.spanId), ['0000000000000009']);
    assert.equal(one({ references: [ref('CHILD_OF', '0000000000000009', OTHER_TRACE)] }).parentSpanId, '');
    assert.equal(one({ references: [{ traceID: TRACE, spanID: '7' }] }).parentSpanId, '0000000000000007', 'no refType: CHILD_OF');
  });

  it('reads values written as text (Jaeger\'s storage form) and values without a type', () => {
    const s = one({
      tags: [
        tag('i', 'int64', '-12'),
        tag('b', 'bool', 'true'),
        tag('f', 'float64', '1.5'),
        tag('n', 'float64', 'NaN'),
        tag('s', undefined, 'text'),
        tag('t', undefined, true),
        tag('int', undefined, 3),
        tag('dbl', undefined, 3.5),
      ],
    });
    assert.deepEqual(s.attributes, [
      { key: 'i', value: -12n },
      { key: 'b', value: true },
      { key: 'f', value: 1.5 },
      { key: 'n', value: NaN },
      { key: 's', value: 'text' },
      { key: 't', value: true },
      { key: 'int', value: 3n },
      { key: 'dbl', value: 3.5 },
    ]);
  });

  it('reads processes: embedded in the span, without a service name, with typed tags; unknown_service adds no service.name', () => {
    const embedded = one({ processID: undefined, process: { serviceName: 'inline', tags: [tag('ip', 'string', '10.0.0.1')] } });
    assert.deepEqual(embedded.resource.attributes, [{ key: 'service.name', value: 'inline' }, { key: 'ip', value: '10.0.0.1' }]);
    assert.deepEqual(one({}, { p1: { serviceName: 'unknown_service', tags: [] } }).resource.attributes, []);
    assert.deepEqual(one({ processID: undefined }).resource.attributes, []);
  });

  it('names the JSON path of what is malformed', () => {
    const envelope = (spans: unknown[], processes?: unknown) => JSON.stringify({ data: [trace(spans, processes)] });
    malformed('{"data": [', /^invalid JSON: \S/);
    malformed('42', 'expected a Jaeger trace, an array of traces or an /api/traces response {"data": [...]}, got number 42');
    malformed('{"data": {}}', 'data: expected an array, got an object');
    malformed('{"data": null, "errors": [{"code": 404, "msg": "trace not found"}]}', 'the response holds no traces, only errors: trace not found');
    malformed('{"data": [7]}', 'data[0]: expected a Jaeger trace object, got number 7');
    malformed(envelope([jspan(), jspan(), jspan(), jspan({ startTime: 'abc' })]), 'data[0].spans[3].startTime: expected a number of microseconds, got "abc"');
    malformed(envelope([jspan({ startTime: undefined })]), 'data[0].spans[0].startTime: expected a number of microseconds, got nothing');
    malformed(envelope([jspan({ duration: -1 })]), 'data[0].spans[0].duration: expected a number of microseconds, got number -1');
    malformed(envelope([jspan({ startTime: 1.5 })]), 'data[0].spans[0].startTime: expected a number of microseconds, got number 1.5');
    malformed(envelope(['x']), 'data[0].spans[0]: expected a span object, got "x"');
    malformed(envelope([jspan({ operationName: 5 })]), 'data[0].spans[0].operationName: expected a string, got number 5');
    malformed(envelope([jspan({ tags: {} })]), 'data[0].spans[0].tags: expected an array, got an object');
    malformed(envelope([jspan({ tags: [tag('a', 'string', 'b'), tag('k', 'foo', 1)] })]), 'data[0].spans[0].tags[1].type: expected one of string, bool, int64, float64, binary; got "foo"');
    malformed(envelope([jspan({ tags: [{ type: 'string', value: 'b' }] })]), 'data[0].spans[0].tags[0].key: expected a string, got nothing');
    malformed(envelope([jspan({ tags: [tag('k', 'string', 1)] })]), 'data[0].spans[0].tags[0].value: expected a string, got number 1');
    malformed(envelope([jspan({ tags: [tag('k', 'int64', 'x')] })]), 'data[0].spans[0].tags[0].value: expected an integer (a number, or a decimal string past 2^53), got "x"');
    malformed(envelope([jspan({ tags: [tag('k', 'bool', 1)] })]), 'data[0].spans[0].tags[0].value: expected a boolean, got number 1');
    malformed(envelope([jspan({ tags: [tag('k', 'float64', 'abc')] })]), 'data[0].spans[0].tags[0].value: expected a number, got "abc"');
    malformed(envelope([jspan({ tags: [tag('k', 'binary', '%%')] })]), 'data[0].spans[0].tags[0].value: expected base64 bytes');
    malformed(envelope([jspan({ tags: [tag('k', undefined, {})] })]), 'data[0].spans[0].tags[0].value: expected a string, boolean or number, got an object');
    malformed(envelope([jspan({ logs: [{ fields: [] }] })]), 'data[0].spans[0].logs[0].timestamp: expected a number of microseconds, got nothing');
    malformed(envelope([jspan({ logs: [{ timestamp: 1, fields: [tag('x', 'int64', true)] }] })]), 'data[0].spans[0].logs[0].fields[0].value: expected an integer (a number, or a decimal string past 2^53), got boolean true');
    malformed(envelope([jspan({ references: [{ refType: 'PARENT', traceID: TRACE, spanID: '1' }] })]), 'data[0].spans[0].references[0].refType: expected CHILD_OF or FOLLOWS_FROM, got "PARENT"');
    malformed(envelope([jspan({ processID: 'p9' })]), 'data[0].spans[0].processID: no process "p9" in data[0].processes');
    malformed(envelope([jspan()], { p1: { serviceName: 'svc', tags: [tag('k', 'int64', 'x')] } }), 'data[0].processes.p1.tags[0].value: expected an integer (a number, or a decimal string past 2^53), got "x"');
    malformed(envelope([jspan()], []), 'data[0].processes: expected an object of processes, got an array');
    malformed(envelope([jspan({ warnings: [1] })]), 'data[0].spans[0].warnings[0]: expected a string, got number 1');
    malformed(JSON.stringify([trace([jspan({ duration: 'x' })])]), '[0].spans[0].duration: expected a number of microseconds, got "x"');
    malformed(JSON.stringify(trace([jspan({ duration: 'x' })])), 'spans[0].duration: expected a number of microseconds, got "x"');
  });
});

describe('parseGoDuration', () => {
  it('reads Go durations exactly, in nanoseconds', () => {
    const cases: [string, bigint][] = [
      ['0', 0n],
      ['-0', 0n],
      ['500ns', 500n],
      ['100us', 100_000n],
      ['1µs', 1_000n],
      ['1μs', 1_000n],
      ['1.5ms', 1_500_000n],
      ['.5s', 500_000_000n],
      ['1.s', 1_000_000_000n],
      ['2s', 2_000_000_000n],
      ['1h2m', 3_720_000_000_000n],
      ['1m30.5s', 90_500_000_000n],
      ['+3s', 3_000_000_000n],
      ['-1.5h', -5_400_000_000_000n],
      ['0.000000001s', 1n],
      ['0.0000000019s', 1n],
      ['2562047h47m16.854775807s', 9223372036854775807n],
    ];
    for (const [text, nanos] of cases) assert.equal(parseGoDuration(text), nanos, text);
  });

  it('refuses what Go refuses', () => {
    for (const text of ['', '1', 'abc', 's', '.s', '1.5.5s', '1d', '1 s', '1S', '+', '-', '2562047h47m16.854775808s', '1e3ms']) {
      assert.equal(parseGoDuration(text), undefined, text);
    }
  });
});

describe('parseJaegerTracesQuery (GET /api/traces)', () => {
  const NOW = 1_706_678_909_000_000_000n;
  const parse = (query: string) => parseJaegerTracesQuery(new URLSearchParams(query), NOW);

  it('reads every parameter', () => {
    assert.deepEqual(
      parse(
        'service=checkout&operation=GET%20%2Fcart&start=1706678000000000&end=1706678909000000&minDuration=1.5ms&maxDuration=2s&limit=20' +
          '&tag=http.status_code:500&tag=url:http://x:8080/&tags=' +
          encodeURIComponent('{"error":"true","http.status_code":"503","retries":3,"cached":false}'),
      ),
      {
        service: 'checkout',
        operation: 'GET /cart',
        attributes: [
          { key: 'http.status_code', op: '=', value: '503' },
          { key: 'url', op: '=', value: 'http://x:8080/' },
          { key: 'error', op: '=', value: 'true' },
          { key: 'retries', op: '=', value: '3' },
          { key: 'cached', op: '=', value: 'false' },
        ],
        minDurationNanos: 1_500_000n,
        maxDurationNanos: 2_000_000_000n,
        startFromNanos: 1_706_678_000_000_000_000n,
        startToNanos: 1_706_678_909_000_000_000n,
        limit: 20,
      },
    );
  });

  it('defaults as Jaeger does: 100 traces from 2 days back, with an open end', () => {
    assert.deepEqual(parse('service=checkout'), { service: 'checkout', startFromNanos: NOW - 172_800_000_000_000n, limit: 100 });
    assert.deepEqual(parse('service=checkout&operation=&lookback=custom&tags=&minDuration='), { service: 'checkout', startFromNanos: NOW - 172_800_000_000_000n, limit: 100 });
  });

  it('starts lookback before now when start is absent, and ignores it when start is given', () => {
    assert.equal(parse('service=s&lookback=1h').startFromNanos, NOW - 3_600_000_000_000n);
    assert.equal(parse('service=s&lookback=2d').startFromNanos, NOW - 172_800_000_000_000n);
    assert.equal(parse('service=s&lookback=1w').startFromNanos, NOW - 604_800_000_000_000n);
    assert.equal(parse('service=s&lookback=90m').startFromNanos, NOW - 5_400_000_000_000n);
    assert.equal(parse('service=s&lookback=1h&start=5').startFromNanos, 5_000n);
  });

  it('needs no service when trace ids are given, and reads them (padded, lower-case)', () => {
    const params = new URLSearchParams('traceID=ABC&traceID=83a9efd15c1c98a977e0711cc93ee28b');
    assert.deepEqual(jaegerTraceIdsParam(params), ['00000000000000000000000000000abc', TRACE]);
    assert.equal(parseJaegerTracesQuery(params, NOW).service, undefined);
    assert.deepEqual(jaegerTraceIdsParam(new URLSearchParams('service=s')), []);
  });

  it('answers a bad parameter with Jaeger\'s message, or one that says what to send', () => {
    configError(() => parse(''), "parameter 'service' is required");
    configError(() => parse('service='), "parameter 'service' is required");
    configError(() => parse('traceID=xyz'), 'cannot parse traceID param: "xyz" is not a trace id; use up to 32 hex digits, e.g. 83a9efd15c1c98a977e0711cc93ee28b');
    configError(() => parse('service=s&traceID=' + '1'.repeat(33)), `cannot parse traceID param: "${'1'.repeat(33)}" is not a trace id; use up to 32 hex digits, e.g. 83a9efd15c1c98a977e0711cc93ee28b`);
    configError(() => parse('service=s&start=abc'), 'start "abc" is not a time; use microseconds since the Unix epoch, e.g. 1706678909209712');
    configError(() => parse('service=s&end=1.5'), 'end "1.5" is not a time; use microseconds since the Unix epoch, e.g. 1706678909209712');
    configError(() => parse('service=s&start=20&end=10'), 'invalid parameter: start time must be before end time');
    configError(() => parse('service=s&minDuration=abc'), 'minDuration "abc" is not a duration; use e.g. 1.2s, 100ms or 500us');
    configError(() => parse('service=s&maxDuration=-1s'), 'maxDuration "-1s" is not a duration; use e.g. 1.2s, 100ms or 500us');
    configError(() => parse('service=s&minDuration=2s&maxDuration=1s'), "'maxDuration' should be greater than 'minDuration'");
    configError(() => parse('service=s&limit=abc'), 'limit "abc" is not a number; use a whole number of traces, e.g. 20');
    configError(() => parse('service=s&limit=3000000000'), 'limit "3000000000" is not a number; use a whole number of traces, e.g. 20');
    configError(() => parse('service=s&limit=0'), 'invalid parameter: limit must be greater than 0');
    configError(() => parse('service=s&lookback=soon'), 'lookback "soon" is not a duration; use e.g. 1h, 12h, 2d or 7d');
    configError(() => parse('service=s&tag=novalue'), "malformed 'tag' parameter, expecting key:value, received: novalue");
    configError(
      () => parse('service=s&tags={bad'),
      /^malformed 'tags' parameter, cannot unmarshal JSON: .+; use e\.g\. tags=\{"http\.status_code":"500","error":"true"\}$/,
    );
    configError(() => parse('service=s&tags=[1]'), `malformed 'tags' parameter: expected a JSON object, got an array; use e.g. tags={"http.status_code":"500","error":"true"}`);
    configError(() => parse('service=s&tags={"a":{"b":1}}'), `malformed 'tags' parameter: the value of "a" is an object, expected a string; use e.g. tags={"http.status_code":"500","error":"true"}`);
  });
});

describe('parseRfc3339', () => {
  it('reads RFC 3339 times to the nanosecond, with zones', () => {
    assert.equal(parseRfc3339('2024-01-31T05:28:29.209712Z'), 1_706_678_909_209_712_000n);
    assert.equal(parseRfc3339('2024-01-31T05:28:29.209712345Z'), 1_706_678_909_209_712_345n);
    assert.equal(parseRfc3339('2024-01-31T05:28:29Z'), 1_706_678_909_000_000_000n);
    assert.equal(parseRfc3339('2024-01-31t07:28:29.5+02:00'), 1_706_678_909_500_000_000n);
    assert.equal(parseRfc3339('2024-01-30T23:58:29-05:30'), 1_706_678_909_000_000_000n);
    assert.equal(parseRfc3339('1970-01-01T00:00:00Z'), 0n);
    assert.equal(parseRfc3339('0050-01-01T00:00:00Z'), -60_589_296_000_000_000_000n, 'years before 100 are not taken as 19xx');
    assert.equal(parseRfc3339('2024-02-29T00:00:00Z'), 1_709_164_800_000_000_000n);
  });

  it('refuses what is not RFC 3339', () => {
    for (const text of ['', '2024-01-31', '2024-01-31 05:28:29Z', '2024-01-31T05:28:29', '2024-13-01T00:00:00Z', '2023-02-29T00:00:00Z', '2024-01-31T24:00:00Z', '2024-01-31T05:60:00Z', '2024-01-31T05:28:60Z', '2024-01-31T05:28:29.1234567891Z', '2024-01-31T05:28:29+24:00', '1706678909']) {
      assert.equal(parseRfc3339(text), undefined, text);
    }
  });
});

describe('parseV3TracesQuery (GET /api/v3/traces)', () => {
  const MIN = '2024-01-31T05:00:00Z';
  const MAX = '2024-01-31T06:00:00.5Z';
  const parse = (query: string) => parseV3TracesQuery(new URLSearchParams(query));

  it('reads every parameter (the snake_case names)', () => {
    assert.deepEqual(
      parse(
        `query.service_name=checkout&query.operation_name=GET&query.start_time_min=${MIN}&query.start_time_max=${MAX}` +
          `&query.duration_min=1ms&query.duration_max=1s&query.search_depth=30&query.attributes=${encodeURIComponent('{"http.status_code":"500"}')}&query.raw_traces=true`,
      ),
      {
        service: 'checkout',
        operation: 'GET',
        attributes: [{ key: 'http.status_code', op: '=', value: '500' }],
        minDurationNanos: 1_000_000n,
        maxDurationNanos: 1_000_000_000n,
        startFromNanos: 1_706_677_200_000_000_000n,
        startToNanos: 1_706_680_800_500_000_000n,
        limit: 30,
      },
    );
  });

  it('reads the camelCase names of newer Jaeger versions, and query.num_traces', () => {
    assert.deepEqual(parse(`query.serviceName=a&query.operationName=b&query.startTimeMin=${MIN}&query.startTimeMax=${MAX}&query.durationMin=2us&query.durationMax=3us&query.searchDepth=5`), {
      service: 'a',
      operation: 'b',
      minDurationNanos: 2_000n,
      maxDurationNanos: 3_000n,
      startFromNanos: 1_706_677_200_000_000_000n,
      startToNanos: 1_706_680_800_500_000_000n,
      limit: 5,
    });
    assert.equal(parse(`query.start_time_min=${MIN}&query.start_time_max=${MAX}&query.num_traces=7`).limit, 7);
    assert.deepEqual(parse(`query.start_time_min=${MIN}&query.start_time_max=${MAX}&query.search_depth=0`), {
      startFromNanos: 1_706_677_200_000_000_000n,
      startToNanos: 1_706_680_800_500_000_000n,
    });
  });

  it('answers a bad parameter with a message that says what to send', () => {
    const window = `query.start_time_min=${MIN}&query.start_time_max=${MAX}`;
    configError(() => parse(''), 'query.start_time_min and query.start_time_max are required; send RFC 3339 times, e.g. 2024-01-31T05:28:29.209712Z');
    configError(() => parse(`query.start_time_min=${MIN}`), 'query.start_time_min and query.start_time_max are required; send RFC 3339 times, e.g. 2024-01-31T05:28:29.209712Z');
    configError(() => parse(`query.start_time_min=yesterday&query.start_time_max=${MAX}`), 'query.start_time_min "yesterday" is not an RFC 3339 time; use e.g. 2024-01-31T05:28:29.209712Z');
    configError(() => parse(`query.startTimeMin=${MIN}&query.startTimeMax=1706678909`), 'query.startTimeMax "1706678909" is not an RFC 3339 time; use e.g. 2024-01-31T05:28:29.209712Z');
    configError(() => parse(`query.start_time_min=${MAX}&query.start_time_max=${MIN}`), 'query.start_time_max must not be before query.start_time_min');
    configError(() => parse(`${window}&query.duration_min=fast`), 'query.duration_min "fast" is not a duration; use e.g. 1.2s, 100ms or 500us');
    configError(() => parse(`${window}&query.durationMax=1x`), 'query.durationMax "1x" is not a duration; use e.g. 1.2s, 100ms or 500us');
    configError(() => parse(`${window}&query.duration_min=2s&query.duration_max=1s`), 'query.duration_max must not be less than query.duration_min');
    configError(() => parse(`${window}&query.search_depth=-1`), 'query.search_depth "-1" is not a number; use a whole number of traces, e.g. 20');
    configError(() => parse(`${window}&query.attributes=[]`), `malformed 'query.attributes' parameter: expected a JSON object, got an array; use e.g. query.attributes={"http.status_code":"500","error":"true"}`);
    configError(() => parse(`${window}&query.filter={}`), 'query.filter is not supported; use query.attributes={"key":"value"}');
  });
});

describe('operations', () => {
  const ops: OperationInfo[] = [
    { service: 'checkout', name: 'GET /cart', spanKind: SpanKind.SERVER },
    { service: 'checkout', name: 'SELECT', spanKind: SpanKind.CLIENT },
    { service: 'checkout', name: 'GET /cart', spanKind: SpanKind.CLIENT },
    { service: 'checkout', name: 'publish', spanKind: SpanKind.PRODUCER },
  ];

  it('lists names once each, sorted, for /api/services/{service}/operations', () => {
    assert.deepEqual(toJaegerOperationNames(ops), ['GET /cart', 'SELECT', 'publish']);
  });

  it('lists {name, spanKind} for /api/operations and /api/v3/operations, of one kind when asked', () => {
    assert.deepEqual(toJaegerOperations(ops), [
      { name: 'GET /cart', spanKind: 'server' },
      { name: 'SELECT', spanKind: 'client' },
      { name: 'GET /cart', spanKind: 'client' },
      { name: 'publish', spanKind: 'producer' },
    ]);
    assert.deepEqual(toJaegerOperations(ops, SpanKind.CLIENT), [{ name: 'SELECT', spanKind: 'client' }, { name: 'GET /cart', spanKind: 'client' }]);
    assert.deepEqual(toV3Operations(ops, SpanKind.PRODUCER), [{ name: 'publish', spanKind: 'producer' }]);
  });

  it('reads span kinds as Jaeger and OTLP spell them', () => {
    assert.equal(parseJaegerSpanKind('server', 'spanKind'), SpanKind.SERVER);
    assert.equal(parseJaegerSpanKind('CLIENT', 'spanKind'), SpanKind.CLIENT);
    assert.equal(parseJaegerSpanKind('SPAN_KIND_CONSUMER', 'spanKind'), SpanKind.CONSUMER);
    assert.equal(parseJaegerSpanKind('unspecified', 'spanKind'), SpanKind.INTERNAL);
    assert.equal(parseJaegerSpanKind('', 'spanKind'), undefined);
    assert.equal(parseJaegerSpanKind(null, 'spanKind'), undefined);
    configError(() => parseJaegerSpanKind('rpc', 'span_kind'), 'span_kind "rpc" is not a span kind; use one of server, client, producer, consumer, internal');
  });

  it('reads the operations parameters of both APIs', () => {
    assert.deepEqual(parseOperationsQuery(new URLSearchParams('service=checkout&spanKind=server'), 'v1'), { service: 'checkout', spanKind: SpanKind.SERVER });
    assert.deepEqual(parseOperationsQuery(new URLSearchParams('service=checkout'), 'v1'), { service: 'checkout' });
    configError(() => parseOperationsQuery(new URLSearchParams('spanKind=server'), 'v1'), "parameter 'service' is required");
    configError(() => parseOperationsQuery(new URLSearchParams('service=s&spanKind=x'), 'v1'), 'spanKind "x" is not a span kind; use one of server, client, producer, consumer, internal');
    assert.deepEqual(parseOperationsQuery(new URLSearchParams('service=checkout&span_kind=client'), 'v3'), { service: 'checkout', spanKind: SpanKind.CLIENT });
    assert.deepEqual(parseOperationsQuery(new URLSearchParams('spanKind=consumer&span_kind=client'), 'v3'), { spanKind: SpanKind.CONSUMER });
    assert.deepEqual(parseOperationsQuery(new URLSearchParams(''), 'v3'), {});
  });
});

describe('dependencies', () => {
  it('writes {parent, child, callCount}, only links touching a service when one is given', () => {
    const links = [
      { parent: 'web', child: 'checkout', callCount: 3, errorCount: 1, p95Nanos: 3e6 },
      { parent: 'checkout', child: 'db', callCount: 5, errorCount: 0, p95Nanos: 1e6 },
      { parent: 'web', child: 'auth', callCount: 1, errorCount: 0, p95Nanos: 2e6 },
    ];
    assert.deepEqual(toJaegerDependencies(links), [
      { parent: 'web', child: 'checkout', callCount: 3 },
      { parent: 'checkout', child: 'db', callCount: 5 },
      { parent: 'web', child: 'auth', callCount: 1 },
    ]);
    assert.deepEqual(toJaegerDependencies(links, 'checkout'), [
      { parent: 'web', child: 'checkout', callCount: 3 },
      { parent: 'checkout', child: 'db', callCount: 5 },
    ]);
  });

  it('reads endTs and lookback in milliseconds, defaulting to now and one day', () => {
    const NOW = 1_706_678_909_000_000_000n;
    assert.deepEqual(parseJaegerDependenciesQuery(new URLSearchParams('endTs=1706678909209&lookback=3600000'), NOW), {
      fromNanos: 1_706_675_309_209_000_000n,
      toNanos: 1_706_678_909_209_000_000n,
    });
    assert.deepEqual(parseJaegerDependenciesQuery(new URLSearchParams(''), NOW), { fromNanos: NOW - 86_400_000_000_000n, toNanos: NOW });
    configError(() => parseJaegerDependenciesQuery(new URLSearchParams('endTs=now'), NOW), 'endTs "now" is not a time; use milliseconds since the Unix epoch, e.g. 1706678909209');
    configError(() => parseJaegerDependenciesQuery(new URLSearchParams('lookback=1h'), NOW), 'lookback "1h" is not a duration; use milliseconds, e.g. 3600000 for one hour');
  });
});
