// Traces made with the real OpenTelemetry JS SDK (one TracerProvider per service, the real OTLP/HTTP protobuf
// exporter), drawn as trees of calls with times in ms from a start: what the analysis tests send to a real server.
import type { Attributes, Context, Span as ApiSpan } from '@opentelemetry/api';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

export interface Call {
  readonly service: string;
  readonly name: string;
  readonly kind?: SpanKind;
  /** ms from the trace's start. */
  readonly start: number;
  readonly end: number;
  readonly attributes?: Attributes;
  /** Fails with this exception (status ERROR and an `exception` event). */
  readonly error?: { readonly type: string; readonly message: string };
  readonly children?: readonly Call[];
}

export class SdkShop {
  private readonly providers = new Map<string, TracerProvider>();

  constructor(private readonly otlpHttp: string) {}

  private provider(service: string): TracerProvider {
    let p = this.providers.get(service);
    if (!p) {
      p = new TracerProvider({
        resource: resourceFromAttributes({ 'service.name': service, 'host.name': `${service}-host` }),
        spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${this.otlpHttp}/v1/traces` }) })],
      });
      this.providers.set(service, p);
    }
    return p;
  }

  /** Makes the trace (its root started `startMs` Unix ms); returns its id. Call flush() to send. */
  trace(root: Call, startMs: number): string {
    const made = this.span(root, startMs, ROOT_CONTEXT);
    return made.spanContext().traceId;
  }

  private span(c: Call, t0: number, parent: Context): ApiSpan {
    const tracer = this.provider(c.service).getTracer('tracelens-analysis-test');
    const span = tracer.startSpan(c.name, { kind: c.kind ?? SpanKind.INTERNAL, startTime: t0 + c.start, attributes: c.attributes ?? {} }, parent);
    for (const child of c.children ?? []) this.span(child, t0, trace.setSpan(ROOT_CONTEXT, span));
    if (c.error) {
      span.recordException({ name: c.error.type, message: c.error.message, stack: `${c.error.type}: ${c.error.message}\n    at handler (/app/${c.service}/index.js:42:11)` }, t0 + c.end);
      span.setStatus({ code: SpanStatusCode.ERROR, message: c.error.message });
    }
    span.end(t0 + c.end);
    return span;
  }

  async flush(): Promise<void> {
    await Promise.all([...this.providers.values()].map((p) => p.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.providers.values()].map((p) => p.shutdown()));
  }
}
