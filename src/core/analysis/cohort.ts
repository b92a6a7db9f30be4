// The slow cohort explained (the technique Honeycomb calls BubbleUp): for every attribute value and every operation,
// the share of slow traces that have it against the share of the other traces; what the slow ones have far more often
// explains them. A trace "has" key=value when any of its spans (or their resources) carries it. Pure.
import { formatWireValue } from '../wire';
import type { CohortDifference, SlowCohortResult } from '../../protocol/analysis';
import type { TraceView } from '../views/traceView';

/** Traces each side needs before differences mean anything. */
export const COHORT_MIN_TRACES = 5;
/** Differences listed at most, and the smallest difference in share worth listing. */
const MAX_DIFFERENCES = 30;
const MIN_DIFFERENCE = 0.1;
/** Values longer than this are ids or payloads, not a property a group of traces shares. */
const MAX_VALUE_CHARS = 120;
/** Keys that differ per trace or per span by design: never an explanation. */
const SKIP_KEYS = new Set(['service.instance.id', 'process.pid', 'host.id', 'thread.id', 'thread.name']);

const SEP = '\u0000';

/** "attribute\0key\0value" and "operation\0service\0name" of one trace, once each. */
function propertiesOf(view: TraceView): Set<string> {
  const out = new Set<string>();
  const resourcesSeen = new Set<number>();
  const add = (key: string, value: string): void => {
    if (!SKIP_KEYS.has(key) && value.length <= MAX_VALUE_CHARS) out.add(`attribute${SEP}${key}${SEP}${value}`);
  };
  for (const s of view.spans) {
    out.add(`operation${SEP}${s.service}${SEP}${s.span.name}`);
    for (const a of s.span.attributes) add(a.key, formatWireValue(a.value));
    if (!resourcesSeen.has(s.span.resource)) {
      resourcesSeen.add(s.span.resource);
      for (const a of view.trace.resources[s.span.resource]?.attributes ?? []) add(a.key, formatWireValue(a.value));
    }
  }
  return out;
}

function tally(views: readonly TraceView[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of views) for (const p of propertiesOf(v)) counts.set(p, (counts.get(p) ?? 0) + 1);
  return counts;
}

export function explainSlowCohort(slow: readonly TraceView[], baseline: readonly TraceView[], thresholdNanos: number): SlowCohortResult {
  const head = { slowTraces: slow.length, baselineTraces: baseline.length, thresholdMicros: Math.round(thresholdNanos / 1000) };
  if (slow.length < COHORT_MIN_TRACES || baseline.length < COHORT_MIN_TRACES) {
    return { ...head, differences: [], note: `Too few traces to compare: ${slow.length} slow and ${baseline.length} others (at least ${COHORT_MIN_TRACES} of each are needed). Widen the window or lower the threshold.` };
  }
  const inSlow = tally(slow);
  const inBase = tally(baseline);
  const differences: CohortDifference[] = [];
  for (const [p, slowCount] of inSlow) {
    if (slowCount < 2) continue;
    const baselineCount = inBase.get(p) ?? 0;
    const slowShare = slowCount / slow.length;
    const baselineShare = baselineCount / baseline.length;
    if (slowShare - baselineShare < MIN_DIFFERENCE) continue;
    const [what, key, value] = p.split(SEP) as ['attribute' | 'operation', string, string];
    differences.push({ what, key, value, slowShare, baselineShare, slowCount, baselineCount });
  }
  differences.sort((a, b) => b.slowShare - b.baselineShare - (a.slowShare - a.baselineShare) || a.key.localeCompare(b.key) || a.value.localeCompare(b.value));
  return { ...head, differences: differences.slice(0, MAX_DIFFERENCES) };
}
