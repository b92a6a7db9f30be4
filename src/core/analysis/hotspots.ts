// Hotspots across traces, the pure parts: the self time and critical-path time of every span of one trace (from plain
// arrays, as the store's index rows give them), the per-operation minute buckets they are added to, and the rows of a
// window merged from those buckets. The engine that feeds them from the store is src/server/analysis/hotspots.ts.
//
// Self time is the trace page's (src/core/views/traceView.ts): a span's duration minus the union of its children
// clipped to it. The critical path is the trace page's too: the same walk (walkCriticalPath, Jaeger UI's algorithm)
// from the same root over the same tree, so a hotspot row and the trace it came from agree. The tree is built as the
// trace view builds it: a repeated span id counts once (the first row, as the store's getTrace keeps it), a span
// whose parent is not in the trace is an extra root, spans caught in a parent cycle are entered at the earliest one;
// the critical path starts at the first true root (no parent) by start time, else at the earliest other root.
//
// Buckets: one per operation and minute (by the span's end, as the code lenses count), with count, errors, summed
// duration, self and critical-path time, and the bins of a DDSketch of durations. Minutes older than
// MINUTE_TIER_MINUTES are folded into hour buckets, so that a 24-hour window does not keep 2,880 buckets per
// operation; a window counts each bucket in the window that holds the bucket's start, so where a window reaches into
// the folded hours it starts at the next whole hour (fromMs says where).
import { DDSketch } from '@datadog/sketches-js';
import type { FindingSource, HotspotRow, HotspotsParams, HotspotsResult } from '../../protocol/analysis';
import { BUCKET_MS, SKETCH_ACCURACY } from '../lensStats';
import { MAX_INDEXED_NAME } from '../store/indexPart';
import { walkCriticalPath } from '../views/criticalPath';

export const DEFAULT_LOOKBACK_MINUTES = 60;
/** Longest window (the trend needs the window before it too: buckets are kept for twice this, and an hour more). */
export const MAX_LOOKBACK_MINUTES = 24 * 60;
export const DEFAULT_HOTSPOT_LIMIT = 50;
/** Minute buckets are kept this long (a 60-minute window and the one before it); older ones become hour buckets. */
export const MINUTE_TIER_MINUTES = 2 * DEFAULT_LOOKBACK_MINUTES;
const HOUR = 60;

// ---- one trace: self time and critical-path time per span ----

/** The spans of one trace as parallel arrays (index rows: 32-bit span-id hashes, 0 for no parent; times in ns). */
export interface TraceSpans {
  readonly spanHash: ArrayLike<number>;
  readonly parentHash: ArrayLike<number>;
  /** ns from any fixed origin (offsets from the trace start keep every figure an exact integer). */
  readonly start: ArrayLike<number>;
  /** ns; a negative duration counts as 0. */
  readonly duration: ArrayLike<number>;
}

export interface TraceTimes {
  /** Per span (input order): time not covered by its children, ns; 0 for a repeat of an earlier span id. */
  readonly self: Float64Array;
  /** Per span: its own time on the trace's critical path, ns. */
  readonly critical: Float64Array;
  /** The span the critical path starts from, -1 for an empty trace. */
  readonly root: number;
  /** The whole critical path, ns (the root's duration). */
  readonly criticalTotal: number;
}

/**
 * Self and critical-path time of the spans of one trace, with scratch arrays kept between calls (a trace costs no
 * allocation but the critical path's walk). `measure` returns views into the scratch: valid until the next call.
 */
export class TraceTimer {
  private cap = 0;
  private end = new Float64Array(0);
  private self = new Float64Array(0);
  private critical = new Float64Array(0);
  /** Parent index by span id, -1 for a root, -2 for a repeated span id (left out). */
  private parent = new Int32Array(0);
  private treeParent = new Int32Array(0);
  private kidStart = new Int32Array(0);
  private kids = new Int32Array(0);
  private treeStart = new Int32Array(0);
  private treeKids = new Int32Array(0);
  private placed = new Uint8Array(0);
  private stack = new Int32Array(0);
  private table = new Int32Array(0);
  private roots: number[] = [];

  /** Times of the first `count` spans (a trace as it was before later rows arrived), by default all of them. */
  measure(spans: TraceSpans, count = spans.spanHash.length): TraceTimes {
    const n = count;
    this.grow(n);
    const { end, self, critical, parent, treeParent, kidStart, kids, treeStart, treeKids, placed } = this;
    const start = spans.start;
    for (let i = 0; i < n; i++) {
      const d = spans.duration[i]!;
      end[i] = start[i]! + (d > 0 ? d : 0);
      self[i] = 0;
      critical[i] = 0;
      placed[i] = 0;
      treeParent[i] = -1;
    }
    // Span hash -> first index (open addressing; hashes are never 0).
    let size = 16;
    while (size < n * 2) size *= 2;
    if (this.table.length < size) this.table = new Int32Array(size);
    const table = this.table;
    table.fill(0, 0, size);
    const mask = size - 1;
    const slotOf = (h: number): number => {
      let k = Math.imul(h, 0x9e3779b1) >>> 0;
      k = (k ^ (k >>> 15)) & mask;
      for (;;) {
        const at = table[k]!;
        if (at === 0 || spans.spanHash[at - 1] === h) return k;
        k = (k + 1) & mask;
      }
    };
    for (let i = 0; i < n; i++) {
      const k = slotOf(spans.spanHash[i]!);
      if (table[k] === 0) {
        table[k] = i + 1;
        parent[i] = -1;
      } else {
        parent[i] = -2;
      }
    }
    kidStart.fill(0, 0, n + 1);
    const roots = this.roots;
    roots.length = 0;
    for (let i = 0; i < n; i++) {
      if (parent[i] === -2) continue;
      const ph = spans.parentHash[i]!;
      const at = ph === 0 ? 0 : table[slotOf(ph)]!;
      const p = at - 1;
      if (p < 0 || p === i) {
        roots.push(i);
      } else {
        parent[i] = p;
        kidStart[p + 1]!++;
      }
    }
    for (let i = 0; i < n; i++) kidStart[i + 1]! += kidStart[i]!;
    // Children by start time (then input order), as the trace view orders them.
    const fill = treeStart; // scratch: next free place per parent
    for (let i = 0; i < n; i++) fill[i] = kidStart[i]!;
    for (let i = 0; i < n; i++) if (parent[i]! >= 0) kids[fill[parent[i]!]!++] = i;
    for (let i = 0; i < n; i++) sortByStart(kids, kidStart[i]!, kidStart[i + 1]!, start);
    const byStart = (a: number, b: number): number => start[a]! - start[b]! || a - b;
    roots.sort(byStart);

    // Pre-order walks from the roots; spans left over sit in parent cycles, each entered at its earliest span.
    const walk = (root: number): void => {
      if (placed[root]) return;
      let top = 0;
      this.stack[top++] = root;
      while (top > 0) {
        const i = this.stack[--top]!;
        if (placed[i]) continue;
        placed[i] = 1;
        for (let k = kidStart[i + 1]! - 1; k >= kidStart[i]!; k--) {
          const c = kids[k]!;
          if (placed[c]) continue;
          treeParent[c] = i;
          this.stack[top++] = c;
        }
      }
    };
    for (const r of roots) walk(r);
    let mainRoot = -1;
    for (const r of roots) {
      if (spans.parentHash[r] === 0) {
        mainRoot = r;
        break;
      }
    }
    if (mainRoot < 0) mainRoot = roots.length > 0 ? roots[0]! : -1;
    const left: number[] = [];
    for (let i = 0; i < n; i++) if (!placed[i] && parent[i] !== -2) left.push(i);
    if (left.length > 0) {
      left.sort(byStart);
      for (const i of left) walk(i);
      if (mainRoot < 0) mainRoot = left[0]!;
    }

    // The tree's children (a cycle's entry is not its parent's child any more), still by start.
    treeStart.fill(0, 0, n + 1);
    for (let i = 0; i < n; i++) if (treeParent[i]! >= 0) treeStart[treeParent[i]! + 1]!++;
    for (let i = 0; i < n; i++) treeStart[i + 1]! += treeStart[i]!;
    let at = 0;
    for (let i = 0; i < n; i++) {
      for (let k = kidStart[i]!; k < kidStart[i + 1]!; k++) if (treeParent[kids[k]!] === i) treeKids[at++] = kids[k]!;
    }

    // Self time: the span minus the union of its children clipped to it (children sorted by start).
    for (let i = 0; i < n; i++) {
      if (parent[i] === -2) continue;
      const st = start[i]!;
      const en = end[i]!;
      let covered = 0;
      let runStart = -1;
      let runEnd = -1;
      let any = false;
      for (let k = treeStart[i]!; k < treeStart[i + 1]!; k++) {
        const c = treeKids[k]!;
        const cs = Math.max(start[c]!, st);
        const ce = Math.min(end[c]!, en);
        if (ce <= cs) continue;
        if (!any || cs > runEnd) {
          if (any) covered += runEnd - runStart;
          runStart = cs;
          runEnd = ce;
          any = true;
        } else if (ce > runEnd) runEnd = ce;
      }
      if (any) covered += runEnd - runStart;
      self[i] = en - st - covered;
    }

    let criticalTotal = 0;
    if (mainRoot >= 0) {
      walkCriticalPath(
        mainRoot,
        start,
        end,
        (i) => treeKids.subarray(treeStart[i]!, treeStart[i + 1]!),
        (i, s, e) => {
          critical[i]! += e - s;
          criticalTotal += e - s;
        },
      );
    }
    return { self: self.subarray(0, n), critical: critical.subarray(0, n), root: mainRoot, criticalTotal };
  }

  private grow(n: number): void {
    if (n <= this.cap) return;
    const cap = Math.max(64, n, this.cap * 2);
    this.end = new Float64Array(cap);
    this.self = new Float64Array(cap);
    this.critical = new Float64Array(cap);
    this.parent = new Int32Array(cap);
    this.treeParent = new Int32Array(cap);
    this.kidStart = new Int32Array(cap + 1);
    this.kids = new Int32Array(cap);
    this.treeStart = new Int32Array(cap + 1);
    this.treeKids = new Int32Array(cap);
    this.placed = new Uint8Array(cap);
    this.stack = new Int32Array(cap);
    this.cap = cap;
  }
}

/** Sorts a[from..to) by start (stable: equal starts keep their order). */
function sortByStart(a: Int32Array, from: number, to: number, start: ArrayLike<number>): void {
  const n = to - from;
  if (n < 2) return;
  if (n <= 24) {
    for (let i = from + 1; i < to; i++) {
      const v = a[i]!;
      const s = start[v]!;
      let j = i - 1;
      while (j >= from && start[a[j]!]! > s) {
        a[j + 1] = a[j]!;
        j--;
      }
      a[j + 1] = v;
    }
    return;
  }
  const sorted = Array.from(a.subarray(from, to)).sort((x, y) => start[x]! - start[y]! || x - y);
  a.set(sorted, from);
}

/** Self and critical-path time of every span of a trace (fresh arrays; see TraceTimer for the reusable form). */
export function traceTimes(spans: TraceSpans): TraceTimes {
  const t = new TraceTimer().measure(spans);
  return { self: t.self.slice(), critical: t.critical.slice(), root: t.root, criticalTotal: t.criticalTotal };
}

// ---- buckets ----

/** DDSketch's own mapping of values to bins (so that a bin is the library's bin: same keys, same accuracy). */
const MAPPING = new DDSketch({ relativeAccuracy: SKETCH_ACCURACY }).mapping;
/** A bin as one number: (key + KEY_OFFSET) * 2^32 + count (keys of durations in ns are 0..~1,800). */
const KEY_OFFSET = 32_768;
const KEYS = 65_536;
const TWO32 = 0x1_0000_0000;

/**
 * One operation's calls in one minute (or, once folded, one hour). Durations are kept as the bins of a DDSketch
 * (the library's mapping, so quantiles keep its 1 % guarantee) but sparse: the library's dense store holds at least
 * 128 bins (3-4 KiB per sketch in the benchmark, 670 bytes per stored span), while a minute of one operation
 * usually fills a few dozen. mergedSketch turns buckets back into a DDSketch for the quantiles.
 */
export class HotspotBucket {
  count = 0;
  errors = 0;
  /** Summed durations, self time and critical-path time, ns. */
  totalNanos = 0;
  selfNanos = 0;
  criticalNanos = 0;
  /** Sorted by key; absent in the all-spans totals. */
  private bins: number[] | undefined;
  private zeros = 0;

  /** A call (its self and critical-path time come later, once its trace has settled). */
  accept(durationNanos: number, error: boolean): void {
    const d = durationNanos > 0 ? durationNanos : 0;
    this.count++;
    if (error) this.errors++;
    this.totalNanos += d;
    if (d < MAPPING.minPossible) this.zeros++;
    else this.addBin(Math.min(KEYS - 1, Math.max(0, MAPPING.key(d) + KEY_OFFSET)), 1);
  }

  /** Adds another bucket's calls to this one. */
  merge(b: HotspotBucket): void {
    this.count += b.count;
    this.errors += b.errors;
    this.totalNanos += b.totalNanos;
    this.selfNanos += b.selfNanos;
    this.criticalNanos += b.criticalNanos;
    this.zeros += b.zeros;
    if (!b.bins) return;
    const a = this.bins;
    if (!a || a.length === 0) {
      this.bins = b.bins.slice();
      return;
    }
    // Both sorted by key: one merge pass.
    const out: number[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.bins.length) {
      const x = a[i];
      const y = b.bins[j];
      const kx = x === undefined ? Infinity : Math.floor(x / TWO32);
      const ky = y === undefined ? Infinity : Math.floor(y / TWO32);
      if (kx === ky) {
        out.push(x! + (y! - ky * TWO32));
        i++;
        j++;
      } else if (kx < ky) {
        out.push(x!);
        i++;
      } else {
        out.push(y!);
        j++;
      }
    }
    this.bins = out;
  }

  /** Adds this bucket's bins to `counts` (indexed by key + KEY_OFFSET); returns the zero-length calls. */
  addBins(counts: Float64Array, range: { lo: number; hi: number }): number {
    for (const bin of this.bins ?? []) {
      const k = Math.floor(bin / TWO32);
      counts[k]! += bin - k * TWO32;
      if (k < range.lo) range.lo = k;
      if (k > range.hi) range.hi = k;
    }
    return this.zeros;
  }

  private addBin(k: number, n: number): void {
    const bins = (this.bins ??= []);
    let lo = 0;
    let hi = bins.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Math.floor(bins[mid]! / TWO32) < k) lo = mid + 1;
      else hi = mid;
    }
    if (lo < bins.length && Math.floor(bins[lo]! / TWO32) === k) bins[lo]! += n;
    else bins.splice(lo, 0, k * TWO32 + n);
  }
}

const mergeCounts = new Float64Array(KEYS);
/** MAPPING.value of each key + KEY_OFFSET, computed once (NaN: not yet). */
const valueOf = new Float64Array(KEYS).fill(NaN);
const binValue = (k: number): number => {
  let v = valueOf[k]!;
  if (Number.isNaN(v)) valueOf[k] = v = MAPPING.value(k - KEY_OFFSET);
  return v;
};

/** The durations of some buckets as one DDSketch (for their quantiles). */
export function mergedSketch(buckets: Iterable<HotspotBucket>): DDSketch {
  const sketch = new DDSketch({ relativeAccuracy: SKETCH_ACCURACY });
  const range = { lo: KEYS, hi: -1 };
  let zeros = 0;
  for (const b of buckets) zeros += b.addBins(mergeCounts, range);
  if (range.hi >= range.lo) {
    // The lowest and the highest bin first: the sketch's store then takes its whole range at once (added in order, it
    // grows and re-centres itself at each new bin, which was most of a query's time).
    sketch.accept(binValue(range.lo), mergeCounts[range.lo]!);
    mergeCounts[range.lo] = 0;
    if (range.hi > range.lo) {
      sketch.accept(binValue(range.hi), mergeCounts[range.hi]!);
      mergeCounts[range.hi] = 0;
    }
    for (let k = range.lo + 1; k < range.hi; k++) {
      const n = mergeCounts[k]!;
      if (n === 0) continue;
      sketch.accept(binValue(k), n);
      mergeCounts[k] = 0;
    }
  }
  if (zeros > 0) sketch.accept(0, zeros);
  return sketch;
}

/**
 * The buckets of one operation (or of all spans): by minute from `foldLine` on, by hour before it. `foldLine` is a
 * minute number on an hour boundary that only moves forward; the owner folds every series when it moves.
 */
export class HotspotSeries {
  readonly minutes = new Map<number, HotspotBucket>();
  readonly hours = new Map<number, HotspotBucket>();

  /** The bucket holding `minute` (created with `create`). */
  bucket(minute: number, foldLine: number, create: true): HotspotBucket;
  bucket(minute: number, foldLine: number, create: boolean): HotspotBucket | undefined;
  bucket(minute: number, foldLine: number, create: boolean): HotspotBucket | undefined {
    const map = minute >= foldLine ? this.minutes : this.hours;
    const key = minute >= foldLine ? minute : Math.floor(minute / HOUR);
    let b = map.get(key);
    if (!b && create) map.set(key, (b = new HotspotBucket()));
    return b;
  }

  /** Folds the minute buckets before `foldLine` into their hours. */
  fold(foldLine: number): void {
    for (const [minute, b] of this.minutes) {
      if (minute >= foldLine) continue;
      this.bucket(minute, foldLine, true).merge(b);
      this.minutes.delete(minute);
    }
  }

  /** Drops the buckets that start before `minute`. */
  prune(minute: number): void {
    for (const key of this.minutes.keys()) if (key < minute) this.minutes.delete(key);
    for (const key of this.hours.keys()) if (key * HOUR < minute) this.hours.delete(key);
  }

  get bucketCount(): number {
    return this.minutes.size + this.hours.size;
  }

  /** Visits the buckets whose start minute is in [from, to]. */
  forEachIn(from: number, to: number, visit: (b: HotspotBucket) => void): void {
    for (const [minute, b] of this.minutes) if (minute >= from && minute <= to) visit(b);
    if (this.hours.size === 0) return;
    for (const [hour, b] of this.hours) if (hour * HOUR >= from && hour * HOUR <= to) visit(b);
  }
}

/** The hour boundary before which minutes are kept as hours, at `nowMs`. */
export function foldLineAt(nowMs: number): number {
  return Math.floor((Math.floor(nowMs / BUCKET_MS) - MINUTE_TIER_MINUTES) / HOUR) * HOUR;
}

// ---- a window's rows ----

export interface HotspotWindow {
  /** Minute numbers: a bucket counts in the window that holds its start. */
  readonly recent: readonly [number, number];
  readonly previous: readonly [number, number];
  /** What the recent window covers, Unix ms (its start moves to the next whole hour where buckets are hours). */
  readonly fromMs: number;
  readonly toMs: number;
}

/** The window of `lookbackMinutes` (whole minutes, the current one included) ending at `nowMs`, and the one before. */
export function hotspotWindow(nowMs: number, lookbackMinutes: number | undefined, foldLine: number): HotspotWindow {
  const asked = lookbackMinutes !== undefined && Number.isFinite(lookbackMinutes) ? Math.round(lookbackMinutes) : DEFAULT_LOOKBACK_MINUTES;
  const w = Math.min(MAX_LOOKBACK_MINUTES, Math.max(1, asked));
  const now = Math.floor(nowMs / BUCKET_MS);
  const from = now - w + 1;
  const covered = from >= foldLine ? from : Math.ceil(from / HOUR) * HOUR;
  return { recent: [from, now], previous: [from - w, from - 1], fromMs: covered * BUCKET_MS, toMs: nowMs };
}

/** One operation's buckets, as the engine keeps them. */
export interface HotspotOperation {
  readonly service: string;
  readonly operation: string;
  readonly kind: number;
  readonly series: HotspotSeries;
}

export type Locate = (service: string, operation: string, kind: number) => FindingSource | undefined;

interface Tally {
  readonly ops: HotspotOperation[];
  readonly source: FindingSource | undefined;
  count: number;
  errors: number;
  totalNanos: number;
  selfNanos: number;
  criticalNanos: number;
}

const micros = (ns: number): number => Math.round(ns) / 1000;

/**
 * The rows of a window, most total time first: every operation's buckets summed (and, with groupBy 'location', the
 * operations `locate` maps to the same file and line summed together); sketches are merged only for the rows kept.
 * `totals` holds every span (operations past the engine's cap too): the window's span count and critical path.
 */
export function hotspotRows(
  ops: Iterable<HotspotOperation>,
  totals: HotspotSeries,
  params: HotspotsParams,
  nowMs: number,
  foldLine: number,
  locate?: Locate,
): HotspotsResult {
  const win = hotspotWindow(nowMs, params.lookbackMinutes, foldLine);
  const [from, to] = win.recent;
  let spans = 0;
  let pathNanos = 0;
  totals.forEachIn(from, to, (b) => {
    spans += b.count;
    pathNanos += b.criticalNanos;
  });
  const operation = params.operation?.slice(0, MAX_INDEXED_NAME);
  const byLocation = params.groupBy === 'location' && locate !== undefined;
  const tallies: Tally[] = [];
  const groups = new Map<string, Tally>();
  for (const op of ops) {
    if (params.service !== undefined && op.service !== params.service) continue;
    if (operation !== undefined && op.operation !== operation) continue;
    let count = 0;
    let errors = 0;
    let totalNanos = 0;
    let selfNanos = 0;
    let criticalNanos = 0;
    op.series.forEachIn(from, to, (b) => {
      count += b.count;
      errors += b.errors;
      totalNanos += b.totalNanos;
      selfNanos += b.selfNanos;
      criticalNanos += b.criticalNanos;
    });
    if (count === 0) continue;
    const source = byLocation ? locate(op.service, op.operation, op.kind) : undefined;
    const key = source ? `${source.line}\u0000${source.file}` : undefined;
    let t = key !== undefined ? groups.get(key) : undefined;
    if (!t) {
      t = { ops: [], source, count: 0, errors: 0, totalNanos: 0, selfNanos: 0, criticalNanos: 0 };
      tallies.push(t);
      if (key !== undefined) groups.set(key, t);
    }
    t.ops.push(op);
    t.count += count;
    t.errors += errors;
    t.totalNanos += totalNanos;
    t.selfNanos += selfNanos;
    t.criticalNanos += criticalNanos;
  }
  const first = (t: Tally): HotspotOperation => t.ops[0]!;
  tallies.sort((a, b) => b.totalNanos - a.totalNanos || first(a).service.localeCompare(first(b).service) || first(a).operation.localeCompare(first(b).operation));
  const limit = params.limit !== undefined && Number.isFinite(params.limit) ? Math.max(0, Math.floor(params.limit)) : DEFAULT_HOTSPOT_LIMIT;
  const minutes = Math.max(1, (win.toMs - win.fromMs) / BUCKET_MS);
  const rows: HotspotRow[] = tallies.slice(0, limit).map((t) => {
    const now: HotspotBucket[] = [];
    const then: HotspotBucket[] = [];
    const opTotals = new Map<HotspotOperation, number>();
    for (const op of t.ops) {
      let opTotal = 0;
      op.series.forEachIn(from, to, (b) => {
        opTotal += b.totalNanos;
        now.push(b);
      });
      opTotals.set(op, opTotal);
      op.series.forEachIn(win.previous[0], win.previous[1], (b) => then.push(b));
    }
    const recent = mergedSketch(now);
    const before = mergedSketch(then);
    // The merged row is named after the operation that costs most in it.
    const members = [...t.ops].sort((a, b) => opTotals.get(b)! - opTotals.get(a)! || a.service.localeCompare(b.service) || a.operation.localeCompare(b.operation));
    const lead = members[0]!;
    const q = (s: DDSketch, p: number): number => (s.count > 0 ? micros(s.getValueAtQuantile(p)) : 0);
    const p95 = q(recent, 0.95);
    const previousP95 = q(before, 0.95);
    const source = byLocation ? t.source : locate?.(lead.service, lead.operation, lead.kind);
    return {
      service: lead.service,
      operation: lead.operation,
      count: t.count,
      errors: t.errors,
      throughput: t.count / minutes,
      p50: q(recent, 0.5),
      p95,
      p99: q(recent, 0.99),
      selfTime: micros(t.selfNanos),
      totalTime: micros(t.totalNanos),
      criticalPathShare: pathNanos > 0 ? Math.min(1, Math.max(0, t.criticalNanos / pathNanos)) : 0,
      trend: recent.count > 0 && before.count > 0 && previousP95 > 0 ? p95 / previousP95 : null,
      ...(source ? { source } : {}),
      ...(byLocation ? { operations: members.map((o) => ({ service: o.service, operation: o.operation })) } : {}),
    };
  });
  return { rows, fromMs: win.fromMs, toMs: win.toMs, spans };
}
