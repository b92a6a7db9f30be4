// Pieces shared by the OTLP protobuf and JSON decoders: enum mapping, limits and span validation.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { spanIdProblem, traceIdProblem } from '../ids';

/** Nesting of arrays and kvlists inside one attribute value; deeper is refused (hostile input). */
export const MAX_VALUE_DEPTH = 32;
/** How many reject reasons a partial success reports; the count is always exact. */
export const MAX_REJECT_REASONS = 5;

/** OTLP SpanKind (UNSPECIFIED=0, INTERNAL=1, SERVER=2, CLIENT=3, PRODUCER=4, CONSUMER=5) to @opentelemetry/api's. */
export function spanKindFromOtlp(kind: number): SpanKind {
  switch (kind) {
    case 2:
      return SpanKind.SERVER;
    case 3:
      return SpanKind.CLIENT;
    case 4:
      return SpanKind.PRODUCER;
    case 5:
      return SpanKind.CONSUMER;
    default:
      // UNSPECIFIED may be taken as INTERNAL, says the proto; unknown values too.
      return SpanKind.INTERNAL;
  }
}

export function statusCodeFromOtlp(code: number): SpanStatusCode {
  return code === 1 ? SpanStatusCode.OK : code === 2 ? SpanStatusCode.ERROR : SpanStatusCode.UNSET;
}

/** The reason a span must be rejected, or undefined when it is acceptable. */
export function spanProblem(traceId: string, spanId: string, parentSpanId: string): string | undefined {
  const t = traceIdProblem(traceId);
  if (t) return `trace_id: ${t}`;
  const s = spanIdProblem(spanId);
  if (s) return `span_id: ${s}`;
  if (parentSpanId !== '') {
    const p = spanIdProblem(parentSpanId);
    if (p) return `parent_span_id: ${p}`;
  }
  return undefined;
}

export class RejectLog {
  count = 0;
  readonly reasons: string[] = [];
  add(where: string, why: string): void {
    this.count++;
    if (this.reasons.length < MAX_REJECT_REASONS) this.reasons.push(`${where}: ${why}`);
  }
}
