// The trace's statistics table: per service and operation, how many spans, their total and self time, average,
// min, max, and the share of the trace's duration (total time; nested spans of one operation count each time).
import type { TraceView } from './traceView';

export interface OperationStats {
  readonly service: string;
  readonly operation: string;
  readonly count: number;
  /** ns */
  readonly total: number;
  readonly selfTotal: number;
  readonly avg: number;
  readonly min: number;
  readonly max: number;
  /** total / trace duration * 100. */
  readonly percent: number;
  readonly errors: number;
}

export type StatsKey = Exclude<keyof OperationStats, 'service' | 'operation'> | 'service' | 'operation';

const cache = new WeakMap<TraceView, readonly OperationStats[]>();

/** By total time, largest first. */
export function traceStats(view: TraceView): readonly OperationStats[] {
  const hit = cache.get(view);
  if (hit) return hit;
  const groups = new Map<string, { service: string; operation: string; count: number; total: number; selfTotal: number; min: number; max: number; errors: number }>();
  for (const s of view.spans) {
    const key = `${s.service}\u0000${s.span.name}`;
    let g = groups.get(key);
    if (!g) {
      g = { service: s.service, operation: s.span.name, count: 0, total: 0, selfTotal: 0, min: Infinity, max: -Infinity, errors: 0 };
      groups.set(key, g);
    }
    g.count++;
    g.total += s.duration;
    g.selfTotal += s.selfTime;
    if (s.duration < g.min) g.min = s.duration;
    if (s.duration > g.max) g.max = s.duration;
    if (s.error) g.errors++;
  }
  const traceDuration = view.header.duration;
  const rows = [...groups.values()].map((g) => ({ ...g, avg: g.total / g.count, percent: traceDuration > 0 ? (g.total / traceDuration) * 100 : 0 }));
  const sorted = sortStats(rows, 'total', 'desc');
  cache.set(view, sorted);
  return sorted;
}

/** A sorted copy; ties broken by service then operation so the order is stable. */
export function sortStats(rows: readonly OperationStats[], key: StatsKey, dir: 'asc' | 'desc'): OperationStats[] {
  const sign = dir === 'asc' ? 1 : -1;
  const byName = (a: OperationStats, b: OperationStats): number => a.service.localeCompare(b.service) || a.operation.localeCompare(b.operation);
  return [...rows].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    const d = typeof x === 'string' && typeof y === 'string' ? x.localeCompare(y) : (x as number) - (y as number);
    return d * sign || byName(a, b);
  });
}
