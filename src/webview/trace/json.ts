// The JSON tab: the trace as pretty JSON in a <pre> (textContent). A huge trace would freeze the page, so past a limit
// it shows the selected span's JSON, or the first spans, and says so.
import { el } from '../dom';
import type { Change, TabView, TraceController } from './tracePage';
import type { WireTrace } from '../../protocol/wire';

/** Spans shown as a whole trace at most; the first spans past it. */
const WHOLE_LIMIT = 2000;
const FIRST_SPANS = 200;

export class JsonTab implements TabView {
  readonly element: HTMLElement;
  private readonly note: HTMLElement;
  private readonly pre: HTMLPreElement;
  private renderedKey = -1;
  private renderedTrace: WireTrace | undefined;

  constructor(private readonly c: TraceController) {
    this.note = el('p', { className: 'tl-muted tl-json-note' });
    this.pre = el('pre', { className: 'tl-json' });
    this.element = el('div', { className: 'tl-json-tab' }, this.note, this.pre);
  }

  shown(visible: boolean): void {
    if (visible) this.render('all');
  }

  render(_what: Change): void {
    if (this.element.hidden) return;
    const c = this.c;
    const trace = c.view.trace;
    const big = trace.spans.length > WHOLE_LIMIT;
    // Keyed by the trace object: the outline and the whole trace have the same spans but not the same fields.
    const key = big ? c.selected : -2;
    if (trace === this.renderedTrace && key === this.renderedKey && this.pre.textContent !== '') return;
    this.renderedTrace = trace;
    this.renderedKey = key;
    let text: string;
    let note = '';
    if (!big) text = JSON.stringify(trace, null, 2);
    else if (c.selected >= 0) {
      text = JSON.stringify(c.view.spans[c.selected]!.span, null, 2);
      note = `${trace.spans.length.toLocaleString('en-US')} spans are too many to show at once: this is the selected span. Use the Export command for the whole trace.`;
    } else {
      text = JSON.stringify({ ...trace, spans: trace.spans.slice(0, FIRST_SPANS) }, null, 2);
      note = `${trace.spans.length.toLocaleString('en-US')} spans are too many to show at once: these are the first ${FIRST_SPANS}. Select a span to see its JSON.`;
    }
    this.note.textContent = note;
    this.note.hidden = note === '';
    this.pre.textContent = text;
  }
}
