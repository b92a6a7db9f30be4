// Import and export of trace files through the real server: a trace made by the real SDK and received over OTLP is
// exported as OTLP JSON Lines and as Jaeger JSON, imported into a second server, and comes back identical. A bad file
// is refused with its name, line and field, and nothing of the import is stored.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { encodeTracesJson } from '../../src/core/otlp/encodeJson';
import { decodeTraceRequestJson } from '../../src/core/otlp/json';
import type { RunningServer } from '../helpers/server';
import { startServer } from '../helpers/server';

/** Two traces from the real SDK: a request with a child in error, an event and a link; and a second one. */
async function sendTraces(srv: RunningServer): Promise<string[]> {
  const memory = new InMemorySpanExporter();
  const tracer = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop', 'service.version': '2.0.0' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  }).getTracer('import-export-test', '1.0.0');
  const root = tracer.startSpan('GET /cart', { kind: SpanKind.SERVER, attributes: { 'http.route': '/cart', 'cart.items': 3, 'ratio': 0.25, 'flags.on': true, 'tags': ['a', 'b'] } });
  const child = tracer.startSpan('load cart', { kind: SpanKind.CLIENT, links: [{ context: root.spanContext(), attributes: { why: 'cause' } }] }, trace.setSpan(ROOT_CONTEXT, root));
  child.addEvent('cache miss', { 'cache.key': 'cart:42' });
  child.recordException(new Error('timeout'));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
  child.end();
  root.end();
  const other = tracer.startSpan('GET /health', { kind: SpanKind.SERVER });
  other.end();
  const exporter = new OTLPTraceExporter({ url: `${srv.otlpHttp}/v1/traces` });
  await new Promise<void>((resolve, reject) => exporter.export(memory.getFinishedSpans(), (r) => (r.code === ExportResultCode.SUCCESS ? resolve() : reject(r.error ?? new Error('export failed')))));
  await exporter.shutdown();
  return [root.spanContext().traceId, other.spanContext().traceId];
}

describe('import and export', () => {
  let source: RunningServer;
  let target: RunningServer;
  let ids: string[];
  before(async () => {
    [source, target] = await Promise.all([startServer(), startServer()]);
    ids = await sendTraces(source);
  });
  after(async () => {
    await source.close();
    await target.close();
  });

  it('OTLP JSON Lines: one request per trace per line; export then import gives identical traces', async () => {
    const out = await source.server.exportTraces({ traceIds: [...ids, 'ffffffffffffffffffffffffffffffff'], format: 'otlp-jsonl' });
    assert.equal(out.traces, 2);
    assert.equal(out.spans, 3);
    assert.deepEqual(out.missing, ['ffffffffffffffffffffffffffffffff']);
    const lines = out.text.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.deepEqual(lines.map((l) => [...new Set(decodeTraceRequestJson(l).spans.map((s) => s.traceId))]), ids.map((id) => [id]));
    const result = await target.server.importFiles({ files: [{ name: 'traces.jsonl', text: out.text }] });
    assert.deepEqual(result.files, [{ name: 'traces.jsonl', traces: 2, spans: 3 }]);
    for (const id of ids) assert.deepEqual(await target.getTrace(id), await source.getTrace(id), `trace ${id} is identical after the round trip`);
  });

  it('Jaeger JSON: export, import and export again give the same file', async () => {
    const first = await source.server.exportTraces({ traceIds: ids, format: 'jaeger-json' });
    const doc = JSON.parse(first.text) as { data: { traceID: string; spans: unknown[] }[] };
    assert.deepEqual(doc.data.map((t) => t.traceID), ids);
    const third = await startServer();
    try {
      await third.server.importFiles({ files: [{ name: 'traces.json', text: first.text }] });
      const again = await third.server.exportTraces({ traceIds: ids, format: 'jaeger-json' });
      assert.equal(again.text, first.text);
    } finally {
      await third.close();
    }
  });

  it('the HTTP query API downloads an export', async () => {
    const res = await fetch(`${source.query}/api/tracelens/export?traceId=${ids[0]}&format=otlp-jsonl`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="traces-[0-9a-f]{8}\.jsonl"/);
    assert.equal(decodeTraceRequestJson((await res.text()).trim()).spans.length, 2);
    assert.equal((await fetch(`${source.query}/api/tracelens/export?traceId=nothex`)).status, 400);
  });

  it('refuses a bad file with its name, line and field, and stores nothing of the import', async () => {
    const fresh = await startServer();
    try {
      const good = (await source.server.exportTraces({ traceIds: ids, format: 'otlp-jsonl' })).text;
      const badLine = encodeTracesJson((await source.server.store.getTrace(ids[0]!))!).replace(/"startTimeUnixNano":"\d+"/, '"startTimeUnixNano":"soon"');
      const cases: [string, string, RegExp][] = [
        ['broken.jsonl', `${good}${badLine}\n`, /^broken\.jsonl line 3: .*startTimeUnixNano/],
        ['cut.jsonl', `${good}{"resourceSpans":[{"scopeSpans"\n`, /^cut\.jsonl line 3: /],
        ['bad-id.jsonl', good.replace(ids[1]!, 'abcd'), /^bad-id\.jsonl line 2: .*trace_?[iI]d/],
        ['empty.json', '  \n', /^empty\.json: the file is empty/],
        ['other.json', '{"hello": 1}', /^other\.json: not a trace file; expected OTLP JSON/],
        ['jaeger.json', '{"data":[{"traceID":"1","spans":[{"spanID":"2","startTime":"x"}],"processes":{}}]}', /^jaeger\.json \(Jaeger JSON\): data\[0\]\.spans\[0\]/],
      ];
      for (const [name, text, message] of cases) {
        await assert.rejects(fresh.server.importFiles({ files: [{ name: 'ok.jsonl', text: good }, { name, text }] }), { name: 'ImportError', message }, name);
      }
      assert.equal(fresh.server.store.stats().spanCount, 0, 'the good file of each failed import was not stored either');
    } finally {
      await fresh.close();
    }
  });
});
