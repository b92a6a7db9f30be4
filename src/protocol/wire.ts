// JSON-safe forms of the span model, for the LSP channel, the query API and the webview. Exact int64 and nanosecond
// values travel as decimal strings; an int64 attribute is { int: "..." } so it never mixes up with a double.
/** The service name of a span whose resource has none, as the semantic conventions say. */
export const UNKNOWN_SERVICE = 'unknown_service';

export type WireValue =
  | string
  | boolean
  | number
  | { readonly int: string }
  | { readonly double: 'NaN' | 'Infinity' | '-Infinity' }
  | { readonly bytes: string }
  | readonly WireValue[]
  | { readonly kvlist: readonly WireAttribute[] }
  | null;

export interface WireAttribute {
  readonly key: string;
  readonly value: WireValue;
}

export interface WireResource {
  readonly attributes: readonly WireAttribute[];
  readonly droppedAttributesCount: number;
  readonly schemaUrl: string;
}

export interface WireScope {
  readonly name: string;
  readonly version: string;
  readonly attributes: readonly WireAttribute[];
  readonly droppedAttributesCount: number;
  readonly schemaUrl: string;
}

export interface WireEvent {
  readonly timeUnixNano: string;
  readonly name: string;
  readonly attributes: readonly WireAttribute[];
  readonly droppedAttributesCount: number;
}

export interface WireLink {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceState: string;
  readonly attributes: readonly WireAttribute[];
  readonly droppedAttributesCount: number;
  readonly flags: number;
}

export interface WireSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  /** @opentelemetry/api SpanKind: INTERNAL 0, SERVER 1, CLIENT 2, PRODUCER 3, CONSUMER 4. */
  readonly kind: number;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly attributes: readonly WireAttribute[];
  readonly droppedAttributesCount: number;
  readonly events: readonly WireEvent[];
  readonly droppedEventsCount: number;
  readonly links: readonly WireLink[];
  readonly droppedLinksCount: number;
  /** @opentelemetry/api SpanStatusCode: UNSET 0, OK 1, ERROR 2. */
  readonly status: { readonly code: number; readonly message: string };
  readonly traceState: string;
  readonly flags: number;
  /** Index into WireTrace.resources. */
  readonly resource: number;
  /** Index into WireTrace.scopes. */
  readonly scope: number;
}

/**
 * A trace while a debugger holds one of its processes paused: the spans that process has not exported yet are in the
 * trace, running ones with their end at the pause.
 */
export interface WireLiveState {
  /** The span active in the paused frame. */
  readonly pausedSpanId: string;
  /** Spans not ended when the process paused (the paused span and its in-flight ancestors). */
  readonly runningSpanIds: readonly string[];
  /** Spans that had ended but still waited in the process's export queue. */
  readonly unexportedSpanIds: readonly string[];
  /** The debuggee's clock at the pause, Unix ns as a decimal string. */
  readonly pausedAtUnixNano: string;
  readonly sessionName: string;
}

/** One whole trace; resources and scopes are listed once and referenced by index. */
export interface WireTrace {
  readonly traceId: string;
  readonly spans: readonly WireSpan[];
  readonly resources: readonly WireResource[];
  readonly scopes: readonly WireScope[];
  /** Present while a debugger holds a process of the trace paused. */
  readonly live?: WireLiveState;
  /** The remote backend it came from; absent for a trace stored here. */
  readonly source?: string;
}

export interface WireTraceSummary {
  readonly traceId: string;
  readonly rootService: string;
  readonly rootName: string;
  readonly hasRoot: boolean;
  readonly startTimeUnixNano: string;
  readonly durationNanos: string;
  readonly spanCount: number;
  readonly errorCount: number;
  readonly orphanCount: number;
  readonly services: readonly { readonly service: string; readonly spans: number }[];
  /** The remote backend it came from; absent for a trace stored here. */
  readonly source?: string;
}

/** One log record joined to a trace (exceptions are moving from span events to log records). */
export interface WireLogRecord {
  readonly timeUnixNano: string;
  readonly observedTimeUnixNano: string;
  readonly severityNumber: number;
  readonly severityText: string;
  readonly body: WireValue;
  readonly attributes: readonly WireAttribute[];
  readonly traceId: string;
  /** '' when the record names no span. */
  readonly spanId: string;
  readonly eventName: string;
  readonly resourceAttributes: readonly WireAttribute[];
  readonly scopeName: string;
}
