// The critical path of a trace, by Jaeger UI's algorithm (TracePage/CriticalPath): start at the end of the root and
// walk back in time; at each point the span is waiting on its last-finishing child that ended by then, so descend
// into that child, and when it is done continue in the parent from the child's start. Children are first clipped to
// their parent (parts outside it cannot delay it) and children entirely outside dropped. Written as a loop with an
// explicit stack (traces can be 100,000 spans deep) and with children sorted by end once per span (a span with
// thousands of children stays linear-logarithmic).
import type { TraceView } from './traceView';

export interface CriticalSegment {
  /** Span position in the trace view. */
  readonly pos: number;
  /** ns from the trace start. */
  readonly start: number;
  readonly end: number;
}

export interface CriticalPath {
  /** In time order; a span may own several segments (before and after a child it waited on). */
  readonly segments: readonly CriticalSegment[];
  /** Positions of the spans that own at least one segment. */
  readonly spans: ReadonlySet<number>;
  /** Time on the path per span position, ns. */
  readonly timeOf: ReadonlyMap<number, number>;
}

const cache = new WeakMap<TraceView, CriticalPath>();

export function criticalPath(view: TraceView, rootPos = view.root): CriticalPath {
  if (rootPos === view.root) {
    const hit = cache.get(view);
    if (hit) return hit;
  }
  const result = compute(view, rootPos);
  if (rootPos === view.root) cache.set(view, result);
  return result;
}

function compute(view: TraceView, rootPos: number): CriticalPath {
  const segments: CriticalSegment[] = [];
  if (!view.spans[rootPos]) return { segments, spans: new Set(), timeOf: new Map() };
  const n = view.spans.length;
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    const v = view.spans[p]!;
    start[p] = v.offset;
    end[p] = v.offset + v.duration;
  }
  walkCriticalPath(rootPos, start, end, (p) => view.spans[p]!.children, (pos, s, e) => segments.push({ pos, start: s, end: e }));
  segments.reverse();
  const timeOf = new Map<number, number>();
  for (const s of segments) timeOf.set(s.pos, (timeOf.get(s.pos) ?? 0) + s.end - s.start);
  return { segments, spans: new Set(timeOf.keys()), timeOf };
}

interface Frame {
  readonly span: number;
  readonly start: number;
  readonly end: number;
  /** The children clipped to [start, end], latest end first. */
  readonly kids: readonly { readonly span: number; readonly start: number; readonly end: number }[];
  next: number;
  /** The start of the child last walked through: the span's own time before it is what is left. */
  returning: number;
}

/**
 * The walk itself on any span tree given as arrays (the trace page's TraceView above, and the hotspot analysis's
 * index rows in src/core/analysis/hotspots.ts): spans are numbers, start[i] and end[i] their times (end >= start),
 * children(i) the children of span i in a fixed order (ties in the walk go to the earlier one). Calls `segment` for
 * each piece of the critical path, latest first; a span gets a segment for each stretch of its own time on the path.
 */
export function walkCriticalPath(
  root: number,
  start: ArrayLike<number>,
  end: ArrayLike<number>,
  children: (span: number) => ArrayLike<number>,
  segment: (span: number, start: number, end: number) => void,
): void {
  const frame = (span: number, from: number, to: number): Frame => {
    const kids = [];
    const list = children(span);
    for (let k = 0; k < list.length; k++) {
      const c = list[k]!;
      const s = Math.max(start[c]!, from);
      const e = Math.min(end[c]!, to);
      if (e > s) kids.push({ span: c, start: s, end: e });
    }
    kids.sort((a, b) => b.end - a.end || b.start - a.start);
    return { span, start: from, end: to, kids, next: 0, returning: to };
  };
  const stack: Frame[] = [frame(root, start[root]!, end[root]!)];
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    // The last-finishing child that ended by `returning` and started before it (so the walk always moves back).
    while (f.next < f.kids.length && (f.kids[f.next]!.end > f.returning || f.kids[f.next]!.start >= f.returning)) f.next++;
    const child = f.kids[f.next];
    if (child) {
      f.next++;
      if (f.returning > child.end) segment(f.span, child.end, f.returning);
      f.returning = child.start;
      stack.push(frame(child.span, child.start, child.end));
    } else {
      if (f.returning > f.start) segment(f.span, f.start, f.returning);
      stack.pop();
    }
  }
}
