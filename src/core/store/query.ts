// Span-level search conditions, checked on decoded spans: a trace matches a query when one of its spans meets every
// condition at once (Jaeger's semantics). The index answers the conditions it holds (service, name, kind, error,
// duration, start); attributes are checked here, on the bodies of the index's candidates.
import type { Attributes, AttrValue, Span } from '../model';
import { serviceName, SpanKind, SpanStatusCode } from '../model';
import type { AttributeFilter, TraceQuery } from './store';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 10_000;

/** The text an '=' filter compares: strings as they are, numbers and booleans as JSON writes them. */
export function valueText(v: AttrValue): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (Array.isArray(v)) return `[${v.map(valueText).join(',')}]`;
  return `{${(v as { kvlist: Attributes }).kvlist.map((a) => `${a.key}=${valueText(a.value)}`).join(',')}}`;
}

function valueNumber(v: AttrValue): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isNaN(n) ? undefined : n;
  }
  return undefined;
}

const KIND_TAGS = ['internal', 'server', 'client', 'producer', 'consumer'];

/** Values of `key` on the span, its resource and events, and the tags Jaeger derives from kind and status. */
function valuesOf(span: Span, key: string): AttrValue[] {
  const out: AttrValue[] = [];
  const scan = (attributes: Attributes): void => {
    for (const a of attributes) if (a.key === key) out.push(a.value);
  };
  scan(span.attributes);
  scan(span.resource.attributes);
  for (const e of span.events) scan(e.attributes);
  switch (key) {
    case 'error':
      if (span.status.code === SpanStatusCode.ERROR) out.push(true);
      break;
    case 'span.kind':
      if (span.kind !== SpanKind.INTERNAL) out.push(KIND_TAGS[span.kind]!);
      break;
    case 'otel.status_code':
      if (span.status.code !== SpanStatusCode.UNSET) out.push(span.status.code === SpanStatusCode.ERROR ? 'ERROR' : 'OK');
      break;
    case 'otel.status_description':
      if (span.status.message !== '') out.push(span.status.message);
      break;
  }
  return out;
}

export function attributeMatches(span: Span, f: AttributeFilter): boolean {
  const values = valuesOf(span, f.key);
  switch (f.op) {
    case 'exists':
      return values.length > 0;
    case '=':
      return values.some((v) => valueText(v) === String(f.value));
    case '!=':
      return !values.some((v) => valueText(v) === String(f.value));
    default: {
      const want = Number(f.value);
      return values.some((v) => {
        const n = valueNumber(v);
        if (n === undefined) return false;
        return f.op === '<' ? n < want : f.op === '<=' ? n <= want : f.op === '>' ? n > want : n >= want;
      });
    }
  }
}

/** Does this one span meet every condition of the query? */
export function spanMatches(span: Span, q: TraceQuery): boolean {
  if (q.service !== undefined && serviceName(span) !== q.service) return false;
  if (q.operation !== undefined && span.name !== q.operation) return false;
  if (q.spanKind !== undefined && span.kind !== q.spanKind) return false;
  if (q.errorsOnly && span.status.code !== SpanStatusCode.ERROR) return false;
  const duration = span.endTimeUnixNano - span.startTimeUnixNano;
  if (q.minDurationNanos !== undefined && duration < q.minDurationNanos) return false;
  if (q.maxDurationNanos !== undefined && duration > q.maxDurationNanos) return false;
  if (q.startFromNanos !== undefined && span.startTimeUnixNano < q.startFromNanos) return false;
  if (q.startToNanos !== undefined && span.startTimeUnixNano > q.startToNanos) return false;
  return (q.attributes ?? []).every((f) => attributeMatches(span, f));
}

export function queryLimit(q: TraceQuery): number {
  const n = q.limit ?? DEFAULT_LIMIT;
  return Number.isFinite(n) && n > 0 ? Math.min(Math.floor(n), MAX_LIMIT) : DEFAULT_LIMIT;
}
