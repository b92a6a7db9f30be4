// Findings in one trace: every detector run over the trace view, most severe first, then by the time involved, at
// most Thresholds.perKind of each kind. Pure: the view is never mutated; what the store knows of other traces comes
// in the context (src/server/analysis gathers it).
import type { Finding, FindingKind, FindingSeverity } from '../../protocol/analysis';
import { FINDING_KINDS } from '../../protocol/analysis';
import type { TraceView } from '../views/traceView';
import type { Analysis, Draft, FindingContext } from './context';
import { DEFAULT_BAGGAGE_PREFIX, DEFAULT_THRESHOLDS } from './context';
import { errorOrigins, retryStorms } from './errors';
import { fanOut, nPlusOne, sequentialCalls, slowVsUsual, uninstrumentedTime } from './latency';
import { baggageDropped, brokenPropagation } from './propagation';
import { clockSkew, orphanSpans } from './structure';

const DETECTORS: Readonly<Record<FindingKind, (a: Analysis) => Draft[]>> = {
  'error-origin': errorOrigins,
  'n-plus-one': nPlusOne,
  'sequential-calls': sequentialCalls,
  'retry-storm': retryStorms,
  'fan-out': fanOut,
  'uninstrumented-time': uninstrumentedTime,
  'slow-vs-usual': slowVsUsual,
  'broken-propagation': brokenPropagation,
  'orphan-span': orphanSpans,
  'clock-skew': clockSkew,
  'baggage-dropped': baggageDropped,
};

const RANK: Record<FindingSeverity, number> = { error: 0, warning: 1, info: 2 };

export function traceFindings(view: TraceView, ctx: FindingContext = {}): Finding[] {
  if (view.spans.length === 0) return [];
  const traceEndMs = Number(view.header.startNanos / 1_000_000n) + view.header.duration / 1e6;
  const a: Analysis = {
    view,
    t: { ...DEFAULT_THRESHOLDS, ...ctx.thresholds },
    nowMs: ctx.nowMs ?? traceEndMs,
    baggagePrefix: ctx.baggagePrefix ?? DEFAULT_BAGGAGE_PREFIX,
    ctx,
  };
  const out: Draft[] = [];
  for (const kind of FINDING_KINDS) {
    if (ctx.kinds && !ctx.kinds.has(kind)) continue;
    const found = DETECTORS[kind](a).sort((x, y) => RANK[x.finding.severity] - RANK[y.finding.severity] || y.impact - x.impact);
    if (found.length > a.t.perKind) {
      const kept = found.slice(0, a.t.perKind);
      const last = kept[kept.length - 1]!;
      kept[kept.length - 1] = { ...last, finding: { ...last.finding, evidence: { ...last.finding.evidence, moreOfThisKind: found.length - a.t.perKind } } };
      out.push(...kept);
    } else out.push(...found);
  }
  out.sort((x, y) => RANK[x.finding.severity] - RANK[y.finding.severity] || y.impact - x.impact);
  return out.map((d) => d.finding);
}

/** "3 findings: N+1 in orders.place, error starts in inventory, …": the trace header's line. */
export function findingsLine(findings: readonly Finding[], max = 3): string {
  if (findings.length === 0) return 'No findings';
  const short = findings.slice(0, max).map((f) => f.title.replace(/\s*[(:—].*$/, ''));
  return `${findings.length} ${findings.length === 1 ? 'finding' : 'findings'}: ${short.join(' · ')}${findings.length > max ? ' · …' : ''}`;
}
