// The in-memory indexes of the embedded store: every span as one row of typed-array columns (about 43 bytes), every
// trace as one slot of per-trace columns, and an open-addressing hash from trace id to slot. Span bodies stay on disk.
// Rows are numbered in arrival order and kept in chunks of 65536, so retention (which drops the oldest frames) frees
// whole chunks and never copies. A trace's rows are linked in arrival order, which assembles late and out-of-order
// spans from any number of batches and services into one trace.
import { isTraceIdHex } from '../ids';
import type { SpanKind } from '../model';
import type { TraceSummary } from '../trace';
import { rankServices } from '../trace';
import type { IndexHeader } from './indexPart';
import { LOG_ENTRY_BYTES, SPAN_ENTRY_BYTES } from './indexPart';

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;
const TWO32 = 0x1_0000_0000;
/** Service ids are 16-bit; past that (a hostile sender), new services share this name. */
const MAX_SERVICES = 0xffff;
export const OVERFLOW_SERVICE = '(too many services)';

class SpanChunk {
  readonly trace = new Int32Array(CHUNK);
  readonly record = new Int32Array(CHUNK);
  readonly next = new Int32Array(CHUNK);
  readonly name = new Int32Array(CHUNK);
  readonly service = new Uint16Array(CHUNK);
  /** Span kind in the low bits, 0x80 when the status is ERROR. */
  readonly flags = new Uint8Array(CHUNK);
  readonly startHi = new Uint32Array(CHUNK);
  readonly startLo = new Uint32Array(CHUNK);
  readonly duration = new Float64Array(CHUNK);
  readonly span = new Uint32Array(CHUNK);
  readonly parent = new Uint32Array(CHUNK);
}

class LogChunk {
  readonly trace = new Int32Array(CHUNK);
  readonly record = new Int32Array(CHUNK);
  readonly next = new Int32Array(CHUNK);
}

/** Rows in chunks; row numbers only grow; dropping the oldest rows frees whole chunks. */
class Rows<C> {
  chunks: C[] = [];
  base = 0; // chunk number of chunks[0]
  first = 0; // oldest live row
  end = 0; // next row number
  constructor(private readonly make: () => C) {}
  chunk(row: number): C {
    return this.chunks[(row >>> CHUNK_BITS) - this.base]!;
  }
  add(): number {
    if ((this.end & MASK) === 0) this.chunks.push(this.make());
    return this.end++;
  }
  dropBefore(row: number): void {
    this.first = row;
    while ((this.base + 1) * CHUNK <= row && this.chunks.length > 0) {
      this.chunks.shift();
      this.base++;
    }
  }
  get count(): number {
    return this.end - this.first;
  }
}

/** Conditions checked on index rows (the store checks attributes on the bodies). */
export interface RowQuery {
  readonly service?: number;
  readonly name?: number;
  readonly kind?: SpanKind;
  readonly errorsOnly?: boolean;
  readonly minDuration?: number;
  readonly maxDuration?: number;
  /** Span start window in nanoseconds, as doubles (to about 256 ns, enough to filter). */
  readonly startFrom?: number;
  readonly startTo?: number;
  /** Only rows of these frames: ok[frame - base] is 1 (the frames whose attribute filter allows the search). */
  readonly frames?: { readonly base: number; readonly ok: Uint8Array };
}

/** One span row as readRows shows it (names are ids into serviceNames and spanNames; slot is the trace's, see traceId). */
export interface RowView {
  row: number;
  slot: number;
  service: number;
  name: number;
  kind: number;
  error: boolean;
  /** Unix nanoseconds as a double (to about 256 ns). */
  startNanos: number;
  durationNanos: number;
  spanHash: number;
}

/** One span row of a trace as readTraceRows shows it: a RowView with the parent's hash and an exact offset. */
export interface TraceRowView extends RowView {
  /** The parent span id's hash, 0 for a root. */
  parentHash: number;
  /** Nanoseconds from the trace's earliest start, exact (start differences within a trace fit a double). */
  offsetNanos: number;
}

export interface IndexDependency {
  readonly parent: string;
  readonly child: string;
  readonly callCount: number;
  readonly errorCount: number;
  /** 95th percentile of the child spans' durations (nanoseconds; nearest rank). */
  readonly p95Nanos: number;
}

interface EdgeTally {
  readonly parent: number;
  readonly child: number;
  errorCount: number;
  readonly durations: number[];
}

export class SpanIndex {
  private readonly spans = new Rows(() => new SpanChunk());
  private readonly logs = new Rows(() => new LogChunk());
  // Per-trace columns, indexed by slot.
  private cap = 0;
  private ids = new Uint32Array(0);
  private firstRow = new Int32Array(0);
  private lastRow = new Int32Array(0);
  private firstLog = new Int32Array(0);
  private lastLog = new Int32Array(0);
  private spanCount = new Int32Array(0);
  private logCount = new Int32Array(0);
  private startHi = new Uint32Array(0);
  private startLo = new Uint32Array(0);
  private endHi = new Uint32Array(0);
  private endLo = new Uint32Array(0);
  private mark = new Uint32Array(0);
  private generation = 0;
  private free: number[] = [];
  private used = 0; // slots ever handed out (below cap)
  private live = 0;
  // trace id -> slot + 1 (0: empty), linear probing.
  private table = new Int32Array(1024);
  // Interned names.
  readonly serviceNames: string[] = [];
  private readonly serviceIds = new Map<string, number>();
  readonly spanNames: string[] = [];
  private readonly nameIds = new Map<string, number>();
  /** service id -> name id * 8 + kind. */
  private readonly ops = new Map<number, Set<number>>();
  private droppedSpans = 0;

  get spanTotal(): number {
    return this.spans.count;
  }
  get logTotal(): number {
    return this.logs.count;
  }
  get traceTotal(): number {
    return this.live;
  }
  get evictedSpans(): number {
    return this.droppedSpans;
  }

  serviceId(name: string): number | undefined {
    return this.serviceIds.get(name);
  }
  nameId(name: string): number | undefined {
    return this.nameIds.get(name);
  }

  /** Adds a frame's index part (its header read by readIndexHeader); puts the slots of the traces it touched in `touched`. */
  addFrame(record: number, part: Uint8Array, header: IndexHeader, touched: Set<number>): void {
    const { kind, strings, count, entries } = header;
    const b = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
    if (kind === 2) {
      for (let i = 0, pos = entries; i < count; i++, pos += LOG_ENTRY_BYTES) {
        const t = this.slotFor(b, pos, true);
        const row = this.logs.add();
        const c = this.logs.chunk(row);
        const j = row & MASK;
        c.trace[j] = t;
        c.record[j] = record;
        c.next[j] = -1;
        if (this.lastLog[t]! >= 0) this.logs.chunk(this.lastLog[t]!).next[this.lastLog[t]! & MASK] = row;
        else this.firstLog[t] = row;
        this.lastLog[t] = row;
        this.logCount[t]!++;
        touched.add(t);
      }
      return;
    }
    const svc = strings.map((s) => this.internService(s));
    const names = strings.map((s) => this.internName(s));
    for (let i = 0, pos = entries; i < count; i++, pos += SPAN_ENTRY_BYTES) {
      const t = this.slotFor(b, pos, true);
      const row = this.spans.add();
      const c = this.spans.chunk(row);
      const j = row & MASK;
      const startHi = b.readUInt32LE(pos + 24);
      const startLo = b.readUInt32LE(pos + 28);
      const duration = b.readDoubleLE(pos + 32);
      const service = svc[b.readUInt16LE(pos + 40)]!;
      const flags = b.readUInt8(pos + 42);
      const name = names[b.readUInt32LE(pos + 44)]!;
      c.trace[j] = t;
      c.record[j] = record;
      c.next[j] = -1;
      c.span[j] = b.readUInt32LE(pos + 16);
      c.parent[j] = b.readUInt32LE(pos + 20);
      c.startHi[j] = startHi;
      c.startLo[j] = startLo;
      c.duration[j] = duration;
      c.service[j] = service;
      c.flags[j] = flags;
      c.name[j] = name;
      if (this.lastRow[t]! >= 0) this.spans.chunk(this.lastRow[t]!).next[this.lastRow[t]! & MASK] = row;
      else this.firstRow[t] = row;
      this.lastRow[t] = row;
      this.widen(t, startHi, startLo, duration, this.spanCount[t]++ === 0);
      let ops = this.ops.get(service);
      if (!ops) this.ops.set(service, (ops = new Set()));
      ops.add(name * 8 + (flags & 7));
      touched.add(t);
    }
  }

  /** Drops every span and log row of frames numbered below `record` (they are always the oldest rows). */
  dropRecordsBefore(record: number): void {
    const touched = new Set<number>();
    let row = this.spans.first;
    for (; row < this.spans.end; row++) {
      const c = this.spans.chunk(row);
      const j = row & MASK;
      if (c.record[j]! >= record) break;
      const t = c.trace[j]!;
      this.firstRow[t] = c.next[j]!;
      if (c.next[j] === -1) this.lastRow[t] = -1;
      this.spanCount[t]!--;
      this.droppedSpans++;
      touched.add(t);
    }
    this.spans.dropBefore(row);
    let log = this.logs.first;
    for (; log < this.logs.end; log++) {
      const c = this.logs.chunk(log);
      const j = log & MASK;
      if (c.record[j]! >= record) break;
      const t = c.trace[j]!;
      this.firstLog[t] = c.next[j]!;
      if (c.next[j] === -1) this.lastLog[t] = -1;
      this.logCount[t]!--;
      touched.add(t);
    }
    this.logs.dropBefore(log);
    for (const t of touched) {
      if (this.spanCount[t] === 0 && this.logCount[t] === 0) this.release(t);
      else this.recomputeTimes(t);
    }
  }

  /** The slot of a trace (hex id), or -1. */
  find(traceId: string): number {
    if (!isTraceIdHex(traceId)) return -1;
    return this.slotFor(Buffer.from(traceId, 'hex'), 0, false);
  }

  traceId(t: number): string {
    const b = Buffer.allocUnsafe(16);
    for (let k = 0; k < 4; k++) b.writeUInt32LE(this.ids[t * 4 + k]!, k * 4);
    return b.toString('hex');
  }

  hasSpans(t: number): boolean {
    return this.spanCount[t]! > 0;
  }

  /** The frames holding a trace's spans (and, with `logs`, its log records), ascending. */
  recordsOf(t: number, what: 'spans' | 'logs'): number[] {
    const out = new Set<number>();
    if (what === 'spans') for (let r = this.firstRow[t]!; r >= 0; r = this.spans.chunk(r).next[r & MASK]!) out.add(this.spans.chunk(r).record[r & MASK]!);
    else for (let r = this.firstLog[t]!; r >= 0; r = this.logs.chunk(r).next[r & MASK]!) out.add(this.logs.chunk(r).record[r & MASK]!);
    return [...out].sort((a, b) => a - b);
  }

  /**
   * Traces with a span meeting every row condition, newest trace start first, lazily: a heap is built in linear time
   * and each trace taken costs log n, so a search that needs the newest 20 of 100,000 traces sorts almost nothing.
   */
  *search(q: RowQuery): Generator<number, void, undefined> {
    const found = this.matching(q);
    const newer = (a: number, b: number): boolean => this.startHi[a]! > this.startHi[b]! || (this.startHi[a] === this.startHi[b] && this.startLo[a]! > this.startLo[b]!);
    const heap = found;
    let n = heap.length;
    const down = (i: number): void => {
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) return;
        const r = l + 1;
        const top = r < n && newer(heap[r]!, heap[l]!) ? r : l;
        if (!newer(heap[top]!, heap[i]!)) return;
        [heap[i], heap[top]] = [heap[top]!, heap[i]!];
        i = top;
      }
    };
    for (let i = (n >> 1) - 1; i >= 0; i--) down(i);
    while (n > 0) {
      const t = heap[0]!;
      heap[0] = heap[--n]!;
      down(0);
      yield t;
    }
  }

  /** Traces with a span meeting every row condition, in no particular order. */
  private matching(q: RowQuery): number[] {
    const gen = this.nextGeneration();
    const found: number[] = [];
    // Locals, not q.* in the loop: queries of different shapes would make those reads megamorphic.
    const service = q.service ?? -1;
    const name = q.name ?? -1;
    const kind = q.kind ?? -1;
    const errorsOnly = q.errorsOnly === true;
    const minD = q.minDuration ?? -1;
    const maxD = q.maxDuration ?? Infinity;
    const from = q.startFrom ?? -Infinity;
    const to = q.startTo ?? Infinity;
    const frames = q.frames?.ok;
    const frameBase = q.frames?.base ?? 0;
    const any = service >= 0 || name >= 0 || kind >= 0 || errorsOnly || minD >= 0 || maxD !== Infinity || from !== -Infinity || to !== Infinity || frames !== undefined;
    if (!any) {
      for (let t = 0; t < this.used; t++) if (this.spanCount[t]! > 0) found.push(t);
      return found;
    }
    for (let row = this.spans.end - 1; row >= this.spans.first; row--) {
      const c = this.spans.chunk(row);
      const j = row & MASK;
      const t = c.trace[j]!;
      if (this.mark[t] === gen) continue;
      if (frames !== undefined && frames[c.record[j]! - frameBase] !== 1) continue;
      if (service >= 0 && c.service[j] !== service) continue;
      if (name >= 0 && c.name[j] !== name) continue;
      const flags = c.flags[j]!;
      if (kind >= 0 && (flags & 7) !== kind) continue;
      if (errorsOnly && !(flags & 0x80)) continue;
      const d = c.duration[j]!;
      if (d < minD || d > maxD) continue;
      const start = c.startHi[j]! * TWO32 + c.startLo[j]!;
      if (start < from || start > to) continue;
      this.mark[t] = gen;
      found.push(t);
    }
    return found;
  }

  /** The trace's summary, from the index alone. A span received twice (an exporter's retry) counts once. */
  summary(t: number): TraceSummary {
    const ids = new Set<number>();
    for (let r = this.firstRow[t]!; r >= 0; r = this.spans.chunk(r).next[r & MASK]!) ids.add(this.spans.chunk(r).span[r & MASK]!);
    const seen = new Set<number>();
    let root = -1;
    let earliest = -1;
    let orphans = 0;
    let errors = 0;
    const perService = new Map<number, number>();
    for (let r = this.firstRow[t]!; r >= 0; r = this.spans.chunk(r).next[r & MASK]!) {
      const c = this.spans.chunk(r);
      const j = r & MASK;
      if (seen.has(c.span[j]!)) continue;
      seen.add(c.span[j]!);
      const parent = c.parent[j]!;
      if (parent === 0) {
        if (root < 0 || this.rowBefore(r, root)) root = r;
      } else if (!ids.has(parent)) {
        orphans++;
      }
      if (earliest < 0 || this.rowBefore(r, earliest)) earliest = r;
      if (c.flags[j]! & 0x80) errors++;
      perService.set(c.service[j]!, (perService.get(c.service[j]!) ?? 0) + 1);
    }
    const head = root >= 0 ? root : earliest;
    const hc = this.spans.chunk(head);
    const start = nanos(this.startHi[t]!, this.startLo[t]!);
    const end = nanos(this.endHi[t]!, this.endLo[t]!);
    const services = rankServices([...perService].map(([s, n]) => [this.serviceNames[s]!, n] as const));
    return {
      traceId: this.traceId(t),
      rootService: this.serviceNames[hc.service[head & MASK]!]!,
      rootName: this.spanNames[hc.name[head & MASK]!]!,
      hasRoot: root >= 0,
      startTimeUnixNano: start,
      durationNanos: end > start ? end - start : 0n,
      spanCount: seen.size,
      errorCount: errors,
      orphanCount: orphans,
      services,
    };
  }

  /** Span names with kinds, of one service or all. */
  operations(service?: number): { service: string; name: string; kind: SpanKind }[] {
    const out: { service: string; name: string; kind: SpanKind }[] = [];
    for (const [s, set] of this.ops) {
      if (service !== undefined && s !== service) continue;
      for (const key of set) out.push({ service: this.serviceNames[s]!, name: this.spanNames[Math.floor(key / 8)]!, kind: (key & 7) as SpanKind });
    }
    return out.sort((a, b) => a.service.localeCompare(b.service) || a.name.localeCompare(b.name) || a.kind - b.kind);
  }

  /** Service-to-service calls among spans that started in [from, to] (ns as doubles). */
  dependencies(from: number, to: number): IndexDependency[] {
    const gen = this.nextGeneration();
    const traces: number[] = [];
    for (let row = this.spans.first; row < this.spans.end; row++) {
      const c = this.spans.chunk(row);
      const j = row & MASK;
      const t = c.trace[j]!;
      if (this.mark[t] === gen) continue;
      const start = c.startHi[j]! * TWO32 + c.startLo[j]!;
      if (start < from || start > to) continue;
      this.mark[t] = gen;
      traces.push(t);
    }
    const links = new Map<number, EdgeTally>();
    for (const t of traces) {
      this.forEachEdge(t, from, to, (parent, child, row) => {
        const key = parent * 65536 + child;
        let link = links.get(key);
        if (!link) links.set(key, (link = { parent, child, errorCount: 0, durations: [] }));
        const c = this.spans.chunk(row);
        link.durations.push(c.duration[row & MASK]!);
        if (c.flags[row & MASK]! & 0x80) link.errorCount++;
      });
    }
    return [...links.values()]
      .map((l): IndexDependency => {
        const sorted = Float64Array.from(l.durations).sort();
        const p95 = sorted[Math.max(0, Math.ceil(sorted.length * 0.95) - 1)]!;
        return { parent: this.serviceNames[l.parent]!, child: this.serviceNames[l.child]!, callCount: sorted.length, errorCount: l.errorCount, p95Nanos: p95 };
      })
      .sort((a, b) => a.parent.localeCompare(b.parent) || a.child.localeCompare(b.child));
  }

  /** Traces with a call from service `parent` to service `child` that started within the window, newest first. */
  *edgeTraces(parent: number, child: number, from: number, to: number): Generator<number, void, undefined> {
    for (const t of this.search({ service: child, startFrom: from, startTo: to })) {
      let found = false;
      this.forEachEdge(t, from, to, (p, c) => (found ||= p === parent && c === child));
      if (found) yield t;
    }
  }

  /** Calls from one service to another in trace t: a span (row) whose parent span belongs to another service. */
  private forEachEdge(t: number, from: number, to: number, visit: (parentService: number, childService: number, row: number) => void): void {
    const serviceOfSpan = new Map<number, number>();
    for (let r = this.firstRow[t]!; r >= 0; r = this.spans.chunk(r).next[r & MASK]!) {
      const c = this.spans.chunk(r);
      serviceOfSpan.set(c.span[r & MASK]!, c.service[r & MASK]!);
    }
    const seen = new Set<number>();
    for (let r = this.firstRow[t]!; r >= 0; r = this.spans.chunk(r).next[r & MASK]!) {
      const c = this.spans.chunk(r);
      const j = r & MASK;
      const start = c.startHi[j]! * TWO32 + c.startLo[j]!;
      if (start < from || start > to || c.parent[j] === 0 || seen.has(c.span[j]!)) continue;
      seen.add(c.span[j]!); // an exporter's retry counts once
      const parentService = serviceOfSpan.get(c.parent[j]!);
      if (parentService === undefined || parentService === c.service[j]) continue;
      visit(parentService, c.service[j]!, r);
    }
  }

  /** The next row number (rows are numbered in arrival order from 0; retention drops the oldest). */
  get rowEnd(): number {
    return this.spans.end;
  }

  /**
   * Read-only cursor over span rows for consumers that keep their own aggregates (the code-lens statistics): visits
   * up to `max` rows from `from` (or from the oldest kept row, if retention dropped it) with one reused view, and
   * returns the row to continue from.
   */
  readRows(from: number, max: number, visit: (row: Readonly<RowView>) => void): number {
    const view: RowView = { row: 0, slot: 0, service: 0, name: 0, kind: 0, error: false, startNanos: 0, durationNanos: 0, spanHash: 0 };
    let row = Math.max(from, this.spans.first);
    const end = Math.min(this.spans.end, row + max);
    for (; row < end; row++) {
      const c = this.spans.chunk(row);
      const j = row & MASK;
      const flags = c.flags[j]!;
      view.row = row;
      view.slot = c.trace[j]!;
      view.service = c.service[j]!;
      view.name = c.name[j]!;
      view.kind = flags & 7;
      view.error = (flags & 0x80) !== 0;
      view.startNanos = c.startHi[j]! * TWO32 + c.startLo[j]!;
      view.durationNanos = c.duration[j]!;
      view.spanHash = c.span[j]!;
      visit(view);
    }
    return row;
  }

  /**
   * Read-only: visits the span rows of trace slot `t` in arrival order (row numbers ascending) with one reused view,
   * for analyses that need a whole trace from the index alone (src/server/analysis/hotspots.ts). Returns the count.
   */
  readTraceRows(t: number, visit: (row: Readonly<TraceRowView>) => void): number {
    const view: TraceRowView = { row: 0, slot: t, service: 0, name: 0, kind: 0, error: false, startNanos: 0, durationNanos: 0, spanHash: 0, parentHash: 0, offsetNanos: 0 };
    if (t < 0 || t >= this.used) return 0;
    const baseHi = this.startHi[t]!;
    const baseLo = this.startLo[t]!;
    let n = 0;
    for (let r = this.firstRow[t]!; r >= this.spans.first; r = this.spans.chunk(r).next[r & MASK]!) {
      const c = this.spans.chunk(r);
      const j = r & MASK;
      const flags = c.flags[j]!;
      const hi = c.startHi[j]!;
      const lo = c.startLo[j]!;
      view.row = r;
      view.service = c.service[j]!;
      view.name = c.name[j]!;
      view.kind = flags & 7;
      view.error = (flags & 0x80) !== 0;
      view.startNanos = hi * TWO32 + lo;
      view.offsetNanos = (hi - baseHi) * TWO32 + (lo - baseLo);
      view.durationNanos = c.duration[j]!;
      view.spanHash = c.span[j]!;
      view.parentHash = c.parent[j]!;
      visit(view);
      n++;
    }
    return n;
  }

  /** Approximate bytes held by the indexes (typed arrays; interned strings and maps are estimated). */
  memoryBytes(): number {
    const spanRow = 4 * 4 + 2 + 1 + 4 * 2 + 8 + 4 * 2;
    let strings = 0;
    for (const s of this.serviceNames) strings += 64 + s.length;
    for (const s of this.spanNames) strings += 64 + s.length;
    return this.spans.chunks.length * CHUNK * spanRow + this.logs.chunks.length * CHUNK * 12 + this.cap * (16 + 4 * 11) + this.table.byteLength + strings;
  }

  private nextGeneration(): number {
    this.generation = (this.generation + 1) >>> 0;
    if (this.generation === 0) {
      this.mark.fill(0);
      this.generation = 1;
    }
    return this.generation;
  }

  private rowBefore(a: number, b: number): boolean {
    const ca = this.spans.chunk(a);
    const cb = this.spans.chunk(b);
    return before(ca.startHi[a & MASK]!, ca.startLo[a & MASK]!, cb.startHi[b & MASK]!, cb.startLo[b & MASK]!);
  }

  /** Widens the trace's start and end to take in a span (`first`: the trace's only span so far, so it sets both). */
  private widen(t: number, startHi: number, startLo: number, duration: number, first: boolean): void {
    if (first || before(startHi, startLo, this.startHi[t]!, this.startLo[t]!)) {
      this.startHi[t] = startHi;
      this.startLo[t] = startLo;
    }
    const lo = startLo + duration;
    const carry = Math.floor(lo / TWO32);
    const endHi = startHi + carry;
    const endLo = lo - carry * TWO32;
    if (first || before(this.endHi[t]!, this.endLo[t]!, endHi, endLo)) {
      this.endHi[t] = endHi;
      this.endLo[t] = endLo;
    }
  }

  /** The trace's start and end again from its remaining rows (after retention dropped some). */
  private recomputeTimes(t: number): void {
    let first = true;
    for (let r = this.firstRow[t]!; r >= 0; r = this.spans.chunk(r).next[r & MASK]!) {
      const c = this.spans.chunk(r);
      const j = r & MASK;
      this.widen(t, c.startHi[j]!, c.startLo[j]!, c.duration[j]!, first);
      first = false;
    }
  }

  private internService(s: string): number {
    let id = this.serviceIds.get(s);
    if (id === undefined) {
      if (this.serviceNames.length >= MAX_SERVICES) return this.internService(OVERFLOW_SERVICE);
      id = this.serviceNames.length;
      this.serviceNames.push(s);
      this.serviceIds.set(s, id);
    }
    return id;
  }

  private internName(s: string): number {
    let id = this.nameIds.get(s);
    if (id === undefined) {
      id = this.spanNames.length;
      this.spanNames.push(s);
      this.nameIds.set(s, id);
    }
    return id;
  }

  /** The slot of the trace whose 16-byte id is at b[pos]; with `create`, a new slot when there is none (else -1). */
  private slotFor(b: Buffer, pos: number, create: boolean): number {
    const w0 = b.readUInt32LE(pos);
    const w1 = b.readUInt32LE(pos + 4);
    const w2 = b.readUInt32LE(pos + 8);
    const w3 = b.readUInt32LE(pos + 12);
    const mask = this.table.length - 1;
    let i = home(w0, w1, w2, w3, mask);
    for (;;) {
      const v = this.table[i]!;
      if (v === 0) break;
      const t = v - 1;
      const k = t * 4;
      if (this.ids[k] === w0 && this.ids[k + 1] === w1 && this.ids[k + 2] === w2 && this.ids[k + 3] === w3) return t;
      i = (i + 1) & mask;
    }
    if (!create) return -1;
    const t = this.allocate();
    const k = t * 4;
    this.ids[k] = w0;
    this.ids[k + 1] = w1;
    this.ids[k + 2] = w2;
    this.ids[k + 3] = w3;
    this.table[i] = t + 1;
    this.live++;
    if (this.live * 2 > this.table.length) this.rehash(this.table.length * 2);
    return t;
  }

  private homeOf(t: number, mask: number): number {
    const k = t * 4;
    return home(this.ids[k]!, this.ids[k + 1]!, this.ids[k + 2]!, this.ids[k + 3]!, mask);
  }

  private allocate(): number {
    const t = this.free.pop() ?? this.used++;
    if (t >= this.cap) this.grow(Math.max(1024, this.cap * 2));
    this.firstRow[t] = this.lastRow[t] = this.firstLog[t] = this.lastLog[t] = -1;
    this.spanCount[t] = this.logCount[t] = 0;
    this.startHi[t] = this.startLo[t] = this.endHi[t] = this.endLo[t] = 0;
    return t;
  }

  private release(t: number): void {
    const mask = this.table.length - 1;
    let i = this.homeOf(t, mask);
    while (this.table[i] !== t + 1) i = (i + 1) & mask;
    // Backward-shift deletion keeps every probe sequence unbroken.
    let hole = i;
    for (let j = (hole + 1) & mask; this.table[j] !== 0; j = (j + 1) & mask) {
      const s = this.table[j]! - 1;
      if (((j - this.homeOf(s, mask)) & mask) >= ((j - hole) & mask)) {
        this.table[hole] = this.table[j]!;
        hole = j;
      }
    }
    this.table[hole] = 0;
    this.live--;
    this.free.push(t);
  }

  private rehash(size: number): void {
    const old = this.table;
    this.table = new Int32Array(size);
    const mask = size - 1;
    for (const v of old) {
      if (v === 0) continue;
      const t = v - 1;
      let i = this.homeOf(t, mask);
      while (this.table[i] !== 0) i = (i + 1) & mask;
      this.table[i] = v;
    }
  }

  private grow(cap: number): void {
    const g32 = (a: Uint32Array, n: number): Uint32Array<ArrayBuffer> => {
      const b = new Uint32Array(n);
      b.set(a);
      return b;
    };
    const gi = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.ids = g32(this.ids, cap * 4);
    this.firstRow = gi(this.firstRow);
    this.lastRow = gi(this.lastRow);
    this.firstLog = gi(this.firstLog);
    this.lastLog = gi(this.lastLog);
    this.spanCount = gi(this.spanCount);
    this.logCount = gi(this.logCount);
    this.startHi = g32(this.startHi, cap);
    this.startLo = g32(this.startLo, cap);
    this.endHi = g32(this.endHi, cap);
    this.endLo = g32(this.endLo, cap);
    this.mark = g32(this.mark, cap);
    this.cap = cap;
  }
}

/** A slot in the trace-id table: all 16 bytes mixed, so ids with a counter or a clock in any part spread well. */
function home(w0: number, w1: number, w2: number, w3: number, mask: number): number {
  let h = Math.imul(w0, 0x9e3779b1) ^ Math.imul(w1, 0x85ebca6b) ^ Math.imul(w2, 0xc2b2ae35) ^ Math.imul(w3, 0x27d4eb2f);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h & mask;
}

function before(aHi: number, aLo: number, bHi: number, bLo: number): boolean {
  return aHi < bHi || (aHi === bHi && aLo < bLo);
}

function nanos(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}
