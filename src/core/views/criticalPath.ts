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

interface Frame {
  readonly pos: number;
  readonly start: number;
  readonly end: number;
  /** The children clipped to [start, end], latest end first. */
  readonly kids: readonly { readonly pos: number; readonly start: number; readonly end: number }[];
  next: number;
  /** The start of the child last walked through: the span's own time before it is what is left. */
  returning: number;
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
  const root = view.spans[rootPos];
  if (!root) return { segments, spans: new Set(), timeOf: new Map() };
  const frame = (pos: number, start: number, end: number): Frame => {
    const kids = [];
    for (const c of view.spans[pos]!.children) {
      const v = view.spans[c]!;
      const s = Math.max(v.offset, start);
      const e = Math.min(v.offset + v.duration, end);
      if (e > s) kids.push({ pos: c, start: s, end: e });
    }
    kids.sort((a, b) => b.end - a.end || b.start - a.start);
    return { pos, start, end, kids, next: 0, returning: end };
  };
  const stack: Frame[] = [frame(rootPos, root.offset, root.offset + root.duration)];
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    // The last-finishing child that ended by `returning` and started before it (so the walk always moves back).
    while (f.next < f.kids.length && (f.kids[f.next]!.end > f.returning || f.kids[f.next]!.start >= f.returning)) f.next++;
    const child = f.kids[f.next];
    if (child) {
      f.next++;
      if (f.returning > child.end) segments.push({ pos: f.pos, start: child.end, end: f.returning });
      f.returning = child.start;
      stack.push(frame(child.pos, child.start, child.end));
    } else {
      if (f.returning > f.start) segments.push({ pos: f.pos, start: f.start, end: f.returning });
      stack.pop();
    }
  }
  segments.reverse();
  const timeOf = new Map<number, number>();
  for (const s of segments) timeOf.set(s.pos, (timeOf.get(s.pos) ?? 0) + s.end - s.start);
  return { segments, spans: new Set(timeOf.keys()), timeOf };
}
