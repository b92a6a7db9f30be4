// Where a trace's time goes: n-plus-one (many similar calls one after another under one parent), sequential-calls
// (calls to different services in a row that could overlap), fan-out, uninstrumented-time (self time with no spans under
// it) and slow-vs-usual (this trace against the usual traces of its root operation). Pure.
import { SpanKind } from '../model';
import type { TraceView, ViewSpan } from '../views/traceView';
import type { ChildCall } from './calls';
import { callAt, callsByParent } from './calls';
import type { Analysis, Baseline, Draft } from './context';
import { draft, endOf, label, listed, micros, ms } from './context';


/** Share of consecutive pairs (by start) where the next starts at or after the previous ended. */
function sequentialShare(spans: readonly ViewSpan[]): number {
  if (spans.length < 2) return 0;
  let seq = 0;
  for (let i = 1; i < spans.length; i++) if (spans[i]!.offset >= endOf(spans[i - 1]!)) seq++;
  return seq / (spans.length - 1);
}

/** Wrapper spans looked through (a resolver or an ORM method around one query) on the way to the calling span. */
const MAX_WRAPPERS = 3;

/**
 * The span whose code made a call: its parent, or, when the parent only wraps this one call (one child, same
 * service, not a call itself: a GraphQL resolver, an ORM method), the span above it.
 */
function caller(view: TraceView, call: ViewSpan): ViewSpan {
  let p = view.spans[call.parent]!;
  for (let i = 0; i < MAX_WRAPPERS && p.children.length === 1 && p.parent >= 0 && p.service === call.service && !callAt(view, p.pos); i++) p = view.spans[p.parent]!;
  return p;
}

export function nPlusOne(a: Analysis): Draft[] {
  const { view, t } = a;
  // Calling span, then call key -> the calls (in tree order, which is by start under one parent).
  // A parent with too few calls to be an N+1 only matters when it wraps a single call (then its caller gets it).
  const byCaller = new Map<number, Map<string, ChildCall[]>>();
  for (const [pos, children] of callsByParent(view)) {
    if (children.length > 1 && children.length < t.nPlusOneMin) continue;
    const direct = view.spans[pos]!;
    // A short list of calls (most are) without nPlusOneMin of one key holds no N+1: checked pairwise, no map.
    if (children.length > 1 && children.length <= 16 && !children.some((c) => children.filter((d) => d.call.key === c.call.key).length >= t.nPlusOneMin)) continue;
    for (const c of children) {
      const from = children.length === 1 ? caller(view, c.span) : direct;
      // A single call whose caller has too few children to hold an N+1 of wrapped calls goes nowhere.
      if (from.children.length < t.nPlusOneMin) continue;
      let groups = byCaller.get(from.pos);
      if (!groups) byCaller.set(from.pos, (groups = new Map()));
      let g = groups.get(c.call.key);
      if (!g) groups.set(c.call.key, (g = []));
      g.push(c);
    }
  }
  const out: Draft[] = [];
  for (const [pos, groups] of byCaller) {
    const parent = view.spans[pos]!;
    for (const calls of groups.values()) {
      if (calls.length < t.nPlusOneMin) continue;
      const spans = calls.map((c) => c.span).sort((x, y) => x.offset - y.offset);
      const share = sequentialShare(spans);
      if (share < 0.7) continue; // run concurrently: a batch, not an N+1
      let total = 0;
      for (const s of spans) total += s.duration;
      const { call } = calls[0]!;
      const what = call.protocol === 'db' ? call.operation : `${call.operation}${call.peer ? ` to ${call.peer}` : ''}`;
      const title = `N+1: ${calls.length} × ${label(what, 100)} in ${label(parent.span.name)} (${ms(total)})`;
      out.push(
        draft(a, 'n-plus-one', 'warning', title, [parent, ...spans], {
          count: calls.length,
          totalMicros: micros(total),
          parentShare: parent.duration > 0 ? Math.round((total / parent.duration) * 1000) / 1000 : 0,
          sequentialShare: Math.round(share * 1000) / 1000,
          protocol: call.protocol,
          statement: call.operation,
          peer: call.peer,
        }, total),
      );
    }
  }
  return out;
}

/** The calls whose key no other call of the list has (few calls: compared pairwise, no map). */
function onlyOnce(calls: readonly ChildCall[]): ChildCall[] {
  if (calls.length > 16) {
    const perKey = new Map<string, number>();
    for (const c of calls) perKey.set(c.call.key, (perKey.get(c.call.key) ?? 0) + 1);
    return calls.filter((c) => perKey.get(c.call.key) === 1);
  }
  return calls.filter((c, i) => !calls.some((d, j) => j !== i && d.call.key === c.call.key));
}

export function sequentialCalls(a: Analysis): Draft[] {
  const { view, t } = a;
  const out: Draft[] = [];
  for (const [pos, calls] of callsByParent(view)) {
    if (calls.length < 2) continue;
    const parent = view.spans[pos]!;
    // Calls repeated to the same peer and operation are N+1 material, not independent calls: leave them out.
    const single = onlyOnce(calls);
    // Maximal runs in which each call starts after the previous one ended.
    let run: ChildCall[] = [];
    const flush = (): void => {
      const peers = new Set(run.map((c) => c.callee));
      if (run.length >= 2 && peers.size >= 2) {
        const spans = run.map((c) => c.span);
        let sum = 0;
        let longest = 0;
        for (const s of spans) {
          sum += s.duration;
          if (s.duration > longest) longest = s.duration;
        }
        const saved = sum - longest;
        if (saved >= t.sequentialMinNanos && saved >= t.sequentialShare * parent.duration) {
          const names = listed(run.map((c) => label(c.callee, 40)));
          out.push(
            draft(a, 'sequential-calls', 'info', `Sequential calls: ${names.join(' → ')} in ${label(parent.span.name)} could overlap (save up to ${ms(saved)})`, [parent, ...spans], {
              calls: run.length,
              peers: names,
              sequentialMicros: micros(sum),
              longestMicros: micros(longest),
              savedMicros: micros(saved),
            }, saved),
          );
        }
      }
      run = [];
    };
    for (const c of single) {
      if (run.length > 0 && c.span.offset < endOf(run[run.length - 1]!.span)) flush();
      run.push(c);
    }
    flush();
  }
  return out;
}

export function fanOut(a: Analysis): Draft[] {
  const { view, t } = a;
  const out: Draft[] = [];
  for (const s of view.spans) {
    if (s.children.length < Math.min(t.fanOutChildren, t.fanOutServices)) continue;
    const services = new Set<string>();
    for (const c of s.children) services.add(view.spans[c]!.service);
    services.delete(s.service);
    if (s.children.length < t.fanOutChildren && services.size < t.fanOutServices) continue;
    const title = services.size >= t.fanOutServices
      ? `Fan-out: ${label(s.span.name)} calls ${services.size} services (${s.children.length} child spans)`
      : `Fan-out: ${label(s.span.name)} has ${s.children.length} child spans`;
    out.push(draft(a, 'fan-out', 'info', title, [s], { children: s.children.length, services: services.size, durationMicros: micros(s.duration) }, s.duration));
  }
  return out;
}

export function uninstrumentedTime(a: Analysis): Draft[] {
  const { view, t } = a;
  const out: Draft[] = [];
  const traceDuration = view.header.duration;
  for (const s of view.spans) {
    // A call's own time is the peer's (network, remote work): not code of ours without spans. A leaf INTERNAL span is
    // itself the instrumentation of its work; a leaf SERVER or CONSUMER span is a whole request with nothing inside.
    if (s.kind === SpanKind.CLIENT || s.kind === SpanKind.PRODUCER || callAt(view, s.pos)?.protocol === 'db') continue;
    if (s.children.length === 0 && s.kind !== SpanKind.SERVER && s.kind !== SpanKind.CONSUMER) continue;
    if (s.selfTime < t.selfMinNanos || s.selfTime < t.selfShare * traceDuration) continue;
    const shareOfTrace = traceDuration > 0 ? s.selfTime / traceDuration : 0;
    const shareOfSpan = s.duration > 0 ? s.selfTime / s.duration : 0;
    const what = s.children.length === 0 ? 'with no child spans' : `not covered by its ${s.children.length} child ${s.children.length === 1 ? 'span' : 'spans'}`;
    out.push(
      draft(a, 'uninstrumented-time', shareOfTrace >= 0.5 ? 'warning' : 'info', `Uninstrumented time: ${ms(s.selfTime)} (${Math.round(shareOfSpan * 100)} %) of ${label(s.span.name)} ${what}`, [s], {
        selfMicros: micros(s.selfTime),
        durationMicros: micros(s.duration),
        shareOfSpan: Math.round(shareOfSpan * 1000) / 1000,
        shareOfTrace: Math.round(shareOfTrace * 1000) / 1000,
        children: s.children.length,
      }, s.selfTime),
    );
  }
  return out;
}

const opKey = (service: string, name: string): string => `${service}\u0000${name}`;

/** Per operation of one trace: self time (ns) and calls. */
function operationTotals(view: TraceView): Map<string, { self: number; count: number; spans: ViewSpan[] }> {
  const out = new Map<string, { self: number; count: number; spans: ViewSpan[] }>();
  for (const s of view.spans) {
    const key = opKey(s.service, s.span.name);
    let o = out.get(key);
    if (!o) out.set(key, (o = { self: 0, count: 0, spans: [] }));
    o.self += s.selfTime;
    o.count++;
    o.spans.push(s);
  }
  return out;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = values.sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The usual traces reduced to medians: trace duration, and per operation self time and call count per trace. */
export function baselineOf(views: readonly TraceView[]): Baseline {
  const totals = views.map(operationTotals);
  const keys = new Set<string>();
  for (const t of totals) for (const k of t.keys()) keys.add(k);
  const operations = new Map<string, { medianSelf: number; medianCount: number }>();
  for (const k of keys) {
    operations.set(k, {
      medianSelf: median(totals.map((t) => t.get(k)?.self ?? 0)),
      medianCount: median(totals.map((t) => t.get(k)?.count ?? 0)),
    });
  }
  return { traces: views.length, medianDuration: median(views.map((v) => v.header.duration)), operations };
}

export function slowVsUsual(a: Analysis): Draft[] {
  const { view, t } = a;
  const base = a.ctx.baseline;
  const root = view.spans[view.root];
  if (!base || !root || base.traces < t.baselineMin) return [];
  const extra = view.header.duration - base.medianDuration;
  if (view.header.duration < base.medianDuration * t.slowRatio || extra < t.slowMinNanos) return [];
  const causes: { key: string; extraSelf: number; extraCalls: number; spans: ViewSpan[] }[] = [];
  for (const [key, o] of operationTotals(view)) {
    const usual = base.operations.get(key);
    const extraSelf = o.self - (usual?.medianSelf ?? 0);
    if (extraSelf > 0) causes.push({ key, extraSelf, extraCalls: Math.round(o.count - (usual?.medianCount ?? 0)), spans: o.spans });
  }
  causes.sort((x, y) => y.extraSelf - x.extraSelf);
  const top = causes.slice(0, 5);
  const text = (c: (typeof causes)[number]): string => {
    const [service, name] = c.key.split('\u0000');
    const calls = c.extraCalls > 0 ? `, ${c.extraCalls} more ${c.extraCalls === 1 ? 'call' : 'calls'}` : '';
    return `${label(service!, 30)} ${label(name!, 60)} +${ms(c.extraSelf)}${calls}`;
  };
  const title = `Slower than usual: ${ms(view.header.duration)} against a median of ${ms(base.medianDuration)} (${base.traces} traces)${top[0] ? `: ${text(top[0])}` : ''}`;
  return [
    draft(a, 'slow-vs-usual', 'warning', title, [root, ...top.flatMap((c) => c.spans.slice(0, 3))], {
      durationMicros: micros(view.header.duration),
      medianMicros: micros(base.medianDuration),
      extraMicros: micros(extra),
      baselineTraces: base.traces,
      causes: top.map(text),
    }, extra),
  ];
}
