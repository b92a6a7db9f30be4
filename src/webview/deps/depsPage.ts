// The service dependency graph: services as nodes, calls as edges labelled with call count, error rate and p95 over a
// chosen window ('tracelens/dependencies'), laid out by dagre and drawn as SVG (text only through textContent).
// Clicking an edge or its label lists the traces that contain it ('tracelens/edgeTraces').
import { Graph, layout } from '@dagrejs/dagre';
import { formatDuration, nanos, plural, truncate } from '../../core/display';
import type { WireDependency } from '../../protocol/messages';
import type { UiRoute } from '../../protocol/webview';
import type { WireTraceSummary } from '../../protocol/wire';
import type { Page, UiContext } from '../context';
import { el, svg } from '../dom';
import { serviceChip } from '../search/searchPage';
import { serviceColor } from '../trace/common';

export const WINDOWS: readonly { readonly minutes: number; readonly label: string }[] = [
  { minutes: 15, label: 'Last 15 minutes' },
  { minutes: 60, label: 'Last hour' },
  { minutes: 360, label: 'Last 6 hours' },
  { minutes: 1440, label: 'Last 24 hours' },
  { minutes: 10080, label: 'Last 7 days' },
];
const DEFAULT_MINUTES = 60;
const LIVE_DEBOUNCE_MS = 1000;

/** The edge label's text: "12 calls · 8.3% errors · p95 34.0 ms". */
export function edgeLabel(d: WireDependency): string {
  const rate = d.callCount > 0 ? (d.errorCount / d.callCount) * 100 : 0;
  const pct = rate === 0 ? '0%' : rate < 1 ? '<1%' : `${rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)}%`;
  return `${plural(d.callCount, 'call')} · ${pct} errors · p95 ${formatDuration(nanos(d.p95Nanos))}`;
}

/** 'ok' (no errors), 'warn' (under 5%), 'bad': the edge's colour class. */
export function edgeHealth(d: WireDependency): 'ok' | 'warn' | 'bad' {
  if (d.errorCount === 0) return 'ok';
  return d.errorCount / Math.max(d.callCount, 1) < 0.05 ? 'warn' : 'bad';
}

/** Estimated widths of a character: the bold 13 px service name, and 11 px text. */
const NAME_CHAR_PX = 8.4;
const SMALL_CHAR_PX = 6.6;

export function renderDepsPage(ctx: UiContext, route: Extract<UiRoute, { page: 'dependencies' }>): Page & { update(route: UiRoute): void } {
  let minutes = route.lookbackMinutes ?? DEFAULT_MINUTES;
  let disposed = false;
  let generation = 0;
  let selected: { parent: string; child: string } | undefined;

  const windowSelect = el('select', { className: 'window-select' });
  windowSelect.setAttribute('aria-label', 'Time window');
  const syncWindow = (): void => {
    const known = WINDOWS.some((w) => w.minutes === minutes);
    windowSelect.replaceChildren(...(known ? WINDOWS : [...WINDOWS, { minutes, label: `Last ${minutes} minutes` }]).map((w) => {
      const o = el('option', { text: w.label });
      o.value = String(w.minutes);
      return o;
    }));
    windowSelect.value = String(minutes);
  };
  syncWindow();
  windowSelect.addEventListener('change', () => ctx.navigate({ page: 'dependencies', lookbackMinutes: Number(windowSelect.value) }));
  const summary = el('span', { className: 'result-count' });
  const graph = el('div', { className: 'graph' });
  const edgeList = el('section', { className: 'edge-traces' });
  const problem = el('p', { className: 'problem' });
  problem.hidden = true;
  const element = el('div', { className: 'page deps-page' }, el('div', { className: 'toolbar' }, el('label', { className: 'field' }, el('span', { text: 'Window' }), windowSelect), summary), problem, graph, edgeList);

  const windowParams = (): { fromNanos: string } => ({ fromNanos: ((BigInt(Date.now()) - BigInt(minutes) * 60_000n) * 1_000_000n).toString() });

  let edgeRequest = 0;
  const showEdgeTraces = async (d: WireDependency): Promise<void> => {
    const request = ++edgeRequest; // a later click (or a new graph) wins over this answer
    selected = { parent: d.parent, child: d.child };
    for (const e of graph.querySelectorAll<SVGGElement>('g.edge')) e.classList.toggle('selected', e.dataset['parent'] === d.parent && e.dataset['child'] === d.child);
    edgeList.replaceChildren(el('p', { className: 'muted', text: 'Loading traces…' }));
    let traces: WireTraceSummary[];
    try {
      traces = await ctx.request('tracelens/edgeTraces', { parent: d.parent, child: d.child, ...windowParams() });
    } catch (e) {
      if (!disposed && request === edgeRequest) edgeList.replaceChildren(el('p', { className: 'problem', text: e instanceof Error ? e.message : String(e) }));
      return;
    }
    if (disposed || request !== edgeRequest) return;
    const heading = el('h3', {}, document.createTextNode('Traces with calls from '), serviceChip(d.parent), document.createTextNode(' to '), serviceChip(d.child));
    const rows = traces.map((t) => {
      const row = el(
        'tr',
        { className: t.errorCount > 0 ? 'trace error' : 'trace' },
        el('td', { text: truncate(t.rootService, 80) }),
        el('td', { text: truncate(t.rootName, 160) }),
        el('td', { className: 'num', text: formatDuration(nanos(t.durationNanos)) }),
        el('td', { className: 'num', text: String(t.spanCount) }),
        el('td', { className: 'num errors', text: t.errorCount ? String(t.errorCount) : '' }),
        el('td', { text: new Date(Number(nanos(t.startTimeUnixNano) / 1_000_000n)).toLocaleString() }),
      );
      row.dataset['traceId'] = t.traceId;
      row.tabIndex = 0;
      const open = (): void => ctx.navigate({ page: 'trace', traceId: t.traceId });
      row.addEventListener('click', open);
      row.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') open();
      });
      return row;
    });
    const head = el('tr', {}, ...['Service', 'Operation', 'Duration', 'Spans', 'Errors', 'Start'].map((h) => el('th', { text: h })));
    edgeList.replaceChildren(heading, traces.length ? el('table', { className: 'traces' }, el('thead', {}, head), el('tbody', {}, ...rows)) : el('p', { className: 'empty', text: 'No stored trace has this call in the window any more.' }));
  };

  const draw = (deps: readonly WireDependency[]): void => {
    const g = new Graph({ multigraph: false });
    g.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 120, edgesep: 20, marginx: 16, marginy: 16 });
    g.setDefaultEdgeLabel(() => ({}));
    const calls = new Map<string, { in: number; out: number }>();
    const count = (s: string): { in: number; out: number } => {
      const c = calls.get(s) ?? { in: 0, out: 0 };
      calls.set(s, c);
      return c;
    };
    for (const d of deps) {
      count(d.parent).out += d.callCount;
      count(d.child).in += d.callCount;
    }
    // dagre keys plain objects by node id: service names (untrusted, "__proto__" included) go in the labels only.
    const ids = new Map<string, string>();
    for (const [name, c] of calls) {
      const sub = `${plural(c.in, 'call')} in · ${c.out} out`;
      const width = Math.max(truncate(name, 40).length * NAME_CHAR_PX, sub.length * SMALL_CHAR_PX) + 28;
      ids.set(name, `n${ids.size}`);
      g.setNode(ids.get(name)!, { width, height: 46, name, sub });
    }
    for (const d of deps) g.setEdge(ids.get(d.parent)!, ids.get(d.child)!, { width: edgeLabel(d).length * SMALL_CHAR_PX + 10, height: 18, labelpos: 'c', dep: d });
    layout(g);
    const size = g.graph();
    const width = Math.max(200, Math.ceil(size.width ?? 200));
    const height = Math.max(100, Math.ceil(size.height ?? 100));

    const defs = svg('defs');
    for (const health of ['ok', 'warn', 'bad'] as const) {
      defs.append(svg('marker', { id: `arrow-${health}`, class: `arrow ${health}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z' })));
    }
    const edges = svg('g', { class: 'edges' });
    for (const e of g.edges()) {
      const label = g.edge(e) as { points?: { x: number; y: number }[]; x?: number; y?: number; width: number; height: number; dep: WireDependency };
      const d = label.dep;
      const health = edgeHealth(d);
      const pts = label.points ?? [];
      const path = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
      const group = svg('g', { class: `edge ${health}`, tabindex: 0, role: 'button' });
      group.dataset['parent'] = d.parent;
      group.dataset['child'] = d.child;
      group.setAttribute('aria-label', `${d.parent} to ${d.child}: ${edgeLabel(d)}`);
      // A wide transparent stroke under the line makes it easy to click.
      group.append(svg('path', { class: 'hit', d: path }), svg('path', { class: 'line', d: path, 'marker-end': `url(#arrow-${health})` }));
      if (label.x !== undefined && label.y !== undefined) {
        // A backing box keeps the line from showing through the label.
        const back = svg('rect', { class: 'edge-label-back', x: (label.x - label.width / 2).toFixed(1), y: (label.y - label.height / 2).toFixed(1), width: label.width.toFixed(1), height: label.height, rx: 3 });
        const text = svg('text', { class: 'edge-label', x: label.x.toFixed(1), y: (label.y + 4).toFixed(1), 'text-anchor': 'middle' });
        text.textContent = edgeLabel(d);
        group.append(back, text);
      }
      if (selected && selected.parent === d.parent && selected.child === d.child) group.classList.add('selected');
      group.addEventListener('click', () => void showEdgeTraces(d));
      group.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter') void showEdgeTraces(d);
      });
      edges.append(group);
    }
    const nodes = svg('g', { class: 'nodes' });
    for (const id of g.nodes()) {
      const n = g.node(id) as { x: number; y: number; width: number; height: number; name: string; sub: string };
      const name = n.name;
      const box = svg('rect', { x: (n.x - n.width / 2).toFixed(1), y: (n.y - n.height / 2).toFixed(1), width: n.width.toFixed(1), height: n.height, rx: 6 });
      const stripe = svg('rect', { class: 'stripe', x: (n.x - n.width / 2).toFixed(1), y: (n.y - n.height / 2).toFixed(1), width: 5, height: n.height, rx: 2 });
      stripe.style.setProperty('--chip-color', serviceColor(name));
      const title = svg('text', { class: 'node-name', x: n.x.toFixed(1), y: (n.y - 3).toFixed(1), 'text-anchor': 'middle' });
      title.textContent = truncate(name, 40);
      const sub = svg('text', { class: 'node-sub', x: n.x.toFixed(1), y: (n.y + 13).toFixed(1), 'text-anchor': 'middle' });
      sub.textContent = n.sub;
      const tip = svg('title');
      tip.textContent = name;
      const group = svg('g', { class: 'node' }, tip, box, stripe, title, sub);
      group.dataset['service'] = name;
      nodes.append(group);
    }
    graph.replaceChildren(svg('svg', { class: 'deps-graph', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'Service dependency graph' }, defs, edges, nodes));
  };

  const load = async (): Promise<void> => {
    const mine = ++generation;
    try {
      const deps = await ctx.request('tracelens/dependencies', windowParams());
      if (disposed || mine !== generation) return;
      problem.hidden = true;
      summary.textContent = deps.length ? `${plural(new Set(deps.flatMap((d) => [d.parent, d.child])).size, 'service')} · ${plural(deps.length, 'dependency', 'dependencies')}` : '';
      if (deps.length === 0) {
        graph.replaceChildren(
          el(
            'div',
            { className: 'empty' },
            el('p', { text: 'No calls between services in this window.' }),
            el('p', { text: 'The graph shows a call when a span of one service has a child span of another: send traces from two or more instrumented services (with context propagation), or choose a longer window.' }),
          ),
        );
        return;
      }
      draw(deps);
    } catch (e) {
      if (disposed || mine !== generation) return;
      problem.textContent = e instanceof Error ? e.message : String(e);
      problem.hidden = false;
    }
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = ctx.onTracesChanged(() => {
    timer ??= setTimeout(() => {
      timer = undefined;
      void load();
    }, LIVE_DEBOUNCE_MS);
  });
  void load();

  return {
    element,
    title: 'Dependencies',
    update(next) {
      if (next.page !== 'dependencies') return;
      minutes = next.lookbackMinutes ?? DEFAULT_MINUTES;
      syncWindow();
      selected = undefined;
      edgeRequest++; // an edge's answer still on its way no longer fills the list
      edgeList.replaceChildren();
      void load();
    },
    dispose() {
      disposed = true;
      unsubscribe();
      clearTimeout(timer);
    },
  };
}
