// The Hotspots page: per operation (or per source location) over a window, what costs most overall
// (tracelens/hotspots). A filter bar (service, a text filter on the rows, window, grouping) over a table sortable by
// any column: calls, throughput, p50/p95/p99, errors, self and total time, the share of the critical path as a bar,
// and the p95's trend against the window before. A row opens its slowest traces (the search page, at least the p95,
// slowest first); in VS Code a row with a source opens its code. One controller holds the state; the filter bar and
// the table render from it. Rows are at most LIMIT (a plain table). Names come from span data: text only.
import { plural, serviceOf, truncate } from '../../core/display';
import type { HotspotRow, HotspotsResult } from '../../protocol/analysis';
import type { HotspotsGroupBy, UiRoute } from '../../protocol/webview';
import type { Page, UiContext } from '../context';
import { loadTraceOutline } from '../context';
import { WINDOWS } from '../deps/depsPage';
import { el, field, option } from '../dom';
import { PageModel } from '../pageModel';
import { serviceChip } from '../search/searchPage';
import { durationWord, EMPTY_FORM, formToLine, sinceWord } from '../search/searchQuery';
import { dur, percent } from '../trace/common';

export type HotspotsRoute = Extract<UiRoute, { page: 'hotspots' }>;

/** The windows the hotspot engine keeps (a day at most). */
export const HOTSPOT_WINDOWS = WINDOWS.filter((w) => w.minutes <= 24 * 60);
const DEFAULT_MINUTES = 60;
/** Rows asked for: the costliest operations; the text filter narrows these. */
const LIMIT = 100;
const LIVE_DEBOUNCE_MS = 2000;
/** A p95 this much above (or below) the window before's is a trend worth an arrow. */
const TREND_STEP = 0.1;

export type HotspotKey = 'service' | 'operation' | 'count' | 'throughput' | 'p50' | 'p95' | 'p99' | 'errors' | 'selfTime' | 'totalTime' | 'criticalPathShare' | 'trend';

export const HOTSPOT_COLUMNS: readonly { readonly key: HotspotKey; readonly label: string; readonly num: boolean; readonly title: string }[] = [
  { key: 'service', label: 'Service', num: false, title: 'Service' },
  { key: 'operation', label: 'Operation', num: false, title: 'Span name (with grouping by location: the costliest of the operations merged)' },
  { key: 'count', label: 'Calls', num: true, title: 'Spans in the window' },
  { key: 'throughput', label: 'Calls/min', num: true, title: 'Calls per minute over the window' },
  { key: 'p50', label: 'p50', num: true, title: 'Median duration' },
  { key: 'p95', label: 'p95', num: true, title: '95th percentile of the duration' },
  { key: 'p99', label: 'p99', num: true, title: '99th percentile of the duration' },
  { key: 'errors', label: 'Errors', num: true, title: 'Share of calls that failed' },
  { key: 'selfTime', label: 'Self time', num: true, title: 'Time in its own code (not in child spans), all calls' },
  { key: 'totalTime', label: 'Total time', num: true, title: 'Duration of all its calls' },
  { key: 'criticalPathShare', label: 'Critical path', num: true, title: 'Share of the critical paths of the window spent in its own time' },
  { key: 'trend', label: 'Trend', num: true, title: 'p95 against the window before' },
];

function value(r: HotspotRow, key: HotspotKey): number | string {
  switch (key) {
    case 'errors':
      return r.count > 0 ? r.errors / r.count : 0;
    case 'trend':
      return r.trend ?? -1;
    case 'criticalPathShare':
      return r.criticalPathShare ?? -1;
    default:
      return r[key];
  }
}

/** The rows ordered by a column (text columns by name, the rest numerically; ties by total time). Pure. */
export function sortHotspots(rows: readonly HotspotRow[], key: HotspotKey, dir: 'asc' | 'desc'): HotspotRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = value(a, key);
    const y = value(b, key);
    const c = typeof x === 'string' && typeof y === 'string' ? x.localeCompare(y) : Number(x) - Number(y);
    return sign * c || b.totalTime - a.totalTime;
  });
}

/** Whether a row's service or operations (all merged ones too) contain the text, ignoring case. */
export function hotspotMatches(r: HotspotRow, text: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === '') return true;
  const names = [r.service, r.operation, ...(r.operations ?? []).flatMap((o) => [o.service, o.operation]), r.source ? `${r.source.file}:${r.source.line}` : ''];
  return names.some((n) => n.toLowerCase().includes(t));
}

/** The hotspot percentiles come from a sketch: within 1 % of a true sample, above or below. */
const SKETCH_ACCURACY = 0.01;

/**
 * The search that lists a row's slowest traces: its service and operation, at least its p95, slowest first. The p95
 * is lowered by the sketch's accuracy, so the spans it stands for (all of them, when every call took the same time)
 * are not left out.
 */
export function slowestTracesRoute(r: HotspotRow, minutes: number): UiRoute {
  const min = r.p95 > 0 ? durationWord(r.p95 / (1 + SKETCH_ACCURACY)) : '';
  const query = formToLine({ ...EMPTY_FORM, service: r.service, operation: r.operation, minDuration: min, range: sinceWord(minutes), sort: 'duration' });
  return { page: 'search', query };
}

/** µs -> "12.3 ms". */
function micros(us: number): string {
  return dur(us * 1000);
}

/** ↑ (slower), ↓ (faster) or → against the window before; – when either window had no calls. */
export function trendArrow(trend: number | null): { readonly text: string; readonly className: string; readonly title: string } {
  if (trend === null) return { text: '–', className: 'trend none', title: 'No calls in the window before' };
  const change = `p95 ${trend >= 1 ? '+' : '−'}${Math.abs((trend - 1) * 100).toFixed(0)}% against the window before`;
  if (trend >= 1 + TREND_STEP) return { text: '↑', className: 'trend up', title: change };
  if (trend <= 1 - TREND_STEP) return { text: '↓', className: 'trend down', title: change };
  return { text: '→', className: 'trend flat', title: change };
}

/** The page's state: the route (service, window, grouping), the answer, the sort and the text filter. */
export class HotspotsController extends PageModel<HotspotsResult> {
  services: readonly string[] = [];
  key: HotspotKey = 'totalTime';
  dir: 'asc' | 'desc' = 'desc';
  filter = '';

  constructor(
    readonly ctx: UiContext,
    public route: HotspotsRoute,
  ) {
    super();
  }

  get minutes(): number {
    return this.route.lookbackMinutes ?? DEFAULT_MINUTES;
  }

  get groupBy(): HotspotsGroupBy {
    return this.route.groupBy ?? 'operation';
  }

  /** The rows shown: the filter applied, in the chosen order. */
  get rows(): readonly HotspotRow[] {
    const rows = this.result?.rows ?? [];
    return sortHotspots(
      rows.filter((r) => hotspotMatches(r, this.filter)),
      this.key,
      this.dir,
    );
  }

  load(): Promise<void> {
    return this.fetch(() =>
      this.ctx.request('tracelens/hotspots', {
        ...(this.route.service ? { service: this.route.service } : {}),
        lookbackMinutes: this.minutes,
        groupBy: this.groupBy,
        limit: LIMIT,
      }),
    );
  }

  async loadServices(): Promise<void> {
    const names = await this.ctx.request('tracelens/services', {});
    if (this.disposed) return;
    this.services = names;
    this.emit();
  }

  /** A new service, window or grouping: into the route (history), which loads it. */
  navigate(change: Partial<Omit<HotspotsRoute, 'page'>>): void {
    const next = { ...this.route, ...change };
    this.ctx.navigate({
      page: 'hotspots',
      ...(next.service ? { service: next.service } : {}),
      ...(next.lookbackMinutes !== undefined && next.lookbackMinutes !== DEFAULT_MINUTES ? { lookbackMinutes: next.lookbackMinutes } : {}),
      ...(next.groupBy && next.groupBy !== 'operation' ? { groupBy: next.groupBy } : {}),
    });
  }

  setRoute(route: HotspotsRoute): void {
    this.route = route;
    this.emit();
    void this.load();
  }

  setSort(key: HotspotKey): void {
    if (this.key === key) this.dir = this.dir === 'asc' ? 'desc' : 'asc';
    else {
      this.key = key;
      this.dir = key === 'service' || key === 'operation' ? 'asc' : 'desc';
    }
    this.emit();
  }

  setFilter(text: string): void {
    this.filter = text;
    this.emit();
  }

  openSlowest(r: HotspotRow): void {
    this.ctx.navigate(slowestTracesRoute(r, this.minutes));
  }

  /**
   * The code of a row (VS Code): one of its spans, opened through the host's openSource like a span of the trace page
   * (the correlation engine, path mappings, a question before a file outside the workspace).
   */
  async openCode(r: HotspotRow): Promise<void> {
    const [trace] = await this.ctx.request('tracelens/findTraces', { service: r.service, operation: r.operation, limit: 1 });
    const outline = trace ? await loadTraceOutline(this.ctx, trace.traceId) : null;
    const span = outline?.spans.find((s) => s.name === r.operation && serviceOf(outline, s) === r.service);
    if (!trace || !span) throw new Error(`No stored span of ${r.service}: ${r.operation} any more (retention dropped them).`);
    this.ctx.openSource({ traceId: trace.traceId, spanId: span.spanId });
  }
}

/** Service, text filter, window and grouping. */
class HotspotsFilterBar {
  readonly element: HTMLElement;
  private readonly service: HTMLSelectElement;
  private readonly window: HTMLSelectElement;
  private readonly groupBy: HTMLSelectElement;
  private readonly filter: HTMLInputElement;

  constructor(private readonly c: HotspotsController) {
    this.service = el('select', { className: 'service-select' });
    this.service.setAttribute('aria-label', 'Service');
    this.filter = el('input', { className: 'hotspots-filter' });
    this.filter.type = 'search';
    this.filter.placeholder = 'Filter operations';
    this.filter.setAttribute('aria-label', 'Filter operations');
    this.window = el('select', { className: 'window-select' });
    this.window.setAttribute('aria-label', 'Time window');
    this.groupBy = el('select', { className: 'group-select' }, option('operation', 'Operation'), option('location', 'Source location'));
    this.groupBy.setAttribute('aria-label', 'Group by');
    this.service.addEventListener('change', () => c.navigate({ service: this.service.value || undefined }));
    this.window.addEventListener('change', () => c.navigate({ lookbackMinutes: Number(this.window.value) }));
    this.groupBy.addEventListener('change', () => c.navigate({ groupBy: this.groupBy.value === 'location' ? 'location' : 'operation' }));
    this.filter.addEventListener('input', () => c.setFilter(this.filter.value));
    this.element = el('form', { className: 'search-form hotspots-filters' }, field('Service', this.service), field('Operation', this.filter), field('Window', this.window), field('Group by', this.groupBy));
    this.element.addEventListener('submit', (e) => e.preventDefault());
  }

  render(): void {
    const c = this.c;
    const chosen = c.route.service ?? '';
    const names = chosen && !c.services.includes(chosen) ? [...c.services, chosen] : c.services;
    if (this.service.options.length !== names.length + 1 || [...names].some((n, i) => this.service.options[i + 1]?.value !== n)) {
      this.service.replaceChildren(option('', 'All services'), ...names.map((n) => option(n, truncate(n, 80))));
    }
    this.service.value = chosen;
    const windows = HOTSPOT_WINDOWS.some((w) => w.minutes === c.minutes) ? HOTSPOT_WINDOWS : [...HOTSPOT_WINDOWS, { minutes: c.minutes, label: `Last ${c.minutes} minutes` }];
    if (this.window.options.length !== windows.length) this.window.replaceChildren(...windows.map((w) => option(String(w.minutes), w.label)));
    this.window.value = String(c.minutes);
    this.groupBy.value = c.groupBy;
    if (this.filter.value !== c.filter && document.activeElement !== this.filter) this.filter.value = c.filter;
  }
}

/** The table, its heading sorting by a column (again to reverse). */
class HotspotsTable {
  readonly element: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly problem: HTMLElement;
  private readonly table: HTMLElement;

  constructor(private readonly c: HotspotsController) {
    this.summary = el('span', { className: 'result-count' });
    this.problem = el('p', { className: 'problem' });
    this.problem.setAttribute('role', 'alert');
    this.table = el('div', { className: 'hotspots-table-wrap' });
    this.element = el('section', { className: 'hotspots' }, el('div', { className: 'toolbar' }, this.summary), this.problem, this.table);
  }

  render(): void {
    const c = this.c;
    this.problem.hidden = c.error === undefined;
    this.problem.textContent = c.error ?? '';
    const result = c.result;
    if (!result) {
      this.summary.textContent = c.error ? '' : 'Loading…';
      if (c.error) this.table.replaceChildren();
      return;
    }
    const rows = c.rows;
    const what = c.groupBy === 'location' ? 'location' : 'operation';
    const counted = rows.length === result.rows.length ? plural(rows.length, what) : `${rows.length} of ${plural(result.rows.length, what)}`;
    this.summary.textContent = `${counted} · ${plural(result.spans, 'span')} in the window${result.rows.length >= LIMIT ? ` · the ${LIMIT} costliest` : ''}`;
    if (result.rows.length === 0) {
      this.table.replaceChildren(
        el(
          'div',
          { className: 'empty' },
          el('p', { text: c.route.service ? `No calls of ${c.route.service} in this window.` : 'No calls in this window.' }),
          el('p', { text: 'Hotspots count spans as they arrive (a trace\'s self and critical-path time once it has been quiet a few seconds): send traces, or choose a longer window.' }),
        ),
      );
      return;
    }
    const head = el(
      'tr',
      {},
      ...HOTSPOT_COLUMNS.map((col) => {
        const th = el('th', { className: col.num ? 'num' : '', text: col.label + (col.key === c.key ? (c.dir === 'asc' ? ' ▲' : ' ▼') : ''), title: col.title });
        th.dataset['key'] = col.key;
        th.setAttribute('aria-sort', col.key === c.key ? (c.dir === 'asc' ? 'ascending' : 'descending') : 'none');
        th.addEventListener('click', () => c.setSort(col.key));
        return th;
      }),
    );
    // Where the rows map in code, when correlation found it for any of them.
    const code = rows.some((r) => r.source);
    if (code) head.append(el('th', { text: 'Code' }));
    const body = el('tbody', {}, ...rows.map((r) => this.row(r, code)));
    this.table.replaceChildren(el('table', { className: 'traces hotspots-table' }, el('thead', {}, head), body));
  }

  private row(r: HotspotRow, code: boolean): HTMLTableRowElement {
    const c = this.c;
    const errorRate = r.count > 0 ? r.errors / r.count : 0;
    const known = r.criticalPathShare !== null;
    const share = el('span', { className: 'share-bar', title: known ? `${percent(r.criticalPathShare ?? 0)} of the critical paths in the window` : 'Not computed on this store (ClickHouse)' });
    const fill = el('span', { className: 'share-bar-fill' });
    fill.style.width = `${Math.min(1, Math.max(0, r.criticalPathShare ?? 0)) * 100}%`;
    share.append(fill);
    const trend = trendArrow(r.trend);
    const merged = r.operations && r.operations.length > 1 ? r.operations : undefined;
    const operation = el('td', { className: 'operation', title: merged ? merged.map((o) => `${o.service}: ${o.operation}`).join('\n') : r.operation }, el('span', { text: r.operation }));
    if (merged) operation.append(el('span', { className: 'muted', text: ` +${merged.length - 1} more` }));
    const tr = el(
      'tr',
      { className: r.errors > 0 ? 'trace hotspot error' : 'trace hotspot', title: 'Show its slowest traces' },
      el('td', { className: 'service' }, serviceChip(r.service)),
      operation,
      el('td', { className: 'num count', text: r.count.toLocaleString('en-US') }),
      el('td', { className: 'num', text: r.throughput >= 10 ? r.throughput.toFixed(0) : r.throughput.toFixed(2) }),
      el('td', { className: 'num', text: micros(r.p50) }),
      el('td', { className: 'num p95', text: micros(r.p95) }),
      el('td', { className: 'num', text: micros(r.p99) }),
      el('td', { className: r.errors > 0 ? 'num errors' : 'num', text: r.errors > 0 ? percent(errorRate) : '0%', title: `${r.errors} of ${r.count}` }),
      el('td', { className: 'num self', text: micros(r.selfTime) }),
      el('td', { className: 'num total', text: micros(r.totalTime) }),
      el('td', { className: 'num critical' }, el('span', { className: 'share' }, share, el('span', { className: 'share-label', text: known ? percent(r.criticalPathShare ?? 0) : '–' }))),
      el('td', { className: `num ${trend.className}`, text: trend.text, title: trend.title }),
    );
    if (code) tr.append(this.code(r));
    tr.dataset['service'] = r.service;
    tr.dataset['operation'] = r.operation;
    tr.tabIndex = 0;
    tr.addEventListener('click', (e) => {
      if (!(e.target as Element).closest('button')) c.openSlowest(r);
    });
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && e.target === tr) c.openSlowest(r);
    });
    return tr;
  }

  /** Where the row's spans map in code: "Open code" in VS Code, the place as text on the standalone page. */
  private code(r: HotspotRow): HTMLElement {
    const td = el('td', { className: 'code' });
    if (!r.source) return td;
    const at = `${r.source.file}:${r.source.line}`;
    const short = `${r.source.file.replace(/^.*[\\/]/, '')}:${r.source.line}`;
    if (this.c.ctx.mode !== 'vscode') {
      td.append(el('span', { className: 'mono', text: short, title: at }));
      return td;
    }
    const b = el('button', { className: 'tl-tool open-code', text: 'Open code', title: at });
    b.addEventListener('click', () => {
      this.c.openCode(r).catch((e: unknown) => {
        this.c.error = e instanceof Error ? e.message : String(e);
        this.c.emit();
      });
    });
    td.append(b);
    return td;
  }
}

export function renderHotspotsPage(ctx: UiContext, route: HotspotsRoute): Page & { update(route: UiRoute): void } {
  const c = new HotspotsController(ctx, route);
  const filters = new HotspotsFilterBar(c);
  const table = new HotspotsTable(c);
  const element = el('div', { className: 'page hotspots-page' }, filters.element, table.element);
  c.onChange(() => {
    filters.render();
    table.render();
  });
  filters.render();
  table.render();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = ctx.onTracesChanged(() => {
    timer ??= setTimeout(() => {
      timer = undefined;
      void c.load();
    }, LIVE_DEBOUNCE_MS);
  });
  void c.loadServices().catch(() => undefined);
  void c.load();
  return {
    element,
    title: 'Hotspots',
    update(next) {
      if (next.page === 'hotspots') c.setRoute(next);
    },
    dispose() {
      c.disposed = true;
      unsubscribe();
      clearTimeout(timer);
    },
  };
}
