// A bounded in-memory TraceStore: whole traces are evicted oldest-updated first once maxSpans is exceeded.
// Spans of one trace that arrive late, out of order or from several services and batches join the same trace;
// a span received twice (an exporter's retry) is kept once.
import type { Span, TraceId } from '../model';
import { serviceName } from '../model';
import type { TraceSummary } from '../trace';
import { summarizeTrace } from '../trace';
import type { StoreChange, StoreStats, TraceQuery, TraceStore } from './store';

interface Entry {
  readonly spans: Map<string, Span>;
  summary: TraceSummary | undefined;
}

export const DEFAULT_MAX_SPANS = 500_000;

export class MemoryTraceStore implements TraceStore {
  /** Insertion order is update order: the first entry is the least recently updated trace. */
  private readonly traces = new Map<TraceId, Entry>();
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private spanCount = 0;
  private evicted = 0;
  private cursor: Iterator<[TraceId, Entry]> | undefined;

  constructor(private readonly maxSpans = DEFAULT_MAX_SPANS) {}

  append(spans: readonly Span[]): Promise<void> {
    const touched = new Set<TraceId>();
    for (const span of spans) {
      let entry = this.traces.get(span.traceId);
      if (entry) {
        if (!touched.has(span.traceId)) {
          // Move to the end: most recently updated.
          this.traces.delete(span.traceId);
          this.traces.set(span.traceId, entry);
        }
      } else {
        entry = { spans: new Map(), summary: undefined };
        this.traces.set(span.traceId, entry);
      }
      if (!entry.spans.has(span.spanId)) this.spanCount++;
      entry.spans.set(span.spanId, span);
      entry.summary = undefined;
      touched.add(span.traceId);
    }
    this.evict(touched);
    this.emit({ traceIds: touched, cleared: false });
    return Promise.resolve();
  }

  /**
   * Evicts the least recently updated traces until the store is within maxSpans again. One live Map iterator is kept
   * between calls: a fresh one per batch would walk past every hole that earlier deletions left at the front.
   * Traces written by this batch sit at the end; meeting one means everything older is gone already.
   */
  private evict(keep: ReadonlySet<TraceId>): void {
    while (this.spanCount > this.maxSpans) {
      this.cursor ??= this.traces.entries();
      const next = this.cursor.next();
      if (next.done) {
        this.cursor = undefined;
        if (this.traces.size === 0) return;
        continue;
      }
      const [id, entry] = next.value;
      if (keep.has(id)) {
        this.cursor = undefined;
        return;
      }
      this.traces.delete(id);
      this.spanCount -= entry.spans.size;
      this.evicted += entry.spans.size;
    }
  }

  findTraces(query: TraceQuery): Promise<TraceSummary[]> {
    const limit = query.limit ?? 20;
    const out: TraceSummary[] = [];
    for (const entry of this.traces.values()) {
      const summary = (entry.summary ??= summarizeTrace([...entry.spans.values()]));
      if (summary && matches(summary, entry, query)) out.push(summary);
    }
    out.sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? 1 : a.startTimeUnixNano > b.startTimeUnixNano ? -1 : 0));
    return Promise.resolve(out.slice(0, limit));
  }

  getTrace(traceId: TraceId): Promise<readonly Span[] | undefined> {
    const entry = this.traces.get(traceId);
    if (!entry) return Promise.resolve(undefined);
    const spans = [...entry.spans.values()].sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0));
    return Promise.resolve(spans);
  }

  stats(): StoreStats {
    return { spanCount: this.spanCount, traceCount: this.traces.size, evictedSpans: this.evicted };
  }

  clear(): Promise<void> {
    this.traces.clear();
    this.cursor = undefined;
    this.spanCount = 0;
    this.emit({ traceIds: new Set(), cleared: true });
    return Promise.resolve();
  }

  onDidChange(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): Promise<void> {
    this.listeners.clear();
    return Promise.resolve();
  }

  private emit(change: StoreChange): void {
    for (const l of this.listeners) l(change);
  }
}

function matches(summary: TraceSummary, entry: Entry, q: TraceQuery): boolean {
  if (q.errorsOnly && summary.errorCount === 0) return false;
  if (q.service === undefined && q.operation === undefined) return true;
  for (const span of entry.spans.values()) {
    if (q.service !== undefined && serviceName(span) !== q.service) continue;
    if (q.operation !== undefined && span.name !== q.operation) continue;
    return true;
  }
  return false;
}
