// Context and baggage along the path of a trace: the service hops with the baggage keys on each side, the keys lost at
// a hop (baggage-dropped), and calls whose context never reached the callee (broken-propagation: a CLIENT or PRODUCER
// span with no SERVER or CONSUMER child while the callee started a trace of its own at that moment). Baggage is read
// from span attributes with a prefix, as the OpenTelemetry baggage span processors record it. Pure.
import { SpanKind } from '../model';
import type { PropagationHop } from '../../protocol/analysis';
import type { TraceView, ViewSpan } from '../views/traceView';
import { callAt, clientPath } from './calls';
import type { Analysis, Draft, OtherRoot } from './context';
import { draft, label, listed, MAX_FINDING_SPANS, micros } from './context';

/** Slack for clocks of two processes when a callee's root must fall inside the call, ns. */
const SLACK_NANOS = 50_000_000;
/** A consumer may start this long after its producer and still be its callee, ns. */
export const CONSUMER_DELAY_NANOS = 60_000_000_000;

const NONE: readonly string[] = Object.freeze([]);

/** The baggage keys recorded on a span (attributes with the prefix, the prefix cut off), sorted. */
function baggageKeys(s: ViewSpan, prefix: string): readonly string[] {
  let out: string[] | undefined;
  for (const a of s.span.attributes) if (a.key.length > prefix.length && a.key.startsWith(prefix)) (out ??= []).push(a.key.slice(prefix.length));
  return out ? out.sort() : NONE;
}

interface HopSpans {
  readonly from: ViewSpan;
  readonly to: ViewSpan;
  readonly before: readonly string[];
  readonly after: readonly string[];
  readonly dropped: readonly string[];
}

/** Every hop of the trace (a span whose parent is in another service), with the baggage on both sides, and the
 * services that record baggage on their spans. */
function hopSpans(view: TraceView, prefix: string): { hops: HopSpans[]; recording: Set<string> } {
  const recording = new Set<string>();
  // Keys known on the caller's side: the span's own and those of its ancestors in the same service (a service may
  // drop a key between receiving it and calling on). Spans come in tree order, so a parent is done before its child.
  const known: (readonly string[])[] = new Array<readonly string[]>(view.spans.length);
  const out: HopSpans[] = [];
  for (const s of view.spans) {
    const own = baggageKeys(s, prefix);
    if (own.length > 0) recording.add(s.service);
    const parent = s.parent >= 0 ? view.spans[s.parent]! : undefined;
    if (parent && parent.service === s.service) {
      const inherited = known[parent.pos]!;
      if (own.length === 0) known[s.pos] = inherited;
      else if (inherited.length === 0) known[s.pos] = own;
      else {
        const union = new Set([...inherited, ...own]);
        known[s.pos] = union.size === own.length ? own : [...union].sort();
      }
    } else known[s.pos] = own;
    if (parent && parent.service !== s.service) {
      const before = known[parent.pos]!;
      const after = own.length > 8 ? new Set(own) : own;
      const has = (k: string): boolean => (after instanceof Set ? after.has(k) : after.includes(k));
      out.push({ from: parent, to: s, before, after: own, dropped: before.length === 0 ? NONE : before.filter((k) => !has(k)) });
    }
  }
  return { hops: out, recording };
}

export function propagationHops(view: TraceView, prefix: string): PropagationHop[] {
  return hopSpans(view, prefix).hops.map((h) => ({
    traceID: view.trace.traceId,
    fromService: h.from.service,
    fromSpanID: h.from.span.spanId,
    fromOperation: h.from.span.name,
    toService: h.to.service,
    toSpanID: h.to.span.spanId,
    toOperation: h.to.span.name,
    baggageBefore: h.before,
    baggageAfter: h.after,
    dropped: h.dropped,
  }));
}

/** Does any span of the trace record baggage (an attribute with the prefix)? */
function recordsBaggage(view: TraceView, prefix: string): boolean {
  const first = prefix.charCodeAt(0);
  for (const s of view.spans) for (const a of s.span.attributes) if (a.key.charCodeAt(0) === first && a.key.startsWith(prefix)) return true;
  return false;
}

export function baggageDropped(a: Analysis): Draft[] {
  if (!recordsBaggage(a.view, a.baggagePrefix)) return [];
  const { hops, recording } = hopSpans(a.view, a.baggagePrefix);
  // One finding per caller, callee and set of lost keys (a loop of calls loses them once, not n times).
  const groups = new Map<string, HopSpans[]>();
  for (const h of hops) {
    if (h.dropped.length === 0) continue;
    const key = `${h.from.service}\u0000${h.to.service}\u0000${h.dropped.join('\u0000')}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(h);
  }
  const out: Draft[] = [];
  for (const g of groups.values()) {
    const h = g[0]!;
    const records = recording.has(h.to.service);
    const keys = listed(h.dropped.map((k) => label(k, 40))).join(', ');
    const title = records
      ? `Baggage dropped: ${keys} lost between ${label(h.from.service)} and ${label(h.to.service)} (${label(h.from.span.name, 40)} → ${label(h.to.span.name, 40)})`
      : `Baggage not seen in ${label(h.to.service)}: ${keys} (it records no baggage on its spans: is a baggage span processor installed?)`;
    out.push(
      draft(a, 'baggage-dropped', records ? 'warning' : 'info', title, [h.to, h.from, ...g.slice(1).map((x) => x.to)], {
        keys: listed(h.dropped, MAX_FINDING_SPANS),
        fromService: h.from.service,
        toService: h.to.service,
        keysBefore: listed(h.before, MAX_FINDING_SPANS),
        keysAfter: listed(h.after, MAX_FINDING_SPANS),
        hops: g.length,
        calleeRecordsBaggage: records,
      }, 0),
    );
  }
  return out;
}

/** The other trace's root most likely started by this call: inside it in time, and the same path, peer or port. */
function matchRoot(view: TraceView, s: ViewSpan, roots: readonly OtherRoot[]): { root: OtherRoot; evidence: string[] } | undefined {
  const start = view.header.startNanos + BigInt(Math.round(s.offset));
  const end = start + BigInt(Math.round(s.duration));
  const producer = s.kind === SpanKind.PRODUCER;
  const call = callAt(view, s.pos);
  const path = clientPath(s.span);
  const destination = producer && call ? call.operation.replace(/^\S+ /, '') : '';
  let best: { root: OtherRoot; evidence: string[] } | undefined;
  for (const r of roots) {
    if (r.traceId === view.trace.traceId || r.linkedSpanIds.includes(s.span.spanId)) continue;
    if (producer) {
      if (r.kind !== SpanKind.CONSUMER || r.startNanos < start - BigInt(SLACK_NANOS) || r.startNanos > end + BigInt(CONSUMER_DELAY_NANOS)) continue;
    } else if (r.kind !== SpanKind.SERVER || r.startNanos < start - BigInt(SLACK_NANOS) || r.endNanos > end + BigInt(SLACK_NANOS)) continue;
    // A port alone proves nothing (behind an ingress every service listens on 443 or 8080), nor does the path "/".
    const evidence: string[] = [];
    if (producer ? destination !== '' && r.path === destination : path.length > 1 && r.path === path) evidence.push(producer ? `destination ${destination}` : `path ${path}`);
    if (call && call.peer !== '' && call.peer === r.service) evidence.push(`peer ${call.peer}`);
    if (evidence.length > 0 && (!best || evidence.length > best.evidence.length)) best = { root: r, evidence };
  }
  return best;
}

/** A CLIENT or PRODUCER span (not a database call) that no SERVER or CONSUMER span, nor any span of another service,
 * continued: the calls broken-propagation looks into. */
export function unansweredCall(view: TraceView, s: ViewSpan): boolean {
  if (s.kind !== SpanKind.CLIENT && s.kind !== SpanKind.PRODUCER) return false;
  if (callAt(view, s.pos)?.protocol === 'db') return false;
  return !s.children.some((c) => {
    const k = view.spans[c]!;
    return k.kind === SpanKind.SERVER || k.kind === SpanKind.CONSUMER || k.service !== s.service;
  });
}

export function brokenPropagation(a: Analysis): Draft[] {
  const { view } = a;
  const roots = a.ctx.otherRoots ?? [];
  if (roots.length === 0) return [];
  // Services of this trace that did pass context on (a CLIENT span with a child in another service).
  const injecting = new Set<string>();
  for (const s of view.spans) if (s.kind === SpanKind.CLIENT && s.children.some((c) => view.spans[c]!.service !== s.service)) injecting.add(s.service);
  const out: Draft[] = [];
  for (const s of view.spans) {
    if (!unansweredCall(view, s)) continue;
    const match = matchRoot(view, s, roots);
    if (!match) continue;
    const callee = match.root.service;
    const side = a.ctx.extractingServices?.has(callee) ? 'caller' : injecting.has(s.service) ? 'callee' : 'unknown';
    const why =
      side === 'caller'
        ? `${label(s.service)} did not inject the context (${label(callee)} continues traces from other callers)`
        : side === 'callee'
          ? `${label(callee)} did not extract it (${label(s.service)} passes context on other calls)`
          : 'the context was not injected by the caller or not extracted by the callee (or a proxy between them dropped it)';
    out.push(
      draft(a, 'broken-propagation', 'warning', `Broken propagation: ${label(s.span.name)} → ${label(callee)} started a new trace; ${why}`, [s], {
        callee,
        otherTraceID: match.root.traceId,
        otherSpanID: match.root.spanId,
        otherOperation: match.root.name,
        matchedBy: match.evidence,
        likelySide: side,
        callMicros: micros(s.duration),
      }, s.duration),
    );
  }
  return out;
}
