// The Propagation page: how context travelled between services (tracelens/propagation), for one trace or for the
// traces of a window. The service hops (a span whose parent is in another service) as a list, alike hops merged, with
// the baggage keys the caller had and the callee kept (keys dropped at the hop struck through), and the breaks:
// broken-propagation, orphan-span and baggage-dropped findings, each with links to its span and to the other trace.
// One controller holds the state; the toolbar, hop list and break list render from it. Names and keys come from span
// data: text only.
import { plural } from '../../core/display';
import type { PropagationHop, PropagationResult } from '../../protocol/analysis';
import type { UiRoute } from '../../protocol/webview';
import type { Page, UiContext } from '../context';
import { WINDOWS } from '../deps/depsPage';
import { el, option, routeLink } from '../dom';
import { PageModel } from '../pageModel';
import { serviceChip } from '../search/searchPage';
import { findingView } from '../trace/insights';

export type PropagationRoute = Extract<UiRoute, { page: 'propagation' }>;

const DEFAULT_MINUTES = 15;
/** Traces of a window, at most (the server's default is 50; it takes up to 200). */
const WINDOW_TRACES = 100;
/** Reloads on live changes at most this often: one trace is cheap; a window re-reads up to 200 traces. */
const LIVE_DEBOUNCE_MS = 2000;
const LIVE_WINDOW_DEBOUNCE_MS = 10_000;

/** Hops alike (same services and operations) merged: how often, in how many traces, and the baggage over all of them. */
export interface HopGroup {
  readonly fromService: string;
  readonly fromOperation: string;
  readonly toService: string;
  readonly toOperation: string;
  readonly count: number;
  readonly traces: number;
  /** Keys the callers had, sorted; the ones dropped at some of these hops; the ones the callees had. */
  readonly before: readonly string[];
  readonly dropped: readonly string[];
  readonly after: readonly string[];
  /** The first of them (its spans are what "Open span" shows). */
  readonly first: PropagationHop;
}

/** Hops merged by caller and callee (service and operation), in the order they first appear. Pure. */
export function groupHops(hops: readonly PropagationHop[]): HopGroup[] {
  const groups = new Map<string, { first: PropagationHop; count: number; traces: Set<string>; before: Set<string>; dropped: Set<string>; after: Set<string> }>();
  for (const h of hops) {
    const key = JSON.stringify([h.fromService, h.fromOperation, h.toService, h.toOperation]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { first: h, count: 0, traces: new Set(), before: new Set(), dropped: new Set(), after: new Set() }));
    g.count++;
    g.traces.add(h.traceID);
    for (const k of h.baggageBefore) g.before.add(k);
    for (const k of h.dropped) g.dropped.add(k);
    for (const k of h.baggageAfter) g.after.add(k);
  }
  const sorted = (s: Set<string>): string[] => [...s].sort();
  return [...groups.values()].map((g) => ({
    fromService: g.first.fromService,
    fromOperation: g.first.fromOperation,
    toService: g.first.toService,
    toOperation: g.first.toOperation,
    count: g.count,
    traces: g.traces.size,
    before: sorted(g.before),
    dropped: sorted(g.dropped),
    after: sorted(g.after),
    first: g.first,
  }));
}

/** `result` null: the trace is not stored. */
export class PropagationController extends PageModel<PropagationResult | null> {
  constructor(
    readonly ctx: UiContext,
    public route: PropagationRoute,
  ) {
    super();
  }

  get minutes(): number {
    return this.route.lookbackMinutes ?? DEFAULT_MINUTES;
  }

  load(): Promise<void> {
    const traceId = this.route.traceId;
    return this.fetch(() => this.ctx.request('tracelens/propagation', traceId ? { traceId } : { lookbackMinutes: this.minutes, limit: WINDOW_TRACES }));
  }

  setRoute(route: PropagationRoute): void {
    const other = route.traceId !== this.route.traceId;
    this.route = route;
    if (other) this.result = undefined;
    this.emit();
    void this.load();
  }

  /** Whether a change of these traces concerns the page (a window takes any new trace). */
  concerns(traceIds: readonly string[], more: boolean): boolean {
    const id = this.route.traceId;
    return id === undefined || more || traceIds.includes(id);
  }
}

/** One trace (with a link to it and a way to the window), or the window's choice and its trace count. */
class PropagationToolbar {
  readonly element: HTMLElement;

  constructor(private readonly c: PropagationController) {
    this.element = el('div', { className: 'toolbar propagation-toolbar' });
  }

  render(): void {
    const { c } = this;
    const ctx = c.ctx;
    const traceId = c.route.traceId;
    if (traceId) {
      const trace = routeLink(ctx, traceId, { page: 'trace', traceId }, 'trace-link');
      const all = el('button', { className: 'tl-tool window-button', text: `All traces of the last ${DEFAULT_MINUTES} minutes` });
      all.addEventListener('click', () => ctx.navigate({ page: 'propagation' }));
      this.element.replaceChildren(el('span', { className: 'muted', text: 'Trace' }), trace, all, this.services());
      return;
    }
    const select = el('select', { className: 'window-select' });
    select.setAttribute('aria-label', 'Time window');
    const windows = WINDOWS.some((w) => w.minutes === c.minutes) ? WINDOWS : [...WINDOWS, { minutes: c.minutes, label: `Last ${c.minutes} minutes` }];
    select.append(...windows.map((w) => option(String(w.minutes), w.label)));
    select.value = String(c.minutes);
    select.addEventListener('change', () => ctx.navigate({ page: 'propagation', ...(Number(select.value) !== DEFAULT_MINUTES ? { lookbackMinutes: Number(select.value) } : {}) }));
    const count = c.result ? `${plural(c.result.traceIDs.length, 'trace')}${c.result.traceIDs.length >= WINDOW_TRACES ? ' (the newest)' : ''}` : '';
    this.element.replaceChildren(el('label', { className: 'field' }, el('span', { text: 'Window' }), select), el('span', { className: 'result-count', text: count }), this.services());
  }

  private services(): HTMLElement {
    const s = this.c.result?.services ?? [];
    return el('span', { className: 'propagation-services' }, ...s.map((name) => serviceChip(name)));
  }
}

/** A baggage key list: the dropped ones struck through, marked and named in their tooltip. */
function keyList(keys: readonly string[], dropped: ReadonlySet<string>): HTMLElement {
  if (keys.length === 0) return el('span', { className: 'muted', text: 'none' });
  return el(
    'span',
    { className: 'baggage-keys' },
    ...keys.map((k) => {
      const gone = dropped.has(k);
      const key = el(gone ? 's' : 'span', { className: gone ? 'baggage-key dropped' : 'baggage-key', text: k, title: gone ? `${k}: dropped at this hop (the callee's spans do not carry it)` : k });
      key.dataset['key'] = k;
      return key;
    }),
  );
}

class HopList {
  readonly element: HTMLElement;

  constructor(private readonly c: PropagationController) {
    this.element = el('section', { className: 'hops' });
  }

  render(): void {
    const { c } = this;
    const r = c.result;
    if (!r) {
      this.element.replaceChildren();
      return;
    }
    const groups = groupHops(r.hops);
    const heading = el('h3', { text: groups.length ? `Service hops (${groups.length})` : 'Service hops' });
    if (groups.length === 0) {
      this.element.replaceChildren(heading, el('p', { className: 'empty', text: c.route.traceId ? 'This trace stays in one service: no calls between services.' : 'No calls between services in these traces.' }));
      return;
    }
    const window = !c.route.traceId;
    const head = el('tr', {}, ...['From', '', 'To', 'Baggage', 'Calls', ''].map((h) => el('th', { text: h })));
    const rows = groups.map((g) => {
      const open = routeLink(c.ctx, 'Open span', { page: 'trace', traceId: g.first.traceID, spanId: g.first.toSpanID }, 'hop-span-link');
      const dropped = new Set(g.dropped);
      const tr = el(
        'tr',
        { className: g.dropped.length > 0 ? 'hop dropped' : 'hop' },
        el('td', { className: 'hop-from' }, serviceChip(g.fromService), el('span', { className: 'hop-op', text: g.fromOperation })),
        el('td', { className: 'hop-arrow', text: '→' }),
        el('td', { className: 'hop-to' }, serviceChip(g.toService), el('span', { className: 'hop-op', text: g.toOperation })),
        el('td', { className: 'hop-baggage' }, keyList([...new Set([...g.before, ...g.after])].sort(), dropped)),
        el('td', { className: 'num', text: window ? `${g.count} in ${plural(g.traces, 'trace')}` : String(g.count) }),
        el('td', {}, open),
      );
      tr.dataset['from'] = g.fromService;
      tr.dataset['to'] = g.toService;
      return tr;
    });
    this.element.replaceChildren(heading, el('table', { className: 'traces hops-table' }, el('thead', {}, head), el('tbody', {}, ...rows)));
  }
}

class BreakList {
  readonly element: HTMLElement;

  constructor(private readonly c: PropagationController) {
    this.element = el('section', { className: 'breaks' });
  }

  render(): void {
    const { c } = this;
    const r = c.result;
    if (!r) {
      this.element.replaceChildren();
      return;
    }
    const heading = el('h3', { text: r.breaks.length ? `Where context was lost (${r.breaks.length})` : 'Where context was lost' });
    if (r.breaks.length === 0) {
      this.element.replaceChildren(heading, el('p', { className: 'empty', text: 'No broken propagation, orphan spans or dropped baggage.' }));
      return;
    }
    const open = (f: { traceID: string; spanIDs: readonly string[] }): void => c.ctx.navigate({ page: 'trace', traceId: f.traceID, ...(f.spanIDs[0] ? { spanId: f.spanIDs[0] } : {}) });
    this.element.replaceChildren(heading, el('ol', { className: 'tl-findings' }, ...r.breaks.map((f) => findingView(f, { ctx: c.ctx, select: open, spanLink: true }))));
  }
}

export function renderPropagationPage(ctx: UiContext, route: PropagationRoute): Page & { update(route: UiRoute): void } {
  const c = new PropagationController(ctx, route);
  const toolbar = new PropagationToolbar(c);
  const problem = el('p', { className: 'problem' });
  problem.setAttribute('role', 'alert');
  const status = el('p', { className: 'muted' });
  const hops = new HopList(c);
  const breaks = new BreakList(c);
  const element = el('div', { className: 'page propagation-page' }, toolbar.element, problem, status, hops.element, breaks.element);
  const render = (): void => {
    toolbar.render();
    problem.hidden = c.error === undefined;
    problem.textContent = c.error ?? '';
    status.hidden = c.result !== undefined || c.error !== undefined;
    status.textContent = 'Loading…';
    if (c.result === null) {
      status.hidden = false;
      status.textContent = `Trace ${c.route.traceId ?? ''} is not stored: it was never received, or retention dropped it.`;
    }
    hops.render();
    breaks.render();
  };
  c.onChange(render);
  render();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = ctx.onTracesChanged((event) => {
    if (!event.cleared && !c.concerns(event.traceIds, event.more)) return;
    timer ??= setTimeout(() => {
      timer = undefined;
      void c.load();
    }, c.route.traceId ? LIVE_DEBOUNCE_MS : LIVE_WINDOW_DEBOUNCE_MS);
  });
  void c.load();
  return {
    element,
    get title() {
      return c.route.traceId ? `Propagation ${c.route.traceId.slice(0, 8)}` : 'Propagation';
    },
    update(next) {
      if (next.page === 'propagation') c.setRoute(next);
    },
    dispose() {
      c.disposed = true;
      unsubscribe();
      clearTimeout(timer);
    },
  };
}
