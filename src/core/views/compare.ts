// Two traces compared as one merged tree (the compare page): spans are matched by their path of (service, span name)
// from the root, repeated siblings by order of start; each node carries its duration in A and B, and the tree is
// sorted by each subtree's contribution to the latency difference (the change of its spans' self time, rolled up).
// Spans only in A are 'missing', only in B 'added'. Pure: never changes the traces it is given.
import type { SpanTreeNode } from '../display';
import { buildSpanTree, nanos, serviceOf, spanDuration, STATUS_ERROR } from '../display';
import type { WireTrace } from '../../protocol/wire';

export interface CompareSide {
  readonly spanId: string;
  readonly durationNanos: bigint;
  /** Duration minus the time covered by its children (clipped to the span). */
  readonly selfNanos: bigint;
  readonly error: boolean;
}

export interface CompareNode {
  readonly service: string;
  readonly name: string;
  readonly a?: CompareSide;
  readonly b?: CompareSide;
  readonly state: 'both' | 'missing' | 'added';
  /** Duration in B minus duration in A (a side without the span counts 0). */
  readonly deltaNanos: bigint;
  /** Self-time change of this node and everything under it: what it adds to B's latency over A's. */
  readonly contributionNanos: bigint;
  /** Largest |contribution| first. */
  readonly children: readonly CompareNode[];
}

export interface TraceComparison {
  readonly roots: readonly CompareNode[];
  /** Whole-trace durations (earliest start to latest end). */
  readonly durationA: bigint;
  readonly durationB: bigint;
  /** Set when the traces do not start at the same root operation; they are compared anyway. */
  readonly warning?: string;
}

function traceDuration(trace: WireTrace): bigint {
  let start = -1n;
  let end = 0n;
  for (const s of trace.spans) {
    const t0 = nanos(s.startTimeUnixNano);
    const t1 = nanos(s.endTimeUnixNano);
    if (start < 0n || t0 < start) start = t0;
    if (t1 > end) end = t1;
  }
  return start < 0n || end < start ? 0n : end - start;
}

/** Self time: the span's duration less the union of its children's intervals inside it. */
function selfTime(node: SpanTreeNode): bigint {
  const start = nanos(node.span.startTimeUnixNano);
  const end = start + spanDuration(node.span);
  const spans = node.children
    .map((c) => [nanos(c.span.startTimeUnixNano), nanos(c.span.endTimeUnixNano)] as const)
    .map(([s, e]) => [s < start ? start : s, e > end ? end : e] as const)
    .filter(([s, e]) => e > s)
    .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  let covered = 0n;
  let at = start;
  for (const [s, e] of spans) {
    const from = s > at ? s : at;
    if (e > from) {
      covered += e - from;
      at = e;
    }
  }
  return end - start - covered;
}

function side(node: SpanTreeNode): CompareSide {
  return { spanId: node.span.spanId, durationNanos: spanDuration(node.span), selfNanos: selfTime(node), error: node.span.status.code === STATUS_ERROR };
}

const abs = (n: bigint): bigint => (n < 0n ? -n : n);

/** Merges two lists of sibling subtrees: same (service, name) paired in order of start. Linear in the siblings. */
function merge(ta: WireTrace, tb: WireTrace, as: readonly SpanTreeNode[], bs: readonly SpanTreeNode[]): CompareNode[] {
  const key = (t: WireTrace, n: SpanTreeNode): string => `${serviceOf(t, n.span)}\u0000${n.span.name}`;
  const queues = new Map<string, { readonly items: SpanTreeNode[]; next: number }>();
  for (const b of bs) {
    const k = key(tb, b);
    const q = queues.get(k);
    if (q) q.items.push(b);
    else queues.set(k, { items: [b], next: 0 });
  }
  const out: { node: CompareNode; order: number }[] = [];
  const matched = new Set<SpanTreeNode>();
  as.forEach((a, i) => {
    const q = queues.get(key(ta, a));
    const match = q && q.next < q.items.length ? q.items[q.next++] : undefined;
    if (match) matched.add(match);
    out.push({ node: node(ta, tb, a, match), order: i });
  });
  // What is left in B was added; it sorts after A's spans of equal contribution.
  let order = as.length;
  for (const b of bs) if (!matched.has(b)) out.push({ node: node(ta, tb, undefined, b), order: order++ });
  return out
    .sort((x, y) => {
      const d = abs(y.node.contributionNanos) - abs(x.node.contributionNanos);
      return d > 0n ? 1 : d < 0n ? -1 : x.order - y.order;
    })
    .map((x) => x.node);
}

function node(ta: WireTrace, tb: WireTrace, a: SpanTreeNode | undefined, b: SpanTreeNode | undefined): CompareNode {
  const sa = a ? side(a) : undefined;
  const sb = b ? side(b) : undefined;
  const children = merge(ta, tb, a?.children ?? [], b?.children ?? []);
  const self = (sb?.selfNanos ?? 0n) - (sa?.selfNanos ?? 0n);
  const any = (a ?? b)!;
  return {
    service: serviceOf(a ? ta : tb, any.span),
    name: any.span.name,
    ...(sa ? { a: sa } : {}),
    ...(sb ? { b: sb } : {}),
    state: sa && sb ? 'both' : sa ? 'missing' : 'added',
    deltaNanos: (sb?.durationNanos ?? 0n) - (sa?.durationNanos ?? 0n),
    contributionNanos: children.reduce((sum, c) => sum + c.contributionNanos, self),
    children,
  };
}

/** A (the baseline) against B: one merged tree, B's changes from A. */
export function compareTraces(a: WireTrace, b: WireTrace): TraceComparison {
  const treeA = buildSpanTree(a);
  const treeB = buildSpanTree(b);
  const rootA = treeA.roots[0];
  const rootB = treeB.roots[0];
  const label = (t: WireTrace, n: SpanTreeNode | undefined): string => (n ? `${serviceOf(t, n.span)}: ${n.span.name}` : '(no spans)');
  const sameRoot = rootA !== undefined && rootB !== undefined && serviceOf(a, rootA.span) === serviceOf(b, rootB.span) && rootA.span.name === rootB.span.name;
  return {
    roots: merge(a, b, treeA.roots, treeB.roots),
    durationA: traceDuration(a),
    durationB: traceDuration(b),
    ...(sameRoot ? {} : { warning: `The traces start at different operations (${label(a, rootA)} and ${label(b, rootB)}); they are compared anyway, span by span.` }),
  };
}

/** The merged tree as rows in display order (depth-first, children in their sorted order). */
export function compareRows(roots: readonly CompareNode[]): { readonly node: CompareNode; readonly depth: number }[] {
  const rows: { node: CompareNode; depth: number }[] = [];
  const walk = (nodes: readonly CompareNode[], depth: number): void => {
    for (const n of nodes) {
      rows.push({ node: n, depth });
      walk(n.children, depth + 1);
    }
  };
  walk(roots, 0);
  return rows;
}
