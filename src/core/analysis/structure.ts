// What is wrong with the trace's shape: orphan-span (a parent id that never arrives, told apart from a parent still
// running or not exported yet) and clock-skew (a child outside its parent across hosts, with the shift Jaeger's
// adjuster would apply: shown as such, the recorded times are kept). Pure.
import { SpanKind } from '../model';
import type { TraceView, ViewSpan } from '../views/traceView';
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

/** The host of each resource of the trace, as Jaeger's adjuster tells hosts apart (host.id, host.name, host.ip), else
 * the service and its instance. */
function hostsOf(view: TraceView): string[] {
  return view.trace.resources.map((r) => {
    const attrs = r.attributes;
    return attrText(attrs, 'host.id', 'host.name', 'host.ip') ?? `${attrText(attrs, 'service.name') ?? ''}/${attrText(attrs, 'service.instance.id') ?? ''}`;
  });
}

/** Skews smaller than this are clock resolution and rounding, not worth a finding. */
const SKEW_TOLERANCE_NANOS = 1_000_000;

export function clockSkew(a: Analysis): Draft[] {
  const { view } = a;
  const hosts = hostsOf(view);
  const hostAt = (s: ViewSpan): string => hosts[s.span.resource] ?? '';
  // Spans on each host up to a position (tree order), made for the hosts of skewed spans only: a subtree's spans on
  // one host are then one subtraction.
  const counts = new Map<string, Int32Array>();
  const countOn = (host: string): Int32Array => {
    let c = counts.get(host);
    if (!c) {
      c = new Int32Array(view.spans.length + 1);
      for (let p = 0; p < view.spans.length; p++) c[p + 1] = c[p]! + (hostAt(view.spans[p]!) === host ? 1 : 0);
      counts.set(host, c);
    }
    return c;
  };
  const out: Draft[] = [];
  for (const s of view.spans) {
    if (s.parent < 0) continue;
    const parent = view.spans[s.parent]!;
    const before = parent.offset - s.offset;
    const after = endOf(s) - endOf(parent);
    if (before < SKEW_TOLERANCE_NANOS && after < SKEW_TOLERANCE_NANOS) continue;
    // A consumer runs after its producer by design; a child on the same host shares its clock (async work).
    if (s.kind === SpanKind.CONSUMER || parent.kind === SpanKind.PRODUCER) continue;
    const childHost = hostAt(s);
    const parentHost = hostAt(parent);
    if (childHost === parentHost) continue;
    // Jaeger's adjustment: a child no longer than its parent is centred in it (latency assumed even both ways);
    // a longer one is aligned to the parent's start. The shift carries to the child's subtree on the same host.
    const shift = s.duration > parent.duration ? parent.offset - s.offset : parent.offset + (parent.duration - s.duration) / 2 - s.offset;
    const c = countOn(childHost);
    const moved = c[s.subtreeEnd]! - c[s.pos + 1]!;
    const direction = shift > 0 ? 'later' : 'earlier';
    const title = `Clock skew: ${label(s.service)} ${label(s.span.name)} lies outside its parent in ${label(parent.service)}; an adjustment would move it ${ms(Math.abs(shift))} ${direction}`;
    out.push(
      draft(a, 'clock-skew', 'info', title, [s, parent], {
        shiftMicros: micros(shift),
        childHost,
        parentHost,
        startsBeforeParentMicros: micros(Math.max(0, before)),
        endsAfterParentMicros: micros(Math.max(0, after)),
        descendantsShifted: moved,
        adjusted: false,
      }, Math.abs(shift)),
    );
  }
  return out;
}
