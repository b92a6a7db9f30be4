// TraceLens tracing itself: the ingest path uses @opentelemetry/api's tracer, a no-op unless self-tracing is on.
// When on, finished spans go straight into our own store (not through a receiver, so there is no loop) under the
// service name "tracelens".
import type { Attributes as OtelAttributes, HrTime } from '@opentelemetry/api';
import { trace } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Attribute, AttrValue, Resource, Span } from '../core/model';
import { EMPTY_ATTRIBUTES } from '../core/model';
import type { TraceStore } from '../core/store/store';

export const tracer = trace.getTracer('tracelens');

function toAttributes(a: OtelAttributes): Attribute[] {
  const out: Attribute[] = [];
  for (const [key, v] of Object.entries(a)) {
    if (v === undefined) continue;
    const one = (x: string | number | boolean | null | undefined): AttrValue =>
      x === undefined ? null : typeof x === 'number' && Number.isInteger(x) ? BigInt(x) : x;
    out.push({ key, value: Array.isArray(v) ? (v as (string | number | boolean | null | undefined)[]).map(one) : one(v as string | number | boolean) });
  }
  return out;
}

function hrToNanos(t: HrTime): bigint {
  return BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
}

class StoreExporter implements SpanExporter {
  private readonly resource: Resource = {
    attributes: [
      { key: 'service.name', value: 'tracelens' },
      { key: 'process.pid', value: BigInt(process.pid) },
    ],
    droppedAttributesCount: 0,
    schemaUrl: '',
  };
  constructor(private readonly store: TraceStore) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const converted: Span[] = spans.map((s) => {
      const ctx = s.spanContext();
      return {
        traceId: ctx.traceId,
        spanId: ctx.spanId,
        parentSpanId: s.parentSpanContext?.spanId ?? '',
        name: s.name,
        kind: s.kind,
        startTimeUnixNano: hrToNanos(s.startTime),
        endTimeUnixNano: hrToNanos(s.endTime),
        attributes: toAttributes(s.attributes),
        droppedAttributesCount: s.droppedAttributesCount,
        events: s.events.map((e) => ({ timeUnixNano: hrToNanos(e.time), name: e.name, attributes: toAttributes(e.attributes ?? {}), droppedAttributesCount: 0 })),
        droppedEventsCount: s.droppedEventsCount,
        links: [],
        droppedLinksCount: s.droppedLinksCount,
        status: { code: s.status.code, message: s.status.message ?? '' },
        traceState: '',
        flags: ctx.traceFlags,
        resource: this.resource,
        scope: { name: s.instrumentationScope.name, version: s.instrumentationScope.version ?? '', attributes: EMPTY_ATTRIBUTES, droppedAttributesCount: 0, schemaUrl: '' },
      };
    });
    this.store.append([{ kind: 'spans', spans: converted }]).then(
      () => done({ code: ExportResultCode.SUCCESS }),
      (error: Error) => done({ code: ExportResultCode.FAILED, error }),
    );
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Turns self-tracing on; returns the function that turns it off. */
export function enableSelfTracing(store: TraceStore): () => Promise<void> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'tracelens' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: new StoreExporter(store) })],
  });
  trace.setGlobalTracerProvider(provider);
  return async () => {
    await provider.shutdown();
    trace.disable();
  };
}
