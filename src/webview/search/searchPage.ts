// The search page: a form (service, operation, kind, attributes, durations, time range, errors, limit) kept in sync
// with a one-line search that lives in the route (a deep link reproduces the search), results as a list and as a
// duration-over-time scatter plot, two selected results compared, live refresh while the search is open-ended, and
// "Why slow?": the slow traces of the search against the others (slowCohort.ts).
import { formatDuration, nanos, plural, truncate } from '../../core/display';
import { parseGoDuration, parseLookback } from '../../core/jaeger';
import type { ServerStatus, WireOperation } from '../../protocol/messages';
import type { UiRoute } from '../../protocol/webview';
import type { WireTraceSummary } from '../../protocol/wire';
import type { Page, UiContext } from '../context';
import { el, field, option, svg } from '../dom';
import { serviceColor } from '../trace/common';
import { scatterLayout } from './scatterScale';
import type { SearchForm } from './searchQuery';
import { checkAttributes, EMPTY_FORM, formToLine, formToQuery, isLive, lineToForm, RANGES, SPAN_KINDS } from './searchQuery';
import { p95Nanos, SlowCohortPanel } from './slowCohort';

/** Live events come at most every 250 ms; a search reruns at most this often. */
const LIVE_DEBOUNCE_MS = 600;
/** Rows of the result list drawn at first, and per "Show more". */
const LIST_PAGE = 200;

/** A service name as a small chip in the service's colour (the trace page's colours), with its span count. */
export function serviceChip(service: string, spans?: number): HTMLElement {
  const chip = el('span', { className: 'chip', text: spans === undefined ? service : `${service} ${spans}`, title: service });
  chip.style.setProperty('--chip-color', serviceColor(service));
  return chip;
}

const RANGE_LABELS: Record<string, string> = { any: 'Any time', '5m': 'Last 5 minutes', '15m': 'Last 15 minutes', '1h': 'Last hour', '6h': 'Last 6 hours', '24h': 'Last 24 hours', '7d': 'Last 7 days', custom: 'Custom range' };

function startMs(t: WireTraceSummary): number {
  return Number(nanos(t.startTimeUnixNano) / 1_000_000n);
}

const TIME = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const DATE = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

/** "20:05:10.123" for today, with the date otherwise. */
function startLabel(ms: number): string {
  const d = new Date(ms);
  const time = `${TIME.format(d)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
  return d.toDateString() === new Date().toDateString() ? time : `${DATE.format(d)} ${time}`;
}

export function renderSearchPage(ctx: UiContext, route: Extract<UiRoute, { page: 'search' }>): Page & { update(route: UiRoute): void } {
  let form: SearchForm = EMPTY_FORM;
  let results: readonly WireTraceSummary[] = [];
  let status: ServerStatus | undefined;
  const selected: string[] = [];
  let generation = 0;
  let disposed = false;
  /** Rows of the list to draw: LIST_PAGE, more after "Show more", back to LIST_PAGE for a new search. */
  let listRows = LIST_PAGE;

  // ---- controls ----
  const line = el('input', { className: 'search-line', title: 'service=checkout op="GET /cart" kind=server http.response.status_code>=500 has:db.statement minDuration=100ms since=1h error limit=50' });
  line.type = 'search';
  line.placeholder = 'service=checkout http.response.status_code>=500 minDuration=100ms since=1h error';
  line.setAttribute('aria-label', 'Search line');
  const searchButton = el('button', { text: 'Search' });
  searchButton.type = 'submit';
  const lineForm = el('form', { className: 'search-line-row' }, line, searchButton);

  const service = el('select', { className: 'service-select' });
  service.setAttribute('aria-label', 'Service');
  const operation = el('select', { className: 'operation-select' });
  operation.setAttribute('aria-label', 'Operation');
  const kind = el('select', { className: 'kind-select' }, option('', 'Any kind'), ...SPAN_KINDS.map((k) => option(k, k)));
  kind.setAttribute('aria-label', 'Span kind');
  const attributes = el('input', { className: 'attributes-input', title: 'key=value key!=value key>=3 has:key (values with spaces in double quotes)' });
  attributes.placeholder = 'http.route=/cart http.status_code>=500';
  const minDuration = el('input', { className: 'min-duration' });
  minDuration.placeholder = 'e.g. 100ms';
  const maxDuration = el('input', { className: 'max-duration' });
  maxDuration.placeholder = 'e.g. 2s';
  const range = el('select', { className: 'range-select' }, ...RANGES.map((r) => option(r, RANGE_LABELS[r]!)));
  const from = el('input', { className: 'from-input' });
  from.type = 'datetime-local';
  from.step = '1';
  const to = el('input', { className: 'to-input' });
  to.type = 'datetime-local';
  to.step = '1';
  const custom = el('span', { className: 'custom-range' }, field('From', from), field('To', to));
  const errorsOnly = el('input', { className: 'errors-only' });
  errorsOnly.type = 'checkbox';
  const limit = el('input', { className: 'limit-input' });
  limit.type = 'number';
  limit.min = '1';
  limit.placeholder = '20';
  const order = el('select', { className: 'order-select' }, option('', 'Newest first'), option('duration', 'Slowest first'));
  const formEl = el(
    'form',
    { className: 'search-form' },
    field('Service', service),
    field('Operation', operation),
    field('Kind', kind),
    field('Attributes', attributes, 'field wide'),
    field('Min duration', minDuration),
    field('Max duration', maxDuration),
    field('Time', range),
    custom,
    field('Limit', limit),
    field('Order', order),
    el('label', { className: 'field check' }, errorsOnly, el('span', { text: 'Errors only' })),
  );
  const problem = el('p', { className: 'problem' });
  problem.setAttribute('role', 'alert');

  // ---- results ----
  const summary = el('span', { className: 'result-count' });
  const compareButton = el('button', { className: 'compare-button', text: 'Compare' });
  compareButton.disabled = true;
  compareButton.title = 'Select two traces to compare';
  const whySlowButton = el('button', { className: 'why-slow-button', text: 'Why slow?', title: 'Compare the slow traces of this service and operation with the others' });
  whySlowButton.disabled = true;
  const viewToggle = el('span', { className: 'hint', text: 'Select two traces to compare them.' });
  const cohort = new SlowCohortPanel(ctx);
  const scatter = el('div', { className: 'scatter' });
  const tooltip = el('div', { className: 'tooltip' });
  tooltip.hidden = true;
  const list = el('div', { className: 'results' });
  const resultsEl = el('section', { className: 'search-results' }, el('div', { className: 'toolbar' }, summary, compareButton, whySlowButton, viewToggle), scatter, cohort.element, list);
  const element = el('div', { className: 'page search-page' }, lineForm, formEl, problem, resultsEl, tooltip);

  // ---- form <-> controls ----
  const readControls = (): SearchForm => ({
    service: service.value,
    operation: operation.value,
    kind: kind.value,
    attributes: attributes.value.trim(),
    minDuration: minDuration.value.trim(),
    maxDuration: maxDuration.value.trim(),
    range: range.value,
    from: range.value === 'custom' ? from.value : '',
    to: range.value === 'custom' ? to.value : '',
    errorsOnly: errorsOnly.checked,
    limit: limit.value.trim(),
    sort: order.value,
  });
  const ensureOption = (select: HTMLSelectElement, value: string, label = value): void => {
    if (value !== '' && ![...select.options].some((o) => o.value === value)) select.append(option(value, label));
    select.value = value;
  };
  const writeControls = (f: SearchForm): void => {
    ensureOption(service, f.service);
    ensureOption(operation, f.operation);
    kind.value = f.kind;
    attributes.value = f.attributes;
    minDuration.value = f.minDuration;
    maxDuration.value = f.maxDuration;
    ensureOption(range, f.range, `Last ${f.range}`);
    from.value = f.from;
    to.value = f.to;
    custom.hidden = f.range !== 'custom';
    errorsOnly.checked = f.errorsOnly;
    limit.value = f.limit;
    order.value = f.sort;
    line.value = formToLine(f);
  };

  const loadServices = async (): Promise<void> => {
    const names = await ctx.request('tracelens/services', {});
    if (disposed) return;
    const keep = service.value;
    service.replaceChildren(option('', 'All services'), ...names.map((n) => option(n, truncate(n, 80))));
    ensureOption(service, keep);
  };
  const loadOperations = async (): Promise<void> => {
    const keep = operation.value;
    const asked = service.value;
    const ops: WireOperation[] = asked ? await ctx.request('tracelens/operations', { service: asked }) : [];
    if (disposed || service.value !== asked) return; // the service changed meanwhile: its own answer fills the list
    const names = [...new Set(ops.map((o) => o.name))].sort();
    operation.replaceChildren(option('', 'All operations'), ...names.map((n) => option(n, truncate(n, 80))));
    ensureOption(operation, keep);
  };

  const showProblem = (text: string): void => {
    problem.textContent = text;
    problem.hidden = text === '';
  };

  // ---- running the search ----
  const run = async (): Promise<void> => {
    const mine = ++generation;
    let query;
    try {
      query = formToQuery(form, Date.now());
    } catch (e) {
      showProblem(e instanceof Error ? e.message : String(e));
      return;
    }
    try {
      const [found, s] = await Promise.all([ctx.request('tracelens/findTraces', query), status ? Promise.resolve(status) : ctx.request('tracelens/status', {})]);
      if (disposed || mine !== generation) return;
      status = s;
      results = form.sort === 'duration' ? [...found].sort((a, b) => Number(nanos(b.durationNanos) - nanos(a.durationNanos))) : found;
      showProblem('');
      render();
    } catch (e) {
      if (disposed || mine !== generation) return;
      showProblem(e instanceof Error ? e.message : String(e));
    }
  };

  /** Applies a search line (from the route or the line box): controls, operations, results. */
  const apply = (text: string): void => {
    try {
      form = lineToForm(text);
    } catch (e) {
      line.value = text;
      showProblem(e instanceof Error ? e.message : String(e));
      return;
    }
    writeControls(form);
    listRows = LIST_PAGE;
    cohort.clear();
    void loadOperations().catch(() => undefined);
    void run();
  };

  /** The form changed: keep its line in the route (history), which applies it. */
  const submit = (f: SearchForm): void => {
    const text = formToLine(f);
    if (text === (route.query ?? '')) {
      apply(text);
      return;
    }
    ctx.navigate(text ? { page: 'search', query: text } : { page: 'search' });
  };

  const fromControls = (): void => {
    try {
      checkAttributes(attributes.value);
      const f = readControls();
      formToQuery(f, Date.now());
      submit(f);
    } catch (e) {
      showProblem(e instanceof Error ? e.message : String(e));
    }
  };
  for (const c of [service, operation, kind, range, errorsOnly, from, to, order]) c.addEventListener('change', () => {
    if (c === service) operation.value = '';
    custom.hidden = range.value !== 'custom';
    fromControls();
  });
  for (const c of [attributes, minDuration, maxDuration, limit]) c.addEventListener('change', fromControls);
  formEl.addEventListener('submit', (e) => {
    e.preventDefault();
    fromControls();
  });
  lineForm.addEventListener('submit', (e) => {
    e.preventDefault();
    try {
      submit(lineToForm(line.value));
    } catch (err) {
      showProblem(err instanceof Error ? err.message : String(err));
    }
  });

  // ---- rendering results ----
  const openTrace = (traceId: string): void => ctx.navigate({ page: 'trace', traceId });

  const updateCompare = (): void => {
    compareButton.disabled = selected.length !== 2;
    compareButton.title = selected.length === 2 ? 'Compare the two selected traces' : 'Select two traces to compare';
    for (const box of list.querySelectorAll<HTMLInputElement>('input.select')) box.checked = selected.includes(box.closest<HTMLElement>('tr')?.dataset['traceId'] ?? '');
  };
  /**
   * The slow traces of this search's service and operation against the others: slow from the form's minimum duration,
   * else from the p95 of the results; over the search's lookback, else back to the oldest result.
   */
  const whySlow = (): void => {
    const min = form.minDuration ? parseGoDuration(form.minDuration) : undefined;
    const threshold = min !== undefined && min > 0n ? { nanos: min, how: 'the minimum duration of the search' } : { nanos: p95Nanos(results), how: 'the p95 of the results' };
    const lookback = form.range !== 'any' && form.range !== 'custom' ? parseLookback(form.range) : undefined;
    const oldest = results.reduce((m, t) => Math.min(m, startMs(t)), Date.now());
    const lookbackMinutes = lookback !== undefined && lookback > 0n ? Number(lookback) / 60e9 : Math.ceil((Date.now() - oldest) / 60_000) + 1;
    void cohort.explain(
      {
        ...(form.service ? { service: form.service } : {}),
        ...(form.operation ? { operation: form.operation } : {}),
        minDurationNanos: threshold.nanos.toString(),
        lookbackMinutes,
      },
      threshold.how,
    );
  };
  whySlowButton.addEventListener('click', whySlow);

  compareButton.addEventListener('click', () => {
    if (selected.length === 2) ctx.navigate({ page: 'compare', left: selected[0]!, right: selected[1]! });
  });

  const emptyState = (): HTMLElement => {
    if (status && status.traceCount === 0) {
      const endpoint = status.receivers.find((r) => r.protocol === 'otlp-http' && r.endpoint)?.endpoint ?? 'http://127.0.0.1:4318';
      return el(
        'div',
        { className: 'empty' },
        el('p', { text: 'No traces yet.' }),
        el('p', { text: 'Point an OpenTelemetry exporter at the receiver and run your app; traces appear here as they arrive:' }),
        el('code', { text: `OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}` }),
      );
    }
    return el('div', { className: 'empty' }, el('p', { text: 'No traces match this search.' }), el('p', { text: 'Loosen the filters: a wider time range, a lower minimum duration, fewer attribute conditions, or all services.' }));
  };

  const traceRow = (t: WireTraceSummary): HTMLTableRowElement => {
    const box = el('input', { className: 'select' });
    box.type = 'checkbox';
    box.setAttribute('aria-label', `Select trace ${t.traceId}`);
    box.checked = selected.includes(t.traceId);
    const row = el(
      'tr',
      { className: t.errorCount > 0 ? 'trace error' : 'trace' },
      el('td', { className: 'check' }, box),
      el(
        'td',
        { className: 'root-service', title: t.source ? `${t.rootService} (from the remote ${t.source})` : t.rootService },
        document.createTextNode(truncate(t.rootService, 120)),
        ...(t.source ? [el('span', { className: 'source-badge', text: truncate(t.source, 40) })] : []),
      ),
      el('td', { className: 'root-name', text: truncate(t.rootName, 200), title: t.rootName }),
      el('td', { className: 'start', text: startLabel(startMs(t)) }),
      el('td', { className: 'num duration', text: formatDuration(nanos(t.durationNanos)) }),
      el('td', { className: 'num', text: String(t.spanCount) }),
      el('td', { className: 'num errors', text: t.errorCount > 0 ? String(t.errorCount) : '' }),
      el('td', { className: 'chips' }, ...t.services.map((s) => serviceChip(s.service, s.spans))),
    );
    row.dataset['traceId'] = t.traceId;
    row.tabIndex = 0;
    return row;
  };

  /** The first LIST_PAGE rows, and a button for each next page: thousands of rows would take seconds to lay out. */
  const renderList = (): HTMLElement => {
    const head = el('tr', {}, el('th', { text: '' }), ...['Service', 'Operation', 'Start', 'Duration', 'Spans', 'Errors', 'Services'].map((h) => el('th', { text: h })));
    const body = el('tbody');
    const more = el('button', { className: 'more-button' });
    let shown = 0;
    const showUpTo = (n: number): void => {
      const next = results.slice(shown, n);
      body.append(...next.map(traceRow));
      shown += next.length;
      more.textContent = `Show ${Math.min(LIST_PAGE, results.length - shown)} more of ${results.length - shown}`;
      more.hidden = shown >= results.length;
    };
    more.addEventListener('click', () => {
      listRows = shown + LIST_PAGE;
      showUpTo(listRows);
    });
    // A live refresh keeps as many rows as were shown.
    showUpTo(listRows);
    // One set of listeners for all rows.
    const id = (e: Event): string | undefined => (e.target as Element).closest<HTMLElement>('tr[data-trace-id]')?.dataset['traceId'];
    body.addEventListener('click', (e) => {
      const traceId = id(e);
      // The checkbox cell selects; the rest of the row opens the trace.
      if (traceId && !(e.target as Element).closest('td.check')) openTrace(traceId);
    });
    body.addEventListener('keydown', (e) => {
      const traceId = id(e);
      if (traceId && e.key === 'Enter' && !(e.target as Element).matches('input.select')) openTrace(traceId);
    });
    body.addEventListener('change', (e) => {
      const box = e.target as HTMLInputElement;
      const traceId = id(e);
      if (!traceId || !box.matches('input.select')) return;
      const at = selected.indexOf(traceId);
      if (box.checked && at < 0) {
        selected.push(traceId);
        if (selected.length > 2) selected.shift();
      } else if (!box.checked && at >= 0) selected.splice(at, 1);
      updateCompare();
    });
    return el('div', {}, el('table', { className: 'traces' }, el('thead', {}, head), body), more);
  };

  const showTooltip = (t: WireTraceSummary, x: number, y: number): void => {
    tooltip.replaceChildren(
      el('div', { className: 'tooltip-title', text: `${truncate(t.rootService, 60)}: ${truncate(t.rootName, 100)}` }),
      el('div', { text: `${formatDuration(nanos(t.durationNanos))} · ${plural(t.spanCount, 'span')}${t.errorCount ? ` · ${plural(t.errorCount, 'error')}` : ''}` }),
      el('div', { className: 'muted', text: startLabel(startMs(t)) }),
    );
    tooltip.hidden = false;
    tooltip.style.left = `${Math.min(x + 12, window.innerWidth - 320)}px`;
    tooltip.style.top = `${y + 12}px`;
  };

  const renderScatter = (): void => {
    const width = Math.max(320, scatter.clientWidth || element.clientWidth || 800);
    const height = 180;
    const layout = scatterLayout(
      results.map((t) => ({ startMs: startMs(t), durationNanos: Number(nanos(t.durationNanos)) })),
      width,
      height,
    );
    const { plot } = layout;
    const axis = svg('g', { class: 'axis' });
    axis.append(svg('line', { x1: plot.left, y1: plot.bottom, x2: plot.right, y2: plot.bottom }), svg('line', { x1: plot.left, y1: plot.top, x2: plot.left, y2: plot.bottom }));
    for (const t of layout.xTicks) {
      const label = svg('text', { x: t.at, y: plot.bottom + 16, 'text-anchor': 'middle' });
      label.textContent = t.label;
      axis.append(svg('line', { class: 'grid', x1: t.at, y1: plot.top, x2: t.at, y2: plot.bottom }), label);
    }
    for (const t of layout.yTicks) {
      const label = svg('text', { x: plot.left - 6, y: t.at + 4, 'text-anchor': 'end' });
      label.textContent = t.label;
      axis.append(svg('line', { class: 'grid', x1: plot.left, y1: t.at, x2: plot.right, y2: t.at }), label);
    }
    const dots = svg('g', { class: 'dots' });
    results.forEach((t, i) => {
      const p = layout.points[i]!;
      const r = Math.min(9, 3.5 + Math.sqrt(t.spanCount) * 0.6);
      const dot = svg('circle', { class: t.errorCount > 0 ? 'dot error' : 'dot', cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: r.toFixed(1), tabindex: 0 });
      dot.dataset['traceId'] = t.traceId;
      dot.dataset['index'] = String(i);
      dot.setAttribute('aria-label', `${truncate(t.rootService, 60)} ${truncate(t.rootName, 100)} ${formatDuration(nanos(t.durationNanos))}`);
      dots.append(dot);
    });
    // One set of listeners for all dots.
    const at = (e: Event): WireTraceSummary | undefined => results[Number((e.target as SVGElement).dataset?.['index'] ?? NaN)];
    const hover = (e: MouseEvent): void => {
      const t = at(e);
      if (t) showTooltip(t, e.clientX, e.clientY);
    };
    dots.addEventListener('mouseover', hover);
    dots.addEventListener('mousemove', hover);
    dots.addEventListener('mouseout', () => (tooltip.hidden = true));
    dots.addEventListener('click', (e) => {
      const t = at(e);
      if (t) openTrace(t.traceId);
    });
    dots.addEventListener('keydown', (e) => {
      const t = at(e);
      if (t && e.key === 'Enter') openTrace(t.traceId);
    });
    const chart = svg('svg', { class: 'scatter-plot', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'Trace duration over start time' }, axis, dots);
    scatter.replaceChildren(chart);
  };

  const render = (): void => {
    tooltip.hidden = true;
    // Selections of traces no longer listed are dropped.
    for (let i = selected.length - 1; i >= 0; i--) if (!results.some((t) => t.traceId === selected[i])) selected.splice(i, 1);
    summary.textContent = results.length ? plural(results.length, 'trace') : '';
    whySlowButton.disabled = results.length === 0;
    if (results.length === 0) {
      scatter.replaceChildren();
      scatter.hidden = true;
      list.replaceChildren(emptyState());
    } else {
      scatter.hidden = false;
      list.replaceChildren(renderList());
      renderScatter();
    }
    updateCompare();
  };

  // ---- live refresh ----
  let timer: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = ctx.onTracesChanged((event) => {
    status = event.status;
    if (event.cleared || event.status.traceCount === 0 || isLive(form)) {
      timer ??= setTimeout(() => {
        timer = undefined;
        void loadServices().catch(() => undefined);
        void run();
      }, LIVE_DEBOUNCE_MS);
    }
  });
  let resizeTimer: ReturnType<typeof setTimeout> | undefined;
  const onResize = (): void => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => results.length && renderScatter(), 100);
  };
  window.addEventListener('resize', onResize);

  service.append(option('', 'All services'));
  operation.append(option('', 'All operations'));
  custom.hidden = true;
  problem.hidden = true;
  // (It keeps the service chosen meanwhile, and leaves the other controls alone: a person may be typing.)
  void loadServices().catch((e: unknown) => showProblem(e instanceof Error ? e.message : String(e)));
  apply(route.query ?? '');
  // The scatter plot needs the page's width, known once the page is in the document.
  requestAnimationFrame(() => results.length && renderScatter());

  return {
    element,
    get title() {
      return route.query ? `Search: ${truncate(route.query, 60)}` : 'Search';
    },
    update(next) {
      if (next.page !== 'search') return;
      route = next;
      apply(next.query ?? '');
    },
    dispose() {
      disposed = true;
      unsubscribe();
      clearTimeout(timer);
      clearTimeout(resizeTimer);
      window.removeEventListener('resize', onResize);
    },
  };
}
