// Flame graph layout: one rectangle per span at its tree depth, x = offset and width = duration (ns). Rectangles
// narrower than `minWidth` (the time one pixel covers) are not drawn on their own: a run of narrow siblings is merged
// into one "n spans" rectangle when the run together is wide enough, and hidden otherwise; the subtrees below narrow
// spans are hidden (their spans are narrower still, save for children that overflow their parent).
import type { TraceView } from './traceView';

export interface FlameRect {
  readonly depth: number;
  readonly x: number;
  readonly width: number;
  /** The span's position, or the first position of a merged run. */
  readonly pos: number;
  /** 1 for a span; the number of spans in a merged run of narrow siblings. */
  readonly count: number;
}

export interface FlameLayout {
  readonly rects: readonly FlameRect[];
  /** Spans neither drawn nor part of a merged rectangle. */
  readonly hidden: number;
  readonly maxDepth: number;
}

export function flameLayout(view: TraceView, minWidth: number): FlameLayout {
  const rects: FlameRect[] = [];
  let drawn = 0;
  let maxDepth = 0;
  const spans = view.spans;
  // Explicit stack of sibling lists to lay out (roots first); deep traces must not overflow the call stack.
  const roots: number[] = [];
  for (const s of spans) if (s.parent === -1) roots.push(s.pos);
  const stack: (readonly number[])[] = [roots];
  while (stack.length > 0) {
    const siblings = stack.pop()!;
    let run: { first: number; start: number; end: number; count: number } | undefined;
    const flush = (): void => {
      if (run && run.end - run.start >= minWidth) {
        const depth = spans[run.first]!.depth;
        rects.push({ depth, x: run.start, width: run.end - run.start, pos: run.first, count: run.count });
        drawn += run.count;
        if (depth > maxDepth) maxDepth = depth;
      }
      run = undefined;
    };
    for (const p of siblings) {
      const s = spans[p]!;
      if (s.duration >= minWidth) {
        flush();
        rects.push({ depth: s.depth, x: s.offset, width: s.duration, pos: p, count: 1 });
        drawn++;
        if (s.depth > maxDepth) maxDepth = s.depth;
        if (s.children.length > 0) stack.push(s.children);
      } else {
        const end = s.offset + s.duration;
        // A run continues while the narrow siblings sit close together (gaps under a pixel).
        if (run && s.offset - run.end < minWidth) {
          run.end = Math.max(run.end, end);
          run.count++;
        } else {
          flush();
          run = { first: p, start: s.offset, end, count: 1 };
        }
      }
    }
    flush();
  }
  rects.sort((a, b) => a.depth - b.depth || a.x - b.x);
  return { rects, hidden: spans.length - drawn, maxDepth };
}
