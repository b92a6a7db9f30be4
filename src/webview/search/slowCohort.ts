// "Why slow?" on the search page: the slow traces of the current service and operation against the others
// (tracelens/slowCohort), the attribute values and operations the slow ones have far more often, as pairs of bars (share
// of slow traces, share of the others). The threshold is the form's minimum duration, a region picked on the scatter
// plot, or the p95 of the results. Values come from span data: text only.
import { formatDuration } from '../../core/display';
import type { CohortDifference, SlowCohortParams, SlowCohortResult } from '../../protocol/analysis';
import type { WireTraceSummary } from '../../protocol/wire';
import type { UiContext } from '../context';
import { el } from '../dom';
import { percent } from '../trace/common';

/** The p95 of the traces' durations (nearest rank, as the server's default threshold), ns; 0 for none. */
export function p95Nanos(traces: readonly WireTraceSummary[]): bigint {
  const d = traces.map((t) => BigInt(t.durationNanos)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return d[Math.max(0, Math.ceil(d.length * 0.95) - 1)] ?? 0n;
}

function bar(share: number, className: string, title: string): HTMLElement {
  const fill = el('span', { className: 'cohort-bar-fill' });
  fill.style.width = `${Math.max(0, Math.min(1, share)) * 100}%`;
  return el('span', { className: `cohort-bar ${className}`, title }, fill, el('span', { className: 'cohort-bar-label', text: percent(share) }));
}

function differenceRow(d: CohortDifference, r: SlowCohortResult): HTMLElement {
  const label =
    d.what === 'attribute'
      ? el('span', { className: 'cohort-what' }, el('span', { className: 'cohort-key', text: d.key }), document.createTextNode(' = '), el('span', { className: 'cohort-value', text: d.value }))
      : el('span', { className: 'cohort-what' }, el('span', { className: 'muted', text: 'operation ' }), el('span', { className: 'cohort-key', text: d.key }), document.createTextNode(' '), el('span', { className: 'cohort-value', text: d.value }));
  label.title = d.what === 'attribute' ? `${d.key}=${d.value}` : `${d.key}: ${d.value}`;
  const row = el(
    'li',
    { className: 'cohort-row' },
    label,
    el(
      'span',
      { className: 'cohort-bars' },
      bar(d.slowShare, 'slow', `${d.slowCount} of ${r.slowTraces} slow traces`),
      bar(d.baselineShare, 'others', `${d.baselineCount} of ${r.baselineTraces} other traces`),
    ),
  );
  row.dataset['what'] = d.what;
  row.dataset['key'] = d.key;
  row.dataset['value'] = d.value;
  return row;
}

/** The panel under the search results; explain() asks and draws, a later call wins over an earlier answer. */
export class SlowCohortPanel {
  readonly element: HTMLElement;
  private asked = 0;

  constructor(private readonly ctx: UiContext) {
    this.element = el('section', { className: 'cohort' });
    this.element.hidden = true;
  }

  /** `threshold` says where the threshold came from ("p95 of the results"). */
  async explain(params: SlowCohortParams, threshold: string): Promise<void> {
    const mine = ++this.asked;
    const close = el('button', { className: 'tl-close cohort-close', text: '×', title: 'Close' });
    close.addEventListener('click', () => this.clear());
    const head = el('div', { className: 'cohort-head' }, el('h3', { text: 'Why slow?' }), close);
    this.element.hidden = false;
    this.element.replaceChildren(head, el('p', { className: 'muted', text: 'Comparing the slow traces with the others…' }));
    let r: SlowCohortResult;
    try {
      r = await this.ctx.request('tracelens/slowCohort', params);
    } catch (e) {
      if (mine === this.asked) this.element.replaceChildren(head, el('p', { className: 'problem', text: e instanceof Error ? e.message : String(e) }));
      return;
    }
    if (mine !== this.asked) return;
    const summary = el('p', {
      className: 'cohort-summary',
      text: `${r.slowTraces} slow ${r.slowTraces === 1 ? 'trace' : 'traces'} (at least ${formatDuration(BigInt(Math.round(r.thresholdMicros)) * 1000n)}, ${threshold}) against ${r.baselineTraces} ${r.baselineTraces === 1 ? 'other' : 'others'}.`,
    });
    const parts: Node[] = [head, summary];
    if (r.note) parts.push(el('p', { className: 'warning cohort-note', text: r.note }));
    if (r.differences.length > 0) {
      const legend = el('p', { className: 'cohort-legend muted' }, el('span', { className: 'cohort-swatch slow' }), document.createTextNode(' share of slow traces '), el('span', { className: 'cohort-swatch others' }), document.createTextNode(' share of the others'));
      parts.push(legend, el('ol', { className: 'cohort-list' }, ...r.differences.map((d) => differenceRow(d, r))));
    } else if (!r.note) parts.push(el('p', { className: 'muted', text: 'Nothing is much more common among the slow traces than among the others.' }));
    this.element.replaceChildren(...parts);
  }

  clear(): void {
    this.asked++;
    this.element.hidden = true;
    this.element.replaceChildren();
  }
}
