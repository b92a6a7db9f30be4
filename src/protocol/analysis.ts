// The analyses' answers as they travel (query API, LSP, webview): findings in one trace, hotspots across traces, the
// propagation path of one trace, and the slow cohort explained. Declared once, imported by the server (which computes
// them with src/core/analysis), the extension (lenses, hovers, diagnostics) and the web UI. Times are microseconds
// (as Jaeger's API), named with their unit.

/** Every kind of finding, named exactly so in the API. */
export const FINDING_KINDS = [
  'error-origin',
  'n-plus-one',
  'sequential-calls',
  'retry-storm',
  'fan-out',
  'uninstrumented-time',
  'slow-vs-usual',
  'broken-propagation',
  'orphan-span',
  'clock-skew',
  'baggage-dropped',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** error: the request failed here; warning: costs time or loses context; info: worth knowing. */
export type FindingSeverity = 'error' | 'warning' | 'info';

/** A number or text the user can check against the trace (times in microseconds, keys ending in "Micros"). */
export type EvidenceValue = string | number | boolean | readonly string[];

export interface FindingSource {
  /** Absolute path, as the correlation engine found it. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
}

export interface Finding {
  readonly kind: FindingKind;
  readonly severity: FindingSeverity;
  /** One line: "N+1: 6 × SELECT items in inventory.check_stock (412 ms)". */
  readonly title: string;
  readonly traceID: string;
  /** The spans involved; the first is the one to select (the origin, the parent of the repeated calls, ...). */
  readonly spanIDs: readonly string[];
  readonly service: string;
  readonly operation: string;
  readonly source?: FindingSource;
  readonly evidence: Readonly<Record<string, EvidenceValue>>;
}

export interface InsightsParams {
  readonly traceId: string;
}

export interface InsightsResult {
  /** Most severe first, then by the time involved. */
  readonly findings: readonly Finding[];
}

/** Hotspots over a window: per service and operation (or per source location), what costs most overall. */
export interface HotspotsParams {
  readonly service?: string;
  readonly operation?: string;
  /** The window ends now and reaches this far back (default 60 minutes); the trend compares the window before. */
  readonly lookbackMinutes?: number;
  /** Rows at most (default 50). */
  readonly limit?: number;
  /** 'operation' (the default) or 'location': operations that map to the same function merged. */
  readonly groupBy?: 'operation' | 'location';
}

export interface HotspotRow {
  readonly service: string;
  readonly operation: string;
  readonly count: number;
  readonly errors: number;
  /** Calls per minute over the window. */
  readonly throughput: number;
  /** Microseconds (from a sketch: within 1 % of a true sample). */
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  /** Total self time (not covered by child spans) in the window, microseconds. */
  readonly selfTime: number;
  /** Total duration of its calls, microseconds (count × mean: what the rows are sorted by). */
  readonly totalTime: number;
  /** Share (0..1) of the window's critical-path time spent in this operation's own time; null where it is not
   * computed (a ClickHouse store). */
  readonly criticalPathShare: number | null;
  /** p95 over the previous window's p95; null when either window had no calls. */
  readonly trend: number | null;
  /** Where the operation's spans map in code, when correlation found it. */
  readonly source?: FindingSource;
  /** With groupBy 'location': the operations merged into this row. */
  readonly operations?: readonly { readonly service: string; readonly operation: string }[];
}

export interface HotspotsResult {
  readonly rows: readonly HotspotRow[];
  /** The window, Unix milliseconds. */
  readonly fromMs: number;
  readonly toMs: number;
  /** Spans the window holds in all (before the filters), for the header. */
  readonly spans: number;
}

/** The propagation path of one trace (or of the traces in a window): service hops with baggage, and the breaks. */
export interface PropagationParams {
  readonly traceId?: string;
  /** Without a trace: the traces of the last lookbackMinutes (default 15), at most `limit` (default 50) traces. */
  readonly lookbackMinutes?: number;
  readonly limit?: number;
}

/** One call from one service to another (a span whose parent span is in another service). */
export interface PropagationHop {
  readonly traceID: string;
  readonly fromService: string;
  readonly fromSpanID: string;
  readonly fromOperation: string;
  readonly toService: string;
  readonly toSpanID: string;
  readonly toOperation: string;
  /** Baggage keys seen on the caller's side (the calling span) and on the callee's first span. */
  readonly baggageBefore: readonly string[];
  readonly baggageAfter: readonly string[];
  /** Keys present before and missing after: dropped at this hop. */
  readonly dropped: readonly string[];
}

export interface PropagationResult {
  readonly traceIDs: readonly string[];
  readonly services: readonly string[];
  readonly hops: readonly PropagationHop[];
  /** broken-propagation, orphan-span and baggage-dropped findings of these traces. */
  readonly breaks: readonly Finding[];
}

/** Slow traces against the rest: which attribute values and operations are over-represented among the slow ones. */
export interface SlowCohortParams {
  readonly service?: string;
  readonly operation?: string;
  /** Traces at least this long are the slow set (ns, decimal string); default: the window's p95 of trace durations. */
  readonly minDurationNanos?: string;
  readonly lookbackMinutes?: number;
}

export interface CohortDifference {
  /** 'attribute' (key=value on any span), or 'operation' (service: span name in the trace). */
  readonly what: 'attribute' | 'operation';
  readonly key: string;
  readonly value: string;
  /** Share (0..1) of slow traces, and of the other traces, that have it. */
  readonly slowShare: number;
  readonly baselineShare: number;
  readonly slowCount: number;
  readonly baselineCount: number;
}

export interface SlowCohortResult {
  readonly slowTraces: number;
  readonly baselineTraces: number;
  /** The threshold used, microseconds. */
  readonly thresholdMicros: number;
  /** Largest difference in share first; empty when either set is below the minimum sample. */
  readonly differences: readonly CohortDifference[];
  /** Why the list is empty or short (too few traces), for the UI. */
  readonly note?: string;
}
