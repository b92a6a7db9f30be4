// The searches of the store benchmark, and the naive way to answer them that the store is measured against: one pass
// over an array of every decoded span, the span conditions checked with the store's own matcher (spanMatches of
// src/core/store/query.ts, so both answer the same question), the matching trace ids collected, sorted by trace
// start, newest first, and the first `limit` kept.
import type { Span } from '../../src/core/model';
import { queryLimit, spanMatches } from '../../src/core/store/query';
import type { TraceQuery } from '../../src/core/store/store';

const MS = 1_000_000n;

/** Typical searches of the Traces view and the Jaeger API, 20 traces each, over bench/ingest/payloads.ts spans, and one that finds nothing. */
export const QUERIES: readonly { readonly name: string; readonly query: TraceQuery }[] = [
  { name: 'service', query: { service: 'catalog', limit: 20 } },
  { name: 'service + operation', query: { service: 'checkout', operation: 'POST /api/checkout', limit: 20 } },
  { name: 'attribute db.operation.name=INSERT', query: { attributes: [{ key: 'db.operation.name', op: '=', value: 'INSERT' }], limit: 20 } },
  { name: 'attribute http.response.status_code=500', query: { attributes: [{ key: 'http.response.status_code', op: '=', value: '500' }], limit: 20 } },
  { name: 'duration 20-30 ms', query: { minDurationNanos: 20n * MS, maxDurationNanos: 30n * MS, limit: 20 } },
  { name: 'errors only', query: { errorsOnly: true, limit: 20 } },
  // The worst case for a search without an attribute index: a value no span has (the attribute filters' case).
  { name: 'attribute http.response.status_code=418 (none)', query: { attributes: [{ key: 'http.response.status_code', op: '=', value: '418' }], limit: 20 } },
];

/** What the naive scan holds: the spans in arrival order, and each trace's start (its earliest span's). */
export class NaiveSpans {
  readonly spans: Span[] = [];
  private readonly starts = new Map<string, bigint>();

  add(spans: readonly Span[]): void {
    for (const s of spans) {
      this.spans.push(s);
      const start = this.starts.get(s.traceId);
      if (start === undefined || s.startTimeUnixNano < start) this.starts.set(s.traceId, s.startTimeUnixNano);
    }
  }

  get traceCount(): number {
    return this.starts.size;
  }

  /** Trace ids matching `q`, newest trace start first, at most the query's limit. */
  find(q: TraceQuery): string[] {
    const hits = new Set<string>();
    for (const s of this.spans) if (spanMatches(s, q)) hits.add(s.traceId);
    const starts = this.starts;
    return [...hits]
      .sort((a, b) => {
        const x = starts.get(a)!;
        const y = starts.get(b)!;
        return x < y ? 1 : x > y ? -1 : 0;
      })
      .slice(0, queryLimit(q));
  }

  /** Spans meeting the query, and traces with one: how selective it is. */
  selectivity(q: TraceQuery): { spans: number; traces: number } {
    const traces = new Set<string>();
    let spans = 0;
    for (const s of this.spans) {
      if (!spanMatches(s, q)) continue;
      spans++;
      traces.add(s.traceId);
    }
    return { spans, traces: traces.size };
  }
}
