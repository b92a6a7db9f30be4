// A second process for the durability test: makes traces with the real OpenTelemetry SDK and sends them with the real
// OTLP/HTTP protobuf exporter, several exports in flight, as fast as the receiver acknowledges them. For every
// acknowledged export it prints one line per trace, "ACK <traceId> <spans>", so the test knows exactly what the
// receiver promised to keep. It stops by itself after --seconds, or when exports keep failing (the receiver is gone):
// five failures in a row, or with --patience N, failures for N seconds (a receiver that another process takes over).
//   node --import tsx test/helpers/ackingExporter.ts --url http://127.0.0.1:PORT [--seconds 20] [--in-flight 4] [--patience 10]
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const url = arg('--url', '');
const seconds = Number(arg('--seconds', '20'));
const inFlight = Number(arg('--in-flight', '4'));
const patienceMs = Number(arg('--patience', '0')) * 1000;
const TRACES_PER_EXPORT = 20;
const SPANS_PER_TRACE = 5;

const memory = new InMemorySpanExporter();
const provider = new TracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'durability', 'service.instance.id': String(process.pid) }),
  spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
});
const tracer = provider.getTracer('durability-test');
const exporter = new OTLPTraceExporter({ url: `${url}/v1/traces`, timeoutMillis: 5000 });

/** One export's worth of traces: a server span with children, with attributes like a real request. */
function makeBatch(n: number): { spans: ReadableSpan[]; traces: string[] } {
  memory.reset();
  const traces: string[] = [];
  for (let t = 0; t < TRACES_PER_EXPORT; t++) {
    const root = tracer.startSpan(`GET /orders/${n}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/orders/:id', 'batch.number': n } });
    const ctx = trace.setSpan(ROOT_CONTEXT, root);
    for (let c = 1; c < SPANS_PER_TRACE; c++) {
      tracer.startSpan(`step ${c}`, { kind: SpanKind.INTERNAL, attributes: { 'db.system': 'postgresql', 'db.statement': `SELECT * FROM t${c} WHERE id = $1` } }, ctx).end();
    }
    root.end();
    traces.push(root.spanContext().traceId);
  }
  return { spans: memory.getFinishedSpans().slice(), traces };
}

function send(spans: ReadableSpan[]): Promise<boolean> {
  return new Promise((resolve) => exporter.export(spans, (r) => resolve(r.code === ExportResultCode.SUCCESS)));
}

interface State {
  failures: number;
  failingSince: number;
  n: number;
}

const givenUp = (s: State): boolean => (patienceMs > 0 ? s.failures > 0 && Date.now() - s.failingSince > patienceMs : s.failures >= 5);

async function worker(id: number, deadline: number, state: State): Promise<void> {
  while (Date.now() < deadline && !givenUp(state)) {
    const batch = makeBatch(state.n++ * inFlight + id);
    if (await send(batch.spans)) {
      state.failures = 0;
      process.stdout.write(batch.traces.map((t) => `ACK ${t} ${SPANS_PER_TRACE}\n`).join(''));
    } else {
      if (state.failures++ === 0) state.failingSince = Date.now();
      if (patienceMs > 0) await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function main(): Promise<void> {
  if (!url) throw new Error('--url is required');
  const deadline = Date.now() + seconds * 1000;
  const state: State = { failures: 0, failingSince: 0, n: 0 };
  await Promise.all(Array.from({ length: inFlight }, (_, i) => worker(i, deadline, state)));
  process.stdout.write('DONE\n');
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
