// The hotspot engine: per service and operation, over a window, what costs most (count, latency percentiles, errors,
// total and self time, share of the critical path, trend), answered from buckets kept up to date as spans arrive.
//
// Why this design (as the lens engine, src/server/lens/engine.ts): reading a million spans per request is too slow,
// and decoding them far slower still. So the engine follows the store's index rows with a cursor (on each change
// event, in slices that yield to the event loop) and adds each span's count, error and duration to its operation's
// minute bucket at once (src/core/analysis/hotspots.ts). Self time and critical-path time need the whole trace, whose
// spans arrive over time from several processes: a trace is measured from its index rows (RowIndexedStore.readTraceRows)
// once it has been quiet for `settleMs`, and its spans' times are added to their buckets. A trace that gets spans
// after that is measured again and its earlier contribution replaced exactly: the rows of a trace are linked in
// arrival order, so the trace as it was when it settled is the prefix of its rows up to the last row read then; that
// prefix is measured again and subtracted. Memory per trace is one number (that row), not the contribution.
//
// Bounds: at most MAX_OPERATIONS operations (service, span name) get rows (a sender with ids in its span names must
// not grow memory without bound; the others still count in the window's spans and critical path); at most
// MAX_PENDING_TRACES traces wait to settle (past that the oldest are measured early, and again if more spans come: the
// figures stay right, it costs a second measurement); buckets are kept for twice the longest window (minutes for the
// last two hours, hours before; src/core/analysis/hotspots.ts), and spans ending more than FUTURE_MINUTES ahead of the
// clock are not counted. Retention dropping a trace's first spans while it
// still gets late ones can leave that trace's earlier contribution slightly off (the prefix measured again misses the
// dropped rows); spans an exporter sent twice count twice (as in the store's span count) but add their times once.
import type { HotspotOperation, Locate } from '../../core/analysis/hotspots';
import { foldLineAt, hotspotRows, HotspotSeries, MAX_LOOKBACK_MINUTES, TraceTimer } from '../../core/analysis/hotspots';
import { BUCKET_MS } from '../../core/lensStats';
import type { RowIndexedStore } from '../../core/store/store';
import type { RowView, TraceRowView } from '../../core/store/spanIndex';
import type { HotspotsParams, HotspotsResult } from '../../protocol/analysis';

export const DEFAULT_SETTLE_MS = 3_000;
/** Rows read per slice (then the event loop answers requests). */
const ROWS_PER_SLICE = 25_000;
/** Rows of traces measured per slice. */
const SETTLE_ROWS_PER_SLICE = 10_000;
const MAX_OPERATIONS = 5_000;
const MAX_PENDING_TRACES = 100_000;
/** Spans that end further ahead of this machine's clock are not counted: a sender with a wrong clock (or hostile
 * times) must not grow the buckets without bound. */
const FUTURE_MINUTES = 60;
/** Buckets are kept this long: the longest window, the one before it, and the hour being folded. */
const HORIZON_MINUTES = 2 * MAX_LOOKBACK_MINUTES + 60;

interface Operation extends HotspotOperation {
  readonly id: number;
}

export interface HotspotEngineOptions {
  /** How long a trace must get no new span before its self and critical-path times are measured (default 3 s). */
  readonly settleMs?: number;
  readonly log?: (line: string) => void;
}

export class HotspotEngine {
  private readonly settleMs: number;
  private readonly log: (line: string) => void;
  /** name id * 65536 + service id -> operation. */
  private readonly ops = new Map<number, Operation>();
  private readonly opList: Operation[] = [];
  private totals = new HotspotSeries();
  private foldLine = foldLineAt(Date.now());
  private cursor = 0;
  /** Rows stored before the engine started reading them: their traces count as quiet already. */
  private backlogEnd = 0;
  /** Trace slot -> time its newest row was read (performance.now()), oldest first (re-inserted on each new row). */
  private readonly pending = new Map<number, number>();
  /** Trace slot -> the last row of the trace when it was last measured (-1: never). */
  private settledThrough = new Int32Array(1024).fill(-1);
  private reading = false;
  private settling = false;
  private settleTimer: NodeJS.Timeout | undefined;
  private readonly minuteTimer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private waiters: (() => void)[] = [];
  private disposed = false;
  private tooManyOps = false;
  private tooManyPending = false;
  private readonly timer = new TraceTimer();
  // One trace's rows, reused.
  private cap = 0;
  private rowSpan = new Uint32Array(0);
  private rowParent = new Uint32Array(0);
  private rowStart = new Float64Array(0);
  private rowDuration = new Float64Array(0);
  private rowOp = new Int32Array(0);
  private rowMinute = new Float64Array(0);
  private rowNumber = new Float64Array(0);
  private rowCount = 0;

  constructor(
    private readonly store: RowIndexedStore,
    options: HotspotEngineOptions = {},
  ) {
    this.settleMs = Math.max(0, options.settleMs ?? DEFAULT_SETTLE_MS);
    this.log = options.log ?? (() => undefined);
    this.unsubscribe = store.onDidChange((change) => {
      if (change.cleared) this.reset();
      this.read();
    });
    this.minuteTimer = setInterval(() => this.advanceClock(Date.now(), true), BUCKET_MS);
    this.minuteTimer.unref();
    void store.whenReady().then(() => {
      if (this.cursor === 0) this.backlogEnd = store.rowEnd;
      this.read();
    });
  }

  /** Rows by operation, or by location when `locate` maps operations to the same source. */
  query(p: HotspotsParams, nowMs: number, locate?: Locate): HotspotsResult {
    return hotspotRows(this.opList, this.totals, p, nowMs, this.foldLine, locate);
  }

  /** Resolves once every stored row has been read and every trace quiet for settleMs has been settled (for tests and benches). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    this.settleTimer?.ref();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  dispose(): void {
    this.disposed = true;
    this.unsubscribe();
    clearInterval(this.minuteTimer);
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
    this.wake();
  }

  /** Operations tracked and buckets kept (for the benchmark's memory figure). */
  get size(): { readonly operations: number; readonly buckets: number; readonly pendingTraces: number } {
    let buckets = this.totals.bucketCount;
    for (const op of this.opList) buckets += op.series.bucketCount;
    return { operations: this.opList.length, buckets, pendingTraces: this.pending.size };
  }

  private isIdle(): boolean {
    return this.disposed || (this.store.isReady && !this.reading && !this.settling && this.cursor >= this.store.rowEnd && this.pending.size === 0);
  }

  private wake(): void {
    if (this.waiters.length === 0 || !this.isIdle()) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private reset(): void {
    this.cursor = 0;
    this.backlogEnd = 0;
    this.ops.clear();
    this.opList.length = 0;
    this.totals = new HotspotSeries();
    this.pending.clear();
    this.settledThrough.fill(-1);
    this.tooManyOps = false;
    this.tooManyPending = false;
  }

  /** Moves the fold line (minutes before it become hours) and, every minute, drops buckets past the horizon. */
  private advanceClock(nowMs: number, prune: boolean): void {
    const line = foldLineAt(nowMs);
    if (line > this.foldLine) {
      this.foldLine = line;
      this.totals.fold(line);
      for (const op of this.opList) op.series.fold(line);
    }
    if (prune) {
      const horizon = Math.floor(nowMs / BUCKET_MS) - HORIZON_MINUTES;
      this.totals.prune(horizon);
      for (const op of this.opList) op.series.prune(horizon);
    }
  }

  // ---- reading rows: counts, errors and durations at once ----

  private read(): void {
    if (this.reading || this.disposed || !this.store.isReady) return;
    this.reading = true;
    const slice = (): void => {
      if (this.disposed) return;
      const wallNow = Date.now();
      this.advanceClock(wallNow, false);
      const now = performance.now();
      const horizon = Math.floor(wallNow / BUCKET_MS) - HORIZON_MINUTES;
      const ceiling = Math.floor(wallNow / BUCKET_MS) + FUTURE_MINUTES;
      this.cursor = this.store.readRows(this.cursor, ROWS_PER_SLICE, (r) => this.addRow(r, now, horizon, ceiling));
      if (this.pending.size > MAX_PENDING_TRACES) this.settleOldest(this.pending.size - MAX_PENDING_TRACES);
      if (this.cursor < this.store.rowEnd) {
        setImmediate(slice);
        return;
      }
      this.reading = false;
      this.scheduleSettle();
      this.wake();
    };
    slice();
  }

  private addRow(r: Readonly<RowView>, now: number, horizon: number, ceiling: number): void {
    const arrived = r.row < this.backlogEnd ? -Infinity : now;
    const was = this.pending.get(r.slot);
    if (was !== arrived) {
      if (was !== undefined) this.pending.delete(r.slot);
      this.pending.set(r.slot, arrived);
    }
    const minute = Math.floor((r.startNanos + r.durationNanos) / 1e6 / BUCKET_MS);
    if (minute < horizon || minute > ceiling) return;
    this.totals.bucket(minute, this.foldLine, true).count++;
    const op = this.operation(r.service, r.name, r.kind);
    if (op) op.series.bucket(minute, this.foldLine, true).accept(r.durationNanos, r.error);
  }

  private operation(service: number, name: number, kind: number): Operation | undefined {
    const key = name * 65536 + service;
    let op = this.ops.get(key);
    if (op) return op;
    if (this.ops.size >= MAX_OPERATIONS) {
      if (!this.tooManyOps) this.log(`hotspots: more than ${MAX_OPERATIONS} operations (service, span name); the others get no rows (span names with ids in them?)`);
      this.tooManyOps = true;
      return undefined;
    }
    const names = this.store.indexNames();
    op = { id: this.opList.length, service: names.services[service]!, operation: names.spans[name]!, kind, series: new HotspotSeries() };
    this.ops.set(key, op);
    this.opList.push(op);
    return op;
  }

  // ---- settling traces: self and critical-path time ----

  private scheduleSettle(): void {
    if (this.disposed || this.settling || this.reading || this.settleTimer) return;
    const first = this.pending.values().next();
    if (first.done) return;
    const wait = first.value + this.settleMs - performance.now();
    if (wait <= 0) {
      this.settle();
      return;
    }
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      this.settle();
    }, wait + 1);
    if (this.waiters.length === 0) this.settleTimer.unref();
  }

  /** Measures the traces that have been quiet for settleMs, in slices. */
  private settle(): void {
    if (this.settling || this.disposed) return;
    this.settling = true;
    const slice = (): void => {
      if (this.disposed) return;
      if (this.reading) {
        // New rows first (their traces move to the back of the queue); read() calls scheduleSettle when done.
        this.settling = false;
        return;
      }
      const wallNow = Date.now();
      this.advanceClock(wallNow, false);
      const horizon = Math.floor(wallNow / BUCKET_MS) - HORIZON_MINUTES;
      const due = performance.now() - this.settleMs;
      let budget = SETTLE_ROWS_PER_SLICE;
      let more = false;
      for (const [slot, at] of this.pending) {
        if (at > due) break;
        if (budget <= 0) {
          more = true;
          break;
        }
        this.pending.delete(slot);
        budget -= this.measure(slot, horizon);
      }
      if (more) {
        setImmediate(slice);
        return;
      }
      this.settling = false;
      this.scheduleSettle();
      this.wake();
    };
    slice();
  }

  /** Past the bound of waiting traces: the oldest are measured now (and again if more of their spans come). */
  private settleOldest(n: number): void {
    if (!this.tooManyPending) this.log(`hotspots: more than ${MAX_PENDING_TRACES} traces waiting to settle; the oldest are measured early`);
    this.tooManyPending = true;
    const horizon = Math.floor(Date.now() / BUCKET_MS) - HORIZON_MINUTES;
    for (const slot of this.pending.keys()) {
      if (n-- <= 0) break;
      this.pending.delete(slot);
      this.measure(slot, horizon);
    }
  }

  /** Measures one trace and adds its spans' times, replacing what its earlier rows added before; returns rows read. */
  private measure(slot: number, horizon: number): number {
    if (slot >= this.settledThrough.length) {
      const grown = new Int32Array(Math.max(slot + 1, this.settledThrough.length * 2)).fill(-1);
      grown.set(this.settledThrough);
      this.settledThrough = grown;
    }
    const before = this.settledThrough[slot]!;
    this.rowCount = 0;
    const n = this.store.readTraceRows(slot, this.addTraceRow);
    if (n === 0) return 1;
    // The trace as it was measured last time: the prefix of its rows up to the last one read then.
    let k = 0;
    while (k < n && this.rowNumber[k]! <= before) k++;
    if (k === n) return n;
    if (k > 0) this.apply(k, -1, horizon);
    this.apply(n, 1, horizon);
    this.settledThrough[slot] = this.rowNumber[n - 1]!;
    return n + k;
  }

  private readonly addTraceRow = (r: Readonly<TraceRowView>): void => {
    const i = this.rowCount++;
    if (i >= this.cap) this.growRows(i + 1);
    this.rowSpan[i] = r.spanHash;
    this.rowParent[i] = r.parentHash;
    this.rowStart[i] = r.offsetNanos;
    this.rowDuration[i] = r.durationNanos;
    this.rowMinute[i] = Math.floor((r.startNanos + r.durationNanos) / 1e6 / BUCKET_MS);
    this.rowNumber[i] = r.row;
    this.rowOp[i] = this.ops.get(r.name * 65536 + r.service)?.id ?? -1;
  };

  /** Adds (sign 1) or takes back (sign -1) the self and critical-path times of the trace's first `count` rows. */
  private apply(count: number, sign: number, horizon: number): void {
    const t = this.timer.measure({ spanHash: this.rowSpan, parentHash: this.rowParent, start: this.rowStart, duration: this.rowDuration }, count);
    for (let i = 0; i < count; i++) {
      const self = t.self[i]!;
      const critical = t.critical[i]!;
      if (self === 0 && critical === 0) continue;
      const minute = this.rowMinute[i]!;
      if (minute < horizon) continue;
      // The buckets exist since the row was counted (unless it was too old, or has been pruned since).
      const total = this.totals.bucket(minute, this.foldLine, false);
      if (total) total.criticalNanos += sign * critical;
      const op = this.rowOp[i]!;
      if (op < 0) continue;
      const b = this.opList[op]!.series.bucket(minute, this.foldLine, false);
      if (!b) continue;
      b.selfNanos += sign * self;
      b.criticalNanos += sign * critical;
    }
  }

  private growRows(n: number): void {
    const cap = Math.max(256, n, this.cap * 2);
    const u32 = (a: Uint32Array): Uint32Array<ArrayBuffer> => {
      const b = new Uint32Array(cap);
      b.set(a);
      return b;
    };
    const f64 = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    const i32 = new Int32Array(cap);
    i32.set(this.rowOp);
    this.rowSpan = u32(this.rowSpan);
    this.rowParent = u32(this.rowParent);
    this.rowStart = f64(this.rowStart);
    this.rowDuration = f64(this.rowDuration);
    this.rowMinute = f64(this.rowMinute);
    this.rowNumber = f64(this.rowNumber);
    this.rowOp = i32;
    this.cap = cap;
  }
}
