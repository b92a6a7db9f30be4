// OTLP logs decoders. Payloads come from the real OpenTelemetry JS logs SDK (records emitted through a LoggerProvider
// inside an active span, serialized by otlp-transformer and sent by the three OTLP log exporters) and, for what the SDK
// cannot produce (bad ids, int64 extremes, truncation, hostile nesting), from the official generated protobuf code.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { HrTime } from '@opentelemetry/api';
import { context, diag, DiagLogLevel, SeverityNumber } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as HttpJsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import Long from 'long';
import protobuf from 'protobufjs';
import type { AttrValue, DecodedLogs, InstrumentationScope, LogRecord, Resource } from '../../src/core/model';
import { attr, MalformedPayloadError } from '../../src/core/model';
import { decodeLogsRequest, decodeLogsRequestJson, encodeLogsResponse, encodeLogsResponseJson } from '../../src/core/otlp/logs';

interface ProtoType {
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
  fromObject(o: object): object;
  toObject(m: object, options?: object): Record<string, unknown>;
}

interface LogsRoot {
  opentelemetry: { proto: { collector: { logs: { v1: { ExportLogsServiceRequest: ProtoType; ExportLogsServiceResponse: ProtoType } } } } };
}

/** The official definitions (opentelemetry-proto as of otlp-proto-reference 0.51.1: no event_name yet). */
const reference = (createRequire(__filename)('otlp-proto-reference/build/src/generated/root.js') as LogsRoot).opentelemetry.proto.collector.logs.v1;

function encodeReference(request: object): Uint8Array {
  return reference.ExportLogsServiceRequest.encode(reference.ExportLogsServiceRequest.fromObject(request)).finish();
}

const nanos = (t: HrTime): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
const T0: HrTime = [1_700_000_000, 123_456_789];
const OBSERVED: HrTime = [1_700_000_001, 5];
const SCOPE_SCHEMA = 'https://opentelemetry.io/schemas/1.30.0';
/** 2^60: an integer beyond 2^53 that a double holds exactly, so the SDK can send it as an int. */
const BIG = 2 ** 60;

interface Emitted {
  readonly records: ReadableLogRecord[];
  readonly traceId: string;
  readonly spanId: string;
}

/** Log records emitted through the real SDK: one inside an active span (trace context taken from it), others outside. */
async function emitWithSdk(): Promise<Emitted> {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  try {
    const memory = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'log-svc', 'service.instance.id': 'i-1', 'process.pid': 4242 }),
      processors: [new SimpleLogRecordProcessor({ exporter: memory })],
    });
    const tracer = new TracerProvider({}).getTracer('tracer');
    const logger = provider.getLogger('tracelens.logs.test', '2.0.0', { schemaUrl: SCOPE_SCHEMA, attributes: { 'scope.attr': 'x' } });
    const other = provider.getLogger('second.scope');
    let ids = { traceId: '', spanId: '' };
    tracer.startActiveSpan('work', (span) => {
      ids = span.spanContext();
      logger.emit({
        timestamp: T0,
        observedTimestamp: OBSERVED,
        severityNumber: SeverityNumber.WARN,
        severityText: 'WARN',
        eventName: 'order.placed',
        body: { message: 'order placed', order: { id: 'o-1', lines: [1, -7, 2.5, 'three', true, null], raw: new Uint8Array([1, 2, 255]) } },
        attributes: { 'http.route': '/orders', count: 3, negative: -42, big: BIG, ratio: 0.5, ok: false, tags: ['a', 'b'], ints: [1, 2] },
      });
      span.end();
    });
    logger.emit({ timestamp: T0, observedTimestamp: OBSERVED, body: 'outside any span' });
    const at = { timestamp: T0, observedTimestamp: OBSERVED };
    other.emit({ ...at, severityNumber: SeverityNumber.FATAL4, severityText: 'FATAL4', body: 12345 });
    other.emit({ ...at, severityNumber: SeverityNumber.TRACE, body: 2.5 });
    other.emit({ ...at, body: true });
    other.emit({ ...at, body: new Uint8Array([9, 8]) });
    other.emit({ ...at, body: ['a', 1, false] });
    other.emit({ ...at, exception: new TypeError('boom') });
    await provider.forceFlush();
    return { records: memory.getFinishedLogRecords(), traceId: ids.traceId, spanId: ids.spanId };
  } finally {
    context.disable();
  }
}

const RESOURCE: Resource = {
  attributes: [
    { key: 'service.name', value: 'log-svc' },
    { key: 'service.instance.id', value: 'i-1' },
    { key: 'process.pid', value: 4242n },
  ],
  droppedAttributesCount: 0,
  schemaUrl: '',
};
const SCOPE: InstrumentationScope = {
  name: 'tracelens.logs.test',
  version: '2.0.0',
  attributes: [{ key: 'scope.attr', value: 'x' }],
  droppedAttributesCount: 0,
  schemaUrl: SCOPE_SCHEMA,
};
const OTHER_SCOPE: InstrumentationScope = { name: 'second.scope', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' };

/** What the emitted records must decode to, written out from what was emitted (not from any decoder). */
function expectedRecords(e: Emitted): LogRecord[] {
  const base = {
    timeUnixNano: nanos(T0),
    observedTimeUnixNano: nanos(OBSERVED),
    severityNumber: 0,
    severityText: '',
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
    resource: RESOURCE,
  } as const;
  const otherRecord = (o: { severityNumber?: number; severityText?: string; body: AttrValue }): LogRecord => ({ ...base, scope: OTHER_SCOPE, ...o });
  return [
    {
      ...base,
      severityNumber: 13,
      severityText: 'WARN',
      eventName: 'order.placed',
      body: {
        kvlist: [
          { key: 'message', value: 'order placed' },
          {
            key: 'order',
            value: {
              kvlist: [
                { key: 'id', value: 'o-1' },
                { key: 'lines', value: [1n, -7n, 2.5, 'three', true, null] },
                { key: 'raw', value: new Uint8Array([1, 2, 255]) },
              ],
            },
          },
        ],
      },
      attributes: [
        { key: 'http.route', value: '/orders' },
        { key: 'count', value: 3n },
        { key: 'negative', value: -42n },
        { key: 'big', value: 1152921504606846976n },
        { key: 'ratio', value: 0.5 },
        { key: 'ok', value: false },
        { key: 'tags', value: ['a', 'b'] },
        { key: 'ints', value: [1n, 2n] },
      ],
      flags: 1,
      traceId: e.traceId,
      spanId: e.spanId,
      scope: SCOPE,
    },
    { ...base, body: 'outside any span', scope: SCOPE },
    otherRecord({ severityNumber: 24, severityText: 'FATAL4', body: 12345n }),
    otherRecord({ severityNumber: 1, body: 2.5 }),
    otherRecord({ body: true }),
    otherRecord({ body: new Uint8Array([9, 8]) }),
    otherRecord({ body: ['a', 1n, false] }),
  ];
}

/** Checks a decoded export of emitWithSdk's records; the exception record is checked by its attributes. */
function assertSdkRecords(decoded: DecodedLogs, e: Emitted): void {
  assert.equal(decoded.rejectedRecords, 0);
  assert.equal(decoded.records.length, 8);
  // Bytes values decode as Buffers when the payload is a Buffer (as the receivers hand it over): compare bytes as
  // lists of numbers, and bigints as text marked `n`.
  const plain = (v: unknown): unknown =>
    typeof v === 'bigint'
      ? `${v}n`
      : v instanceof Uint8Array
        ? { bytes: [...v] }
        : Array.isArray(v)
          ? v.map(plain)
          : typeof v === 'object' && v !== null
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
            : v;
  assert.deepStrictEqual(plain(decoded.records.slice(0, 7)), plain(expectedRecords(e)));
  // plain() cannot tell a bigint from its text, nor a Uint8Array from an object: check types too.
  assert.equal(typeof decoded.records[2]!.body, 'bigint');
  assert.equal(typeof attr(decoded.records[0]!.attributes, 'big'), 'bigint');
  assert.ok(decoded.records[5]!.body instanceof Uint8Array);
  const exception = decoded.records[7]!;
  assert.equal(attr(exception.attributes, 'exception.type'), 'TypeError');
  assert.equal(attr(exception.attributes, 'exception.message'), 'boom');
  assert.match(String(attr(exception.attributes, 'exception.stacktrace')), /TypeError: boom/);
  assert.equal(exception.body, null);
  // One resource object for the whole export, one scope object per scope.
  assert.equal(decoded.records[0]!.resource, decoded.records[7]!.resource);
  assert.equal(decoded.records[0]!.scope, decoded.records[1]!.scope);
  assert.notEqual(decoded.records[1]!.scope, decoded.records[2]!.scope);
}

describe('OTLP logs from the real OpenTelemetry JS SDK', () => {
  let emitted: Emitted;
  before(async () => {
    emitted = await emitWithSdk();
    assert.equal(emitted.records.length, 8);
    assert.match(emitted.traceId, /^[0-9a-f]{32}$/);
    assert.notEqual(emitted.traceId, '0'.repeat(32));
  });

  it('decodes the protobuf ProtobufLogsSerializer writes, every field included', () => {
    const bytes = ProtobufLogsSerializer.serializeRequest(emitted.records);
    assert.ok(bytes);
    assertSdkRecords(decodeLogsRequest(bytes), emitted);
  });

  it('decodes the JSON JsonLogsSerializer writes, every field included', () => {
    const bytes = JsonLogsSerializer.serializeRequest(emitted.records);
    assert.ok(bytes);
    assertSdkRecords(decodeLogsRequestJson(new TextDecoder().decode(bytes)), emitted);
  });

  describe('the three OTLP log exporters, against a receiver that answers with our responses', () => {
    const bodies: { contentType: string; body: Buffer }[] = [];
    const grpcBodies: Buffer[] = [];
    const warnings: string[] = [];
    let httpUrl = '';
    let grpcUrl = '';
    const http = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        const contentType = req.headers['content-type'] ?? '';
        bodies.push({ contentType, body });
        const json = contentType.startsWith('application/json');
        res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
        res.end(json ? encodeLogsResponseJson(1, 'json says no') : encodeLogsResponse(1, 'proto says no'));
      });
    });
    const grpcServer = new grpc.Server();

    before(async () => {
      diag.setLogger(
        { error: () => {}, warn: (...args: unknown[]) => void warnings.push(args.join(' ')), info: () => {}, debug: () => {}, verbose: () => {} },
        DiagLogLevel.WARN,
      );
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/v1/logs`;
      const identity = (b: Buffer): Buffer => b;
      grpcServer.addService(
        {
          export: {
            path: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
            requestStream: false,
            responseStream: false,
            requestSerialize: identity,
            requestDeserialize: identity,
            responseSerialize: identity,
            responseDeserialize: identity,
          },
        },
        {
          export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
            grpcBodies.push(call.request);
            callback(null, Buffer.from(encodeLogsResponse(1, 'grpc says no')));
          },
        },
      );
      const port = await new Promise<number>((resolve, reject) =>
        grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
      );
      grpcUrl = `http://127.0.0.1:${port}`;
    });

    after(async () => {
      diag.disable();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()));
    });

    async function exportWith(exporter: { export(r: ReadableLogRecord[], cb: (r: ExportResult) => void): void; shutdown(): Promise<void> }): Promise<ExportResult> {
      try {
        return await new Promise<ExportResult>((resolve) => exporter.export(emitted.records, resolve));
      } finally {
        await exporter.shutdown();
      }
    }

    it('OTLP/HTTP JSON: decodes what it sends, and it reads our partial-success answer', async () => {
      const result = await exportWith(new HttpJsonLogExporter({ url: httpUrl }));
      assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
      const sent = bodies.at(-1);
      assert.ok(sent);
      assert.match(sent.contentType, /^application\/json/);
      assertSdkRecords(decodeLogsRequestJson(sent.body.toString('utf8')), emitted);
      assert.ok(warnings.some((w) => w.includes('json says no')), warnings.join('\n'));
    });

    it('OTLP/HTTP protobuf: decodes what it sends, and it reads our partial-success answer', async () => {
      const result = await exportWith(new ProtoLogExporter({ url: httpUrl }));
      assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
      const sent = bodies.at(-1);
      assert.ok(sent);
      assert.match(sent.contentType, /^application\/x-protobuf/);
      assertSdkRecords(decodeLogsRequest(sent.body), emitted);
      assert.ok(warnings.some((w) => w.includes('proto says no')), warnings.join('\n'));
    });

    it('OTLP/gRPC: decodes what it sends, and it reads our partial-success answer', async () => {
      const result = await exportWith(new GrpcLogExporter({ url: grpcUrl }));
      assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
      assert.equal(grpcBodies.length, 1);
      assertSdkRecords(decodeLogsRequest(grpcBodies[0]!), emitted);
      assert.ok(warnings.some((w) => w.includes('grpc says no')), warnings.join('\n'));
    });
  });
});

// ---- hand-made payloads ----

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

interface RecordSpec {
  readonly body: string;
  readonly traceId?: string;
  readonly spanId?: string;
}

/** One request of resources -> scopes -> records, as reference protobuf bytes and as OTLP JSON text. */
function payloads(resources: readonly (readonly (readonly RecordSpec[])[])[]): { protobuf: Uint8Array; json: string } {
  const build = (ids: (hex: string) => unknown): object => ({
    resourceLogs: resources.map((scopes, i) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${i}` } }] },
      scopeLogs: scopes.map((records, j) => ({
        scope: { name: `scope-${j}` },
        logRecords: records.map((r) => ({
          body: { stringValue: r.body },
          ...(r.traceId === undefined ? {} : { traceId: ids(r.traceId) }),
          ...(r.spanId === undefined ? {} : { spanId: ids(r.spanId) }),
        })),
      })),
    })),
  });
  return { protobuf: encodeReference(build((hex) => Buffer.from(hex, 'hex'))), json: JSON.stringify(build((hex) => hex)) };
}

describe('OTLP logs decoders on hand-made payloads', () => {
  it('rejects records with bad ids, naming each position, and keeps the others', () => {
    const { protobuf: bytes, json } = payloads([
      [
        [
          { body: 'r0', traceId: TRACE, spanId: SPAN },
          { body: 'r1', traceId: 'ab'.repeat(8), spanId: SPAN },
          { body: 'r2', traceId: TRACE, spanId: 'cd'.repeat(4) },
          { body: 'r3', traceId: '00'.repeat(16) },
          { body: 'r4' },
          { body: 'r5', traceId: TRACE, spanId: '00'.repeat(8) },
          { body: 'r6', spanId: SPAN },
        ],
      ],
      [[{ body: 'b0', traceId: TRACE }], [{ body: 'b1' }, { body: 'b2', traceId: 'ef'.repeat(17) }]],
    ]);
    for (const logs of [decodeLogsRequest(bytes), decodeLogsRequestJson(json)]) {
      assert.equal(logs.rejectedRecords, 5);
      assert.deepEqual(logs.rejectReasons, [
        'resource_logs[0].scope_logs[0].log_records[1]: trace_id: 8 bytes, expected 16',
        'resource_logs[0].scope_logs[0].log_records[2]: span_id: 4 bytes, expected 8',
        'resource_logs[0].scope_logs[0].log_records[3]: trace_id: all zero',
        'resource_logs[0].scope_logs[0].log_records[5]: span_id: all zero',
        'resource_logs[1].scope_logs[1].log_records[1]: trace_id: 17 bytes, expected 16',
      ]);
      assert.deepEqual(
        logs.records.map((r) => [r.body, r.traceId, r.spanId, r.resource.attributes[0]!.value, r.scope.name]),
        [
          ['r0', TRACE, SPAN, 'svc-0', 'scope-0'],
          ['r4', '', '', 'svc-0', 'scope-0'],
          ['r6', '', SPAN, 'svc-0', 'scope-0'],
          ['b0', TRACE, '', 'svc-1', 'scope-0'],
          ['b1', '', '', 'svc-1', 'scope-1'],
        ],
      );
    }
    // JSON ids that are not hex are named as such; upper-case hex is accepted.
    const odd = decodeLogsRequestJson(payloads([[[{ body: 'x', traceId: 'zz'.repeat(16) }, { body: 'y', traceId: TRACE.toUpperCase() }]]]).json);
    assert.deepEqual(odd.rejectReasons, [`resource_logs[0].scope_logs[0].log_records[0]: trace_id: not lower-case hex: "${'zz'.repeat(16)}"`]);
    assert.equal(odd.records[0]!.traceId, TRACE);
  });

  it('decodes every field the official definitions encode, int64 and fixed64 extremes included', () => {
    const kv = (key: string, value: object): object => ({ key, value });
    const bytes = encodeReference({
      resourceLogs: [
        {
          resource: { attributes: [kv('service.name', { stringValue: 'edge' })], droppedAttributesCount: 2 },
          schemaUrl: 'https://example.com/resource',
          scopeLogs: [
            {
              scope: { name: 'edge.scope', version: '3', attributes: [kv('s', { intValue: 1 })], droppedAttributesCount: 1 },
              schemaUrl: 'https://example.com/scope',
              logRecords: [
                {
                  timeUnixNano: Long.fromString('18446744073709551615', true),
                  observedTimeUnixNano: Long.fromString('1700000000000000001', true),
                  severityNumber: 17,
                  severityText: 'ERROR',
                  body: { kvlistValue: { values: [kv('k', { arrayValue: { values: [{ doubleValue: -0.5 }, {}, { bytesValue: Buffer.from([7]) }] } })] } },
                  attributes: [
                    kv('min', { intValue: Long.fromString('-9223372036854775808') }),
                    kv('max', { intValue: Long.fromString('9223372036854775807') }),
                    kv('nan', { doubleValue: NaN }),
                  ],
                  droppedAttributesCount: 3,
                  flags: 0x101,
                  traceId: Buffer.from(TRACE, 'hex'),
                  spanId: Buffer.from(SPAN, 'hex'),
                },
              ],
            },
          ],
        },
      ],
    });
    const [record] = decodeLogsRequest(new Uint8Array(bytes)).records;
    assert.ok(record);
    assert.deepStrictEqual(record, {
      timeUnixNano: 18446744073709551615n,
      observedTimeUnixNano: 1700000000000000001n,
      severityNumber: 17,
      severityText: 'ERROR',
      body: { kvlist: [{ key: 'k', value: [-0.5, null, new Uint8Array([7])] }] },
      attributes: [
        { key: 'min', value: -(2n ** 63n) },
        { key: 'max', value: 2n ** 63n - 1n },
        { key: 'nan', value: NaN },
      ],
      droppedAttributesCount: 3,
      flags: 0x101,
      traceId: TRACE,
      spanId: SPAN,
      eventName: '',
      resource: { attributes: [{ key: 'service.name', value: 'edge' }], droppedAttributesCount: 2, schemaUrl: 'https://example.com/resource' },
      scope: { name: 'edge.scope', version: '3', attributes: [{ key: 's', value: 1n }], droppedAttributesCount: 1, schemaUrl: 'https://example.com/scope' },
    });
  });

  it('reads event_name (field 12), skips the retired name (4) and unknown fields, takes a scope that comes after the records', () => {
    const w = protobuf.Writer.create();
    w.uint32((1 << 3) | 2).fork(); // resource_logs
    w.uint32((2 << 3) | 2).fork(); // scope_logs
    w.uint32((2 << 3) | 2).fork(); // log_records
    w.uint32((4 << 3) | 2).string('retired name');
    w.uint32((12 << 3) | 2).string('user.login');
    w.uint32((99 << 3) | 0).uint32(7);
    w.uint32((3 << 3) | 2).string('INFO');
    w.ldelim();
    w.uint32((1 << 3) | 2).fork().uint32((1 << 3) | 2).string('late.scope').ldelim(); // scope, after the record
    w.ldelim();
    w.ldelim();
    const [record] = decodeLogsRequest(w.finish()).records;
    assert.ok(record);
    assert.equal(record.eventName, 'user.login');
    assert.equal(record.severityText, 'INFO');
    assert.equal(record.scope.name, 'late.scope');
    assert.equal(record.body, null);
  });

  it('reads snake_case JSON keys, severity names, int64 as numbers, and upper-case ids', () => {
    const text = JSON.stringify({
      resource_logs: [
        {
          schema_url: 'r',
          scope_logs: [
            {
              scope: { name: 'sc' },
              log_records: [
                {
                  time_unix_nano: 1700000000000000000,
                  observed_time_unix_nano: '1700000000000000007',
                  severity_number: 'SEVERITY_NUMBER_ERROR3',
                  severity_text: 'E',
                  event_name: 'ev',
                  trace_id: TRACE.toUpperCase(),
                  span_id: SPAN,
                  dropped_attributes_count: '4',
                  body: { kvlist_value: { values: [{ key: 'n', value: { int_value: '-9223372036854775808' } }] } },
                },
              ],
            },
          ],
        },
      ],
    });
    const [record] = decodeLogsRequestJson(text).records;
    assert.ok(record);
    assert.equal(record.timeUnixNano, 1700000000000000000n);
    assert.equal(record.observedTimeUnixNano, 1700000000000000007n);
    assert.equal(record.severityNumber, 19);
    assert.equal(record.severityText, 'E');
    assert.equal(record.eventName, 'ev');
    assert.equal(record.traceId, TRACE);
    assert.equal(record.spanId, SPAN);
    assert.equal(record.droppedAttributesCount, 4);
    assert.deepStrictEqual(record.body, { kvlist: [{ key: 'n', value: -(2n ** 63n) }] });
    assert.equal(record.resource.schemaUrl, 'r');
  });

  it('refuses malformed payloads with MalformedPayloadError, naming where', () => {
    const { protobuf: bytes } = payloads([[[{ body: 'a', traceId: TRACE }, { body: 'b' }]]]);
    const fails = (f: () => unknown, message: RegExp): void => {
      assert.throws(f, (e: unknown) => {
        assert.ok(e instanceof MalformedPayloadError, String(e));
        assert.match(e.message, message);
        return true;
      });
    };
    fails(() => decodeLogsRequest(bytes.subarray(0, bytes.length - 3)), /^invalid ExportLogsServiceRequest protobuf at resource_logs\[0\]/);
    fails(() => decodeLogsRequest(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])), /^invalid ExportLogsServiceRequest protobuf/);
    fails(() => decodeLogsRequestJson('{"resourceLogs": ['), /^invalid JSON/);
    fails(() => decodeLogsRequestJson('[]'), /^\$: expected an ExportLogsServiceRequest object, got an array/);
    fails(
      () => decodeLogsRequestJson('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{},{"severityText":5}]}]}]}'),
      /^\$\.resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[1\]\.severityText: expected a string, got number 5$/,
    );
    fails(() => decodeLogsRequestJson('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"soon"}]}]}]}'), /logRecords\[0\]\.timeUnixNano: expected an unsigned integer/);
    fails(() => decodeLogsRequestJson('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":"LOUD"}]}]}]}'), /logRecords\[0\]\.severityNumber: expected an enum value/);
  });

  it('refuses values nested deeper than MAX_VALUE_DEPTH, in bodies and attributes, protobuf and JSON', () => {
    const nested = (levels: number): object => (levels === 0 ? { stringValue: 'leaf' } : { arrayValue: { values: [nested(levels - 1)] } });
    const request = (where: 'body' | 'attribute', levels: number): object => ({
      resourceLogs: [
        {
          scopeLogs: [
            { logRecords: [where === 'body' ? { body: nested(levels) } : { attributes: [{ key: 'deep', value: nested(levels) }] }] },
          ],
        },
      ],
    });
    const leafOf = (v: AttrValue, levels: number): AttrValue => (levels === 0 ? v : leafOf((v as AttrValue[])[0]!, levels - 1));
    for (const where of ['body', 'attribute'] as const) {
      const value = (logs: DecodedLogs): AttrValue => (where === 'body' ? logs.records[0]!.body : logs.records[0]!.attributes[0]!.value);
      assert.equal(leafOf(value(decodeLogsRequest(encodeReference(request(where, 32)))), 32), 'leaf');
      assert.equal(leafOf(value(decodeLogsRequestJson(JSON.stringify(request(where, 32)))), 32), 'leaf');
      assert.throws(() => decodeLogsRequest(encodeReference(request(where, 33))), (e: unknown) => {
        assert.ok(e instanceof MalformedPayloadError);
        assert.equal(e.message, 'resource_logs[0].scope_logs[0].log_records[0]: attribute value nested deeper than 32 levels');
        return true;
      });
      assert.throws(() => decodeLogsRequestJson(JSON.stringify(request(where, 33))), (e: unknown) => {
        assert.ok(e instanceof MalformedPayloadError);
        assert.match(e.message, /^\$\.resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[0\]\.(body|attributes\[0\]\.value)(\.arrayValue\.values\[0\]){33}: attribute value nested deeper than 32 levels$/);
        return true;
      });
    }
    // Far deeper than any stack: refused at the limit, not by a stack overflow.
    let deep = protobuf.Writer.create().uint32((1 << 3) | 2).string('leaf').finish();
    for (let i = 0; i < 2000; i++) {
      const values = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(deep).finish(); // ArrayValue.values
      deep = protobuf.Writer.create().uint32((5 << 3) | 2).bytes(values).finish(); // AnyValue.array_value
    }
    const record = protobuf.Writer.create().uint32((5 << 3) | 2).bytes(deep).finish();
    const scopeLogs = protobuf.Writer.create().uint32((2 << 3) | 2).bytes(record).finish();
    const resourceLogs = protobuf.Writer.create().uint32((2 << 3) | 2).bytes(scopeLogs).finish();
    const hostile = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(resourceLogs).finish();
    assert.throws(() => decodeLogsRequest(hostile), /nested deeper than 32 levels/);
    const hostileJson = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${'{"arrayValue":{"values":['.repeat(100_000)}${']}}'.repeat(100_000)}}]}]}]}`;
    assert.throws(() => decodeLogsRequestJson(hostileJson), /nested deeper than 32 levels/);
  });

  it('an empty request is empty; responses carry partial success only when needed', () => {
    assert.deepEqual(decodeLogsRequest(new Uint8Array(0)), { records: [], rejectedRecords: 0, rejectReasons: [] });
    assert.deepEqual(decodeLogsRequestJson('{}'), { records: [], rejectedRecords: 0, rejectReasons: [] });
    assert.equal(encodeLogsResponse(0, '').length, 0);
    const decoded = reference.ExportLogsServiceResponse.toObject(reference.ExportLogsServiceResponse.decode(encodeLogsResponse(3, 'why')), { longs: String });
    assert.deepEqual(decoded, { partialSuccess: { rejectedLogRecords: '3', errorMessage: 'why' } });
    assert.equal(encodeLogsResponseJson(0, ''), '{}');
    assert.deepEqual(JSON.parse(encodeLogsResponseJson(2, 'bad ids')), { partialSuccess: { rejectedLogRecords: '2', errorMessage: 'bad ids' } });
  });
});
