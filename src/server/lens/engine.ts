// The lens engine: live per-location statistics for code lenses, hovers, diagnostics and TraceLens's location
// requests, kept cheap.
//
// Why this design: decoding every span to correlate it would cost far more than ingest itself (the store does not
// even decode OTLP protobuf at ingest). So correlation runs per operation (service, span name, kind) on a few decoded
// exemplar spans (the first spans of a new operation, one more every EXEMPLAR_EVERY_MS, and some failing spans for
// their error messages), at most EXEMPLARS_PER_TICK decodes per tick; the numbers of every span (count, errors,
// duration, end time) come from the store's index rows (RowIndexedStore.readRows), read from a cursor. An operation's
// statistics exist before it maps anywhere, so when correlation finds (or changes) its location the lens has the
// whole window at once. The cost: spans of one operation that run different code share the exemplars' location.
// Summaries per location are precomputed when their operations change (and every minute, as the window slides), so a
// code-lens request only reads them.
import { SpanStatusCode } from '@opentelemetry/api';
import type { SourceCandidate, SourceMaps } from '../../core/correlate';
import { correlateSpan, createSourceMaps } from '../../core/correlate';
import type { LogRecord, Span } from '../../core/model';
import { attr } from '../../core/model';
import { truncate } from '../../core/display';
import type { SlowSpan, WindowSummary } from '../../core/lensStats';
import { BUCKET_MS, OperationStats, summarize } from '../../core/lensStats';
import type { RowIndexedStore } from '../../core/store/store';
import { spanHash } from '../../core/store/indexPart';
import type { RowView } from '../../core/store/spanIndex';
import { summarizeTrace } from '../../core/trace';
import { toWireSummary } from '../../core/wire';
import type { FileHeatResult, LensSettings, LocationSpan, LocationSpansResult, WireSourceCandidate } from '../../protocol/messages';
import { pathToUri, Workspace } from './workspace';
import type { LocationFinding } from './findings';
import { LocationFindings } from './findings';

export const DEFAULT_LENS_SETTINGS: LensSettings = {
  enabled: true,
  windowMinutes: 15,
  diagnostics: { enabled: false, errorRate: 0.05, p95Millis: 1000 },
  pathMappings: [],
};

/** Rows read per slice while catching up with a full store (then the event loop answers requests). */
const ROWS_PER_SLICE = 25_000;
const EXEMPLARS_PER_TICK = 8;
const EXEMPLAR_QUEUE = 4096;
/** Exemplars an operation keeps for correlation (re-run when the workspace text changes). */
const EXEMPLARS_KEPT = 4;
const EXEMPLAR_EVERY_MS = 30_000;
/** Failing spans decoded per operation and minute for their messages. */
const ERROR_SAMPLES_PER_MINUTE = 5;
/**
 * Operations tracked at most: a sender with a new span name per span (ids in names) must not grow memory without
 * bound (each operation keeps a sketch per minute it ran in).
 */
const MAX_OPERATIONS = 5_000;
/** Below this confidence a candidate does not get a lens. */
const MIN_CONFIDENCE = 0.3;
const RECOMPUTE_DEBOUNCE_MS = 10;
const CORRELATE_DEBOUNCE_MS = 100;
/** Operations placed again before yielding to the event loop. */
const LOCATE_PER_SLICE = 16;

interface Exemplar {
  readonly op: Operation;
  readonly traceId: string;
  readonly spanHash: number;
  readonly endMs: number;
  readonly forErrors: boolean;
  readonly forLocation: boolean;
}

interface Location {
  readonly path: string;
  /** 1-based line the lens sits on (the enclosing function's first line, or the candidate's line). */
  readonly line: number;
  readonly functionName?: string;
}

interface Operation {
  readonly key: number;
  readonly service: string;
  readonly name: string;
  readonly kind: number;
  readonly stats: OperationStats;
  readonly exemplars: Span[];
  lastExemplarMs: number;
  pending: number;
  errorSamples: Map<number, number>;
  location?: Location;
}

/** One location's lens: the operations that map to it and their merged summary. */
export interface LocationLens {
  readonly path: string;
  readonly line: number;
  readonly functionName?: string;
  readonly operations: readonly { readonly service: string; readonly name: string }[];
  readonly summary: WindowSummary;
}

const locationKey = (path: string, line: number): string => `${line}\u0000${path}`;

export class LensEngine {
  readonly workspace: Workspace;
  private settingsValue: LensSettings = DEFAULT_LENS_SETTINGS;
  private readonly ops = new Map<number, Operation>();
  /** The same operations by "service\0name\0kind" (hotspot rows ask for their locations by name). */
  private readonly opsByName = new Map<string, Operation>();
  private cursor = 0;
  private catchingUp = false;
  private readonly queue: Exemplar[] = [];
  private draining = false;
  /** path -> line -> lens, for the current settings' window. */
  private byFile = new Map<string, Map<number, LocationLens>>();
  /** Location key -> its operations. */
  private readonly opsAt = new Map<string, Operation[]>();
  private readonly dirty = new Set<string>();
  /** Operations with new rows since the last recompute (their locations are recomputed). */
  private readonly dirtyOps = new Set<Operation>();
  private sourceMaps: SourceMaps | undefined;
  private recomputeTimer: NodeJS.Timeout | undefined;
  private correlateTimer: NodeJS.Timeout | undefined;
  /** Files changed since the last correlation pass; undefined in the set: everything. */
  private readonly changedFiles = new Set<string | undefined>();
  private readonly minuteTimer: NodeJS.Timeout;
  private generationValue = 0;
  private readonly listeners = new Set<(changedPaths: ReadonlySet<string> | 'all') => void>();
  private changedPaths = new Set<string>();
  private allChanged = false;
  private readonly unsubscribe: () => void;
  private readonly unwatchWorkspace: () => void;
  private disposed = false;
  private tooMany = false;
  /** Findings of the analyses at each location (its slowest and failing traces), for lenses, hovers, diagnostics. */
  private readonly findings: LocationFindings;

  constructor(
    private readonly store: RowIndexedStore,
    private readonly log: (line: string) => void,
    baggagePrefix = 'baggage.',
  ) {
    this.workspace = new Workspace(log);
    this.findings = new LocationFindings(
      (id) => this.store.getTrace(id),
      () => ({ nowMs: Date.now(), baggagePrefix }),
      (key) => {
        this.generationValue++;
        const path = key.slice(key.indexOf('\u0000') + 1);
        for (const l of this.listeners) l(new Set([path]));
      },
      log,
    );
    this.unsubscribe = store.onDidChange((change) => {
      if (change.cleared) this.reset();
      this.findings.tracesChanged(change.traceIds);
      this.catchUp();
    });
    this.unwatchWorkspace = this.workspace.onDidChange((path) => {
      this.sourceMaps = undefined; // maps may have changed with the files
      this.scheduleCorrelate(path);
    });
    // The window slides every minute: every summary is recomputed then.
    this.minuteTimer = setInterval(() => this.recomputeAll(), BUCKET_MS);
    this.minuteTimer.unref();
    void store.whenReady().then(() => this.catchUp());
  }

  get settings(): LensSettings {
    return this.settingsValue;
  }

  /** Bumped whenever any lens changes (attached clients poll it to know when to refresh). */
  get generation(): number {
    return this.generationValue;
  }

  /** True while rows already stored are still being read (a full store at startup). */
  get busy(): boolean {
    return this.catchingUp || this.cursor < this.store.rowEnd || this.queue.length > 0;
  }

  configure(settings: Partial<LensSettings> | undefined): void {
    if (!settings) return;
    const d = settings.diagnostics;
    const folder = this.workspace.folders[0];
    const before = this.settingsValue.windowMinutes;
    this.settingsValue = {
      enabled: settings.enabled ?? this.settingsValue.enabled,
      windowMinutes: settings.windowMinutes && settings.windowMinutes > 0 ? settings.windowMinutes : this.settingsValue.windowMinutes,
      diagnostics: { ...this.settingsValue.diagnostics, ...(d ?? {}) },
      // '${workspaceFolder}' in a mapping's target is the first workspace folder.
      pathMappings: (settings.pathMappings ?? this.settingsValue.pathMappings).map((m) => ({
        from: m.from,
        to: folder !== undefined ? m.to.split('${workspaceFolder}').join(folder) : m.to,
      })),
    };
    if (this.settingsValue.windowMinutes > before) {
      // Rows older than the old windows were not kept: read the store again for the wider one.
      this.reset();
      this.catchUp();
    }
    this.scheduleCorrelate(undefined);
  }

  /** Called with the paths whose lenses changed (or 'all'), debounced. Returns the unsubscribe function. */
  onDidChange(listener: (changedPaths: ReadonlySet<string> | 'all') => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    this.disposed = true;
    this.findings.dispose();
    this.unsubscribe();
    this.unwatchWorkspace();
    clearInterval(this.minuteTimer);
    if (this.recomputeTimer) clearTimeout(this.recomputeTimer);
    if (this.correlateTimer) clearTimeout(this.correlateTimer);
    this.listeners.clear();
  }

  /** The lenses of a file, by line (precomputed: this only reads). */
  lensesOf(path: string): readonly LocationLens[] {
    const lines = this.byFile.get(path);
    return lines ? [...lines.values()] : [];
  }

  lensAt(path: string, line: number): LocationLens | undefined {
    return this.byFile.get(path)?.get(line);
  }

  /** The lens of a line, or of the function around it. */
  lensNear(path: string, line: number): LocationLens | undefined {
    const exact = this.lensAt(path, line);
    if (exact) return exact;
    const fn = this.enclosing(path, line);
    return fn ? this.lensAt(path, fn.startLine) : undefined;
  }

  /** The analyses' findings at a lens's line (its window's slowest and latest failing traces), most severe first. */
  findingsAt(path: string, line: number): readonly LocationFinding[] {
    return this.findings.at(locationKey(path, line));
  }

  /** Hot and failing lines of a file under the diagnostics thresholds (whether or not diagnostics are on), and the
   * lines whose code the analyses found a problem in (warnings and errors). */
  fileHeat(path: string): FileHeatResult {
    const { errorRate, p95Millis } = this.settingsValue.diagnostics;
    const lines: FileHeatResult['lines'][number][] = [];
    for (const lens of this.lensesOf(path)) {
      const s = lens.summary;
      if (s.count === 0) continue;
      const rate = s.errors / s.count;
      const what = truncate(lens.functionName ?? lens.operations[0]?.name ?? 'this code', 120); // span text: one short line
      if (rate >= errorRate && s.errors > 0) {
        lines.push({ line: lens.line, kind: 'failing', message: `${what}: ${(rate * 100).toFixed(1)}% of ${s.count} calls failed in the last ${this.settingsValue.windowMinutes} min` });
      } else if (s.p95 !== undefined && s.p95 / 1e6 >= p95Millis) {
        lines.push({ line: lens.line, kind: 'hot', message: `${what}: p95 ${Math.round(s.p95 / 1e6)} ms over ${s.count} calls in the last ${this.settingsValue.windowMinutes} min (threshold ${p95Millis} ms)` });
      }
      for (const f of this.findingsAt(lens.path, lens.line)) {
        if (f.severity === 'info') continue;
        lines.push({ line: lens.line, kind: 'finding', message: `${truncate(f.title, 200)} (in ${f.traces} of ${f.examined} recent traces)` });
      }
    }
    return { lines: lines.sort((a, b) => a.line - b.line) };
  }

  /** The spans that ran the code at a location (a line inside a function means the function), slowest first. */
  async locationSpans(path: string, line: number, limit = 20): Promise<LocationSpansResult> {
    const lens = this.lensNear(path, line);
    if (!lens) return { spans: [] };
    const ops = this.opsAt.get(locationKey(lens.path, lens.line)) ?? [];
    const summary = summarize(
      ops.map((o) => o.stats),
      Date.now(),
      this.settingsValue.windowMinutes,
      Math.max(1, Math.min(limit, 200)),
    );
    const spans: LocationSpan[] = [];
    for (const slow of summary.slowest) {
      const found = await this.resolve(slow);
      if (!found) continue;
      const trace = summarizeTrace(found.trace);
      if (!trace) continue;
      spans.push({
        trace: toWireSummary(trace),
        spanId: found.span.spanId,
        spanName: found.span.name,
        service: serviceOf(found.span),
        durationNanos: String(found.span.endTimeUnixNano - found.span.startTimeUnixNano),
        error: found.span.status.code === SpanStatusCode.ERROR,
      });
    }
    return { location: { uri: pathToUri(lens.path), line: lens.line, ...(lens.functionName ? { functionName: lens.functionName } : {}) }, spans };
  }

  /** The span id (hex) of a slow span: its trace is decoded once (cached). */
  async spanIdOf(slow: SlowSpan): Promise<string | undefined> {
    return (await this.resolve(slow))?.span.spanId;
  }

  /** Source candidates of one span, best first. */
  async spanSource(traceId: string, spanId: string): Promise<WireSourceCandidate[]> {
    const spans = await this.store.getTrace(traceId);
    const span = spans?.find((s) => s.spanId === spanId);
    if (!span) return [];
    const logs = (await this.store.getLogs(traceId)).filter((r) => r.spanId === spanId);
    return this.candidates(span, logs)
      .filter((c) => isAbsolutePath(c.path))
      .map((c) => ({
        uri: pathToUri(c.path),
        line: c.line,
        ...(c.column !== undefined ? { column: c.column } : {}),
        ...(c.functionName !== undefined ? { functionName: c.functionName } : {}),
        confidence: c.confidence,
        inWorkspace: c.inWorkspace,
        evidence: c.evidence.map((e) => ({ kind: e.kind, detail: e.detail })),
      }));
  }

  /** Where a span's code is, for an analysis finding: the best candidate in the workspace, else the best absolute one. */
  bestSource(span: Span, logs: readonly LogRecord[]): { readonly path: string; readonly line: number } | undefined {
    const candidates = this.candidates(span, logs).filter((c) => isAbsolutePath(c.path) && c.confidence >= MIN_CONFIDENCE);
    const best = candidates.find((c) => c.inWorkspace) ?? candidates[0];
    return best ? { path: best.path, line: best.line } : undefined;
  }

  /** The location the lens of an operation sits at (its function's first line), when correlation placed it. */
  operationLocation(service: string, name: string, kind: number): { readonly path: string; readonly line: number } | undefined {
    const at = this.opsByName.get(`${service}\u0000${name}\u0000${kind}`)?.location;
    return at ? { path: at.path, line: at.line } : undefined;
  }

  enclosing(path: string, line: number): { name?: string; startLine: number; endLine: number } | undefined {
    try {
      return this.workspace.sourceIndex.enclosingFunction(path, line);
    } catch {
      return undefined;
    }
  }

  // ---- statistics from index rows ----

  private reset(): void {
    this.cursor = 0;
    this.findings.clear();
    this.ops.clear();
    this.opsByName.clear();
    this.queue.length = 0;
    this.dirtyOps.clear();
    this.tooMany = false;
    this.opsAt.clear();
    this.byFile = new Map();
    this.allChanged = true;
    this.scheduleRecompute();
  }

  /** Reads the rows stored since the cursor: in slices, yielding between them, until none are left. */
  private catchUp(): void {
    if (this.catchingUp || this.disposed || !this.store.isReady) return;
    this.catchingUp = true;
    const slice = (): void => {
      if (this.disposed) return;
      const now = Date.now();
      const horizon = now - 2 * this.settingsValue.windowMinutes * BUCKET_MS - BUCKET_MS;
      const recent = now - this.settingsValue.windowMinutes * BUCKET_MS - BUCKET_MS;
      const names = this.store.indexNames();
      this.cursor = this.store.readRows(this.cursor, ROWS_PER_SLICE, (r) => this.addRow(r, names, horizon, recent));
      this.pumpExemplars();
      this.scheduleRecompute();
      if (this.cursor < this.store.rowEnd) setImmediate(slice);
      else this.catchingUp = false;
    };
    slice();
  }

  private addRow(r: Readonly<RowView>, names: { readonly services: readonly string[]; readonly spans: readonly string[] }, horizon: number, recent: number): void {
    const key = (r.name * 65536 + r.service) * 8 + r.kind;
    let op = this.ops.get(key);
    if (!op) {
      if (this.ops.size >= MAX_OPERATIONS) {
        if (!this.tooMany) this.log(`lens: more than ${MAX_OPERATIONS} operations (service, span name, kind); the others get no lenses (span names with ids in them?)`);
        this.tooMany = true;
        return;
      }
      op = { key, service: names.services[r.service]!, name: names.spans[r.name]!, kind: r.kind, stats: new OperationStats(), exemplars: [], lastExemplarMs: 0, pending: 0, errorSamples: new Map() };
      this.ops.set(key, op);
      this.opsByName.set(`${op.service}\u0000${op.name}\u0000${op.kind}`, op);
    }
    const endMs = (r.startNanos + r.durationNanos) / 1e6;
    if (endMs < horizon) {
      // Too old for either window: only "last seen" and the first exemplars (so the lens can say when it ran).
      if (endMs > op.stats.lastSeenMs) op.stats.lastSeenMs = endMs;
      if (op.exemplars.length + op.pending === 0) this.enqueue(op, r, endMs, false, true);
      return;
    }
    if (op.stats.record(endMs, r.durationNanos, r.error)) {
      op.stats.keepSlow({ traceId: this.store.traceIdOfSlot(r.slot), spanHash: r.spanHash, durationNanos: r.durationNanos, endMs, error: r.error });
    }
    if (r.error) op.stats.keepFailing({ traceId: this.store.traceIdOfSlot(r.slot), spanHash: r.spanHash, durationNanos: r.durationNanos, endMs, error: true });
    this.dirtyOps.add(op);
    const needLocation = op.exemplars.length + op.pending < 2 || (op.exemplars.length + op.pending < EXEMPLARS_KEPT + 1 && endMs - op.lastExemplarMs > EXEMPLAR_EVERY_MS);
    let forErrors = false;
    // Failing spans are decoded for their messages only in the recent window (the hover shows those), and only while
    // the queue has room for location exemplars: a store full of failures costs a bounded number of decodes.
    if (r.error && endMs >= recent && this.queue.length < EXEMPLAR_QUEUE / 2) {
      const minute = Math.floor(endMs / BUCKET_MS);
      const n = op.errorSamples.get(minute) ?? 0;
      if (n < ERROR_SAMPLES_PER_MINUTE) {
        op.errorSamples.set(minute, n + 1);
        if (op.errorSamples.size > 64) op.errorSamples.delete(op.errorSamples.keys().next().value!);
        forErrors = true;
      }
    }
    if (needLocation || forErrors) this.enqueue(op, r, endMs, forErrors, needLocation);
  }

  private enqueue(op: Operation, r: Readonly<RowView>, endMs: number, forErrors: boolean, forLocation: boolean): void {
    if (this.queue.length >= EXEMPLAR_QUEUE) return;
    if (forLocation) {
      op.pending++;
      op.lastExemplarMs = endMs;
    }
    this.queue.push({ op, traceId: this.store.traceIdOfSlot(r.slot), spanHash: r.spanHash, endMs, forErrors, forLocation });
  }

  /** Decodes queued exemplars, a few per tick, and correlates their operations. */
  private pumpExemplars(): void {
    if (this.draining || this.queue.length === 0) return;
    this.draining = true;
    const step = async (): Promise<void> => {
      const batch = this.queue.splice(0, EXEMPLARS_PER_TICK);
      const relocate = new Set<Operation>();
      for (const ex of batch) {
        if (this.ops.get(ex.op.key) !== ex.op) continue; // the statistics were reset meanwhile
        if (ex.forLocation) ex.op.pending--;
        const spans = await this.store.getTrace(ex.traceId).catch(() => undefined);
        const span = spans?.find((s) => spanHash(s.spanId) === ex.spanHash);
        if (!span) continue;
        if (ex.forErrors) ex.op.stats.noteError(ex.endMs, errorMessage(span));
        if (ex.forLocation) {
          ex.op.exemplars.push(span);
          if (ex.op.exemplars.length > EXEMPLARS_KEPT) ex.op.exemplars.shift();
          relocate.add(ex.op);
        }
        if (ex.op.location) this.dirty.add(locationKey(ex.op.location.path, ex.op.location.line));
      }
      for (const op of relocate) await this.locate(op);
      this.scheduleRecompute();
    };
    const loop = (): void => {
      if (this.disposed || this.queue.length === 0) {
        this.draining = false;
        return;
      }
      step().then(
        () => setImmediate(loop),
        (e: unknown) => {
          this.log(`lens: ${e instanceof Error ? e.message : String(e)}`);
          setImmediate(loop);
        },
      );
    };
    loop();
  }

  // ---- correlation ----

  private candidates(span: Span, logs: readonly LogRecord[]): SourceCandidate[] {
    const index = this.workspace.sourceIndex;
    this.sourceMaps ??= createSourceMaps((p) => this.workspace.readText(p));
    const options = { pathMappings: this.settingsValue.pathMappings, sourceMaps: this.sourceMaps };
    try {
      return correlateSpan({ span, resource: span.resource, logs }, index, options);
    } catch (e) {
      this.log(`lens: correlation failed for span ${span.spanId}: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    }
  }

  /** The operation's location: the candidate its exemplars agree on most (summed confidence), in the workspace. */
  private async locate(op: Operation): Promise<void> {
    const votes = new Map<string, { path: string; line: number; functionName?: string; score: number }>();
    for (const span of op.exemplars) {
      const logs = span.status.code === SpanStatusCode.ERROR ? (await this.store.getLogs(span.traceId)).filter((r) => r.spanId === span.spanId) : [];
      const best = this.candidates(span, logs).find((c) => c.inWorkspace && c.confidence >= MIN_CONFIDENCE && isAbsolutePath(c.path));
      if (!best) continue;
      const fn = this.enclosing(best.path, best.line);
      const line = fn?.startLine ?? best.line;
      const key = locationKey(best.path, line);
      const v = votes.get(key) ?? { path: best.path, line, functionName: fn?.name ?? best.functionName, score: 0 };
      v.score += best.confidence;
      votes.set(key, v);
    }
    let winner: { path: string; line: number; functionName?: string; score: number } | undefined;
    for (const v of votes.values()) if (!winner || v.score > winner.score) winner = v;
    this.moveOperation(op, winner ? { path: winner.path, line: winner.line, ...(winner.functionName ? { functionName: winner.functionName } : {}) } : undefined);
  }

  private moveOperation(op: Operation, to: Location | undefined): void {
    if (this.ops.get(op.key) !== op) return; // reset meanwhile
    const from = op.location;
    if (from?.path === to?.path && from?.line === to?.line && from?.functionName === to?.functionName) return;
    if (from) {
      const key = locationKey(from.path, from.line);
      const list = (this.opsAt.get(key) ?? []).filter((o) => o !== op);
      if (list.length > 0) this.opsAt.set(key, list);
      else this.opsAt.delete(key);
      this.dirty.add(key);
    }
    op.location = to;
    if (to) {
      const key = locationKey(to.path, to.line);
      const list = this.opsAt.get(key) ?? [];
      list.push(op);
      this.opsAt.set(key, list);
      this.dirty.add(key);
    }
  }

  /**
   * The workspace text changed (or the settings): operations are placed again from their kept exemplars. After an
   * edit of one file, only the operations placed in it and those placed nowhere (an edit elsewhere leaves a location
   * where it is; typing must not re-correlate everything); after a walk or a settings change, all of them.
   */
  private scheduleCorrelate(path?: string): void {
    this.changedFiles.add(path);
    if (this.correlateTimer) return;
    this.correlateTimer = setTimeout(() => {
      this.correlateTimer = undefined;
      const files = new Set(this.changedFiles);
      this.changedFiles.clear();
      const all = files.has(undefined);
      void (async () => {
        let placed = 0;
        for (const op of [...this.ops.values()]) {
          if (op.exemplars.length === 0) continue;
          if (!all && op.location && !files.has(op.location.path)) continue;
          await this.locate(op);
          // Requests are answered between slices of operations.
          if (++placed % LOCATE_PER_SLICE === 0) await new Promise((r) => setImmediate(r));
        }
        this.allChanged = true;
        this.scheduleRecompute();
      })().catch((e: unknown) => this.log(`lens: ${e instanceof Error ? e.message : String(e)}`));
    }, CORRELATE_DEBOUNCE_MS);
    this.correlateTimer.unref();
  }

  // ---- precomputed summaries ----

  private scheduleRecompute(): void {
    if (this.recomputeTimer || (this.dirty.size === 0 && this.dirtyOps.size === 0 && !this.allChanged)) return;
    this.recomputeTimer = setTimeout(() => {
      this.recomputeTimer = undefined;
      this.recompute();
    }, RECOMPUTE_DEBOUNCE_MS);
    this.recomputeTimer.unref();
  }

  private recomputeAll(): void {
    for (const key of this.opsAt.keys()) this.dirty.add(key);
    const horizon = Date.now() - 2 * this.settingsValue.windowMinutes * BUCKET_MS - BUCKET_MS;
    for (const op of this.ops.values()) op.stats.prune(horizon);
    this.allChanged = true;
    this.recompute();
  }

  private recompute(): void {
    const now = Date.now();
    const w = this.settingsValue.windowMinutes;
    for (const op of this.dirtyOps) if (op.location) this.dirty.add(locationKey(op.location.path, op.location.line));
    this.dirtyOps.clear();
    if (this.allChanged) {
      for (const key of this.opsAt.keys()) this.dirty.add(key);
      // Locations no operation maps to any more disappear.
      for (const [path, lines] of this.byFile) {
        for (const line of lines.keys()) if (!this.opsAt.has(locationKey(path, line))) this.dirty.add(locationKey(path, line));
      }
    }
    for (const key of this.dirty) {
      const sep = key.indexOf('\u0000');
      const line = Number(key.slice(0, sep));
      const path = key.slice(sep + 1);
      const ops = this.opsAt.get(key);
      let lines = this.byFile.get(path);
      if (!ops || ops.length === 0) {
        lines?.delete(line);
        if (lines?.size === 0) this.byFile.delete(path);
      } else {
        if (!lines) this.byFile.set(path, (lines = new Map()));
        const loc = ops[0]!.location!;
        const lens: LocationLens = {
          path,
          line,
          ...(loc.functionName ? { functionName: loc.functionName } : {}),
          operations: ops.map((o) => ({ service: o.service, name: o.name })),
          summary: summarize(
            ops.map((o) => o.stats),
            now,
            w,
          ),
        };
        lines.set(line, lens);
        this.refreshFindings(key, lens);
      }
      if (!this.allChanged) this.changedPaths.add(path);
    }
    const all = this.allChanged;
    const paths = this.changedPaths;
    const any = this.dirty.size > 0 || all;
    this.dirty.clear();
    this.allChanged = false;
    this.changedPaths = new Set();
    if (!any) return;
    this.generationValue++;
    for (const l of this.listeners) l(all ? 'all' : paths);
  }

  /** Analyses a location's latest failing and slowest traces again (throttled); a change refreshes its file. */
  private refreshFindings(key: string, lens: LocationLens): void {
    this.findings.request(key, lens.operations, [...lens.summary.failing.slice(0, 3), ...lens.summary.slowest]);
  }

  // ---- decoding slow spans ----

  private async resolve(slow: SlowSpan): Promise<{ span: Span; trace: readonly Span[] } | undefined> {
    const trace = await this.store.getTrace(slow.traceId);
    const span = trace?.find((s) => spanHash(s.spanId) === slow.spanHash);
    if (!trace || !span) return undefined;
    return { span, trace };
  }
}

function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'); // POSIX, drive, UNC (\\server\share)
}

function serviceOf(span: Span): string {
  const v = attr(span.resource.attributes, 'service.name');
  return typeof v === 'string' && v !== '' ? v : 'unknown_service';
}

/** A failing span's message: its status message, else its first exception event's message or type. */
export function errorMessage(span: Span): string {
  if (span.status.message) return span.status.message;
  for (const e of span.events) {
    if (e.name !== 'exception') continue;
    const m = attr(e.attributes, 'exception.message') ?? attr(e.attributes, 'exception.type');
    if (typeof m === 'string' && m !== '') return m;
  }
  return '(no message)';
}

