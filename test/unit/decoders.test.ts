// The three decoders on hand-made payloads: field order, unknown fields, shared resources, enum mapping, limits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import protobuf from 'protobufjs';
import { MalformedPayloadError, serviceName } from '../../src/core/model';
import { decodeTraceRequestJson } from '../../src/core/otlp/json';
import { decodeTraceRequest, encodeTraceResponse } from '../../src/core/otlp/protobuf';
import { decodeZipkinJson } from '../../src/core/zipkin';
import { encodeRequest, otlpSpan, reference } from '../helpers/otlp';

const { Writer } = protobuf;

/** Bytes of a length-delimited field. */
function field(w: protobuf.Writer, id: number, build: (inner: protobuf.Writer) => void): protobuf.Writer {
  w.uint32((id << 3) | 2).fork();
  build(w);
  return w.ldelim();
}

describe('OTLP protobuf decoder', () => {
  it('decodes what the official definitions encode, sharing one resource and scope across spans', () => {
    const spans = [otlpSpan(), otlpSpan(), otlpSpan({ bigAttribute: '-42' })];
    const batch = decodeTraceRequest(encodeRequest(spans, 'orders'));
    assert.equal(batch.spans.length, 3);
    assert.equal(batch.rejectedSpans, 0);
    assert.equal(batch.spans[0]!.resource, batch.spans[2]!.resource);
    assert.equal(batch.spans[0]!.scope, batch.spans[1]!.scope);
    assert.equal(serviceName(batch.spans[1]!), 'orders');
    assert.equal(batch.spans[0]!.kind, SpanKind.SERVER);
    assert.equal(batch.spans[0]!.startTimeUnixNano, 1700000000123456789n);
    assert.deepEqual(batch.spans[2]!.attributes, [{ key: 'big', value: -42n }]);
    assert.equal(batch.spans[1]!.traceId, spans[1]!.traceIdHex);
  });

  it('takes the scope and schema_url even when they come after the spans on the wire, and skips unknown fields', () => {
    const w = Writer.create();
    field(w, 1, (rs) => {
      field(rs, 2, (ss) => {
        field(ss, 2, (sp) => {
          sp.uint32((1 << 3) | 2).bytes(Buffer.alloc(16, 0xab));
          sp.uint32((2 << 3) | 2).bytes(Buffer.alloc(8, 0xcd));
          sp.uint32((5 << 3) | 2).string('late-scope');
          sp.uint32((99 << 3) | 0).uint32(7); // unknown varint field
          sp.uint32((6 << 3) | 0).int32(5); // CONSUMER
          field(sp, 15, (st) => st.uint32((3 << 3) | 0).int32(2).uint32((2 << 3) | 2).string('bad'));
        });
        field(ss, 1, (sc) => sc.uint32((1 << 3) | 2).string('my.scope').uint32((2 << 3) | 2).string('2.0'));
        ss.uint32((3 << 3) | 2).string('https://opentelemetry.io/schemas/1.30.0');
      });
      field(rs, 1, (r) => field(r, 1, (kv) => kv.uint32((1 << 3) | 2).string('service.name').uint32((2 << 3) | 2).fork().uint32((1 << 3) | 2).string('late').ldelim()));
    });
    const [span] = decodeTraceRequest(w.finish()).spans;
    assert.ok(span);
    assert.equal(span.scope.name, 'my.scope');
    assert.equal(span.scope.version, '2.0');
    assert.equal(span.scope.schemaUrl, 'https://opentelemetry.io/schemas/1.30.0');
    assert.equal(serviceName(span), 'late');
    assert.equal(span.kind, SpanKind.CONSUMER);
    assert.deepEqual(span.status, { code: SpanStatusCode.ERROR, message: 'bad' });
    assert.equal(span.traceId, 'ab'.repeat(16));
  });

  it('names the position of a truncated message', () => {
    const bytes = encodeRequest([otlpSpan(), otlpSpan()]);
    assert.throws(() => decodeTraceRequest(bytes.subarray(0, bytes.length - 5)), (e: unknown) => {
      assert.ok(e instanceof MalformedPayloadError);
      assert.match(e.message, /invalid ExportTraceServiceRequest protobuf at resource_spans\[0\]/);
      return true;
    });
  });

  it('an empty request is an empty batch; responses encode partial success only when needed', () => {
    assert.deepEqual(decodeTraceRequest(new Uint8Array(0)), { spans: [], rejectedSpans: 0, rejectReasons: [] });
    assert.equal(encodeTraceResponse(0, '').length, 0);
    const decoded = reference.collector.ExportTraceServiceResponse.toObject(reference.collector.ExportTraceServiceResponse.decode(encodeTraceResponse(3, 'why')), { longs: String });
    assert.deepEqual(decoded.partialSuccess, { rejectedSpans: '3', errorMessage: 'why' });
  });
});

describe('OTLP JSON decoder', () => {
  const base = (span: Record<string, unknown>): string =>
    JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 's' } }] }, scopeSpans: [{ scope: { name: 'sc' }, spans: [span] }] }] });
  const ids = { traceId: '5B8EFFF798038103D269B633813FC60C', spanId: 'eee19b7ec3c1b174' };

  it('accepts upper-case hex ids, snake_case keys, enum names, and every AnyValue type', () => {
    const text = base({
      ...ids,
      parent_span_id: '',
      name: 'x',
      kind: 'SPAN_KIND_CLIENT',
      start_time_unix_nano: 1700000000000000000,
      endTimeUnixNano: '1700000000000000500',
      status: { code: 'STATUS_CODE_ERROR', message: 'm' },
      attributes: [
        { key: 's', value: { stringValue: 'v' } },
        { key: 'b', value: { boolValue: false } },
        { key: 'i', value: { intValue: '12' } },
        { key: 'd', value: { doubleValue: 'NaN' } },
        { key: 'y', value: { bytesValue: 'AQID' } },
        { key: 'a', value: { arrayValue: { values: [{ intValue: 1 }, { stringValue: 'z' }] } } },
        { key: 'k', value: { kvlistValue: { values: [{ key: 'n', value: { doubleValue: 1.5 } }] } } },
        { key: 'e', value: {} },
      ],
    });
    const [span] = decodeTraceRequestJson(text).spans;
    assert.ok(span);
    assert.equal(span.traceId, ids.traceId.toLowerCase());
    assert.equal(span.kind, SpanKind.CLIENT);
    assert.equal(span.endTimeUnixNano - span.startTimeUnixNano, 500n);
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    const v = Object.fromEntries(span.attributes.map((a) => [a.key, a.value]));
    assert.equal(v['s'], 'v');
    assert.equal(v['b'], false);
    assert.equal(v['i'], 12n);
    assert.ok(Number.isNaN(v['d']));
    assert.deepEqual(v['y'], new Uint8Array([1, 2, 3]));
    assert.deepEqual(v['a'], [1n, 'z']);
    assert.deepEqual(v['k'], { kvlist: [{ key: 'n', value: 1.5 }] });
    assert.equal(v['e'], null);
  });

  it('rejects a non-object request and bad types with the JSON path', () => {
    assert.throws(() => decodeTraceRequestJson('[1]'), /^MalformedPayloadError: \$: expected an ExportTraceServiceRequest object/);
    assert.throws(() => decodeTraceRequestJson(base({ ...ids, startTimeUnixNano: 'soon' })), /spans\[0\]\.startTimeUnixNano: expected an unsigned integer/);
    assert.throws(() => decodeTraceRequestJson(base({ ...ids, attributes: [{ key: 'b', value: { boolValue: 'yes' } }] })), /attributes\[0\]\.value\.boolValue: expected a boolean/);
  });

  it('rejects spans with bad ids as partial success', () => {
    const batch = decodeTraceRequestJson(base({ traceId: 'xyz', spanId: ids.spanId }));
    assert.equal(batch.spans.length, 0);
    assert.equal(batch.rejectedSpans, 1);
    assert.match(batch.rejectReasons[0]!, /trace_id: not lower-case hex: "xyz"/);
  });
});

describe('Zipkin decoder', () => {
  it('widens 64-bit trace ids, maps kind, times, endpoints, status tags and resource tags', () => {
    const batch = decodeZipkinJson(
      JSON.stringify([
        {
          traceId: '463ac35c9f6413ad',
          id: 'a2fb4a1d1a96d312',
          parentId: 'b2fb4a1d1a96d312',
          name: 'get /api',
          kind: 'CLIENT',
          timestamp: 1700000000000001,
          duration: 1500,
          localEndpoint: { serviceName: 'frontend', ipv4: '10.0.0.1' },
          remoteEndpoint: { serviceName: 'backend', ipv4: '10.0.0.2', port: 8080 },
          annotations: [{ timestamp: 1700000000000100, value: 'retry' }],
          tags: { 'http.method': 'GET', 'otel.status_code': 'ERROR', error: 'timeout', 'host.name': 'box', 'otel.scope.name': 'lib' },
        },
        { traceId: '463ac35c9f6413ad', id: 'c2fb4a1d1a96d312', name: 'other', localEndpoint: { serviceName: 'frontend', ipv4: '10.0.0.1' }, tags: { 'host.name': 'box' } },
      ]),
    );
    const [s, t] = batch.spans;
    assert.ok(s && t);
    assert.equal(s.traceId, '0000000000000000463ac35c9f6413ad');
    assert.equal(s.kind, SpanKind.CLIENT);
    assert.equal(s.startTimeUnixNano, 1700000000000001000n);
    assert.equal(s.endTimeUnixNano - s.startTimeUnixNano, 1500000n);
    assert.deepEqual(s.status, { code: SpanStatusCode.ERROR, message: 'timeout' });
    assert.equal(s.scope.name, 'lib');
    assert.equal(s.events[0]!.name, 'retry');
    const attrs = Object.fromEntries(s.attributes.map((a) => [a.key, a.value]));
    assert.deepEqual(attrs, { 'http.method': 'GET', 'network.peer.address': '10.0.0.2', 'network.peer.port': 8080n, 'peer.service': 'backend' });
    assert.equal(serviceName(s), 'frontend');
    assert.equal(s.resource, t.resource, 'same service and resource tags: one shared resource');
  });
});
