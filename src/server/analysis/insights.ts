// The analyses the server answers from its store: findings in one trace (with the context only the store has: the
// usual traces of its root operation, the roots of other traces during it, and which services continue their callers'
// traces), the propagation path of one trace or of a window, and the slow cohort explained. The pure work is in
// src/core/analysis; this module reads the store, bounded in what it reads, and adds each finding's source through the
// correlation engine.
import type { Baseline, FindingContext, OtherRoot } from '../../core/analysis/context';
import { attrText, serverPath } from '../../core/analysis/calls';
import { explainSlowCohort } from '../../core/analysis/cohort';
import { traceFindings } from '../../core/analysis/findings';
import { baselineOf } from '../../core/analysis/latency';
import { propagationHops } from '../../core/analysis/propagation';
import type { Span } from '../../core/model';
import { nowUnixNanos, SpanKind } from '../../core/model';
import type { TraceStore } from '../../core/store/store';
import type { TraceSummary } from '../../core/trace';
import type { TraceView } from '../../core/views/traceView';
import { traceView } from '../../core/views/traceView';
import { toWireTrace } from '../../core/wire';
import type { Finding, InsightsResult, PropagationParams, PropagationResult, SlowCohortParams, SlowCohortResult } from '../../protocol/analysis';
import type { WireLiveState } from '../../protocol/wire';

/** Usual traces read for a baseline, and how far back. */
const BASELINE_TRACES = 20;
const BASELINE_LOOKBACK_NANOS = 24n * 3600n * 1_000_000_000n;
/** Other traces' roots read around a trace (broken propagation), and the margin around it. */
const OTHER_ROOTS = 50;
const ROOT_MARGIN_NANOS = 1_000_000_000n;
const CONSUMER_DELAY_NANOS = 60_000_000_000n;
/** Traces a window's propagation page reads at most. */
const WINDOW_TRACES_MAX = 200;
/** Traces the slow cohort reads: summaries to find the threshold, then whole traces of each side. */
const COHORT_SUMMARIES = 2000;
const COHORT_SLOW = 100;
const COHORT_BASELINE = 200;
const MINUTE_NANOS = 60_000_000_000n;

const PROPAGATION_KINDS = new Set(['broken-propagation', 'orphan-span', 'baggage-dropped']);

export interface AnalysisDeps {
  readonly store: TraceStore;
  /** The trace with a paused debuggee's spans merged (DebugPauses.trace), undefined when not stored. */
  readonly trace: (traceId: string) => Promise<{ readonly spans: readonly Span[]; readonly live?: WireLiveState } | undefined>;
  /** Where a span's code is (the correlation engine), when one is running. */
  readonly source?: (span: Span, traceId: string) => Promise<{ readonly path: string; readonly line: number } | undefined>;
  readonly baggagePrefix: string;
}

function view(traceId: string, t: { readonly spans: readonly Span[]; readonly live?: WireLiveState }): TraceView {
  const wire = toWireTrace(traceId, t.spans);
  return traceView(t.live ? { ...wire, live: t.live } : wire);
}

async function views(deps: AnalysisDeps, summaries: readonly TraceSummary[], max: number): Promise<TraceView[]> {
  const out: TraceView[] = [];
  for (const s of summaries.slice(0, max)) {
    const spans = await deps.store.getTrace(s.traceId);
    if (spans) out.push(view(s.traceId, { spans }));
  }
  return out;
}

/** The usual traces of the trace's root operation: the newest ones of the last day, this one left out. */
async function baseline(deps: AnalysisDeps, v: TraceView): Promise<Baseline | undefined> {
  const root = v.spans[v.root];
  if (!root || root.span.parentSpanId !== '') return undefined;
  const now = nowUnixNanos();
  const found = await deps.store.findTraces({ service: root.service, operation: root.span.name, startFromNanos: now - BASELINE_LOOKBACK_NANOS, limit: BASELINE_TRACES * 2 });
  const same = found.filter((s) => s.traceId !== v.trace.traceId && s.hasRoot && s.rootService === root.service && s.rootName === root.span.name);
  if (same.length === 0) return undefined;
  return baselineOf(await views(deps, same, BASELINE_TRACES));
}

/** A root SERVER or CONSUMER span of another trace, as broken-propagation matches it. */
function otherRoot(v: TraceView): OtherRoot | undefined {
  const root = v.spans[v.root];
  if (!root || root.span.parentSpanId !== '' || (root.kind !== SpanKind.SERVER && root.kind !== SpanKind.CONSUMER)) return undefined;
  const a = root.span.attributes;
  const start = v.header.startNanos + BigInt(Math.round(root.offset));
  return {
    traceId: v.trace.traceId,
    spanId: root.span.spanId,
    service: root.service,
    name: root.span.name,
    kind: root.kind,
    startNanos: start,
    endNanos: start + BigInt(Math.round(root.duration)),
    path: root.kind === SpanKind.CONSUMER ? (attrText(a, 'messaging.destination.name', 'messaging.destination') ?? '') : serverPath(root.span),
    port: attrText(a, 'server.port', 'net.host.port', 'url.port') ?? '',
    linkedSpanIds: root.span.links.map((l) => l.spanId),
  };
}

/** Calls in the trace that no server or consumer span continued: only then are other traces read. */
function hasUnansweredCalls(v: TraceView): boolean {
  return v.spans.some(
    (s) => (s.kind === SpanKind.CLIENT || s.kind === SpanKind.PRODUCER) && !s.children.some((c) => v.spans[c]!.service !== s.service || v.spans[c]!.kind === SpanKind.SERVER || v.spans[c]!.kind === SpanKind.CONSUMER),
  );
}

/** Other traces' roots during the trace, and which of their services continue other callers' traces. */
async function otherRoots(deps: AnalysisDeps, v: TraceView): Promise<{ roots: OtherRoot[]; extracting: Set<string> }> {
  const start = v.header.startNanos;
  const end = start + BigInt(Math.round(v.header.duration));
  const servers = await deps.store.findTraces({ spanKind: SpanKind.SERVER, startFromNanos: start - ROOT_MARGIN_NANOS, startToNanos: end + ROOT_MARGIN_NANOS, limit: OTHER_ROOTS });
  const consumers = await deps.store.findTraces({ spanKind: SpanKind.CONSUMER, startFromNanos: start - ROOT_MARGIN_NANOS, startToNanos: end + CONSUMER_DELAY_NANOS, limit: OTHER_ROOTS });
  const candidates = [...servers, ...consumers].filter((s, i, all) => s.traceId !== v.trace.traceId && s.hasRoot && all.findIndex((x) => x.traceId === s.traceId) === i);
  const roots = (await views(deps, candidates, OTHER_ROOTS)).map(otherRoot).filter((r): r is OtherRoot => r !== undefined);
  const extracting = new Set<string>();
  for (const service of new Set(roots.map((r) => r.service))) {
    const traces = await deps.store.findTraces({ service, spanKind: SpanKind.SERVER, limit: 20 });
    if (traces.some((t) => t.rootService !== service)) extracting.add(service);
  }
  return { roots, extracting };
}

async function withSources(deps: AnalysisDeps, traceId: string, spans: readonly Span[], findings: Finding[]): Promise<Finding[]> {
  const source = deps.source;
  if (!source) return findings;
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const cache = new Map<string, { path: string; line: number } | undefined>();
  const out: Finding[] = [];
  for (const f of findings) {
    const id = f.spanIDs[0]!;
    if (!cache.has(id)) {
      const span = byId.get(id);
      cache.set(id, span ? await source(span, traceId) : undefined);
    }
    const src = cache.get(id);
    out.push(src ? { ...f, source: { file: src.path, line: src.line } } : f);
  }
  return out;
}

/** Every finding of one trace, with its sources; undefined when the trace is not stored. */
export async function traceInsights(deps: AnalysisDeps, traceId: string, nowMs = Date.now()): Promise<InsightsResult | undefined> {
  const t = await deps.trace(traceId);
  if (!t) return undefined;
  const v = view(traceId, t);
  const ctx: { -readonly [K in keyof FindingContext]: FindingContext[K] } = { nowMs, baggagePrefix: deps.baggagePrefix };
  ctx.baseline = await baseline(deps, v);
  if (hasUnansweredCalls(v)) {
    const others = await otherRoots(deps, v);
    ctx.otherRoots = others.roots;
    ctx.extractingServices = others.extracting;
  }
  return { findings: await withSources(deps, traceId, t.spans, traceFindings(v, ctx)) };
}

/** The hops and breaks of one trace, or of the newest traces of a window (each other's roots for the breaks). */
export async function propagation(deps: AnalysisDeps, p: PropagationParams, nowMs = Date.now()): Promise<PropagationResult | undefined> {
  if (p.traceId !== undefined) {
    const t = await deps.trace(p.traceId);
    const insights = await traceInsights(deps, p.traceId, nowMs);
    if (!t || !insights) return undefined;
    const v = view(p.traceId, t);
    return { traceIDs: [p.traceId], services: v.header.services, hops: propagationHops(v, deps.baggagePrefix), breaks: insights.findings.filter((f) => PROPAGATION_KINDS.has(f.kind)) };
  }
  const lookback = BigInt(Math.round((p.lookbackMinutes ?? 15) * 60)) * 1_000_000_000n;
  const limit = Math.min(Math.max(1, Math.floor(p.limit ?? 50)), WINDOW_TRACES_MAX);
  const now = BigInt(nowMs) * 1_000_000n;
  const all = await views(deps, await deps.store.findTraces({ startFromNanos: now - lookback, limit }), limit);
  const roots = all.map(otherRoot).filter((r): r is OtherRoot => r !== undefined);
  const services = new Set<string>();
  const hops: PropagationResult['hops'][number][] = [];
  const breaks: Finding[] = [];
  for (const v of all) {
    for (const s of v.header.services) services.add(s);
    hops.push(...propagationHops(v, deps.baggagePrefix));
    breaks.push(...traceFindings(v, { nowMs, baggagePrefix: deps.baggagePrefix, otherRoots: roots }).filter((f) => PROPAGATION_KINDS.has(f.kind)));
  }
  return { traceIDs: all.map((v) => v.trace.traceId), services: [...services].sort(), hops, breaks };
}

/** Slow traces of a window against the rest (BubbleUp): which attribute values and operations the slow ones share. */
export async function slowCohort(deps: AnalysisDeps, p: SlowCohortParams, nowMs = Date.now()): Promise<SlowCohortResult> {
  const now = BigInt(nowMs) * 1_000_000n;
  const lookback = BigInt(Math.round(p.lookbackMinutes ?? 60)) * MINUTE_NANOS;
  const summaries = await deps.store.findTraces({ service: p.service || undefined, operation: p.operation || undefined, startFromNanos: now - lookback, limit: COHORT_SUMMARIES });
  const durations = summaries.map((s) => Number(s.durationNanos)).sort((a, b) => a - b);
  const threshold = p.minDurationNanos !== undefined ? Number(p.minDurationNanos) : (durations[Math.max(0, Math.ceil(durations.length * 0.95) - 1)] ?? 0);
  const slow = summaries.filter((s) => Number(s.durationNanos) >= threshold);
  const rest = summaries.filter((s) => Number(s.durationNanos) < threshold);
  return explainSlowCohort(await views(deps, slow, COHORT_SLOW), await views(deps, rest, COHORT_BASELINE), threshold);
}
