// The Insights tab: the trace's findings (tracelens/insights, most severe first), each with its severity, title,
// service and operation, evidence as a small key/value list (times in "…Micros" keys shown as durations) and its
// source. Clicking a finding frames its spans in the waterfall. The finding view is shared with the Propagation page
// (its breaks). Finding text comes from span data: untrusted, text only.
import { isSpanIdHex, isTraceIdHex } from '../../core/ids';
import type { EvidenceValue, Finding, FindingSeverity } from '../../protocol/analysis';
import type { UiContext } from '../context';
import { el, routeLink } from '../dom';
import { serviceChip } from '../search/searchPage';
import { dur } from './common';
import type { Change, TabView, TraceController } from './tracePage';

const SEVERITY_GLYPHS: Readonly<Record<FindingSeverity, string>> = { error: '✖', warning: '▲', info: 'i' };

/** The severity as a small coloured badge, named for screen readers. */
export function severityIcon(severity: FindingSeverity): HTMLElement {
  const icon = el('span', { className: `tl-sev sev-${severity}`, text: SEVERITY_GLYPHS[severity], title: severity });
  icon.setAttribute('role', 'img');
  icon.setAttribute('aria-label', severity);
  return icon;
}

/** "servicesBelowRoot" -> "services below root", "selfMicros" -> "self", "otherTraceID" -> "other trace ID". */
export function evidenceLabel(key: string): string {
  return key
    .replace(/Micros$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(' ')
    .map((w) => (/^[A-Z]{2,}$/.test(w) ? w : w.toLowerCase()))
    .join(' ');
}

/** An evidence value as text: microseconds (keys ending in "Micros") as durations, lists one item a line. */
export function evidenceText(key: string, value: EvidenceValue): string | readonly string[] {
  if (typeof value === 'number') {
    if (key.endsWith('Micros')) return dur(value * 1000);
    return Number.isInteger(value) ? value.toLocaleString('en-US') : String(Number(value.toFixed(3)));
  }
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return value;
}

export interface FindingViewOptions {
  readonly ctx: UiContext;
  /** What a click on the finding does: frame it in the waterfall, or open its trace at its first span. */
  readonly select: (f: Finding) => void;
  /** Also a link that opens the finding's trace at its first span (on pages other than that trace's own). */
  readonly spanLink?: boolean;
}

/** One finding: badge, title, where, evidence, source; the whole item selects it (click or Enter). */
export function findingView(f: Finding, o: FindingViewOptions): HTMLElement {
  const { ctx } = o;
  const kv = el('dl', { className: 'tl-kv tl-evidence' });
  for (const [key, value] of Object.entries(f.evidence)) {
    let shown: Node;
    if (typeof value === 'string' && /TraceID$/.test(key) && isTraceIdHex(value)) {
      // "otherTraceID" with its "otherSpanID": the link opens that trace at that span.
      const spanId = f.evidence[key.replace(/TraceID$/, 'SpanID')];
      shown = routeLink(ctx, value, { page: 'trace', traceId: value, ...(typeof spanId === 'string' && isSpanIdHex(spanId) ? { spanId } : {}) }, 'tl-mono tl-other-trace');
    } else {
      const text = evidenceText(key, value);
      // A short list reads on one line ("app.tier, app.user"); a long one (a chain of spans) one item a line.
      const inline = typeof text === 'string' ? text : text.join(', ').length <= 80 ? text.join(', ') : undefined;
      shown = inline !== undefined ? document.createTextNode(inline) : el('ul', { className: 'tl-evidence-list' }, ...(text as readonly string[]).map((t) => el('li', { text: t })));
    }
    const dt = el('dt', { text: evidenceLabel(key), title: key });
    const dd = el('dd', {}, shown);
    dd.dataset['key'] = key;
    kv.append(dt, dd);
  }
  const head = el('div', { className: 'tl-finding-head' }, severityIcon(f.severity), el('span', { className: 'tl-finding-title', text: f.title }), el('span', { className: 'tl-finding-kind', text: f.kind }));
  const where = el('div', { className: 'tl-finding-where' }, serviceChip(f.service), el('span', { className: 'tl-finding-operation', text: f.operation }));
  const item = el('li', { className: `tl-finding sev-${f.severity}` }, head, where);
  if (kv.childElementCount > 0) item.append(kv);
  const foot = el('div', { className: 'tl-finding-foot' });
  const spanId = f.spanIDs[0];
  if (f.source) {
    const at = `${f.source.file}:${f.source.line}`;
    // VS Code opens the code of the finding's first span (the correlation engine, with its path mappings and its
    // question before opening a file outside the workspace); the standalone page can only say where it is.
    if (ctx.mode === 'vscode' && spanId) {
      const open = el('a', { className: 'tl-finding-source tl-open-code', text: at, title: 'Open the code of this finding\'s first span' });
      open.href = '#';
      open.addEventListener('click', (e) => {
        e.preventDefault();
        e.stopPropagation();
        ctx.openSource({ traceId: f.traceID, spanId });
      });
      foot.append(el('span', { className: 'tl-muted', text: 'source ' }), open);
    } else foot.append(el('span', { className: 'tl-muted', text: 'source ' }), el('span', { className: 'tl-finding-source tl-mono', text: at }));
  }
  if (o.spanLink && spanId) foot.append(routeLink(ctx, 'Open span', { page: 'trace', traceId: f.traceID, spanId }, 'tl-finding-span-link'));
  if (foot.childElementCount > 0) item.append(foot);
  item.dataset['kind'] = f.kind;
  item.dataset['traceId'] = f.traceID;
  if (spanId) item.dataset['spanId'] = spanId;
  item.tabIndex = 0;
  item.title = f.spanIDs.length > 1 ? `Show its ${f.spanIDs.length} spans in the waterfall` : 'Show its span in the waterfall';
  item.addEventListener('click', (e) => {
    if ((e.target as Element).closest('a, button')) return;
    o.select(f);
  });
  item.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target === item) {
      e.preventDefault();
      o.select(f);
    }
  });
  return item;
}

/** The same finding in another answer (the findings are asked for again when the trace reloads). */
export function sameFinding(a: Finding, b: Finding): boolean {
  return a.kind === b.kind && a.title === b.title && a.spanIDs[0] === b.spanIDs[0];
}

export class InsightsTab implements TabView {
  readonly element: HTMLElement;
  private renderedFor: unknown;

  constructor(private readonly c: TraceController) {
    this.element = el('div', { className: 'tl-insights' });
  }

  shown(visible: boolean): void {
    if (visible) this.render('all');
  }

  render(what: Change): void {
    if (this.element.hidden) return;
    const c = this.c;
    // Drawn again when the findings, the trace or the framed finding change.
    const key = [c.findings, c.view, c.framing?.finding];
    if (what !== 'all' && what !== 'insights' && what !== 'frame') return;
    if (Array.isArray(this.renderedFor) && key.every((k, i) => (this.renderedFor as unknown[])[i] === k)) return;
    this.renderedFor = key;
    const propagation = routeLink(c.ctx, 'Propagation path', { page: 'propagation', traceId: c.view.trace.traceId }, 'tl-propagation-link');
    propagation.title = 'The service hops of this trace with their baggage, and where context was lost';
    const f = c.findings;
    const summary = el('span', { className: 'tl-insights-summary' });
    const body: Node[] = [];
    if (f.state === 'loading') summary.textContent = 'Looking for findings…';
    else if (f.state === 'failed') {
      summary.textContent = 'No findings to show';
      body.push(el('p', { className: 'problem', text: f.error }));
    } else if (f.findings.length === 0) {
      summary.textContent = 'No findings in this trace';
      body.push(el('p', { className: 'tl-muted', text: 'Nothing stands out: no error origin, repeated or sequential calls, retries, uninstrumented time, broken context or clock skew.' }));
    } else {
      const counts = (['error', 'warning', 'info'] as const).map((s) => [s, f.findings.filter((x) => x.severity === s).length] as const).filter(([, n]) => n > 0);
      summary.textContent = `${f.findings.length} ${f.findings.length === 1 ? 'finding' : 'findings'}: ${counts.map(([s, n]) => `${n} ${s}${n === 1 || s === 'info' ? '' : 's'}`).join(', ')}`;
      const list = el('ol', { className: 'tl-findings' });
      for (const finding of f.findings) {
        const item = findingView(finding, { ctx: c.ctx, select: (x) => c.frameFinding(x) });
        if (c.framing && sameFinding(c.framing.finding, finding)) item.classList.add('framed');
        list.append(item);
      }
      body.push(list);
    }
    this.element.replaceChildren(el('div', { className: 'tl-insights-bar' }, summary, propagation), ...body);
  }
}
