// Where a failure started and how it travelled: error-origin (the deepest failing span no failing child explains, and
// the chain that carried it to the root) and retry-storm (repeated failing calls to one peer under one parent). Pure.
import type { WireSpan } from '../../protocol/wire';
import type { ViewSpan } from '../views/traceView';
import { attrText, callsByParent } from './calls';
import type { Analysis, Draft } from './context';
import { draft, label, listed, MAX_FINDING_SPANS, micros } from './context';

export interface ExceptionInfo {
  readonly type: string;
  readonly message: string;
  /** The first line of the stack trace that names a frame, '' when none. */
  readonly frame: string;
}

/** The span's recorded exception (its last `exception` event), or its status message. */
export function exceptionOf(span: WireSpan): ExceptionInfo | undefined {
  for (let i = span.events.length - 1; i >= 0; i--) {
    const e = span.events[i]!;
    if (e.name !== 'exception') continue;
    const stack = attrText(e.attributes, 'exception.stacktrace') ?? '';
    const frame = stack.split('\n').find((l) => /^\s*(at |File "|\w[\w.$]*\(|#\d)/.test(l) && !/^\s*\w*(Error|Exception)\b/.test(l)) ?? '';
    return { type: attrText(e.attributes, 'exception.type') ?? '', message: attrText(e.attributes, 'exception.message') ?? '', frame: frame.trim().slice(0, 300) };
  }
  return span.status.message ? { type: '', message: span.status.message, frame: '' } : undefined;
}

export function errorOrigins(a: Analysis): Draft[] {
  const { view } = a;
  const n = view.spans.length;
  // In tree order (a parent before its children): how many failing spans in a row end at each span, and how many
  // times the service changes on the way from the root. One pass: deep traces with many failures stay linear.
  const run = new Int32Array(n);
  const hops = new Int32Array(n);
  for (const s of view.spans) {
    const p = s.parent >= 0 ? view.spans[s.parent]! : undefined;
    run[s.pos] = s.error ? (p?.error ? run[p.pos]! + 1 : 1) : 0;
    hops[s.pos] = p ? hops[p.pos]! + (p.service !== s.service ? 1 : 0) : 0;
  }
  // The origins, most severe and costly first; drafts only for the few that are kept (a trace can fail in thousands
  // of places).
  const origins: { s: ViewSpan; top: ViewSpan; impact: number }[] = [];
  for (const s of view.spans) {
    if (!s.error || s.children.some((c) => view.spans[c]!.error)) continue;
    let top = s;
    for (let i = 1; i < run[s.pos]!; i++) top = view.spans[top.parent]!;
    origins.push({ s, top, impact: top.parent < 0 ? a.view.header.duration * 2 + s.depth : s.duration });
  }
  origins.sort((x, y) => y.impact - x.impact);
  const out: Draft[] = [];
  for (const { s, top, impact } of origins.slice(0, a.t.perKind)) {
    // The failing part of the chain up to the root carried the error (listed up to MAX_FINDING_SPANS spans).
    const carried = run[s.pos]!;
    const chain: ViewSpan[] = [];
    for (let i = 0, c = s; i < Math.min(carried, MAX_FINDING_SPANS); i++, c = view.spans[c.parent]!) chain.push(c);
    const reachedRoot = top.parent < 0;
    const servicesBelowRoot = hops[s.pos]!;
    const ex = exceptionOf(s.span);
    const what = ex ? label(`${ex.type ? `${ex.type}: ` : ''}${ex.message}`, 120) : 'status ERROR';
    const where = servicesBelowRoot > 0 ? ` (${servicesBelowRoot} ${servicesBelowRoot === 1 ? 'service' : 'services'} below the root)` : '';
    const title = reachedRoot
      ? `Error starts in ${label(s.service)}: ${label(s.span.name)} — ${what}${where}`
      : `Handled error in ${label(s.service)}: ${label(s.span.name)} — ${what} (did not fail the request)`;
    out.push(
      draft(a, 'error-origin', reachedRoot ? 'error' : 'warning', title, chain, {
        exceptionType: ex?.type ?? '',
        exceptionMessage: ex?.message.slice(0, 1000) ?? '',
        stackFrame: ex?.frame ?? '',
        chain: [...chain.map((c) => `${c.service}: ${c.span.name}`), ...(carried > chain.length ? [`… and ${carried - chain.length} more`] : [])],
        failingSpans: carried,
        servicesBelowRoot,
        reachedRoot,
        services: listed([...new Set(chain.map((c) => c.service))]),
        durationMicros: micros(s.duration),
        ...(origins.length > a.t.perKind && out.length === a.t.perKind - 1 ? { moreOfThisKind: origins.length - a.t.perKind } : {}),
      }, impact),
    );
  }
  return out;
}

export function retryStorms(a: Analysis): Draft[] {
  const { view, t } = a;
  const out: Draft[] = [];
  for (const [pos, children] of callsByParent(view)) {
    if (children.length < t.retryMin) continue;
    let failing = 0;
    for (const c of children) if (c.span.error) failing++;
    if (failing < t.retryMin) continue;
    const parent = view.spans[pos]!;
    const groups = new Map<string, ViewSpan[]>();
    for (const { span, call } of children) {
      let g = groups.get(call.key);
      if (!g) groups.set(call.key, (g = []));
      g.push(span);
    }
    for (const [key, calls] of groups) {
      const failed = calls.filter((c) => c.error);
      if (failed.length < t.retryMin) continue;
      const [, peer, operation] = key.split('\u0000');
      const last = calls[calls.length - 1]!;
      const wasted = failed.reduce((sum, c) => sum + c.duration, 0);
      const title = `Retry storm: ${failed.length} of ${calls.length} calls to ${label(peer || operation!)} failed under ${label(parent.span.name)}${last.error ? '' : ', then one succeeded'}`;
      out.push(
        draft(a, 'retry-storm', 'warning', title, [parent, ...failed], {
          attempts: calls.length,
          failed: failed.length,
          succeededAtEnd: !last.error,
          peer: peer ?? '',
          operation: operation ?? '',
          failedTimeMicros: micros(wasted),
        }, wasted),
      );
    }
  }
  return out;
}
