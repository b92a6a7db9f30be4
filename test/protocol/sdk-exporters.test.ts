// Real OpenTelemetry JS SDK exporters (OTLP/HTTP JSON, OTLP/HTTP protobuf, OTLP/gRPC, Zipkin) send spans covering
// every field of the model to a real TraceServer; the test reads them back through the query API and checks that
// each field arrived intact: ids, int64 attributes beyond 2^53, nanosecond times, arrays, events, links, status,
// trace_state, flags, resource, scope, dropped counts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Context, HrTime } from '@opentelemetry/api';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode, TraceState } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { WireAttribute, WireSpan, WireTrace, WireValue } from '../../src/protocol/wire';
import type { RunningServer } from '../helpers/server';
import { startServer } from '../helpers/server';

const T0: HrTime = [1_700_000_000, 123_456_789];
const NANOS = (t: HrTime): string => (BigInt(t[0]) * 1_000_000_000n + BigInt(t[1])).toString();
const at = (ms: number): HrTime => [T0[0] + Math.floor((T0[1] + ms * 1e6) / 1e9), (T0[1] + ms * 1e6) % 1e9];
/** 2^60 + 1024: an integer beyond 2^53 that a double still holds exactly, so the SDK can send it. */
const BIG_INT = 2 ** 60 + 1024;
const LINKED = { traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', spanId: 'bbbbbbbbbbbbbbbb' };
/** Each trace gets its own id: every test's spans land in a trace of their own. */
const REMOTE_PARENT_SPAN = 'b7ad6b7169203331';
const newTraceId = (): string => randomBytes(16).toString('hex');

interface Made {
  readonly spans: ReadableSpan[];
  readonly traceId: string;
}

/** Creates one trace with the real SDK: a server span (child of a remote parent with trace_state), a client child
 * with an error, an exception and events, and a span with more attributes/events/links than the limits allow. */
function makeSpans(serviceName: string): Made {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'service.version': '1.2.3', 'deployment.environment.name': 'test' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
    spanLimits: { attributeCountLimit: 16, eventCountLimit: 2, linkCountLimit: 1 },
  });
  const tracer = provider.getTracer('tracelens-test-scope', '9.9.9');
  const remote: Context = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: newTraceId(),
    spanId: REMOTE_PARENT_SPAN,
    traceFlags: 1,
    isRemote: true,
    traceState: new TraceState('vendor=abc,other=1'),
  });
  const root = tracer.startSpan(
    'GET /checkout',
    {
      kind: SpanKind.SERVER,
      startTime: T0,
      attributes: {
        'http.request.method': 'GET',
        'http.response.status_code': 200,
        'big.int': BIG_INT,
        'ratio.double': 3.25,
        'feature.enabled': true,
        'tags.strings': ['a', 'b', 'c'],
        'tags.ints': [1, 2, 3],
        'tags.bools': [true, false],
        'text.unicode': 'héllo → 世界 <script>',
      },
      links: [{ context: { ...LINKED, traceFlags: 1, traceState: new TraceState('l=1') }, attributes: { 'link.reason': 'retry-of' } }],
    },
    remote,
  );
  const child = tracer.startSpan('charge card', { kind: SpanKind.CLIENT, startTime: at(10) }, trace.setSpan(ROOT_CONTEXT, root));
  child.addEvent('payment.attempt', { 'attempt.number': 2, 'gateway': 'stripe' }, at(12));
  child.recordException(new Error('card declined'), at(14));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'payment failed' });
  child.end(at(20));
  const overflow = tracer.startSpan('overflow', { startTime: at(21) }, trace.setSpan(ROOT_CONTEXT, root));
  for (let i = 0; i < 20; i++) overflow.setAttribute(`k${i}`, i);
  for (let i = 0; i < 5; i++) overflow.addEvent(`e${i}`, at(22));
  overflow.addLink({ context: { ...LINKED, traceFlags: 1 } });
  overflow.addLink({ context: { ...LINKED, spanId: 'cccccccccccccccc', traceFlags: 1 } });
  overflow.end(at(23));
  root.setStatus({ code: SpanStatusCode.OK });
  root.end(at(30));
  return { spans: memory.getFinishedSpans(), traceId: root.spanContext().traceId };
}

function send(exporter: SpanExporter, spans: ReadableSpan[]): Promise<void> {
  return new Promise((resolve, reject) => {
    exporter.export(spans, (result: ExportResult) => {
      if (result.code === ExportResultCode.SUCCESS) resolve();
      else reject(result.error ?? new Error('export failed'));
    });
  });
}

const value = (attrs: readonly WireAttribute[], key: string): WireValue | undefined => attrs.find((a) => a.key === key)?.value;
const byName = (t: WireTrace, name: string): WireSpan => {
  const s = t.spans.find((x) => x.name === name);
  assert.ok(s, `span "${name}" is in the trace`);
  return s;
};

/** What every OTLP protocol must carry exactly. */
function assertOtlpFidelity(t: WireTrace, made: Made, serviceName: string): void {
  assert.equal(t.spans.length, 3);
  const root = byName(t, 'GET /checkout');
  const child = byName(t, 'charge card');
  const overflow = byName(t, 'overflow');
  const sdkRoot = made.spans.find((s) => s.name === 'GET /checkout')!;

  // ids and parentage
  assert.equal(root.traceId, made.traceId);
  assert.equal(root.spanId, sdkRoot.spanContext().spanId);
  assert.equal(root.parentSpanId, REMOTE_PARENT_SPAN);
  assert.equal(child.parentSpanId, root.spanId);
  assert.equal(root.traceState, 'vendor=abc,other=1');
  assert.equal(root.flags & 0xff, 1, 'sampled flag');
  // kind (api numbering) and nanosecond times, exactly
  assert.equal(root.kind, SpanKind.SERVER);
  assert.equal(child.kind, SpanKind.CLIENT);
  assert.equal(root.startTimeUnixNano, NANOS(T0));
  assert.equal(root.endTimeUnixNano, NANOS(at(30)));
  assert.equal(child.startTimeUnixNano, '1700000000133456789');
  // typed attributes
  assert.deepEqual(value(root.attributes, 'big.int'), { int: BigInt(BIG_INT).toString() });
  assert.equal(BigInt(BIG_INT) > 2n ** 53n, true);
  assert.deepEqual(value(root.attributes, 'http.response.status_code'), { int: '200' });
  assert.equal(value(root.attributes, 'ratio.double'), 3.25);
  assert.equal(value(root.attributes, 'feature.enabled'), true);
  assert.deepEqual(value(root.attributes, 'tags.strings'), ['a', 'b', 'c']);
  assert.deepEqual(value(root.attributes, 'tags.ints'), [{ int: '1' }, { int: '2' }, { int: '3' }]);
  assert.deepEqual(value(root.attributes, 'tags.bools'), [true, false]);
  assert.equal(value(root.attributes, 'text.unicode'), 'héllo → 世界 <script>');
  // events and exceptions
  assert.deepEqual(
    child.events.map((e) => e.name),
    ['payment.attempt', 'exception'],
  );
  assert.equal(child.events[0]!.timeUnixNano, NANOS(at(12)));
  assert.deepEqual(value(child.events[0]!.attributes, 'attempt.number'), { int: '2' });
  assert.equal(value(child.events[1]!.attributes, 'exception.message'), 'card declined');
  assert.match(String(value(child.events[1]!.attributes, 'exception.stacktrace')), /card declined\n\s+at /);
  // status
  assert.deepEqual(child.status, { code: SpanStatusCode.ERROR, message: 'payment failed' });
  assert.equal(root.status.code, SpanStatusCode.OK);
  // links with their attributes and trace state
  assert.equal(root.links.length, 1);
  assert.equal(root.links[0]!.traceId, LINKED.traceId);
  assert.equal(root.links[0]!.spanId, LINKED.spanId);
  assert.equal(root.links[0]!.traceState, 'l=1');
  assert.equal(value(root.links[0]!.attributes, 'link.reason'), 'retry-of');
  // dropped counts past the SDK's limits
  assert.equal(overflow.attributes.length, 16);
  assert.equal(overflow.droppedAttributesCount, 4);
  assert.equal(overflow.events.length, 2);
  assert.equal(overflow.droppedEventsCount, 3);
  assert.equal(overflow.links.length, 1);
  assert.equal(overflow.droppedLinksCount, 1);
  // resource and scope, shared
  const resource = t.resources[root.resource]!;
  assert.equal(value(resource.attributes, 'service.name'), serviceName);
  assert.equal(value(resource.attributes, 'service.version'), '1.2.3');
  assert.equal(value(resource.attributes, 'deployment.environment.name'), 'test');
  assert.equal(t.resources.length, 1);
  const scope = t.scopes[root.scope]!;
  assert.equal(scope.name, 'tracelens-test-scope');
  assert.equal(scope.version, '9.9.9');
}

describe('real SDK exporters -> TraceLens receivers', () => {
  let srv: RunningServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.close();
  });

  it('OTLP/HTTP JSON (exporter-trace-otlp-http)', async () => {
    const made = makeSpans('svc-http-json');
    await send(new HttpJsonExporter({ url: `${srv.otlpHttp}/v1/traces` }), made.spans);
    assertOtlpFidelity(await srv.waitForTrace(made.traceId, 3), made, 'svc-http-json');
  });

  it('OTLP/HTTP protobuf (exporter-trace-otlp-proto), plain and gzip', async () => {
    const plain = makeSpans('svc-http-proto');
    await send(new ProtoExporter({ url: `${srv.otlpHttp}/v1/traces` }), plain.spans);
    assertOtlpFidelity(await srv.waitForTrace(plain.traceId, 3), plain, 'svc-http-proto');
    const gz = makeSpans('svc-http-proto-gzip');
    await send(new ProtoExporter({ url: `${srv.otlpHttp}/v1/traces`, compression: 'gzip' as never }), gz.spans);
    assertOtlpFidelity(await srv.waitForTrace(gz.traceId, 3), gz, 'svc-http-proto-gzip');
  });

  it('OTLP/gRPC (exporter-trace-otlp-grpc), plain and gzip', async () => {
    const plain = makeSpans('svc-grpc');
    const exporter = new GrpcExporter({ url: srv.otlpGrpc });
    await send(exporter, plain.spans);
    assertOtlpFidelity(await srv.waitForTrace(plain.traceId, 3), plain, 'svc-grpc');
    await exporter.shutdown();
    const gz = makeSpans('svc-grpc-gzip');
    const gzExporter = new GrpcExporter({ url: srv.otlpGrpc, compression: 'gzip' as never });
    await send(gzExporter, gz.spans);
    assertOtlpFidelity(await srv.waitForTrace(gz.traceId, 3), gz, 'svc-grpc-gzip');
    await gzExporter.shutdown();
  });

  it('Zipkin v2 JSON (exporter-zipkin): ids, parentage, kind, microsecond times, tags, annotations, status, service', async () => {
    const made = makeSpans('svc-zipkin');
    await send(new ZipkinExporter({ url: `${srv.zipkin}/api/v2/spans` }), made.spans);
    const t = await srv.waitForTrace(made.traceId, 3);
    const root = byName(t, 'GET /checkout');
    const child = byName(t, 'charge card');
    assert.equal(root.parentSpanId, REMOTE_PARENT_SPAN);
    assert.equal(child.parentSpanId, root.spanId);
    assert.equal(root.kind, SpanKind.SERVER);
    assert.equal(child.kind, SpanKind.CLIENT);
    // Zipkin carries microseconds: the nanoseconds below a microsecond are gone, the rest is exact.
    assert.equal(root.startTimeUnixNano, '1700000000123457000');
    assert.equal(value(root.attributes, 'big.int'), String(BIG_INT));
    assert.equal(value(root.attributes, 'tags.strings'), 'a,b,c');
    assert.deepEqual(child.status, { code: SpanStatusCode.ERROR, message: 'payment failed' });
    assert.deepEqual(
      child.events.map((e) => e.name),
      ['payment.attempt', 'exception'],
    );
    const resource = t.resources[root.resource]!;
    assert.equal(value(resource.attributes, 'service.name'), 'svc-zipkin');
    assert.equal(value(resource.attributes, 'service.version'), '1.2.3');
    assert.equal(value(root.attributes, 'service.version'), undefined, 'resource tags go back to the resource');
    const overflow = byName(t, 'overflow');
    assert.equal(overflow.droppedAttributesCount, 4);
    assert.equal(overflow.droppedEventsCount, 3);
  });

  it('lists the traces it received, newest first, with their summaries', async () => {
    const found = await srv.findTraces({ service: 'svc-grpc' });
    assert.equal(found.length, 1);
    assert.equal(found[0]!.rootName, 'GET /checkout');
    assert.equal(found[0]!.spanCount, 3);
    assert.equal(found[0]!.errorCount, 1);
    assert.equal(found[0]!.durationNanos, '30000000');
    const status = await srv.status();
    assert.equal(status.rejectedSpans, 0);
    assert.ok(status.spanCount >= 18, `spanCount ${status.spanCount}`);
  });
});
