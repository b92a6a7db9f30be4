// The embedded store: a segment log on disk (or in memory) for the bodies, exactly as they were received, and the
// in-memory span index for search. A batch is acknowledged once its frame is written and fdatasync'd; everything
// waiting is written together (group commit). Reading a trace decodes its frames again and keeps the most recent
// decoded frames in a small cache. Retention drops whole segments, oldest first, by size and by age.
// See docs/STORE.md for the design and the measurements behind it.
import type { LogRecord, Span, TraceId } from '../model';
import { decodeLogsRequest, decodeLogsRequestJson } from '../otlp/logs';
import { encodeLogsJson, encodeTracesJson } from '../otlp/encodeJson';
import { decodeTraceRequestJson } from '../otlp/json';
import { decodeTraceRequest } from '../otlp/protobuf';
import type { TraceSummary } from '../trace';
import { decodeZipkinJson } from '../zipkin';
import type { Requirement } from './attributeFilter';
import { mayMatch, requirements } from './attributeFilter';
import { encodeLogIndex, encodeSpanIndex, MAX_INDEXED_NAME, readIndexHeader } from './indexPart';
import { queryLimit, spanMatches } from './query';
import type { FrameInput, FrameLocation, FrameRef, SegmentLog } from './segmentLog';
import { DEFAULT_SEGMENT_BYTES, FileSegmentLog, FrameType, MemorySegmentLog } from './segmentLog';
import { SpanIndex } from './spanIndex';
import type { RowQuery, RowView, TraceRowView } from './spanIndex';
import type { BodyFormat, DependencyLink, IngestBatch, OperationInfo, StoreChange, StoreStats, RowIndexedStore, TraceQuery } from './store';
import { StoreWriteError } from './store';

export const DEFAULT_RETENTION_BYTES = 2 * 1024 ** 3;
export const DEFAULT_RETENTION_MS = 7 * 24 * 3600 * 1000;
/** In memory (--in-memory, or a folder that cannot be used), span bodies take RAM: at most this many bytes of them. */
export const MEMORY_RETENTION_BYTES = 512 * 1024 ** 2;
/** Decoded spans kept in the read cache. */
const CACHE_SPANS = 100_000;
const RETENTION_CHECK_MS = 60_000;

export interface EmbeddedStoreOptions {
  /** The folder for the segment files; undefined keeps everything in memory. */
  readonly dir?: string;
  readonly retentionBytes?: number;
  readonly retentionMs?: number;
  readonly segmentBytes?: number;
  readonly log?: (line: string) => void;
}

const FORMAT_CODES: Record<BodyFormat, number> = { 'otlp-proto': 1, 'otlp-json': 2, 'zipkin-json': 3, 'otlp-logs-proto': 4, 'otlp-logs-json': 5 };
const FORMAT_NAMES: Record<number, BodyFormat> = Object.fromEntries(Object.entries(FORMAT_CODES).map(([name, code]) => [code, name as BodyFormat]));

/** A place in the log: a segment and a byte offset in it (stable across restarts). */
export interface LogPosition {
  readonly segment: number;
  readonly offset: number;
}

/** One frame of the log as it was received. */
export interface LogFrame {
  readonly position: LogPosition;
  /** The position right after it. */
  readonly next: LogPosition;
  readonly format: BodyFormat;
  readonly body: Uint8Array;
}

/**
 * Where each frame is, by frame number, and its attribute filter: typed-array columns (21 bytes a frame) and one
 * byte arena for the filters, since an exporter that sends one span per request makes one frame per span. Frame
 * numbers only grow; retention drops the oldest.
 */
class FrameTable {
  private segment = new Int32Array(1024);
  private offset = new Float64Array(1024);
  private length = new Uint32Array(1024);
  private format = new Uint8Array(1024);
  private filterAt = new Float64Array(1024);
  private filterBytes = new Uint32Array(1024);
  private arena = new Uint8Array(64 * 1024);
  /** Arena bytes in use from arenaStart. */
  private arenaStart = 0;
  private arenaEnd = 0;
  /** Number of the first frame kept, and how many are kept. */
  base = 0;
  count = 0;

  get next(): number {
    return this.base + this.count;
  }

  add(f: FrameLocation & { readonly format: number }, filter: Uint8Array): number {
    if (this.count === this.segment.length) this.resize(this.count * 2);
    const i = this.count++;
    this.segment[i] = f.segment;
    this.offset[i] = f.offset;
    this.length[i] = f.length;
    this.format[i] = f.format;
    if (this.arenaEnd + filter.length > this.arena.length) {
      const used = this.arenaEnd - this.arenaStart;
      const bigger = new Uint8Array(Math.max(this.arena.length, (used + filter.length) * 2));
      bigger.set(this.arena.subarray(this.arenaStart, this.arenaEnd));
      for (let k = 0; k < i; k++) this.filterAt[k]! -= this.arenaStart;
      this.arena = bigger;
      this.arenaEnd = used;
      this.arenaStart = 0;
    }
    this.arena.set(filter, this.arenaEnd);
    this.filterAt[i] = this.arenaEnd;
    this.filterBytes[i] = filter.length;
    this.arenaEnd += filter.length;
    return this.base + i;
  }

  /** The first frame at or after a log position (frames are in log order), or `next` when there is none. */
  firstAtOrAfter(segment: number, offset: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const before = this.segment[mid]! < segment || (this.segment[mid]! === segment && this.offset[mid]! < offset);
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return this.base + lo;
  }

  /** Which frames' attribute filters allow every requirement: ok[id - base] is 1 for those. */
  allowing(required: readonly Requirement[]): { base: number; ok: Uint8Array } {
    const ok = new Uint8Array(this.count);
    for (let i = 0; i < this.count; i++) {
      const filter = this.arena.subarray(this.filterAt[i]!, this.filterAt[i]! + this.filterBytes[i]!);
      if (this.format[i]! <= 3 && mayMatch(filter, required)) ok[i] = 1;
    }
    return { base: this.base, ok };
  }

  get(id: number): (FrameLocation & { readonly format: number }) | undefined {
    const i = id - this.base;
    if (i < 0 || i >= this.count) return undefined;
    return { segment: this.segment[i]!, offset: this.offset[i]!, length: this.length[i]!, format: this.format[i]! };
  }

  /** Forgets the frames of segments up to `segment` (always the oldest); returns the first frame number kept. */
  dropSegmentsThrough(segment: number): number {
    let n = 0;
    while (n < this.count && this.segment[n]! <= segment) n++;
    this.segment.copyWithin(0, n, this.count);
    this.offset.copyWithin(0, n, this.count);
    this.length.copyWithin(0, n, this.count);
    this.format.copyWithin(0, n, this.count);
    this.filterAt.copyWithin(0, n, this.count);
    this.filterBytes.copyWithin(0, n, this.count);
    this.base += n;
    this.count -= n;
    // The dropped frames' filters are the oldest bytes of the arena; they are reclaimed when it next grows.
    this.arenaStart = this.count > 0 ? this.filterAt[0]! : this.arenaEnd;
    if (this.count < this.segment.length / 4 && this.segment.length > 1024) this.resize(Math.max(1024, this.count * 2));
    return this.base;
  }

  private resize(n: number): void {
    const grow = <T extends Int32Array | Float64Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a.subarray(0, this.count));
      return b;
    };
    this.segment = grow(this.segment, (k) => new Int32Array(k));
    this.offset = grow(this.offset, (k) => new Float64Array(k));
    this.length = grow(this.length, (k) => new Uint32Array(k));
    this.format = grow(this.format, (k) => new Uint8Array(k));
    this.filterAt = grow(this.filterAt, (k) => new Float64Array(k));
    this.filterBytes = grow(this.filterBytes, (k) => new Uint32Array(k));
  }
}

/** A decoded frame: spans or log records by trace id. */
type Decoded = { readonly spans: Map<TraceId, Span[]>; readonly size: number } | { readonly logs: Map<TraceId, LogRecord[]>; readonly size: number };

const text = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

function groupBy<T extends { traceId: string }>(items: readonly T[]): Map<TraceId, T[]> {
  const m = new Map<TraceId, T[]>();
  for (const it of items) {
    const list = m.get(it.traceId);
    if (list) list.push(it);
    else m.set(it.traceId, [it]);
  }
  return m;
}

function decodeFrame(format: number, body: Uint8Array): Decoded {
  switch (format) {
    case 1:
    case 2:
    case 3: {
      const spans = format === 1 ? decodeTraceRequest(body).spans : format === 2 ? decodeTraceRequestJson(text(body)).spans : decodeZipkinJson(text(body)).spans;
      return { spans: groupBy(spans), size: spans.length };
    }
    case 4:
    case 5: {
      const records = (format === 4 ? decodeLogsRequest(body) : decodeLogsRequestJson(text(body))).records.filter((r) => r.traceId !== '');
      return { logs: groupBy(records as (LogRecord & { traceId: string })[]), size: records.length };
    }
    default:
      throw new Error(`unknown body format ${format}`);
  }
}

/** A batch as the log writes it: its index part and its body (the wire bytes, or OTLP JSON when there are none). */
function toFrame(b: IngestBatch): FrameInput {
  switch (b.kind) {
    case 'scanned':
      return { type: FrameType.Spans, format: FORMAT_CODES[b.body.format], index: b.index, body: b.body.bytes };
    case 'spans':
      return {
        type: FrameType.Spans,
        format: FORMAT_CODES[b.body?.format ?? 'otlp-json'],
        index: encodeSpanIndex(b.spans),
        body: b.body?.bytes ?? Buffer.from(encodeTracesJson(b.spans)),
      };
    case 'logs':
      return {
        type: FrameType.Logs,
        format: FORMAT_CODES[b.body?.format ?? 'otlp-logs-json'],
        index: encodeLogIndex(b.records),
        body: b.body?.bytes ?? Buffer.from(encodeLogsJson(b.records)),
      };
  }
}

export class EmbeddedStore implements RowIndexedStore {
  private index = new SpanIndex();
  private frames = new FrameTable();
  private segmentLog: SegmentLog;
  private readonly ready: Promise<void>;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private readonly cache = new Map<number, Decoded>();
  private cachedSpans = 0;
  private decodes = 0;
  private problem: string | undefined;
  private opened = false;
  private readonly timer: NodeJS.Timeout;
  private retentionBytes: number;
  private readonly retentionMs: number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: EmbeddedStoreOptions = {}) {
    this.retentionBytes = options.retentionBytes ?? DEFAULT_RETENTION_BYTES;
    if (!options.dir) this.retentionBytes = Math.min(this.retentionBytes, MEMORY_RETENTION_BYTES);
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.log = options.log ?? (() => undefined);
    const segmentBytes = options.segmentBytes ?? Math.min(DEFAULT_SEGMENT_BYTES, Math.max(64 * 1024, Math.floor(this.retentionBytes / 16)));
    this.segmentLog = options.dir ? new FileSegmentLog(options.dir, segmentBytes) : new MemorySegmentLog(segmentBytes);
    this.ready = this.open(segmentBytes);
    this.timer = setInterval(() => void this.retain(), RETENTION_CHECK_MS);
    this.timer.unref();
  }

  /** Resolves once the store has opened (after recovering a crash, if there was one). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  get isReady(): boolean {
    return this.opened;
  }

  /** Why the store is not where it was asked to be (e.g. the folder is locked), or undefined. */
  get warning(): string | undefined {
    return this.problem;
  }

  private async open(segmentBytes: number): Promise<void> {
    const started = performance.now();
    try {
      const recovered = await this.segmentLog.open();
      for (const note of recovered.notes) this.log(`trace store: ${note}`);
      const touched = new Set<number>();
      for (const f of recovered.frames) this.addFrame(f, touched);
      if (this.options.dir) {
        this.log(
          `trace store: opened ${this.options.dir} with ${this.index.spanTotal} spans in ${this.index.traceTotal} traces (${Math.round(performance.now() - started)} ms)`,
        );
      }
    } catch (e) {
      this.problem = `${e instanceof Error ? e.message : String(e)}; traces are kept in memory only until this is fixed`;
      this.log(`trace store: ${this.problem}`);
      await this.segmentLog.close().catch(() => undefined);
      this.segmentLog = new MemorySegmentLog(segmentBytes);
      this.retentionBytes = Math.min(this.retentionBytes, MEMORY_RETENTION_BYTES);
      await this.segmentLog.open();
    }
    this.opened = true;
  }

  /** Store operations that change the log run one at a time, in order. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(() => this.ready).then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private addFrame(f: FrameRef, touched: Set<number>): void {
    const header = readIndexHeader(f.index);
    this.index.addFrame(this.frames.add(f, header.filter), f.index, header, touched);
  }

  append(batches: readonly IngestBatch[]): Promise<void> {
    return this.serial(async () => {
      const frames = batches.map(toFrame);
      let refs: FrameRef[];
      try {
        refs = await this.segmentLog.append(frames);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        this.log(`trace store: a write failed: ${why}`);
        throw new StoreWriteError(
          `the trace store could not write to ${this.segmentLog.location} (${why}); free some disk space, or lower the store's size limit (tracelens.store.retentionSizeMiB, --retention-size)`,
        );
      }
      const touched = new Set<number>();
      for (const ref of refs) this.addFrame(ref, touched);
      this.emit({ traceIds: new Set([...touched].map((t) => this.index.traceId(t))), cleared: false });
      if (this.overRetention()) void this.retain();
    });
  }

  private overRetention(): boolean {
    const segments = this.segmentLog.segments();
    if (segments.length < 2) return false;
    let bytes = 0;
    for (const s of segments) bytes += s.bytes;
    return bytes > this.retentionBytes || segments[0]!.writtenAt < Date.now() - this.retentionMs;
  }

  /** Applies retention now (it also runs after appends that cross the size limit, and every minute). */
  retain(): Promise<void> {
    return this.serial(() => this.enforceRetention());
  }

  /** Drops the oldest segments while the store is over its size or age limit (never the segment being written). */
  private async enforceRetention(): Promise<void> {
    while (this.overRetention()) {
      const dropped = await this.segmentLog.dropOldest();
      if (dropped === undefined) return;
      const first = this.frames.dropSegmentsThrough(dropped);
      this.index.dropRecordsBefore(first);
      for (const id of [...this.cache.keys()]) if (id < first) this.uncache(id);
    }
  }

  private uncache(id: number): void {
    const d = this.cache.get(id);
    if (!d) return;
    this.cache.delete(id);
    this.cachedSpans -= d.size;
  }

  private async decoded(id: number): Promise<Decoded | undefined> {
    const hit = this.cache.get(id);
    if (hit) {
      this.cache.delete(id); // most recently used last
      this.cache.set(id, hit);
      return hit;
    }
    const ref = this.frames.get(id);
    if (!ref) return undefined;
    let d: Decoded;
    this.decodes++;
    try {
      d = decodeFrame(ref.format, await this.segmentLog.readBody(ref));
    } catch (e) {
      this.log(`trace store: frame ${id} (segment ${ref.segment}, byte ${ref.offset}) could not be read: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
    this.cache.set(id, d);
    this.cachedSpans += d.size;
    for (const old of this.cache.keys()) {
      if (this.cachedSpans <= CACHE_SPANS || old === id) break;
      this.uncache(old);
    }
    return d;
  }

  private async spansOfSlot(t: number, traceId: TraceId): Promise<Span[]> {
    const seen = new Set<string>();
    const out: Span[] = [];
    for (const id of this.index.recordsOf(t, 'spans')) {
      const d = await this.decoded(id);
      if (!d || !('spans' in d)) continue;
      for (const s of d.spans.get(traceId) ?? []) {
        if (seen.has(s.spanId)) continue; // an exporter's retry
        seen.add(s.spanId);
        out.push(s);
      }
    }
    return out.sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0));
  }

  async getTrace(traceId: TraceId): Promise<readonly Span[] | undefined> {
    await this.ready;
    const t = this.index.find(traceId);
    if (t < 0 || !this.index.hasSpans(t)) return undefined;
    const spans = await this.spansOfSlot(t, traceId);
    return spans.length > 0 ? spans : undefined;
  }

  async getLogs(traceId: TraceId): Promise<readonly LogRecord[]> {
    await this.ready;
    const t = this.index.find(traceId);
    if (t < 0) return [];
    const out: LogRecord[] = [];
    for (const id of this.index.recordsOf(t, 'logs')) {
      const d = await this.decoded(id);
      if (d && 'logs' in d) for (const r of d.logs.get(traceId) ?? []) out.push(r);
    }
    const time = (r: LogRecord): bigint => (r.timeUnixNano !== 0n ? r.timeUnixNano : r.observedTimeUnixNano);
    return out.sort((a, b) => (time(a) < time(b) ? -1 : time(a) > time(b) ? 1 : 0));
  }

  async findTraces(q: TraceQuery): Promise<TraceSummary[]> {
    await this.ready;
    const limit = queryLimit(q);
    const rows: { -readonly [K in keyof RowQuery]: RowQuery[K] } = {};
    if (q.service !== undefined) {
      rows.service = this.index.serviceId(q.service);
      if (rows.service === undefined) return [];
    }
    if (q.operation !== undefined) {
      rows.name = this.index.nameId(q.operation.slice(0, MAX_INDEXED_NAME));
      if (rows.name === undefined) return [];
    }
    if (q.spanKind !== undefined) rows.kind = q.spanKind;
    if (q.errorsOnly) rows.errorsOnly = true;
    if (q.minDurationNanos !== undefined) rows.minDuration = Number(q.minDurationNanos);
    if (q.maxDurationNanos !== undefined) rows.maxDuration = Number(q.maxDurationNanos);
    // Start times compare as doubles: exact to about 256 ns, which a search window does not need to beat.
    if (q.startFromNanos !== undefined) rows.startFrom = Number(q.startFromNanos);
    if (q.startToNanos !== undefined) rows.startTo = Number(q.startToNanos);
    // Only rows of frames whose attribute filter allows the attributes can match: the others are never decoded.
    const required = requirements(q.attributes ?? []);
    if (required.length > 0) {
      rows.frames = this.frames.allowing(required);
      if (!rows.frames.ok.includes(1)) return [];
    }
    const candidates = this.index.search(rows);
    // Attributes, and names too long for the index, are checked on the decoded spans.
    const exact = (q.attributes?.length ?? 0) > 0 || (q.operation?.length ?? 0) > MAX_INDEXED_NAME;
    const out: TraceSummary[] = [];
    for (const t of candidates) {
      if (out.length >= limit) break;
      if (exact && !(await this.anySpanMatches(t, q, rows.frames))) continue;
      out.push(this.index.summary(t));
    }
    return out;
  }

  /**
   * Whether a span of trace slot `t` meets every condition of `q`. A matching span sits in a frame whose attribute
   * filter allows the query (`allowed`): only those frames are decoded, not every frame the trace touches.
   */
  private async anySpanMatches(t: number, q: TraceQuery, allowed: { readonly base: number; readonly ok: Uint8Array } | undefined): Promise<boolean> {
    const traceId = this.index.traceId(t);
    for (const id of this.index.recordsOf(t, 'spans')) {
      if (allowed && allowed.ok[id - allowed.base] !== 1) continue;
      const d = await this.decoded(id);
      if (!d || !('spans' in d)) continue;
      if ((d.spans.get(traceId) ?? []).some((s) => spanMatches(s, q))) return true;
    }
    return false;
  }

  async services(): Promise<string[]> {
    await this.ready;
    return [...new Set(this.index.operations().map((o) => o.service))].sort();
  }

  async operations(service?: string): Promise<OperationInfo[]> {
    await this.ready;
    if (service === undefined) return this.index.operations().map((o) => ({ service: o.service, name: o.name, spanKind: o.kind }));
    const id = this.index.serviceId(service);
    if (id === undefined) return [];
    return this.index.operations(id).map((o) => ({ service: o.service, name: o.name, spanKind: o.kind }));
  }

  async dependencies(fromNanos: bigint, toNanos: bigint): Promise<DependencyLink[]> {
    await this.ready;
    return this.index.dependencies(Number(fromNanos), Number(toNanos));
  }

  async edgeTraces(parent: string, child: string, fromNanos: bigint, toNanos: bigint, limit: number): Promise<TraceSummary[]> {
    await this.ready;
    const p = this.index.serviceId(parent);
    const c = this.index.serviceId(child);
    if (p === undefined || c === undefined) return [];
    const out: TraceSummary[] = [];
    for (const t of this.index.edgeTraces(p, c, Number(fromNanos), Number(toNanos))) {
      if (out.length >= limit) break;
      out.push(this.index.summary(t));
    }
    return out;
  }

  stats(): StoreStats {
    let bytes = 0;
    for (const s of this.segmentLog.segments()) bytes += s.bytes;
    return {
      spanCount: this.index.spanTotal,
      traceCount: this.index.traceTotal,
      logCount: this.index.logTotal,
      evictedSpans: this.index.evictedSpans,
      diskBytes: this.segmentLog.location === 'memory' ? 0 : bytes,
      location: this.segmentLog.location,
    };
  }

  /**
   * Read-only: visits up to `max` span index rows from row `from` on, without decoding (the code-lens statistics
   * read per-span numbers here); returns the row to continue from. Names and trace ids are read with indexNames and
   * traceIdOfSlot during the visit (a slot is reused once retention drops its trace). Rows restart at 0 after clear.
   */
  readRows(from: number, max: number, visit: (row: Readonly<RowView>) => void): number {
    return this.index.readRows(from, max, visit);
  }

  /** Read-only: the span rows of trace slot `slot` (a RowView's slot) in arrival order, from the index alone. */
  readTraceRows(slot: number, visit: (row: Readonly<TraceRowView>) => void): number {
    return this.index.readTraceRows(slot, visit);
  }

  /** The next span row number (see readRows). */
  get rowEnd(): number {
    return this.index.rowEnd;
  }

  /** Interned service and span names by the ids readRows gives. */
  indexNames(): { readonly services: readonly string[]; readonly spans: readonly string[] } {
    return { services: this.index.serviceNames, spans: this.index.spanNames };
  }

  traceIdOfSlot(slot: number): string {
    return this.index.traceId(slot);
  }

  /**
   * The log as it was received, from a position on (the forwarder reads it): up to `max` frames with their bodies,
   * in order. `skipped` is true when retention dropped frames between the position and the first one returned.
   */
  async readLog(from: LogPosition, max: number): Promise<{ readonly frames: LogFrame[]; readonly skipped: boolean }> {
    await this.ready;
    const first = this.frames.firstAtOrAfter(from.segment, from.offset);
    const oldest = this.frames.get(this.frames.base);
    const skipped = oldest !== undefined && (oldest.segment > from.segment || (oldest.segment === from.segment && oldest.offset > from.offset)) && !(from.segment === 0 && from.offset === 0);
    const frames: LogFrame[] = [];
    for (let id = first; id < this.frames.next && frames.length < max; id++) {
      const ref = this.frames.get(id);
      if (!ref) break;
      const body = await this.segmentLog.readBody(ref).catch(() => undefined);
      if (!body) continue; // dropped by retention meanwhile
      frames.push({ position: { segment: ref.segment, offset: ref.offset }, next: { segment: ref.segment, offset: ref.offset + ref.length }, format: FORMAT_NAMES[ref.format]!, body });
    }
    return { frames, skipped };
  }

  /** The position after the last frame written: where a reader that starts now begins. */
  get logEnd(): LogPosition {
    const last = this.frames.get(this.frames.next - 1);
    if (last) return { segment: last.segment, offset: last.offset + last.length };
    const segments = this.segmentLog.segments();
    return { segment: segments.at(-1)?.segment ?? 0, offset: segments.at(-1)?.bytes ?? 0 };
  }

  /** Bytes of the log from a position to its end (a reader's backlog). */
  logBytesAfter(from: LogPosition): number {
    let bytes = 0;
    for (const s of this.segmentLog.segments()) {
      if (s.segment > from.segment) bytes += s.bytes;
      else if (s.segment === from.segment) bytes += Math.max(0, s.bytes - from.offset);
    }
    return bytes;
  }

  /** Frames read from the log and decoded since the store opened (searches and trace reads; not cache hits). */
  get framesDecoded(): number {
    return this.decodes;
  }

  /** Approximate bytes of the in-memory indexes. */
  indexBytes(): number {
    return this.index.memoryBytes();
  }

  clear(): Promise<void> {
    return this.serial(async () => {
      await this.segmentLog.clear();
      this.index = new SpanIndex();
      this.frames = new FrameTable();
      this.cache.clear();
      this.cachedSpans = 0;
      this.emit({ traceIds: new Set(), cleared: true });
    });
  }

  onDidChange(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: StoreChange): void {
    for (const l of this.listeners) l(change);
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    return this.serial(() => this.segmentLog.close());
  }
}
