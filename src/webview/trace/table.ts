// The span table tab: every span as a row (service, name, start, duration, self time), sortable by any of them
// (click a heading; again to reverse), virtualised like the waterfall. A click selects the span.
import { RowPositions } from '../../core/views/rows';
import type { ViewSpan } from '../../core/views/traceView';
import { el } from '../dom';
import { dur, rel, serviceColor, spanDur } from './common';
import type { Change, TabView, TraceController } from './tracePage';

const ROW_HEIGHT = 24;
type Key = 'service' | 'name' | 'start' | 'duration' | 'self';
const COLUMNS: readonly { readonly key: Key; readonly label: string; readonly num?: boolean }[] = [
  { key: 'service', label: 'Service' },
  { key: 'name', label: 'Name' },
  { key: 'start', label: 'Start', num: true },
  { key: 'duration', label: 'Duration', num: true },
  { key: 'self', label: 'Self time', num: true },
];

const compare: Record<Key, (a: ViewSpan, b: ViewSpan) => number> = {
  service: (a, b) => a.service.localeCompare(b.service),
  name: (a, b) => a.span.name.localeCompare(b.span.name),
  start: (a, b) => a.offset - b.offset,
  duration: (a, b) => a.duration - b.duration,
  self: (a, b) => a.selfTime - b.selfTime,
};

export class SpanTable implements TabView {
  readonly element: HTMLElement;
  private readonly head: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rowsLayer: HTMLElement;
  private key: Key = 'duration';
  private dir: 'asc' | 'desc' = 'desc';
  private order: number[] = [];
  private orderFor: unknown;
  private positions = new RowPositions(ROW_HEIGHT, 0);
  private frame = 0;

  constructor(private readonly c: TraceController) {
    this.head = el('div', { className: 'tl-table-head tl-table-row' });
    this.spacer = el('div', { className: 'tl-spacer' });
    this.rowsLayer = el('div', { className: 'tl-rows' });
    this.scroller = el('div', { className: 'tl-scroller tl-table-scroller' }, this.spacer, this.rowsLayer);
    this.scroller.addEventListener('scroll', () => this.schedule());
    this.rowsLayer.addEventListener('click', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('.tl-table-row');
      if (row) c.select(Number(row.dataset['pos']));
    });
    this.element = el('div', { className: 'tl-table' }, this.head, this.scroller);
  }

  shown(visible: boolean): void {
    if (visible) this.render('all');
  }

  dispose(): void {
    cancelAnimationFrame(this.frame);
  }

  render(what: Change): void {
    if (this.element.hidden) return;
    if (what === 'all' || this.orderFor !== this.c.view) this.sort();
    if (what === 'selection') {
      const row = this.order.indexOf(this.c.selected);
      if (row >= 0) this.scroller.scrollTop = this.positions.scrollToShow(row, this.scroller.scrollTop, this.scroller.clientHeight || 400);
    }
    this.schedule();
  }

  private sort(): void {
    const spans = this.c.view.spans;
    const cmp = compare[this.key];
    const sign = this.dir === 'asc' ? 1 : -1;
    this.order = spans.map((s) => s.pos).sort((a, b) => sign * cmp(spans[a]!, spans[b]!) || a - b);
    this.orderFor = this.c.view;
    this.positions = new RowPositions(ROW_HEIGHT, this.order.length);
    this.spacer.style.height = `${this.positions.totalHeight}px`;
    this.head.replaceChildren(
      ...COLUMNS.map((col) => {
        const h = el('span', { className: `tl-cell ${col.num ? 'num' : ''}`.trim(), text: col.label + (col.key === this.key ? (this.dir === 'asc' ? ' ▲' : ' ▼') : '') });
        h.dataset['key'] = col.key;
        h.setAttribute('role', 'columnheader');
        h.setAttribute('aria-sort', col.key === this.key ? (this.dir === 'asc' ? 'ascending' : 'descending') : 'none');
        h.addEventListener('click', () => {
          if (this.key === col.key) this.dir = this.dir === 'asc' ? 'desc' : 'asc';
          else {
            this.key = col.key;
            this.dir = col.num ? 'desc' : 'asc';
          }
          this.sort();
          this.schedule();
        });
        return h;
      }),
    );
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (!this.element.hidden) this.renderRows();
    });
  }

  private renderRows(): void {
    const c = this.c;
    const { first, last } = this.positions.range(this.scroller.scrollTop, this.scroller.clientHeight || 600, 10);
    const searching = c.query.trim() !== '' && !c.found.error;
    const live = c.live;
    const rows: HTMLElement[] = [];
    for (let r = first; r < last; r++) {
      const pos = this.order[r]!;
      const v = c.view.spans[pos]!;
      const swatch = el('span', { className: 'tl-swatch' });
      swatch.style.background = serviceColor(v.service);
      // Still running at a debugger's pause: the duration is how long it had run, a lower bound.
      const running = live !== undefined && live.running.has(pos);
      const row = el(
        'div',
        { className: 'tl-table-row' },
        el('span', { className: 'tl-cell' }, swatch, document.createTextNode(v.service)),
        el('span', { className: 'tl-cell', text: v.span.name }),
        el('span', { className: 'tl-cell num', text: rel(v.offset) }),
        el('span', { className: 'tl-cell num', text: spanDur(v.duration, running) }),
        el('span', { className: 'tl-cell num', text: dur(v.selfTime) }),
      );
      row.dataset['pos'] = String(pos);
      row.style.top = `${this.positions.top(r)}px`;
      if (pos === c.selected) row.classList.add('selected');
      if (v.error) row.classList.add('error');
      if (running) row.classList.add('running');
      if (live?.paused === pos) row.classList.add('paused');
      if (searching) row.classList.add(c.matchSet.has(pos) ? 'match' : 'dim');
      rows.push(row);
    }
    this.rowsLayer.replaceChildren(...rows);
  }
}
