// Windowed latency statistics for code lenses: per operation (service, span name, kind), one-minute buckets of call
// count, errors, a DDSketch of durations, the slowest spans and the error messages seen; a location's lens merges the
// buckets of the operations that map to it over the recent window and the window before (for the trend). Pure: the
// clock is a parameter, nothing here reads the store or the editor.
import { DDSketch } from '@datadog/sketches-js';

export const BUCKET_MS = 60_000;
/** Relative accuracy of the latency sketches: a reported p95 is within 1 % of a true sample value. */
export const SKETCH_ACCURACY = 0.01;
/** Slowest spans kept per bucket (a hover lists a few; locationSpans asks for more than a lens shows). */
export const SLOWEST_PER_BUCKET = 8;
/** Most recent failing spans kept per bucket (the analyses read their traces). */
const FAILING_PER_BUCKET = 4;
/** Distinct error messages kept per bucket; longer messages are cut. */
const MESSAGES_PER_BUCKET = 20;
const MESSAGE_CHARS = 300;
/** Bins of the hover's latency histogram. */
export const HISTOGRAM_BINS = 8;

/** One span among the slowest of a bucket: enough to find it again (its span id is resolved when shown). */
export interface SlowSpan {
  readonly traceId: string;
  /** The store's 32-bit span-id hash (src/core/store/indexPart.ts spanHash). */
  readonly spanHash: number;
  readonly durationNanos: number;
  readonly endMs: number;
  readonly error: boolean;
}

class Bucket {
  count = 0;
  errors = 0;
  readonly sketch = new DDSketch({ relativeAccuracy: SKETCH_ACCURACY });
  /** Slowest first. */
  readonly slowest: SlowSpan[] = [];
  /** The latest failing spans, oldest first. */
  readonly failing: SlowSpan[] = [];
  messages: Map<string, number> | undefined;
  /** Failing calls whose messages were read (they are sampled: decoding every failing span would cost too much). */
  messageSamples = 0;
}

/** The statistics of one operation: buckets by minute (end time of the span), pruned past a horizon. */
export class OperationStats {
  private readonly buckets = new Map<number, Bucket>();
  lastSeenMs = 0;
  /** Calls ever recorded (not only in the kept buckets). */
  total = 0;

  /** Records a call; returns true when it belongs among its bucket's slowest (then call keepSlow with its ids). */
  record(endMs: number, durationNanos: number, error: boolean): boolean {
    const b = this.bucket(endMs);
    b.count++;
    if (error) b.errors++;
    b.sketch.accept(Math.max(0, durationNanos));
    this.total++;
    if (endMs > this.lastSeenMs) this.lastSeenMs = endMs;
    return b.slowest.length < SLOWEST_PER_BUCKET || durationNanos > b.slowest[b.slowest.length - 1]!.durationNanos;
  }

  keepSlow(span: SlowSpan): void {
    const list = this.bucket(span.endMs).slowest;
    let i = list.length;
    while (i > 0 && list[i - 1]!.durationNanos < span.durationNanos) i--;
    list.splice(i, 0, span);
    if (list.length > SLOWEST_PER_BUCKET) list.pop();
  }

  /** Keeps a failing call among its bucket's latest few. */
  keepFailing(span: SlowSpan): void {
    const list = this.bucket(span.endMs).failing;
    list.push(span);
    if (list.length > FAILING_PER_BUCKET) list.shift();
  }

  /** Notes the error message of a failing call whose span was decoded. */
  noteError(endMs: number, message: string): void {
    const b = this.bucket(endMs);
    b.messageSamples++;
    const text = message.length > MESSAGE_CHARS ? `${message.slice(0, MESSAGE_CHARS - 1)}…` : message;
    b.messages ??= new Map();
    if (b.messages.has(text) || b.messages.size < MESSAGES_PER_BUCKET) b.messages.set(text, (b.messages.get(text) ?? 0) + 1);
  }

  /** Drops buckets that ended before `cutoffMs`. */
  prune(cutoffMs: number): void {
    for (const key of this.buckets.keys()) if ((key + 1) * BUCKET_MS <= cutoffMs) this.buckets.delete(key);
  }

  /** Buckets with keys in [from, to] (minute numbers). */
  *bucketsIn(from: number, to: number): Generator<Bucket> {
    for (const [key, b] of this.buckets) if (key >= from && key <= to) yield b;
  }

  get bucketCount(): number {
    return this.buckets.size;
  }

  private bucket(endMs: number): Bucket {
    const key = Math.floor(endMs / BUCKET_MS);
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = new Bucket()));
    return b;
  }
}

export interface LatencyHistogram {
  /** Upper bound of each bin, nanoseconds (log-spaced between the fastest and the slowest call). */
  readonly upperNanos: readonly number[];
  readonly counts: readonly number[];
}

/** What a lens and its hover show for one location: the recent window, and the window before for the trend. */
export interface WindowSummary {
  readonly count: number;
  readonly errors: number;
  /** Nanoseconds, from the merged sketch (within SKETCH_ACCURACY of a true sample); undefined without calls. */
  readonly p50?: number;
  readonly p95?: number;
  readonly p99?: number;
  readonly previousCount: number;
  readonly previousP95?: number;
  /** p95 over the previous window's p95, when both windows had calls. */
  readonly trend?: number;
  /** Newest call (any time, not only in the window), or 0. */
  readonly lastSeenMs: number;
  readonly histogram?: LatencyHistogram;
  /** Slowest in the window, slowest first. */
  readonly slowest: readonly SlowSpan[];
  /** The latest failing calls in the window, newest first. */
  readonly failing: readonly SlowSpan[];
  /** Error messages seen in the window, most frequent first, and how many failing calls they were read from. */
  readonly messages: readonly { readonly message: string; readonly count: number }[];
  readonly messageSamples: number;
}

/** Minute numbers of the recent window (ending with the current minute) and of the one before. */
export function windowRange(nowMs: number, windowMinutes: number): { readonly recent: [number, number]; readonly previous: [number, number] } {
  const w = Math.max(1, Math.round(windowMinutes));
  const now = Math.floor(nowMs / BUCKET_MS);
  return { recent: [now - w + 1, now], previous: [now - 2 * w + 1, now - w] };
}

/** Merges the operations' buckets over the recent and previous windows. */
export function summarize(ops: readonly OperationStats[], nowMs: number, windowMinutes: number, slowestLimit = SLOWEST_PER_BUCKET): WindowSummary {
  const { recent, previous } = windowRange(nowMs, windowMinutes);
  const sketch = new DDSketch({ relativeAccuracy: SKETCH_ACCURACY });
  const before = new DDSketch({ relativeAccuracy: SKETCH_ACCURACY });
  let count = 0;
  let errors = 0;
  let previousCount = 0;
  let lastSeenMs = 0;
  let messageSamples = 0;
  const slowest: SlowSpan[] = [];
  const failing: SlowSpan[] = [];
  const messages = new Map<string, number>();
  for (const op of ops) {
    if (op.lastSeenMs > lastSeenMs) lastSeenMs = op.lastSeenMs;
    for (const b of op.bucketsIn(recent[0], recent[1])) {
      count += b.count;
      errors += b.errors;
      sketch.merge(b.sketch);
      slowest.push(...b.slowest);
      failing.push(...b.failing);
      messageSamples += b.messageSamples;
      if (b.messages) for (const [m, n] of b.messages) messages.set(m, (messages.get(m) ?? 0) + n);
    }
    for (const b of op.bucketsIn(previous[0], previous[1])) {
      previousCount += b.count;
      before.merge(b.sketch);
    }
  }
  slowest.sort((a, b) => b.durationNanos - a.durationNanos);
  failing.sort((a, b) => b.endMs - a.endMs);
  const q = (s: DDSketch, p: number): number | undefined => (s.count > 0 ? s.getValueAtQuantile(p) : undefined);
  const p95 = q(sketch, 0.95);
  const previousP95 = q(before, 0.95);
  return {
    count,
    errors,
    p50: q(sketch, 0.5),
    p95,
    p99: q(sketch, 0.99),
    previousCount,
    previousP95,
    trend: p95 !== undefined && previousP95 !== undefined && previousP95 > 0 ? p95 / previousP95 : undefined,
    lastSeenMs,
    histogram: count > 0 ? histogram(sketch) : undefined,
    slowest: slowest.slice(0, slowestLimit),
    failing: failing.slice(0, SLOWEST_PER_BUCKET),
    messages: [...messages].map(([message, n]) => ({ message, count: n })).sort((a, b) => b.count - a.count || a.message.localeCompare(b.message)),
    messageSamples,
  };
}

/** A log-spaced histogram of a sketch's values, read from its bins (each bin's value is its representative). */
export function histogram(sketch: DDSketch, bins = HISTOGRAM_BINS): LatencyHistogram {
  const lo = Math.max(1, sketch.min);
  const hi = Math.max(lo * 1.000001, sketch.max);
  const ratio = Math.log(hi / lo);
  const upperNanos = Array.from({ length: bins }, (_, i) => lo * Math.exp((ratio * (i + 1)) / bins));
  const counts = new Array<number>(bins).fill(0);
  const binOf = (v: number): number => Math.min(bins - 1, Math.max(0, Math.floor((Math.log(Math.max(v, lo) / lo) / ratio) * bins)));
  counts[0]! += sketch.zeroCount;
  const store = sketch.store;
  for (let i = 0; i < store.bins.length; i++) {
    const n = store.bins[i]!;
    if (n > 0) counts[binOf(sketch.mapping.value(i + store.offset))]! += n;
  }
  return { upperNanos, counts };
}

/** One row of unicode blocks per bin height: "▁▃█▅▂" for a histogram's counts. */
export function sparkline(counts: readonly number[]): string {
  const blocks = '▁▂▃▄▅▆▇█';
  const max = Math.max(...counts, 1);
  return counts.map((n) => (n === 0 ? ' ' : blocks[Math.min(7, Math.floor((n / max) * 7.999))]!)).join('');
}
