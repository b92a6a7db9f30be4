// The statistics tab: per service and operation, count, total, self time, average, min, max and share of the trace
// (core/views/stats.ts), sortable by any column (click its heading; again to reverse).
import type { StatsKey } from '../../core/views/stats';
import { sortStats, traceStats } from '../../core/views/stats';
import { el } from '../dom';
import { dur, serviceColor } from './common';
import type { Change, TabView, TraceController } from './tracePage';

const COLUMNS: readonly { readonly key: StatsKey; readonly label: string; readonly num?: boolean }[] = [
  { key: 'service', label: 'Service' },
  { key: 'operation', label: 'Operation' },
  { key: 'count', label: 'Count', num: true },
  { key: 'total', label: 'Total', num: true },
  { key: 'selfTotal', label: 'Self total', num: true },
  { key: 'avg', label: 'Avg', num: true },
  { key: 'min', label: 'Min', num: true },
  { key: 'max', label: 'Max', num: true },
  { key: 'percent', label: '% of trace', num: true },
  { key: 'errors', label: 'Errors', num: true },
];

export class StatsTab implements TabView {
  readonly element: HTMLElement;
  private key: StatsKey = 'total';
  private dir: 'asc' | 'desc' = 'desc';
  private renderedFor: unknown;

  constructor(private readonly c: TraceController) {
    this.element = el('div', { className: 'tl-stats' });
  }

  shown(visible: boolean): void {
    if (visible) this.render('all');
  }

  render(what: Change): void {
    if (this.element.hidden || (what !== 'all' && this.renderedFor === this.c.view)) return;
    this.renderedFor = this.c.view;
    const rows = sortStats(traceStats(this.c.view), this.key, this.dir);
    const head = el(
      'tr',
      {},
      ...COLUMNS.map((col) => {
        const th = el('th', { className: col.num ? 'num' : '', text: col.label + (col.key === this.key ? (this.dir === 'asc' ? ' ▲' : ' ▼') : '') });
        th.dataset['key'] = col.key;
        th.setAttribute('aria-sort', col.key === this.key ? (this.dir === 'asc' ? 'ascending' : 'descending') : 'none');
        th.addEventListener('click', () => {
          if (this.key === col.key) this.dir = this.dir === 'asc' ? 'desc' : 'asc';
          else {
            this.key = col.key;
            this.dir = col.num ? 'desc' : 'asc';
          }
          this.render('all');
        });
        return th;
      }),
    );
    const body = rows.map((r) => {
      const swatch = el('span', { className: 'tl-swatch' });
      swatch.style.background = serviceColor(r.service);
      return el(
        'tr',
        { className: r.errors > 0 ? 'error' : '' },
        el('td', {}, swatch, document.createTextNode(r.service)),
        el('td', { text: r.operation }),
        el('td', { className: 'num', text: String(r.count) }),
        el('td', { className: 'num', text: dur(r.total) }),
        el('td', { className: 'num', text: dur(r.selfTotal) }),
        el('td', { className: 'num', text: dur(r.avg) }),
        el('td', { className: 'num', text: dur(r.min) }),
        el('td', { className: 'num', text: dur(r.max) }),
        el('td', { className: 'num', text: `${r.percent.toFixed(1)}%` }),
        el('td', { className: 'num', text: r.errors > 0 ? String(r.errors) : '' }),
      );
    });
    this.element.replaceChildren(el('table', { className: 'tl-stats-table' }, el('thead', {}, head), el('tbody', {}, ...body)));
  }
}
