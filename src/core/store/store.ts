// The store interface every trace store implements: the bounded in-memory store now, the durable embedded store
// and remote backends (Jaeger, Tempo) later. Everything is async so that a disk or a network can sit behind it.
import type { Span, TraceId } from '../model';
import type { TraceSummary } from '../trace';

export interface TraceQuery {
  /** Root or any span's service. */
  readonly service?: string;
  /** Span name within the service (or any service when none is given). */
  readonly operation?: string;
  /** Only traces with at least one span in error. */
  readonly errorsOnly?: boolean;
  /** Newest first; at most this many. */
  readonly limit?: number;
}

export interface StoreStats {
  readonly spanCount: number;
  readonly traceCount: number;
  /** Spans dropped by retention (oldest traces first) since the store opened. */
  readonly evictedSpans: number;
}

export interface StoreChange {
  /** Traces that received spans in this change (new or updated). */
  readonly traceIds: ReadonlySet<TraceId>;
  readonly cleared: boolean;
}

export interface TraceStore {
  /** Resolves once the spans are stored (durably, for a durable store): only then is the batch acknowledged. */
  append(spans: readonly Span[]): Promise<void>;
  findTraces(query: TraceQuery): Promise<TraceSummary[]>;
  getTrace(traceId: TraceId): Promise<readonly Span[] | undefined>;
  stats(): StoreStats;
  clear(): Promise<void>;
  /** Called after each append or clear; returns the unsubscribe function. */
  onDidChange(listener: (change: StoreChange) => void): () => void;
  close(): Promise<void>;
}
