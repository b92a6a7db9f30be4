// The store interface every trace store implements: the embedded durable store (segment log + in-memory indexes) and
// a ClickHouse database. Everything is async so that a disk or a network can sit behind it. What only the embedded
// store can do (walk its span index rows, for the lens and hotspot engines) is a separate interface, RowIndexedStore.
import type { LogRecord, Span, SpanKind, TraceId } from '../model';
import type { TraceSummary } from '../trace';
import type { RowView, TraceRowView } from './spanIndex';
import type { HotspotsParams, HotspotsResult } from '../../protocol/analysis';

/**
 * How a batch's body is kept on disk: the bytes as received (OTLP protobuf and JSON, Zipkin JSON), so that ingest
 * does not re-encode; reading a trace decodes them again with the same decoder.
 */
export type BodyFormat = 'otlp-proto' | 'otlp-json' | 'zipkin-json' | 'otlp-logs-proto' | 'otlp-logs-json';

export interface EncodedBody {
  readonly format: BodyFormat;
  readonly bytes: Uint8Array;
}

/** Accepted spans, and the body they were decoded from (absent: the store encodes the spans itself). */
export interface SpanBatch {
  readonly kind: 'spans';
  readonly spans: readonly Span[];
  readonly body?: EncodedBody;
}

/** Spans checked and indexed straight from the wire (src/core/otlp/scan.ts), not decoded: the OTLP protobuf path. */
export interface ScannedSpanBatch {
  readonly kind: 'scanned';
  readonly spanCount: number;
  /** The index part of the accepted spans (src/core/store/indexPart.ts). */
  readonly index: Uint8Array;
  readonly body: EncodedBody;
}

export interface LogBatch {
  readonly kind: 'logs';
  readonly records: readonly LogRecord[];
  readonly body?: EncodedBody;
}

export type IngestBatch = SpanBatch | ScannedSpanBatch | LogBatch;

/** Spans (or log records) in a batch. */
export function batchSize(b: IngestBatch): number {
  return b.kind === 'spans' ? b.spans.length : b.kind === 'scanned' ? b.spanCount : b.records.length;
}

/** One attribute condition. '=' and '!=' compare the value's text ("200", "true", "0.5"); the others compare numbers. */
export interface AttributeFilter {
  readonly key: string;
  readonly op: 'exists' | '=' | '!=' | '<' | '<=' | '>' | '>=';
  readonly value?: string | number;
}

/**
 * A trace matches when one of its spans meets every span condition at once (service, operation, kind, attributes,
 * duration, start time and error), as Jaeger searches. Attributes are looked up on the span, its resource and its
 * events; `error`, `span.kind`, `otel.status_code` and `otel.status_description` are derived as Jaeger does.
 */
export interface TraceQuery {
  readonly service?: string;
  /** Span name. */
  readonly operation?: string;
  readonly spanKind?: SpanKind;
  readonly attributes?: readonly AttributeFilter[];
  readonly minDurationNanos?: bigint;
  readonly maxDurationNanos?: bigint;
  /** Span start time window, inclusive. */
  readonly startFromNanos?: bigint;
  readonly startToNanos?: bigint;
  readonly errorsOnly?: boolean;
  /** Newest first (by trace start); at most this many (default 20). */
  readonly limit?: number;
}

export interface OperationInfo {
  readonly service: string;
  readonly name: string;
  readonly spanKind: SpanKind;
}

/** Calls from one service to another: a span of `child` whose parent span belongs to `parent`. */
export interface DependencyLink {
  readonly parent: string;
  readonly child: string;
  readonly callCount: number;
  readonly errorCount: number;
  /** 95th percentile of the child spans' durations, nanoseconds. */
  readonly p95Nanos: number;
}

export interface StoreStats {
  readonly spanCount: number;
  readonly traceCount: number;
  readonly logCount: number;
  /** Spans dropped by retention (oldest first) since the store opened. */
  readonly evictedSpans: number;
  /** Bytes on disk (0 for a store in memory). */
  readonly diskBytes: number;
  /** Where the store keeps its data, or 'memory'. */
  readonly location: string;
}

export interface StoreChange {
  /** Traces that received spans or logs in this change (new or updated). */
  readonly traceIds: ReadonlySet<TraceId>;
  readonly cleared: boolean;
}

export interface TraceStore {
  /** Resolves once the store is open; appends made meanwhile wait. */
  whenReady(): Promise<void>;
  /** False while the store opens (recovers, reads its indexes, connects). */
  readonly isReady: boolean;
  /** Why the store is not working as configured (a locked folder, an unreachable database), and what to do; or undefined. */
  readonly warning: string | undefined;
  /** Resolves once every batch is stored (durably, for a durable store): only then is an export acknowledged. */
  append(batches: readonly IngestBatch[]): Promise<void>;
  findTraces(query: TraceQuery): Promise<TraceSummary[]>;
  /** Every span of the trace, earliest first, each span once. */
  getTrace(traceId: TraceId): Promise<readonly Span[] | undefined>;
  /** The log records of a trace, earliest first. */
  getLogs(traceId: TraceId): Promise<readonly LogRecord[]>;
  services(): Promise<string[]>;
  /** Span names (with kind) of one service, or of every service. */
  operations(service?: string): Promise<OperationInfo[]>;
  /** Service calls among spans that started within the window. */
  dependencies(fromNanos: bigint, toNanos: bigint): Promise<DependencyLink[]>;
  /** Traces with a call from service `parent` to service `child` within the window (a dependency edge), newest first. */
  edgeTraces(parent: string, child: string, fromNanos: bigint, toNanos: bigint, limit: number): Promise<TraceSummary[]>;
  stats(): StoreStats;
  clear(): Promise<void>;
  /** Hotspots the store computes itself (ClickHouse); absent where the server follows the row index instead. */
  hotspots?(p: HotspotsParams, nowMs: number): Promise<HotspotsResult>;
  /** Called after each append or clear; returns the unsubscribe function. */
  onDidChange(listener: (change: StoreChange) => void): () => void;
  close(): Promise<void>;
}

/**
 * A store whose span index can be walked row by row without decoding (the embedded store): the code-lens statistics
 * and the hotspots follow it as spans arrive.
 */
export interface RowIndexedStore extends TraceStore {
  /** Visits up to `max` rows from row `from` on; returns the row to continue from. Rows restart at 0 after clear. */
  readRows(from: number, max: number, visit: (row: Readonly<RowView>) => void): number;
  /** The span rows of one trace slot (a RowView's slot), in arrival order. */
  readTraceRows(slot: number, visit: (row: Readonly<TraceRowView>) => void): number;
  /** The next row number. */
  readonly rowEnd: number;
  /** Interned service and span names by the ids rows give. */
  indexNames(): { readonly services: readonly string[]; readonly spans: readonly string[] };
  traceIdOfSlot(slot: number): string;
}

export function isRowIndexed(store: TraceStore): store is RowIndexedStore {
  return typeof (store as Partial<RowIndexedStore>).readRows === 'function';
}

/** The store could not write (disk full, folder gone): the export is not acknowledged and the exporter should retry. */
export class StoreWriteError extends Error {
  override readonly name = 'StoreWriteError';
}
