// The waterfall's visible rows: the tree order minus the subtrees of collapsed spans; collapse and expand helpers
// that return new sets (never mutate the one given); and the plain maths of a virtual list with a fixed row height.
import type { TraceView } from './traceView';

/** Positions of the visible spans, in tree order. */
export function visibleRows(view: TraceView, collapsed: ReadonlySet<number>): number[] {
  const out: number[] = [];
  const spans = view.spans;
  for (let p = 0; p < spans.length; ) {
    out.push(p);
    p = collapsed.has(p) ? spans[p]!.subtreeEnd : p + 1;
  }
  return out;
}

export function toggleCollapsed(collapsed: ReadonlySet<number>, pos: number): Set<number> {
  const next = new Set(collapsed);
  if (!next.delete(pos)) next.add(pos);
  return next;
}

export function setCollapsed(collapsed: ReadonlySet<number>, pos: number, value: boolean): Set<number> {
  const next = new Set(collapsed);
  if (value) next.add(pos);
  else next.delete(pos);
  return next;
}

/** Every span with children collapsed: only the roots show. */
export function collapseAll(view: TraceView): Set<number> {
  return collapseBelow(view, 0);
}

/** Collapses every span with children at `depth` (0 = roots), so rows of depth <= depth show. */
export function collapseBelow(view: TraceView, depth: number): Set<number> {
  const out = new Set<number>();
  for (const s of view.spans) if (s.depth === depth && s.children.length > 0) out.add(s.pos);
  return out;
}

/** The collapsed set with every ancestor of `pos` expanded, so that it is visible. */
export function revealSpan(view: TraceView, collapsed: ReadonlySet<number>, pos: number): ReadonlySet<number> {
  let next: Set<number> | undefined;
  for (let p = view.spans[pos]?.parent ?? -1; p >= 0; p = view.spans[p]!.parent) {
    if (collapsed.has(p)) (next ??= new Set(collapsed)).delete(p);
  }
  return next ?? collapsed;
}

/** Collapsed positions as span ids (to keep them across a reload of the same trace) and back. */
export function collapsedIds(view: TraceView, collapsed: ReadonlySet<number>): Set<string> {
  return new Set([...collapsed].map((p) => view.spans[p]?.span.spanId ?? '').filter((id) => id !== ''));
}

export function collapsedFromIds(view: TraceView, ids: ReadonlySet<string>): Set<number> {
  const out = new Set<number>();
  for (const id of ids) {
    const p = view.byId.get(id);
    if (p !== undefined) out.add(p);
  }
  return out;
}

/** Row positions of a virtual list with a fixed row height (px). */
export class RowPositions {
  constructor(
    readonly rowHeight: number,
    readonly count: number,
  ) {}

  get totalHeight(): number {
    return this.rowHeight * this.count;
  }

  top(row: number): number {
    return row * this.rowHeight;
  }

  /** The row at a y offset, clamped to the list. */
  rowAt(y: number): number {
    return Math.max(0, Math.min(this.count - 1, Math.floor(y / this.rowHeight)));
  }

  /** Rows [first, last) in view for a scrollTop and viewport height, with `overscan` rows either side. */
  range(scrollTop: number, height: number, overscan = 0): { first: number; last: number } {
    if (this.count === 0) return { first: 0, last: 0 };
    const first = Math.max(0, Math.floor(scrollTop / this.rowHeight) - overscan);
    const last = Math.min(this.count, Math.ceil((scrollTop + height) / this.rowHeight) + overscan);
    return { first, last: Math.max(first, last) };
  }

  /** The scrollTop that brings `row` fully into view, changing the current one as little as possible. */
  scrollToShow(row: number, scrollTop: number, height: number): number {
    const top = this.top(row);
    if (top < scrollTop) return top;
    if (top + this.rowHeight > scrollTop + height) return Math.max(0, top + this.rowHeight - height);
    return scrollTop;
  }
}
