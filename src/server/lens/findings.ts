// Findings at a code location, for its lens, hover and diagnostics: the analyses of the slowest and failing traces a
// location's lens already keeps (its window's slowest calls), kept where the finding's own span (the origin, the
// parent of the repeated calls) is one of the location's operations, merged by kind and what it is about, with how
// many of those traces show it. Bounded: a location is analysed at most every REFRESH_MS, a trace once per span count
// (decoded and analysed results kept for CACHE_TRACES traces), at most TRACES_PER_LOCATION traces a location.
import type { FindingContext } from '../../core/analysis/context';
import { traceFindings } from '../../core/analysis/findings';
import type { SlowSpan } from '../../core/lensStats';
import type { Span } from '../../core/model';
import { traceView } from '../../core/views/traceView';
import { toWireTrace } from '../../core/wire';
import type { Finding, FindingKind, FindingSeverity } from '../../protocol/analysis';

const REFRESH_MS = 5_000;
const CACHE_TRACES = 500;
const TRACES_PER_LOCATION = 8;
/** Kinds a location can act on (the others describe the trace or its propagation, not the function's code). */
const CODE_KINDS: ReadonlySet<FindingKind> = new Set(['error-origin', 'n-plus-one', 'sequential-calls', 'retry-storm', 'fan-out', 'uninstrumented-time']);

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

export class LocationFindings {
  private readonly traces = new Map<string, CachedTrace>();
  private readonly byLocation = new Map<string, { readonly at: number; readonly findings: readonly LocationFinding[] }>();
  private readonly running = new Set<string>();

  constructor(
    private readonly getTrace: (traceId: string) => Promise<readonly Span[] | undefined>,
    private readonly context: () => FindingContext,
    private readonly log: (line: string) => void,
  ) {}

  /** The findings last computed for a location (empty until the first refresh ends). */
  at(key: string): readonly LocationFinding[] {
    return this.byLocation.get(key)?.findings ?? [];
  }

  /**
   * Analyses the location's slowest traces again when its last analysis is older than REFRESH_MS; resolves true when
   * its findings changed. `operations` are the location's (service, span name) pairs.
   */
  async refresh(key: string, operations: readonly { readonly service: string; readonly name: string }[], slowest: readonly SlowSpan[], nowMs = Date.now()): Promise<boolean> {
    const last = this.byLocation.get(key);
    if ((last && nowMs - last.at < REFRESH_MS) || this.running.has(key)) return false;
    this.running.add(key);
    try {
      const ops = new Set(operations.map((o) => `${o.service}\u0000${o.name}`));
      const traceIds = [...new Set(slowest.map((s) => s.traceId))].slice(0, TRACES_PER_LOCATION);
      const merged = new Map<string, { finding: Finding; traces: Set<string>; cost: number }>();
      for (const traceId of traceIds) {
        for (const f of await this.findingsOf(traceId)) {
          if (!CODE_KINDS.has(f.kind) || !ops.has(`${f.service}\u0000${f.operation}`)) continue;
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
        .sort((a, b) => rank[a.severity] - rank[b.severity] || b.traces - a.traces || a.short.localeCompare(b.short));
      const changed = JSON.stringify(findings) !== JSON.stringify(last?.findings ?? []);
      this.byLocation.set(key, { at: nowMs, findings });
      return changed;
    } finally {
      this.running.delete(key);
    }
  }

  /** Forgets locations no operation maps to any more. */
  retain(keys: ReadonlySet<string>): void {
    for (const k of this.byLocation.keys()) if (!keys.has(k)) this.byLocation.delete(k);
  }

  clear(): void {
    this.traces.clear();
    this.byLocation.clear();
  }

  private async findingsOf(traceId: string): Promise<readonly Finding[]> {
    const spans = await this.getTrace(traceId);
    if (!spans) return [];
    const hit = this.traces.get(traceId);
    if (hit && hit.spans === spans.length) return hit.findings;
    let findings: readonly Finding[] = [];
    try {
      findings = traceFindings(traceView(toWireTrace(traceId, spans)), this.context());
    } catch (e) {
      this.log(`lens: analysis of trace ${traceId} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.traces.delete(traceId);
    this.traces.set(traceId, { spans: spans.length, findings });
    if (this.traces.size > CACHE_TRACES) this.traces.delete(this.traces.keys().next().value!);
    return findings;
  }
}
