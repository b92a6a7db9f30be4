// OTLP logs through the real receivers: log records emitted with the real OpenTelemetry logs SDK inside a span, sent
// by each real logs exporter (OTLP/HTTP JSON, OTLP/HTTP protobuf, OTLP/gRPC), are stored and joined to their trace
// and span; a record naming no trace is accepted and kept out of every trace.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROOT_CONTEXT, SeverityNumber, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as HttpJsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { WireLogRecord } from '../../src/protocol/wire';
import type { RunningServer } from '../helpers/server';
import { startServer } from '../helpers/server';

interface Made {
  readonly records: ReadableLogRecord[];
  readonly traceId: string;
  readonly spanId: string;
}

/** A span, and inside it: an exception log record (with attributes and an event name) and an info record; plus one outside any span. */
function makeRecords(service: string): Made {
  const logs = new InMemoryLogRecordExporter();
  const logger = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    processors: [new SimpleLogRecordProcessor({ exporter: logs })],
  }).getLogger('logs-test', '1.0.0');
  const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })] }).getTracer('logs-test');
  const span = tracer.startSpan('charge card');
  const context = trace.setSpan(ROOT_CONTEXT, span);
  logger.emit({
    context,
    eventName: 'exception',
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
    body: 'card declined',
    attributes: { 'exception.type': 'PaymentError', 'exception.stacktrace': 'PaymentError: card declined\n    at charge (/app/pay.js:12:7)', 'retry.count': 3 },
  });
  logger.emit({ context, severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: { step: 'after', ok: false } });
  logger.emit({ severityNumber: SeverityNumber.WARN, body: 'no trace here' });
  span.end();
  return { records: logs.getFinishedLogRecords(), traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
}

function send(exporter: LogRecordExporter, records: ReadableLogRecord[]): Promise<void> {
  return new Promise((resolve, reject) =>
    exporter.export(records, (r: ExportResult) => (r.code === ExportResultCode.SUCCESS ? resolve() : reject(r.error ?? new Error('export failed')))),
  );
}

describe('OTLP logs from the real SDK exporters', () => {
  let srv: RunningServer;
  before(async () => {
    srv = await startServer();
  });
  after(() => srv.close());

  const cases: [string, () => LogRecordExporter][] = [
    ['otlp-http json', () => new HttpJsonLogExporter({ url: `${srv.otlpHttp}/v1/logs` })],
    ['otlp-http protobuf', () => new ProtoLogExporter({ url: `${srv.otlpHttp}/v1/logs` })],
    ['otlp-grpc', () => new GrpcLogExporter({ url: srv.otlpGrpc })],
  ];
  for (const [name, make] of cases) {
    it(`${name}: records are stored and joined to their span`, async () => {
      const made = makeRecords(`logs-${name}`);
      const exporter = make();
      await send(exporter, made.records);
      await exporter.shutdown();
      const res = await fetch(`${srv.query}/api/tracelens/logs/${made.traceId}`);
      assert.equal(res.status, 200);
      const logs = (await res.json()) as WireLogRecord[];
      assert.deepEqual(
        logs.map((l) => [l.spanId, l.severityNumber, l.severityText, l.body]),
        [
          [made.spanId, SeverityNumber.ERROR, 'ERROR', 'card declined'],
          [made.spanId, SeverityNumber.INFO, 'INFO', { kvlist: [{ key: 'step', value: 'after' }, { key: 'ok', value: false }] }],
        ],
      );
      const exception = logs[0]!;
      assert.equal(exception.eventName, 'exception');
      assert.deepEqual(exception.attributes, [
        { key: 'exception.type', value: 'PaymentError' },
        { key: 'exception.stacktrace', value: 'PaymentError: card declined\n    at charge (/app/pay.js:12:7)' },
        { key: 'retry.count', value: { int: '3' } },
      ]);
      assert.equal(exception.scopeName, 'logs-test');
      assert.deepEqual(exception.resourceAttributes.find((a) => a.key === 'service.name')?.value, `logs-${name}`);
      assert.ok(BigInt(exception.timeUnixNano) > 0n);
    });
  }

  it('counts the records and names a bad one in the partial success', async () => {
    const status = await srv.status();
    assert.equal(status.store.logCount, 6, 'two records per exporter are linked to a trace');
    const body = JSON.stringify({
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'ok' } }, { traceId: 'abcd', body: { stringValue: 'bad id' } }] }] }],
    });
    const res = await fetch(`${srv.otlpHttp}/v1/logs`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    assert.equal(res.status, 200);
    const answer = (await res.json()) as { partialSuccess?: { rejectedLogRecords?: string | number; errorMessage?: string } };
    assert.equal(Number(answer.partialSuccess?.rejectedLogRecords), 1);
    assert.match(answer.partialSuccess?.errorMessage ?? '', /log_records\[1\]: trace_id: 2 bytes, expected 16/);
  });
});
