// Pure helpers the views render with (tree views in the extension, the web UI): durations, ages, truncation, the
// span tree of a wire trace, and the grouping of trace summaries by service and root operation.
import type { WireSpan, WireTrace, WireTraceSummary } from '../protocol/wire';
import { UNKNOWN_SERVICE } from '../protocol/wire';

export const SPAN_KIND_NAMES: readonly string[] = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
export const STATUS_NAMES: readonly string[] = ['UNSET', 'OK', 'ERROR'];
export const STATUS_ERROR = 2;

/** A decimal nanosecond string from the wire as a bigint (0 when malformed). */
export function nanos(text: string): bigint {
  try {
    return BigInt(text);
  } catch {
    return 0n;
  }
}

const UNITS: readonly (readonly [string, number])[] = [
  ['s', 1e9],
  ['ms', 1e6],
  ['µs', 1e3],
];

/** 850 ns, 12.3 µs, 12.3 ms, 1.24 s, 754 s: three significant digits in the largest unit that fits. */
export function formatDuration(n: bigint): string {
  if (n < 0n) n = 0n;
  if (n < 1000n) return `${n} ns`;
  const v = Number(n);
  for (let i = 0; i < UNITS.length; i++) {
    const [unit, size] = UNITS[i]!;
    if (v < size) continue;
    const x = v / size;
    const text = x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
    // 999.96 µs rounds to "1000": say 1.00 ms instead.
    if (Number(text) >= 1000 && i > 0) return formatDuration(BigInt(Math.round(size * 1000)));
    return `${text} ${unit}`;
  }
  return `${n} ns`;
}

/** "just now", "5s ago", "3m ago", "2h ago", "4d ago". */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

/** Span text is untrusted and may be huge: one line without control characters, at most `max` characters. */
export function truncate(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex -- shown to people: no control characters or line separators
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Bytes for people: 512 B, 1.5 KiB, 20 MiB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

export interface SpanTreeNode {
  readonly span: WireSpan;
  readonly children: readonly SpanTreeNode[];
  /** Its parent is named but not in the trace (yet): shown at the root level. */
  readonly orphan: boolean;
}

export interface SpanTree {
  readonly roots: readonly SpanTreeNode[];
  /** The earliest span start: offsets are measured from here. */
  readonly startNanos: bigint;
}

const byStart = (a: WireSpan, b: WireSpan): number => {
  const d = nanos(a.startTimeUnixNano) - nanos(b.startTimeUnixNano);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
};

/** Parent/child tree, children by start time; roots and orphans at the top. Spans caught in a parent cycle are shown
 * at the top as orphans rather than lost. */
export function buildSpanTree(trace: WireTrace): SpanTree {
  const spans = [...trace.spans].sort(byStart);
  const ids = new Set(spans.map((s) => s.spanId));
  const childrenOf = new Map<string, WireSpan[]>();
  for (const s of spans) {
    if (s.parentSpanId !== '' && ids.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
      const list = childrenOf.get(s.parentSpanId) ?? [];
      list.push(s);
      childrenOf.set(s.parentSpanId, list);
    }
  }
  const placed = new Set<WireSpan>();
  const node = (span: WireSpan, orphan: boolean): SpanTreeNode => {
    placed.add(span);
    const children = (childrenOf.get(span.spanId) ?? []).filter((c) => !placed.has(c)).map((c) => node(c, false));
    return { span, children, orphan };
  };
  const roots: SpanTreeNode[] = [];
  for (const s of spans) {
    const isRoot = s.parentSpanId === '';
    const isOrphan = !isRoot && (!ids.has(s.parentSpanId) || s.parentSpanId === s.spanId);
    if ((isRoot || isOrphan) && !placed.has(s)) roots.push(node(s, isOrphan));
  }
  for (const s of spans) if (!placed.has(s)) roots.push(node(s, true));
  const startNanos = spans.reduce((min, s) => {
    const t = nanos(s.startTimeUnixNano);
    return min === -1n || t < min ? t : min;
  }, -1n);
  return { roots, startNanos: startNanos < 0n ? 0n : startNanos };
}

export function spanDuration(span: WireSpan): bigint {
  const d = nanos(span.endTimeUnixNano) - nanos(span.startTimeUnixNano);
  return d > 0n ? d : 0n;
}

export function serviceOf(trace: WireTrace, span: WireSpan): string {
  const attr = trace.resources[span.resource]?.attributes.find((a) => a.key === 'service.name');
  return typeof attr?.value === 'string' && attr.value !== '' ? attr.value : UNKNOWN_SERVICE;
}

export interface OperationGroup {
  readonly operation: string;
  /** Newest first. */
  readonly traces: readonly WireTraceSummary[];
}

export interface ServiceGroup {
  readonly service: string;
  readonly operations: readonly OperationGroup[];
}

/** Root service -> root operation -> traces (newest first), services and operations sorted by name. */
export function groupTraces(summaries: readonly WireTraceSummary[]): ServiceGroup[] {
  const services = new Map<string, Map<string, WireTraceSummary[]>>();
  for (const t of summaries) {
    const ops = services.get(t.rootService) ?? new Map<string, WireTraceSummary[]>();
    services.set(t.rootService, ops);
    const list = ops.get(t.rootName) ?? [];
    ops.set(t.rootName, list);
    list.push(t);
  }
  const byName = <T>(a: [string, T], b: [string, T]): number => a[0].localeCompare(b[0]);
  return [...services].sort(byName).map(([service, ops]) => ({
    service,
    operations: [...ops].sort(byName).map(([operation, traces]) => ({
      operation,
      traces: traces.sort((a, b) => {
        const d = nanos(b.startTimeUnixNano) - nanos(a.startTimeUnixNano);
        return d < 0n ? -1 : d > 0n ? 1 : 0;
      }),
    })),
  }));
}

/** For MarkdownString.appendText, which escapes Markdown but leaves HTML tags: makes < > & inert entities too. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
