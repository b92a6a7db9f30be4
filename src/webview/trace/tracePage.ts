// The trace page: header, tabs (waterfall, flame graph, statistics, span table, JSON, insights), the span detail beside
// them, search inside the trace and the keyboard. The trace's findings (tracelens/insights) load once the trace has
// painted: a line under the header names them and opens the Insights tab, where a finding frames its spans in the
// waterfall. One controller holds the page's state (selected span, collapsed spans, search, critical path, zoom, the
// findings and the framed one); the tab views read it and render. The trace reloads when the live feed names it,
// keeping selection, collapsed spans and scroll. While a debugger holds a process of the trace paused, the server adds
// the spans that process still holds (running ones end at the pause) and says which in `live`: a banner names the pause,
// the rows and the detail mark what is in flight, and the paused span is selected. Span data is untrusted: text only,
// never markup.
import { findingsLine } from '../../core/analysis/findings';
import { nanos, plural } from '../../core/display';
import type { CriticalPath } from '../../core/views/criticalPath';
import { criticalPath } from '../../core/views/criticalPath';
import type { FindResult } from '../../core/views/find';
import { errorSpans, findSpans, step } from '../../core/views/find';
import { collapseAll, collapseBelow, collapsedFromIds, collapsedIds, revealSpan, setCollapsed, toggleCollapsed, visibleRows } from '../../core/views/rows';
import type { TraceView } from '../../core/views/traceView';
import { traceView } from '../../core/views/traceView';
import type { Finding } from '../../protocol/analysis';
import type { TraceTab, UiRoute } from '../../protocol/webview';
import type { WireLogRecord, WireTrace } from '../../protocol/wire';
import type { Page, UiContext } from '../context';
import { loadTrace, loadTraceOutline } from '../context';
import { el } from '../dom';
import { dur, pauseIcon, TABS } from './common';
import { SpanDetail } from './detail';
import { FlameTab } from './flame';
import { JsonTab } from './json';
import { InsightsTab, severityIcon } from './insights';
import { installKeyboard } from './keyboard';
import { StatsTab } from './stats';
import { SpanTable } from './table';
import { Waterfall } from './waterfall';

export type TraceRoute = Extract<UiRoute, { page: 'trace' }>;

/** The page the shell mounts; update() takes a new route of the same trace without a reload. */
export interface TracePage extends Page {
  update(route: TraceRoute): void;
}

/** A view of one tab: mounted once, rendered when the state changes. */
export interface TabView {
  readonly element: HTMLElement;
  /** Redraw from the controller's state; `what` says what changed (views may skip work). */
  render(what: Change): void;
  /** Called when the tab is shown, hidden, or the page goes. */
  shown?(visible: boolean): void;
  dispose?(): void;
}

/** 'insights': the findings arrived (or failed); 'frame': a finding's spans are marked in the waterfall, or no more. */
export type Change = 'all' | 'selection' | 'rows' | 'search' | 'critical' | 'zoom' | 'insights' | 'frame';

/** The trace's findings: loading (after the trace paints), loaded, or the reason there are none to show. */
export type FindingsState = { readonly state: 'loading' } | { readonly state: 'loaded'; readonly findings: readonly Finding[] } | { readonly state: 'failed'; readonly error: string };

/** The finding shown in the waterfall and the positions of its spans (the first is the one selected). */
export interface Framing {
  readonly finding: Finding;
  readonly spans: ReadonlySet<number>;
  readonly first: number;
}

const NO_MATCHES: FindResult = { matches: [] };

/** A paused debuggee's in-flight spans as positions in the loaded view: built once per trace load, read per row. */
export interface LiveMarks {
  readonly sessionName: string;
  readonly pausedSpanId: string;
  /** Position of the span the debugger paused in, -1 when the trace lacks it. */
  readonly paused: number;
  /** Spans not ended at the pause (their end is the pause). */
  readonly running: ReadonlySet<number>;
  /** Spans that had ended but still waited in the process's export queue. */
  readonly unexported: ReadonlySet<number>;
  /** The debuggee's clock at the pause, Unix ns (0n when unknown). */
  readonly pausedAt: bigint;
}

/** The view's live state, or undefined when no debugger holds a process of the trace paused. */
export function liveMarks(view: TraceView): LiveMarks | undefined {
  const live = view.trace.live;
  if (!live) return undefined;
  const positions = (ids: readonly string[]): ReadonlySet<number> => {
    const out = new Set<number>();
    for (const id of ids) {
      const pos = view.byId.get(id);
      if (pos !== undefined) out.add(pos);
    }
    return out;
  };
  return {
    sessionName: live.sessionName,
    pausedSpanId: live.pausedSpanId,
    paused: view.byId.get(live.pausedSpanId) ?? -1,
    running: positions(live.runningSpanIds),
    unexported: positions(live.unexportedSpanIds),
    pausedAt: nanos(live.pausedAtUnixNano),
  };
}

/** The state of one loaded trace and the actions on it. */
export class TraceController {
  view!: TraceView;
  logs: readonly WireLogRecord[] = [];
  selected = -1;
  collapsed: ReadonlySet<number> = new Set();
  rows: readonly number[] = [];
  query = '';
  found: FindResult = NO_MATCHES;
  matchSet: ReadonlySet<number> = new Set();
  critical = false;
  /** The time range the waterfall shows (ns from the trace start), or the whole trace. */
  zoom: { readonly start: number; readonly end: number } | undefined;
  tab: TraceTab;
  /** The spans shown are the trace's outline: attributes, events and links are still loading. */
  outline = false;
  /** Set while a debugger holds a process of the trace paused. */
  live: LiveMarks | undefined;
  findings: FindingsState = { state: 'loading' };
  framing: Framing | undefined;
  private readonly listeners: ((what: Change) => void)[] = [];

  constructor(
    readonly ctx: UiContext,
    public route: TraceRoute,
  ) {
    this.tab = route.tab ?? 'waterfall';
  }

  /**
   * A (re)loaded trace: keeps the selection and collapsed spans by span id. With nothing selected, a pause selects the
   * span the debugger paused in: on the first load (unless the route names a span) and when a new pause arrives.
   */
  setTrace(view: TraceView, logs: readonly WireLogRecord[]): void {
    const old = this.view === view ? undefined : this.view;
    let selectedId = old && this.selected >= 0 ? old.spans[this.selected]?.span.spanId : this.route.spanId;
    const ids = old ? collapsedIds(old, this.collapsed) : new Set<string>();
    const oldLive = old ? this.live : undefined;
    const live = liveMarks(view);
    const followPause = selectedId === undefined && live !== undefined && live.paused >= 0 && (!old || live.pausedSpanId !== oldLive?.pausedSpanId);
    if (followPause) selectedId = live.pausedSpanId;
    this.view = view;
    this.live = live;
    this.logs = logs;
    this.collapsed = collapsedFromIds(this.view, ids);
    this.selected = selectedId !== undefined ? (this.view.byId.get(selectedId) ?? -1) : -1;
    if (this.selected >= 0) this.collapsed = revealSpan(this.view, this.collapsed, this.selected);
    this.rows = visibleRows(this.view, this.collapsed);
    this.found = this.query ? findSpans(this.view, this.query) : NO_MATCHES;
    this.matchSet = new Set(this.found.matches);
    if (this.framing) this.framing = framingOf(this.view, this.framing.finding);
    this.emit('all');
    // A pause that arrived while the page was open: scroll its span into view (the first load scrolls by itself).
    if (followPause && old) this.emit('selection');
  }

  get path(): CriticalPath | undefined {
    return this.critical ? criticalPath(this.view) : undefined;
  }

  get duration(): number {
    return this.view.header.duration;
  }

  onChange(listener: (what: Change) => void): void {
    this.listeners.push(listener);
  }

  emit(what: Change): void {
    for (const l of this.listeners) l(what);
  }

  /** Select a span (or -1), expanding its ancestors so it shows; the route follows. */
  select(pos: number, navigate = true): void {
    if (pos >= this.view.spans.length) return;
    if (pos >= 0) {
      const revealed = revealSpan(this.view, this.collapsed, pos);
      if (revealed !== this.collapsed) this.setCollapsedSet(revealed);
    }
    if (pos === this.selected) return;
    this.selected = pos;
    this.emit('selection');
    if (navigate) this.navigate();
  }

  setTab(tab: TraceTab, navigate = true): void {
    if (tab === this.tab) return;
    this.tab = tab;
    this.emit('all');
    if (navigate) this.navigate();
  }

  private navigate(): void {
    const spanId = this.selected >= 0 ? this.view.spans[this.selected]!.span.spanId : undefined;
    const route: TraceRoute = { page: 'trace', traceId: this.route.traceId, ...(spanId ? { spanId } : {}), ...(this.tab !== 'waterfall' ? { tab: this.tab } : {}) };
    this.route = route;
    this.ctx.navigate(route);
  }

  setFindings(findings: FindingsState): void {
    this.findings = findings;
    this.emit('insights');
  }

  /**
   * A finding shown in the waterfall: its spans revealed (ancestors expanded) and marked, the first selected and
   * scrolled to; the route follows (the waterfall tab, that span).
   */
  frameFinding(finding: Finding): void {
    const framing = framingOf(this.view, finding);
    if (!framing) return;
    let collapsed = this.collapsed;
    for (const pos of framing.spans) collapsed = revealSpan(this.view, collapsed, pos);
    if (collapsed !== this.collapsed) this.setCollapsedSet(collapsed);
    this.framing = framing;
    this.setTab('waterfall', false);
    this.emit('frame');
    this.selected = framing.first;
    this.emit('selection');
    this.navigate();
  }

  clearFraming(): void {
    if (!this.framing) return;
    this.framing = undefined;
    this.emit('frame');
  }

  setCollapsedSet(collapsed: ReadonlySet<number>): void {
    this.collapsed = collapsed;
    this.rows = visibleRows(this.view, collapsed);
    this.emit('rows');
  }

  toggle(pos: number): void {
    if (this.view.spans[pos]?.children.length) this.setCollapsedSet(toggleCollapsed(this.collapsed, pos));
  }

  /** Left/right on a span: collapse or expand it; on a collapsed or leaf span, left goes to the parent. */
  collapse(pos: number, value: boolean): void {
    const s = this.view.spans[pos];
    if (!s) return;
    const isCollapsed = this.collapsed.has(pos);
    if (value && (isCollapsed || s.children.length === 0)) {
      if (s.parent >= 0) this.select(s.parent);
      return;
    }
    if (s.children.length > 0 && isCollapsed !== value) this.setCollapsedSet(setCollapsed(this.collapsed, pos, value));
  }

  collapseAll(): void {
    this.collapseTo(0);
  }

  /** Rows down to `depth` (0 = the roots only) show; the selection moves up if it is hidden. */
  collapseTo(depth: number): void {
    this.setCollapsedSet(depth === 0 ? collapseAll(this.view) : collapseBelow(this.view, depth));
    let p = this.selected;
    while (p >= 0 && this.view.spans[p]!.depth > depth) p = this.view.spans[p]!.parent;
    if (p !== this.selected) this.select(p);
  }

  expandAll(): void {
    this.setCollapsedSet(new Set());
  }

  setQuery(query: string): void {
    this.query = query;
    this.found = query.trim() ? findSpans(this.view, query) : NO_MATCHES;
    this.matchSet = new Set(this.found.matches);
    this.emit('search');
  }

  /** n / N: the next or previous match from the selected span. */
  stepMatch(dir: 1 | -1): void {
    const next = step(this.found.matches, this.selected, dir);
    if (next !== undefined) this.select(next);
  }

  stepError(dir: 1 | -1): void {
    const next = step(errorSpans(this.view), this.selected, dir);
    if (next !== undefined) this.select(next);
  }

  /** Up/down among the visible rows. */
  move(delta: number): void {
    if (this.rows.length === 0) return;
    const at = this.selected >= 0 ? this.rows.indexOf(this.selected) : -1;
    const next = at < 0 ? (delta > 0 ? 0 : this.rows.length - 1) : Math.max(0, Math.min(this.rows.length - 1, at + delta));
    this.select(this.rows[next]!);
  }

  toggleCritical(): void {
    this.critical = !this.critical;
    this.emit('critical');
  }

  setZoom(zoom: { start: number; end: number } | undefined): void {
    this.zoom = zoom && zoom.end > zoom.start ? zoom : undefined;
    this.emit('zoom');
  }
}

/** A finding's spans as positions in `view` (those it has), or undefined when it has none of them. */
function framingOf(view: TraceView, finding: Finding): Framing | undefined {
  const spans: number[] = [];
  for (const id of finding.spanIDs) {
    const pos = view.byId.get(id);
    if (pos !== undefined) spans.push(pos);
  }
  return spans.length > 0 ? { finding, spans: new Set(spans), first: spans[0]! } : undefined;
}

/**
 * "3 findings: N+1 … · error starts in …" under the header, opening the Insights tab; nothing while they load, when
 * there are none, or when they could not be had (the Insights tab says why).
 */
function findingsHeaderLine(c: TraceController): HTMLElement[] {
  const f = c.findings;
  if (f.state !== 'loaded' || f.findings.length === 0) return [];
  const worst = f.findings[0]!.severity;
  const line = el('button', { className: `tl-findings-line sev-${worst}`, title: 'Show the findings (Insights tab)' }, severityIcon(worst), el('span', { className: 'tl-findings-text', text: findingsLine(f.findings) }));
  line.addEventListener('click', () => c.setTab('insights'));
  return [line];
}

function header(c: TraceController): HTMLElement {
  const h = c.view.header;
  const field = (name: string, label: string, value: string, className = ''): HTMLElement => {
    const e = el('span', { className: `tl-field ${className}`.trim() }, el('span', { className: 'tl-field-label', text: label }), el('span', { className: 'tl-field-value', text: value }));
    e.dataset['field'] = name;
    return e;
  };
  const startMs = Number(h.startNanos / 1_000_000n);
  return el(
    'div',
    { className: 'tl-header' },
    el('h2', { className: 'tl-title' }, el('span', { className: 'tl-title-service', text: h.rootService }), document.createTextNode(' '), el('span', { className: 'tl-title-name', text: h.rootName })),
    el(
      'div',
      { className: 'tl-fields' },
      field('start', 'Start', h.spanCount > 0 ? new Date(startMs).toISOString().replace('T', ' ').replace('Z', ' UTC') : '–'),
      field('duration', 'Duration', dur(h.duration)),
      field('services', 'Services', String(h.services.length)),
      field('depth', 'Depth', String(h.depth)),
      field('spans', 'Spans', String(h.spanCount)),
      field('errors', 'Errors', String(h.errorCount), h.errorCount > 0 ? 'tl-has-errors' : ''),
      field('orphans', 'Orphans', String(h.orphanCount), h.orphanCount > 0 ? 'tl-has-orphans' : ''),
      field('trace-id', 'Trace', c.view.trace.traceId, 'tl-mono'),
      ...(c.view.trace.source ? [field('source', 'From', `remote ${c.view.trace.source}`, 'tl-source')] : []),
    ),
  );
}

/** "⏸ Paused in <session>: <span> · N running · M not exported yet", or nothing when no debugger holds the trace. */
function liveBanner(c: TraceController): HTMLElement[] {
  const live = c.live;
  if (!live) return [];
  const paused = c.view.spans[live.paused]?.span.name ?? live.pausedSpanId;
  const text = ` Paused in ${live.sessionName || 'a debug session'}: ${paused} · ${live.running.size} running · ${live.unexported.size} not exported yet`;
  const banner = el('div', { className: 'tl-live-banner', title: 'A debugger holds a process of this trace paused: its spans that are still running or not exported yet are shown until it resumes.' }, pauseIcon(), text);
  banner.setAttribute('role', 'status');
  return [banner];
}

export function renderTracePage(ctx: UiContext, route: TraceRoute): TracePage {
  const element = el('div', { className: 'page tl-trace' });
  element.dataset['traceId'] = route.traceId;
  const status = el('p', { className: 'tl-loading', text: 'Loading trace…' });
  element.append(status);
  const c = new TraceController(ctx, route);
  const disposers: (() => void)[] = [];
  let views: Map<TraceTab, TabView> | undefined;
  let disposed = false;
  let loading: Promise<void> | undefined;
  let reloadAgain = false;

  const mount = (): void => {
    const tabBar = el('div', { className: 'tl-tabs' });
    tabBar.setAttribute('role', 'tablist');
    const tabButtons = TABS.map(({ tab, label }, i) => {
      const b = el('button', { className: 'tl-tab', text: label, title: `${label} (${i + 1})` });
      b.dataset['tab'] = tab;
      b.setAttribute('role', 'tab');
      b.addEventListener('click', () => c.setTab(tab));
      return b;
    });
    tabBar.append(...tabButtons);
    const detail = new SpanDetail(c);
    const waterfall = new Waterfall(c);
    const tabViews: Record<TraceTab, TabView> = {
      waterfall,
      flame: new FlameTab(c),
      stats: new StatsTab(c),
      table: new SpanTable(c),
      json: new JsonTab(c),
      insights: new InsightsTab(c),
    };
    views = new Map<TraceTab, TabView>(TABS.map(({ tab }) => [tab, tabViews[tab]]));
    const content = el('div', { className: 'tl-content' }, ...[...views.values()].map((v) => v.element));
    const body = el('div', { className: 'tl-body' }, content, detail.element);
    const headerSlot = el('div', { className: 'tl-header-slot' }, header(c));
    const liveSlot = el('div', { className: 'tl-live-slot' }, ...liveBanner(c));
    const findingsSlot = el('div', { className: 'tl-findings-slot' }, ...findingsHeaderLine(c));
    element.replaceChildren(headerSlot, findingsSlot, liveSlot, tabBar, body);
    let shownTab: TraceTab | undefined;
    // Tabs out of view that missed a whole re-render ('all'): drawn when shown, not while hidden (a 100k-span trace
    // would otherwise lay out its flame graph, statistics and table before the waterfall paints).
    const stale = new Set<TraceTab>();
    const showTab = (): void => {
      for (const b of tabButtons) {
        const on = b.dataset['tab'] === c.tab;
        b.classList.toggle('active', on);
        b.setAttribute('aria-selected', String(on));
      }
      for (const [tab, v] of views!) {
        v.element.hidden = tab !== c.tab;
        if (tab === c.tab && stale.delete(tab)) v.render('all');
        if (tab === c.tab && shownTab !== tab) v.shown?.(true);
        else if (tab !== c.tab && shownTab === tab) v.shown?.(false);
      }
      body.classList.toggle('tl-no-detail', c.tab === 'stats' || c.tab === 'json' || c.tab === 'insights');
      shownTab = c.tab;
    };
    c.onChange((what) => {
      if (what === 'all') {
        headerSlot.replaceChildren(header(c));
        liveSlot.replaceChildren(...liveBanner(c));
        showTab();
      }
      if (what === 'insights') findingsSlot.replaceChildren(...findingsHeaderLine(c));
      for (const [tab, v] of views!) {
        if (tab === c.tab) v.render(what);
        else if (what === 'all') stale.add(tab);
      }
      detail.render(what);
    });
    showTab();
    disposers.push(installKeyboard(element, c, { focusSearch: () => waterfall.focusSearch(), openDetail: () => detail.focus() }));
    for (const v of views.values()) if (v.dispose) disposers.push(() => v.dispose!());
  };

  const title = (): string =>
    c.view ? `${c.view.header.rootService}: ${c.view.header.rootName} (${plural(c.view.header.spanCount, 'span')})` : `Trace ${route.traceId.slice(0, 8)}`;
  /** Shows a trace (or its outline); the first one mounts the page. */
  const show = (trace: WireTrace, logs: readonly WireLogRecord[], outline: boolean): void => {
    const first = !views;
    if (first) performance.mark('tracelens:trace-loaded');
    const view = traceView(trace);
    c.outline = outline;
    element.dataset['loaded'] = outline ? 'outline' : 'whole'; // for tests and styles: attributes are still coming
    if (first) {
      c.view = view;
      mount();
    }
    c.setTrace(view, logs);
    if (first) {
      performance.mark('tracelens:trace-rendered');
      ctx.setTitle(title());
    }
  };
  const load = async (): Promise<void> => {
    // The first time, paint from the outline (half the data), then ask for the whole trace: asked together, the
    // server would build the whole answer first and the outline would wait behind it.
    const outline = views ? undefined : await loadTraceOutline(ctx, route.traceId).catch(() => null);
    if (disposed) return;
    if (outline && !views) show(outline, [], true);
    const [trace, logs] = await Promise.all([loadTrace(ctx, route.traceId), ctx.request('tracelens/getLogs', { traceId: route.traceId }).catch(() => [])]);
    if (disposed) return;
    if (!trace) {
      if (views) return; // it was shown before and is gone now (retention): keep what is on screen
      const back = el('button', { text: 'Search traces' });
      back.addEventListener('click', () => ctx.navigate({ page: 'search' }));
      element.replaceChildren(el('div', { className: 'tl-missing' }, el('p', { text: `Trace ${route.traceId} is not stored: it was never received, or retention dropped it.` }), back));
      return;
    }
    show(trace, logs, false);
    loadFindings();
  };
  /**
   * The trace's findings, asked for once the whole trace is on screen (never ahead of its first paint), and again after
   * each reload; an answer for an older load is dropped.
   */
  let findingsAsked = 0;
  const loadFindings = (): void => {
    const mine = ++findingsAsked;
    ctx.request('tracelens/insights', { traceId: route.traceId }).then(
      (result) => {
        if (disposed || mine !== findingsAsked) return;
        performance.mark('tracelens:insights-loaded');
        c.setFindings(result ? { state: 'loaded', findings: result.findings } : { state: 'failed', error: 'The trace is no longer stored.' });
      },
      (e: unknown) => {
        if (disposed || mine !== findingsAsked) return;
        c.setFindings({ state: 'failed', error: e instanceof Error ? e.message : String(e) });
      },
    );
  };
  const reload = (): void => {
    if (loading) {
      reloadAgain = true;
      return;
    }
    loading = load()
      .catch((e: unknown) => {
        if (!views) element.replaceChildren(el('p', { className: 'tl-error', text: `Could not load the trace: ${e instanceof Error ? e.message : String(e)}` }));
      })
      .finally(() => {
        loading = undefined;
        if (reloadAgain && !disposed) {
          reloadAgain = false;
          reload();
        }
      });
  };
  performance.mark('tracelens:trace-request');
  reload();
  disposers.push(
    ctx.onTracesChanged((event) => {
      if (event.cleared || event.traceIds.includes(route.traceId) || (event.more && views)) reload();
    }),
  );

  return {
    element,
    get title(): string {
      return title();
    },
    update(next: TraceRoute): void {
      if (next.traceId !== route.traceId) return;
      c.route = next; // while loading too: the span asked for is the one selected when the trace arrives
      if (!views) return;
      if ((next.tab ?? 'waterfall') !== c.tab) c.setTab(next.tab ?? 'waterfall', false);
      const pos = next.spanId ? (c.view.byId.get(next.spanId) ?? -1) : -1;
      if (pos !== c.selected) c.select(pos, false);
    },
    dispose(): void {
      disposed = true;
      for (const d of disposers) d();
    },
  };
}
