// What every finding detector shares: the context a trace is analysed in (the clock, what the store knows of other
// traces), the thresholds, and the draft a detector returns. Pure.
import { formatDuration, truncate } from '../display';
import type { EvidenceValue, Finding, FindingKind, FindingSeverity } from '../../protocol/analysis';
import type { TraceView, ViewSpan } from '../views/traceView';

/** The root SERVER or CONSUMER span of another trace, for matching calls whose context was lost. */
export interface OtherRoot {
  readonly traceId: string;
  readonly spanId: string;
  readonly service: string;
  readonly name: string;
  readonly kind: number;
  readonly startNanos: bigint;
  readonly endNanos: bigint;
  /** The path it served ('' when unknown; see serverPath). */
  readonly path: string;
  /** Span ids its links point at (a consumer linked to its producer is propagation done right). */
  readonly linkedSpanIds: readonly string[];
}

/** The usual traces of the same root operation, reduced (see baselineOf in latency.ts). */
export interface Baseline {
  readonly traces: number;
  /** Median trace duration, ns. */
  readonly medianDuration: number;
  /** Per "service\0operation": median self time (ns) and median call count per trace (0 for traces without it). */
  readonly operations: ReadonlyMap<string, { readonly medianSelf: number; readonly medianCount: number }>;
}

export interface Thresholds {
  /** Similar calls under one parent before they are an N+1. */
  readonly nPlusOneMin: number;
  /** Failing calls to one peer under one parent before they are a retry storm. */
  readonly retryMin: number;
  /** Children, or distinct child services, before a span is a fan-out. */
  readonly fanOutChildren: number;
  readonly fanOutServices: number;
  /** Self time, as a share of the trace and at least so many ns, before it is uninstrumented time. */
  readonly selfShare: number;
  readonly selfMinNanos: number;
  /** Time that overlapping sequential calls would save, at least (ns and share of the parent). */
  readonly sequentialMinNanos: number;
  readonly sequentialShare: number;
  /** Baseline traces needed, and how much slower (ratio and ns) a trace must be, for slow-vs-usual. */
  readonly baselineMin: number;
  readonly slowRatio: number;
  readonly slowMinNanos: number;
  /** How long after the trace's last span a missing parent is still expected, ms. */
  readonly orphanGraceMs: number;
  /** Findings of one kind at most (the rest are counted in the last one's evidence). */
  readonly perKind: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  nPlusOneMin: 5,
  retryMin: 3,
  fanOutChildren: 50,
  fanOutServices: 5,
  selfShare: 0.2,
  selfMinNanos: 10_000_000,
  sequentialMinNanos: 5_000_000,
  sequentialShare: 0.1,
  baselineMin: 5,
  slowRatio: 1.2,
  slowMinNanos: 10_000_000,
  orphanGraceMs: 30_000,
  perKind: 20,
};

/** The baggage attribute prefix the OpenTelemetry baggage span processors are usually configured with. */
export const DEFAULT_BAGGAGE_PREFIX = 'baggage.';

export interface FindingContext {
  /** The clock, Unix ms (orphans: is the parent still expected?). Default: the trace's end (nothing is late). */
  readonly nowMs?: number;
  readonly baggagePrefix?: string;
  readonly thresholds?: Partial<Thresholds>;
  /** Usual traces of this trace's root operation (slow-vs-usual runs only with one). */
  readonly baseline?: Baseline;
  /** Root SERVER/CONSUMER spans of other traces during this one (broken-propagation across traces). */
  readonly otherRoots?: readonly OtherRoot[];
  /** Services seen continuing a caller's trace elsewhere (they extract context): the caller is then the likely culprit. */
  readonly extractingServices?: ReadonlySet<string>;
  /** Only these kinds (all when absent). */
  readonly kinds?: ReadonlySet<FindingKind>;
}

/** A finding before sorting and capping: `impact` (ns) orders findings of one severity. */
export interface Draft {
  readonly finding: Finding;
  readonly impact: number;
}

/** What a detector reads: the view, the context with defaults filled in. */
export interface Analysis {
  readonly view: TraceView;
  readonly t: Thresholds;
  readonly nowMs: number;
  readonly baggagePrefix: string;
  readonly ctx: FindingContext;
}

export function draft(
  a: Analysis,
  kind: FindingKind,
  severity: FindingSeverity,
  title: string,
  spans: readonly ViewSpan[],
  evidence: Record<string, EvidenceValue>,
  impact: number,
): Draft {
  const first = spans[0]!;
  return {
    impact,
    finding: {
      kind,
      severity,
      title,
      traceID: a.view.trace.traceId,
      spanIDs: spans.slice(0, MAX_FINDING_SPANS).map((s) => s.span.spanId),
      service: first.service,
      operation: first.span.name,
      evidence,
    },
  };
}

/** ns -> whole microseconds, the API's unit. */
export function micros(ns: number): number {
  return Math.round(ns / 1000);
}

/** "412 ms", "1.2 s". */
export function ms(ns: number): string {
  return formatDuration(BigInt(Math.max(0, Math.round(ns))));
}

/** Span text in a title: one line, cut (display's truncate). */
export const label = (text: string, max = 80): string => truncate(text, max);

/** Spans a finding lists at most, and names or keys a title or an evidence list names at most. */
export const MAX_FINDING_SPANS = 50;
export const MAX_LISTED = 8;

/** At most `max` items, the rest said as "… and N more". */
export function listed(items: readonly string[], max = MAX_LISTED): string[] {
  return items.length <= max ? [...items] : [...items.slice(0, max), `… and ${items.length - max} more`];
}

/** The end of a view span, ns from the trace start. */
export function endOf(s: ViewSpan): number {
  return s.offset + s.duration;
}
