// What is wrong with the trace's shape: orphan-span (a parent id that never arrives, told apart from a parent still
// running or not exported yet) and clock-skew (a child outside its parent across hosts, with the shift Jaeger's
// adjuster would apply: shown as such, the recorded times are kept). Pure.
import type { WireTrace } from '../../protocol/wire';
import type { ViewSpan } from '../views/traceView';
import { attrText } from './calls';
import type { Analysis, Draft } from './context';
import { draft, endOf, label, micros, ms } from './context';

export function orphanSpans(a: Analysis): Draft[] {
  const { view } = a;
  const running = new Set(view.trace.live?.runningSpanIds ?? []);
  const byParent = new Map<string, ViewSpan[]>();
  for (const s of view.spans) {
    if (!s.orphan) continue;
    let g = byParent.get(s.span.parentSpanId);
    if (!g) byParent.set(s.span.parentSpanId, (g = []));
    g.push(s);
  }
  const traceEndMs = Number(view.header.startNanos / 1_000_000n) + view.header.duration / 1e6;
  const waitedMs = a.nowMs - traceEndMs;
  const out: Draft[] = [];
  for (const [parentId, children] of byParent) {
    const first = children[0]!;
    const names = [...new Set(children.map((c) => label(c.span.name, 40)))];
    const parentRunning = children.some((c) => running.has(c.span.spanId));
    const expected = parentRunning || waitedMs < a.t.orphanGraceMs;
    const title = parentRunning
      ? `Parent of ${names.join(', ')} is still running in another process (a debugger holds it)`
      : expected
        ? `Parent ${parentId} of ${names.join(', ')} has not arrived yet (the trace is still being received)`
        : `Orphan: parent ${parentId} of ${names.join(', ')} never arrived (${label(first.service)}); the trace is incomplete`;
    out.push(
      draft(a, 'orphan-span', expected ? 'info' : 'warning', title, children, {
        missingParentID: parentId,
        children: children.length,
        parentRunning,
        waitedMs: Math.max(0, Math.round(waitedMs)),
        graceMs: a.t.orphanGraceMs,
      }, first.duration),
    );
  }
  return out;
}

/** The host a span ran on, as Jaeger's adjuster tells hosts apart (host.id, host.name, host.ip), else its service. */
function hostOf(trace: WireTrace, s: ViewSpan): string {
  const attrs = trace.resources[s.span.resource]?.attributes ?? [];
  return attrText(attrs, 'host.id', 'host.name', 'host.ip') ?? `${s.service}/${attrText(attrs, 'service.instance.id') ?? ''}`;
}

export function clockSkew(a: Analysis): Draft[] {
  const { view } = a;
  const out: Draft[] = [];
  for (const s of view.spans) {
    if (s.parent < 0) continue;
    const parent = view.spans[s.parent]!;
    if (s.offset >= parent.offset && endOf(s) <= endOf(parent)) continue;
    const childHost = hostOf(view.trace, s);
    const parentHost = hostOf(view.trace, parent);
    if (childHost === parentHost) continue; // one clock: async work that outlived its parent, not skew
    // Jaeger's adjustment: a child no longer than its parent is centred in it (latency assumed even both ways);
    // a longer one is aligned to the parent's start. The shift carries to the child's subtree on the same host.
    const shift = s.duration > parent.duration ? parent.offset - s.offset : parent.offset + (parent.duration - s.duration) / 2 - s.offset;
    let moved = 0;
    for (let p = s.pos + 1; p < s.subtreeEnd; p++) if (hostOf(view.trace, view.spans[p]!) === childHost) moved++;
    const direction = shift > 0 ? 'later' : 'earlier';
    const title = `Clock skew: ${label(s.service)} ${label(s.span.name)} lies outside its parent in ${label(parent.service)}; an adjustment would move it ${ms(Math.abs(shift))} ${direction}`;
    out.push(
      draft(a, 'clock-skew', 'info', title, [s, parent], {
        shiftMicros: micros(shift),
        childHost,
        parentHost,
        startsBeforeParentMicros: micros(Math.max(0, parent.offset - s.offset)),
        endsAfterParentMicros: micros(Math.max(0, endOf(s) - endOf(parent))),
        descendantsShifted: moved,
        adjusted: false,
      }, Math.abs(shift)),
    );
  }
  return out;
}
