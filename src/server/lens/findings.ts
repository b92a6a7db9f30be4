// Findings at a code location, for its lens, hover and diagnostics: the analyses of the slowest and failing traces a
// location's lens already keeps (its window's slowest calls), kept where the finding's own span (the origin, the
// parent of the repeated calls) is one of the location's operations, merged by kind and what it is about, with how
// many of those traces show it. Bounded: a location is analysed at most every REFRESH_MS (a request in between runs
// when that time is up), a trace once per span count (results kept for CACHE_TRACES traces), at most
// TRACES_PER_LOCATION traces a location.
import type { FindingContext } from '../../core/analysis/context';
import { traceFindings } from '../../core/analysis/findings';
import type { SlowSpan } from '../../core/lensStats';
import type { Span } from '../../core/model';
import { traceView } from '../../core/views/traceView';
import { toWireTrace } from '../../core/wire';
import type { Finding, FindingKind, FindingSeverity } from '../../protocol/analysis';

const REFRESH_MS = 5_000;
/** A trace whose newest span ended less than this ago may still be receiving spans (other batches, other processes):
 * the location is analysed once more after REFRESH_MS. */
const SETTLING_MS = 15_000;
const CACHE_TRACES = 500;
const TRACES_PER_LOCATION = 8;
/** Kinds a location can act on (the others describe the trace or its propagation, not the function's code), in the
 * order a lens names them after severity: the most specific advice first (an N+1 says what to change; time without
 * spans only where to look, and grows with any load on the machine). */
const CODE_KINDS: readonly FindingKind[] = ['error-origin', 'n-plus-one', 'retry-storm', 'sequential-calls', 'uninstrumented-time', 'fan-out'];

/** One kind of finding at a location, merged over the traces that show it. */
export interface LocationFinding {
  readonly kind: FindingKind;
  readonly severity: FindingSeverity;
  /** The title of its most costly instance. */
  readonly title: string;
  /** Short text for the lens: "N+1: 6 × SELECT items". */
  readonly short: string;
  /** Traces that show it, of `examined`. */
  readonly traces: number;
  readonly examined: number;
  /** Where to look: the instance's trace and its first span. */
  readonly traceId: string;
  readonly spanId: string;
}

interface CachedTrace {
  readonly spans: number;
  readonly findings: readonly Finding[];
  /** Unix ms of its newest span's end. */
  readonly endMs: number;
}

/** "N+1: 6 × SELECT items", "Error origin: ItemNotFoundError", "Uninstrumented time". */
export function shortText(f: Finding): string {
  const e = f.evidence;
  switch (f.kind) {
    case 'n-plus-one':
      return `N+1: ${String(e.count)} × ${String(e.statement)}`;
    case 'error-origin':
      return `Error origin: ${String(e.exceptionType || e.exceptionMessage || 'status ERROR')}`;
    case 'retry-storm':
      return `Retry storm: ${String(e.failed)} failed calls to ${String(e.peer || e.operation)}`;
    case 'sequential-calls':
      return `Sequential calls (could save ${Math.round(Number(e.savedMicros) / 1000)} ms)`;
    case 'uninstrumented-time':
      return `Uninstrumented time: ${Math.round(Number(e.selfMicros) / 1000)} ms`;
    case 'fan-out':
      return `Fan-out: ${String(e.children)} calls`;
    default:
      return f.kind;
  }
}

/** What makes two findings of one kind the same problem (the statement repeated, the exception type, ...). */
function sameness(f: Finding): string {
  const e = f.evidence;
  return `${f.kind}\u0000${String(e.statement ?? e.exceptionType ?? e.peer ?? '')}`;
}

interface Request {
  readonly operations: readonly { readonly service: string; readonly name: string }[];
  readonly traces: readonly SlowSpan[];
}

export class LocationFindings {
  private readonly traces = new Map<string, CachedTrace>();
  private readonly byLocation = new Map<string, { readonly at: number; readonly findings: readonly LocationFinding[] }>();
  private readonly running = new Set<string>();
  /** The latest request of a location that came while it was running or too soon after its last pass. */
  private readonly pending = new Map<string, Request>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Each location's latest request, and the traces its last pass examined (by trace: the locations that did). */
  private readonly lastRequest = new Map<string, Request>();
  private readonly examined = new Map<string, readonly string[]>();
  private readonly examinedBy = new Map<string, Set<string>>();
  private disposed = false;
  /** Bumped by clear(): a pass that began before it must not write what it found after it. */
  private generation = 0;

  constructor(
    private readonly getTrace: (traceId: string) => Promise<readonly Span[] | undefined>,
    private readonly context: () => FindingContext,
    /** Called when a location's findings changed. */
    private readonly onChange: (key: string) => void,
    private readonly log: (line: string) => void,
  ) {}

  /** The findings last computed for a location (empty until the first pass ends). */
  at(key: string): readonly LocationFinding[] {
    return this.byLocation.get(key)?.findings ?? [];
  }

  /**
   * Analyses the location's traces (its latest failing and slowest) now, or, when it ran less than REFRESH_MS ago or
   * is running, once that time is up with the latest request: no update is lost, none runs more often.
   */
  request(key: string, operations: Request['operations'], traces: readonly SlowSpan[]): void {
    if (this.disposed) return;
    this.lastRequest.set(key, { operations, traces });
    const due = (this.byLocation.get(key)?.at ?? -Infinity) + REFRESH_MS;
    if (this.running.has(key) || Date.now() < due) {
      this.pending.set(key, { operations, traces });
      if (!this.running.has(key) && !this.timers.has(key)) {
        const timer = setTimeout(() => {
          this.timers.delete(key);
          this.runPending(key);
        }, due - Date.now());
        timer.unref();
        this.timers.set(key, timer);
      }
      return;
    }
    void this.run(key, { operations, traces });
  }

  /**
   * Spans arrived for these traces: the locations whose findings came from them look again (a late batch, e.g. the
   * queries of an N+1 exported after their caller, changes a trace without touching the location's own operations).
   */
  tracesChanged(traceIds: Iterable<string>): void {
    const keys = new Set<string>();
    for (const id of traceIds) for (const key of this.examinedBy.get(id) ?? []) keys.add(key);
    for (const key of keys) {
      const r = this.lastRequest.get(key);
      if (r) this.request(key, r.operations, r.traces);
    }
  }

  private runPending(key: string): void {
    const next = this.pending.get(key);
    if (!next || this.disposed) return;
    this.pending.delete(key);
    this.request(key, next.operations, next.traces);
  }

  private async run(key: string, r: Request): Promise<void> {
    this.running.add(key);
    const generation = this.generation;
    try {
      const { findings, settling } = await this.analyse(key, r, generation);
      if (generation !== this.generation) return; // cleared meanwhile
      const changed = JSON.stringify(findings) !== JSON.stringify(this.at(key));
      this.byLocation.set(key, { at: Date.now(), findings });
      if (changed && !this.disposed) this.onChange(key);
      // Spans of these traces may still arrive without touching this location's operations: look again later.
      if (settling && !this.pending.has(key)) this.pending.set(key, r);
    } catch (e) {
      this.log(`lens: findings failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.running.delete(key);
    }
    if (this.pending.has(key)) this.request(key, this.pending.get(key)!.operations, this.pending.get(key)!.traces);
  }

  private async analyse(key: string, r: Request, generation: number): Promise<{ findings: LocationFinding[]; settling: boolean }> {
    const ops = new Set(r.operations.map((o) => `${o.service}\u0000${o.name}`));
    const traceIds = [...new Set(r.traces.map((s) => s.traceId))].slice(0, TRACES_PER_LOCATION);
    this.noteExamined(key, traceIds);
    const merged = new Map<string, { finding: Finding; traces: Set<string>; cost: number }>();
    let settling = false;
    for (const traceId of traceIds) {
      const t = await this.traceOf(traceId, generation);
      // A span dated ahead of the clock counts as ending now: it must not keep the location settling for ever.
      if (t && Date.now() - Math.min(t.endMs, Date.now()) < SETTLING_MS) settling = true;
      for (const f of t?.findings ?? []) {
        if (!CODE_KINDS.includes(f.kind) || !ops.has(`${f.service}\u0000${f.operation}`)) continue;
        const k = sameness(f);
        const cost = Number(f.evidence.totalMicros ?? f.evidence.selfMicros ?? f.evidence.savedMicros ?? f.evidence.durationMicros ?? 0);
        const m = merged.get(k);
        if (!m) merged.set(k, { finding: f, traces: new Set([traceId]), cost });
        else {
          m.traces.add(traceId);
          if (cost > m.cost) Object.assign(m, { finding: f, cost });
        }
      }
    }
    const rank: Record<FindingSeverity, number> = { error: 0, warning: 1, info: 2 };
    const findings = [...merged.values()]
      .map(({ finding: f, traces }): LocationFinding => ({ kind: f.kind, severity: f.severity, title: f.title, short: shortText(f), traces: traces.size, examined: traceIds.length, traceId: f.traceID, spanId: f.spanIDs[0]! }))
      .sort((a, b) => rank[a.severity] - rank[b.severity] || CODE_KINDS.indexOf(a.kind) - CODE_KINDS.indexOf(b.kind) || b.traces - a.traces || a.short.localeCompare(b.short));
    return { findings, settling };
  }

  private noteExamined(key: string, traceIds: readonly string[]): void {
    for (const id of this.examined.get(key) ?? []) {
      const keys = this.examinedBy.get(id);
      keys?.delete(key);
      if (keys?.size === 0) this.examinedBy.delete(id);
    }
    this.examined.set(key, traceIds);
    for (const id of traceIds) {
      let keys = this.examinedBy.get(id);
      if (!keys) this.examinedBy.set(id, (keys = new Set()));
      keys.add(key);
    }
  }

  clear(): void {
    this.generation++;
    this.lastRequest.clear();
    this.examined.clear();
    this.examinedBy.clear();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.pending.clear();
    this.traces.clear();
    this.byLocation.clear();
  }

  dispose(): void {
    this.disposed = true;
    this.clear();
  }

  private async traceOf(traceId: string, generation: number): Promise<CachedTrace | undefined> {
    const spans = await this.getTrace(traceId);
    if (!spans) return undefined;
    const hit = this.traces.get(traceId);
    if (hit && hit.spans === spans.length) return hit;
    let findings: readonly Finding[] = [];
    try {
      findings = traceFindings(traceView(toWireTrace(traceId, spans)), this.context());
    } catch (e) {
      this.log(`lens: analysis of trace ${traceId} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    let end = 0n;
    for (const s of spans) if (s.endTimeUnixNano > end) end = s.endTimeUnixNano;
    const made: CachedTrace = { spans: spans.length, findings, endMs: Number(end / 1_000_000n) };
    if (generation !== this.generation) return made; // cleared meanwhile: not kept
    this.traces.delete(traceId);
    this.traces.set(traceId, made);
    if (this.traces.size > CACHE_TRACES) this.traces.delete(this.traces.keys().next().value!);
    return made;
  }
}
