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
import { CONSUMER_DELAY_NANOS, propagationHops, unansweredCall } from '../../core/analysis/propagation';
import type { Span } from '../../core/model';
import { nowUnixNanos, SpanKind } from '../../core/model';
import type { TraceStore } from '../../core/store/store';
import type { TraceSummary } from '../../core/trace';
import type { TraceView } from '../../core/views/traceView';
import { traceView } from '../../core/views/traceView';
import { toWireTrace } from '../../core/wire';
import type { Finding, FindingKind, InsightsResult, PropagationParams, PropagationResult, SlowCohortParams, SlowCohortResult } from '../../protocol/analysis';
import type { WireLiveState } from '../../protocol/wire';

/** Usual traces read for a baseline, and how far back. */
const BASELINE_TRACES = 20;
const BASELINE_LOOKBACK_NANOS = 24n * 3600n * 1_000_000_000n;
/** Calls looked into for broken propagation, the other traces read for each, and the clock slack around a call. */
const CALLS_CHECKED = 20;
const ROOTS_PER_CALL = 20;
const ROOT_SLACK_NANOS = 50_000_000n;
/** Traces a window's propagation page reads at most. */
const WINDOW_TRACES_MAX = 200;
/** Traces the slow cohort reads: summaries to find the threshold, then whole traces of each side. */
const COHORT_SUMMARIES = 2000;
const COHORT_SLOW = 100;
const COHORT_BASELINE = 200;
/** Spans an analysis over many traces decodes at most (the traces' span counts, from their summaries). */
const SPAN_BUDGET = 200_000;

const PROPAGATION_KINDS: ReadonlySet<FindingKind> = new Set<FindingKind>(['broken-propagation', 'orphan-span', 'baggage-dropped']);

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

/** The traces of these summaries, in order, until `max` traces or `spanBudget` spans (the first is always read). */
async function views(deps: AnalysisDeps, summaries: readonly TraceSummary[], max: number, spanBudget = SPAN_BUDGET): Promise<TraceView[]> {
  const out: TraceView[] = [];
  let spans = 0;
  for (const s of summaries) {
    if (out.length >= max || (out.length > 0 && spans + s.spanCount > spanBudget)) break;
    const stored = await deps.store.getTrace(s.traceId);
    if (!stored) continue;
    out.push(view(s.traceId, { spans: stored }));
    spans += stored.length;
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
    linkedSpanIds: root.span.links.map((l) => l.spanId),
  };
}

/**
 * The roots of other traces that started during the trace's unanswered calls (each call's own interval, give or take
 * the clocks' slack, so that a busy store still finds the one that matters), and which of their services continue
 * other callers' traces.
 */
async function otherRoots(deps: AnalysisDeps, v: TraceView): Promise<{ roots: OtherRoot[]; extracting: Set<string> }> {
  const calls = v.spans.filter((s) => unansweredCall(v, s)).slice(0, CALLS_CHECKED);
  const seen = new Set<string>([v.trace.traceId]);
  const roots: OtherRoot[] = [];
  for (const c of calls) {
    const start = v.header.startNanos + BigInt(Math.round(c.offset));
    const end = start + BigInt(Math.round(c.duration));
    const consumer = c.kind === SpanKind.PRODUCER;
    const found = await deps.store.findTraces({
      spanKind: consumer ? SpanKind.CONSUMER : SpanKind.SERVER,
      startFromNanos: start - ROOT_SLACK_NANOS,
      startToNanos: consumer ? end + BigInt(CONSUMER_DELAY_NANOS) : end + ROOT_SLACK_NANOS,
      limit: ROOTS_PER_CALL,
    });
    const fresh = found.filter((s) => s.hasRoot && !seen.has(s.traceId));
    for (const s of fresh) seen.add(s.traceId);
    for (const r of (await views(deps, fresh, ROOTS_PER_CALL)).map(otherRoot)) if (r) roots.push(r);
  }
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

/** A stored trace's view and its findings (without sources), with the context only the store has. */
async function analyse(deps: AnalysisDeps, traceId: string, nowMs: number): Promise<{ spans: readonly Span[]; view: TraceView; findings: Finding[] } | undefined> {
  const t = await deps.trace(traceId);
  if (!t) return undefined;
  const v = view(traceId, t);
  const ctx: { -readonly [K in keyof FindingContext]: FindingContext[K] } = { nowMs, baggagePrefix: deps.baggagePrefix };
  ctx.baseline = await baseline(deps, v);
  const others = await otherRoots(deps, v);
  ctx.otherRoots = others.roots;
  ctx.extractingServices = others.extracting;
  return { spans: t.spans, view: v, findings: traceFindings(v, ctx) };
}

/** Every finding of one trace, with its sources; undefined when the trace is not stored. */
export async function traceInsights(deps: AnalysisDeps, traceId: string, nowMs = Date.now()): Promise<InsightsResult | undefined> {
  const a = await analyse(deps, traceId, nowMs);
  return a && { findings: await withSources(deps, traceId, a.spans, a.findings) };
}

/** The hops and breaks of one trace, or of the newest traces of a window (each other's roots for the breaks). */
export async function propagation(deps: AnalysisDeps, p: PropagationParams, nowMs = Date.now()): Promise<PropagationResult | undefined> {
  if (p.traceId !== undefined) {
    const a = await analyse(deps, p.traceId, nowMs);
    if (!a) return undefined;
    const breaks = await withSources(deps, p.traceId, a.spans, a.findings.filter((f) => PROPAGATION_KINDS.has(f.kind)));
    return { traceIDs: [p.traceId], services: a.view.header.services, hops: propagationHops(a.view, deps.baggagePrefix), breaks };
  }
  const lookback = BigInt(Math.round((p.lookbackMinutes ?? 15) * 60_000)) * 1_000_000n;
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
    breaks.push(...traceFindings(v, { nowMs, baggagePrefix: deps.baggagePrefix, otherRoots: roots, kinds: PROPAGATION_KINDS }));
  }
  return { traceIDs: all.map((v) => v.trace.traceId), services: [...services].sort(), hops, breaks };
}

/** Slow traces of a window against the rest (BubbleUp): which attribute values and operations the slow ones share. */
export async function slowCohort(deps: AnalysisDeps, p: SlowCohortParams, nowMs = Date.now()): Promise<SlowCohortResult> {
  const now = BigInt(nowMs) * 1_000_000n;
  const lookback = BigInt(Math.round((p.lookbackMinutes ?? 60) * 60_000)) * 1_000_000n;
  const summaries = await deps.store.findTraces({ service: p.service || undefined, operation: p.operation || undefined, startFromNanos: now - lookback, limit: COHORT_SUMMARIES });
  const durations = summaries.map((s) => Number(s.durationNanos)).sort((a, b) => a - b);
  const threshold = p.minDurationNanos !== undefined ? Number(p.minDurationNanos) : (durations[Math.max(0, Math.ceil(durations.length * 0.95) - 1)] ?? 0);
  const slow = summaries.filter((s) => Number(s.durationNanos) >= threshold);
  const rest = summaries.filter((s) => Number(s.durationNanos) < threshold);
  return explainSlowCohort(await views(deps, slow, COHORT_SLOW), await views(deps, rest, COHORT_BASELINE), threshold);
}
