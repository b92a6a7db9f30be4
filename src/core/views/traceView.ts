// The trace as the trace page sees it: spans in tree order (a pre-order walk, children by start time) with depth,
// parent, children, offsets and durations from the trace start (ns, as numbers), self time, service, error and kind,
// plus the header figures. Every other view (rows, critical path, flame, stats, find) works on this. Pure: the wire
// trace is never mutated; orphans (parent not in the trace) become extra roots, and cycles or duplicate span ids
// neither hang nor crash (the walk is iterative and visits each span once).
import { serviceOf, STATUS_ERROR } from '../display';
import type { WireSpan, WireTrace } from '../../protocol/wire';

export interface ViewSpan {
  /** Position in TraceView.spans (tree order): how every view names a span. */
  readonly pos: number;
  readonly span: WireSpan;
  readonly depth: number;
  /** Position of the parent, -1 for a root. */
  readonly parent: number;
  /** Positions of the children, by start time. */
  readonly children: readonly number[];
  /** One past the last position of this span's subtree (the subtree is [pos, subtreeEnd)). */
  readonly subtreeEnd: number;
  /** Nanoseconds from the trace start. */
  readonly offset: number;
  readonly duration: number;
  /** Time not covered by any child (children clipped to this span, overlaps merged). */
  readonly selfTime: number;
  readonly service: string;
  readonly error: boolean;
  readonly kind: number;
  /** A root whose parent is named but not in the trace (or caught in a cycle). */
  readonly orphan: boolean;
}

export interface TraceHeader {
  readonly rootService: string;
  readonly rootName: string;
  /** Unix nanoseconds of the earliest start. */
  readonly startNanos: bigint;
  /** From the earliest start to the latest end, ns. */
  readonly duration: number;
  readonly services: readonly string[];
  /** Levels of the tree (1 for a lone span). */
  readonly depth: number;
  readonly spanCount: number;
  readonly errorCount: number;
  readonly orphanCount: number;
}

export interface SpanLookup {
  get(spanId: string): number | undefined;
}

export interface TraceView {
  readonly trace: WireTrace;
  readonly spans: readonly ViewSpan[];
  /** Span id -> position (the first span with that id when ids repeat). */
  readonly byId: SpanLookup;
  readonly header: TraceHeader;
  /** Position of the root the header names (-1 for an empty trace). */
  readonly root: number;
}

/** A decimal ns string read as whole seconds and ns within the second (both exact doubles; BigInt per span is too
 * slow for 100,000 spans) into SPLIT, without allocating; malformed text reads as 0 like nanos() does. */
const SPLIT = { hi: 0, lo: 0 };
function splitNanos(text: string): void {
  const cut = text.length - 9;
  const hi = cut > 0 ? Number(text.slice(0, cut)) : 0;
  const lo = Number(cut > 0 ? text.slice(cut) : text);
  const ok = Number.isInteger(hi) && Number.isInteger(lo) && hi >= 0 && lo >= 0;
  SPLIT.hi = ok ? hi : 0;
  SPLIT.lo = ok ? lo : 0;
}

const NO_CHILDREN: readonly number[] = Object.freeze([]);

/** Span id -> first wire index: an open-addressing table over a string hash (a Map keyed by 100,000 fresh strings
 * from JSON.parse was the largest cost of the whole view). */
class IdIndex {
  private readonly table: Int32Array;
  private readonly mask: number;

  constructor(private readonly ids: readonly string[]) {
    let size = 16;
    while (size < ids.length * 2) size *= 2;
    this.table = new Int32Array(size);
    this.mask = size - 1;
    for (let i = 0; i < ids.length; i++) {
      let slot = this.slotOf(ids[i]!);
      while (true) {
        const at = this.table[slot]!;
        if (at === 0) {
          this.table[slot] = i + 1;
          break;
        }
        if (ids[at - 1] === ids[i]) break;
        slot = (slot + 1) & this.mask;
      }
    }
  }

  private slotOf(id: string): number {
    let h = 0x811c9dc5;
    for (let k = 0; k < id.length; k++) h = Math.imul(h ^ id.charCodeAt(k), 0x01000193);
    return (h >>> 0) & this.mask;
  }

  get(id: string): number | undefined {
    for (let slot = this.slotOf(id); ; slot = (slot + 1) & this.mask) {
      const at = this.table[slot]!;
      if (at === 0) return undefined;
      if (this.ids[at - 1] === id) return at - 1;
    }
  }
}

const cache = new WeakMap<WireTrace, TraceView>();

/** Memoised per trace object. */
export function traceView(trace: WireTrace): TraceView {
  let view = cache.get(trace);
  if (!view) {
    view = buildTraceView(trace);
    cache.set(trace, view);
  }
  return view;
}

function buildTraceView(trace: WireTrace): TraceView {
  const wire = trace.spans;
  const n = wire.length;
  // Starts and ends relative to the earliest start: exact as long as the trace spans less than ~104 days.
  const sHi = new Float64Array(n);
  const sLo = new Float64Array(n);
  let bHi = Infinity;
  let bLo = Infinity;
  for (let i = 0; i < n; i++) {
    splitNanos(wire[i]!.startTimeUnixNano);
    const { hi, lo } = SPLIT;
    sHi[i] = hi;
    sLo[i] = lo;
    if (hi < bHi || (hi === bHi && lo < bLo)) {
      bHi = hi;
      bLo = lo;
    }
  }
  if (n === 0) bHi = bLo = 0;
  const base = BigInt(bHi) * 1_000_000_000n + BigInt(bLo);
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    start[i] = (sHi[i]! - bHi) * 1e9 + (sLo[i]! - bLo);
    splitNanos(wire[i]!.endTimeUnixNano);
    const e = (SPLIT.hi - bHi) * 1e9 + (SPLIT.lo - bLo);
    end[i] = e > start[i]! ? e : start[i]!;
  }

  const firstById = new IdIndex(wire.map((s) => s.spanId));

  // Children by wire index, sorted by start (then wire order, for a stable result).
  const byStart = (a: number, b: number): number => start[a]! - start[b]! || a - b;
  const kids: number[][] = new Array<number[]>(n);
  const rootCandidates: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = wire[i]!;
    const p = s.parentSpanId === '' ? undefined : firstById.get(s.parentSpanId);
    if (p === undefined || p === i) rootCandidates.push(i);
    else (kids[p] ??= []).push(i);
  }
  for (const k of kids) if (k && k.length > 1) k.sort(byStart);
  rootCandidates.sort(byStart);

  // Pre-order walk with an explicit stack; a span reached twice (cycles cannot reach here from a root, but be safe)
  // is placed once.
  const order: number[] = [];
  const depthOf = new Int32Array(n);
  const parentPos = new Int32Array(n).fill(-1);
  const posOf = new Int32Array(n).fill(-1);
  const orphanOf = new Uint8Array(n);
  const walk = (root: number, orphan: boolean): void => {
    if (posOf[root] !== -1) return;
    orphanOf[root] = orphan ? 1 : 0;
    const stack: number[] = [root];
    depthOf[root] = 0;
    parentPos[root] = -1;
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (posOf[i] !== -1) continue;
      posOf[i] = order.length;
      order.push(i);
      const k = kids[i];
      if (!k) continue;
      for (let j = k.length - 1; j >= 0; j--) {
        const c = k[j]!;
        if (posOf[c] !== -1) continue;
        depthOf[c] = depthOf[i]! + 1;
        parentPos[c] = posOf[i]!;
        stack.push(c);
      }
    }
  };
  for (const r of rootCandidates) walk(r, wire[r]!.parentSpanId !== '');
  // Spans left over sit in parent cycles: each cycle is entered at its earliest span, shown as an orphan root.
  if (order.length < n) {
    const left: number[] = [];
    for (let i = 0; i < n; i++) if (posOf[i] === -1) left.push(i);
    left.sort(byStart);
    for (const i of left) walk(i, true);
  }

  // Positions of children and subtree ends, from the walk.
  const childPositions: (number[] | undefined)[] = new Array<number[] | undefined>(n).fill(undefined);
  for (let p = 0; p < n; p++) {
    const par = parentPos[order[p]!]!;
    if (par >= 0) (childPositions[par] ??= []).push(p);
  }
  const subtreeEnd = new Int32Array(n);
  for (let p = n - 1; p >= 0; p--) {
    const c = childPositions[p];
    subtreeEnd[p] = c ? subtreeEnd[c[c.length - 1]!]! : p + 1;
  }

  const serviceCache = new Map<number, string>();
  const service = (s: WireSpan): string => {
    let name = serviceCache.get(s.resource);
    if (name === undefined) {
      name = serviceOf(trace, s);
      serviceCache.set(s.resource, name);
    }
    return name;
  };

  const spans: ViewSpan[] = new Array<ViewSpan>(n);
  let traceEnd = 0;
  let maxDepth = 0;
  let errorCount = 0;
  let orphanCount = 0;
  const services = new Set<string>();
  for (let p = 0; p < n; p++) {
    const i = order[p]!;
    const s = wire[i]!;
    const children = childPositions[p] ?? NO_CHILDREN;
    const st = start[i]!;
    const en = end[i]!;
    // Self time: the span minus the union of its children clipped to it (children are sorted by start).
    let covered = 0;
    let runStart = -1;
    let runEnd = -1;
    for (const c of children) {
      const ci = order[c]!;
      const cs = Math.max(start[ci]!, st);
      const ce = Math.min(end[ci]!, en);
      if (ce <= cs) continue;
      if (cs > runEnd) {
        if (runEnd > runStart) covered += runEnd - runStart;
        runStart = cs;
        runEnd = ce;
      } else if (ce > runEnd) runEnd = ce;
    }
    if (runEnd > runStart) covered += runEnd - runStart;
    const error = s.status.code === STATUS_ERROR;
    const orphan = parentPos[i] === -1 && orphanOf[i] === 1;
    const svc = service(s);
    services.add(svc);
    if (error) errorCount++;
    if (orphan) orphanCount++;
    if (en > traceEnd) traceEnd = en;
    if (depthOf[i]! > maxDepth) maxDepth = depthOf[i]!;
    spans[p] = {
      pos: p,
      span: s,
      depth: depthOf[i]!,
      parent: parentPos[i]!,
      children,
      subtreeEnd: subtreeEnd[p]!,
      offset: st,
      duration: en - st,
      selfTime: en - st - covered,
      service: svc,
      error,
      kind: s.kind,
      orphan,
    };
  }
  const byId: SpanLookup = {
    get(id) {
      const i = firstById.get(id);
      return i === undefined ? undefined : posOf[i];
    },
  };

  // The header's root: the first true root (no parent), else the first span in tree order.
  let root = spans.findIndex((v) => v.parent === -1 && v.span.parentSpanId === '');
  if (root < 0) root = n > 0 ? 0 : -1;
  const rootSpan = root >= 0 ? spans[root] : undefined;
  const header: TraceHeader = {
    rootService: rootSpan?.service ?? '',
    rootName: rootSpan?.span.name ?? '',
    startNanos: base,
    duration: traceEnd,
    services: [...services].sort(),
    depth: n > 0 ? maxDepth + 1 : 0,
    spanCount: n,
    errorCount,
    orphanCount,
  };
  return { trace, spans, byId, header, root };
}
