// Pure functions over the spans of one trace: its summary (root, services, duration, errors).
import { SpanStatusCode } from '@opentelemetry/api';
import type { DurationNanos, Span, TraceId, UnixNanos } from './model';
import { serviceName } from './model';

export interface ServiceCount {
  readonly service: string;
  readonly spans: number;
}

export interface TraceSummary {
  readonly traceId: TraceId;
  /** The root span's service and name; when the root has not arrived, the earliest span's, and hasRoot is false. */
  readonly rootService: string;
  readonly rootName: string;
  readonly hasRoot: boolean;
  readonly startTimeUnixNano: UnixNanos;
  readonly durationNanos: DurationNanos;
  readonly spanCount: number;
  readonly errorCount: number;
  /** Spans whose parent is named but not (yet) in the trace. */
  readonly orphanCount: number;
  /** Busiest service first. */
  readonly services: readonly ServiceCount[];
  /** The remote backend it came from (its name, as configured); absent for a trace stored here. */
  readonly source?: string;
}

/** Spans per service, busiest service first (then by name): the order every trace summary lists them in. */
export function rankServices(perService: Iterable<readonly [string, number]>): ServiceCount[] {
  return [...perService].map(([service, spans]) => ({ service, spans })).sort((a, b) => b.spans - a.spans || a.service.localeCompare(b.service));
}

export function summarizeTrace(spans: readonly Span[]): TraceSummary | undefined {
  const first = spans[0];
  if (!first) return undefined;
  const ids = new Set<string>();
  for (const s of spans) ids.add(s.spanId);
  let root: Span | undefined;
  let earliest = first;
  let start = first.startTimeUnixNano;
  let end = first.endTimeUnixNano;
  let errors = 0;
  let orphans = 0;
  const perService = new Map<string, number>();
  for (const s of spans) {
    if (s.startTimeUnixNano < start) start = s.startTimeUnixNano;
    if (s.endTimeUnixNano > end) end = s.endTimeUnixNano;
    if (s.startTimeUnixNano < earliest.startTimeUnixNano) earliest = s;
    if (s.status.code === SpanStatusCode.ERROR) errors++;
    if (s.parentSpanId === '') {
      if (!root || s.startTimeUnixNano < root.startTimeUnixNano) root = s;
    } else if (!ids.has(s.parentSpanId)) {
      orphans++;
    }
    const svc = serviceName(s);
    perService.set(svc, (perService.get(svc) ?? 0) + 1);
  }
  const head = root ?? earliest;
  const services = rankServices(perService);
  return {
    traceId: first.traceId,
    rootService: serviceName(head),
    rootName: head.name,
    hasRoot: root !== undefined,
    startTimeUnixNano: start,
    durationNanos: end > start ? end - start : 0n,
    spanCount: spans.length,
    errorCount: errors,
    orphanCount: orphans,
    services,
  };
}
