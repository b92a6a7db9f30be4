// The span detail beside the tabs: what a person needs to understand one span. Name, service, kind, status, timing
// (duration, self time, start offset), ids; attributes typed (strings quoted, int64 exact, doubles, booleans, arrays
// and key-value lists as a tree, long values folded); resource and scope; events and the trace's log records joined
// to the span, with times from the span start and exception stack traces as monospace blocks; links to other traces
// (opened here, or "not stored"); trace state and baggage; copy buttons and "Open in editor".
import { continuingFlags } from '../../core/propagation/w3c';
import { formatWireValue } from '../../core/wire';
import { nanos, STATUS_NAMES } from '../../core/display';
import type { WireAttribute, WireLink, WireValue } from '../../protocol/wire';
import { el } from '../dom';
import { dur, kindName, pauseIcon, rel, serviceColor } from './common';
import type { Change, TraceController } from './tracePage';

/** Values longer than this are folded behind "show more". */
const FOLD = 300;
const CODE_KEYS = ['code.file.path', 'code.filepath', 'code.function.name', 'code.function', 'code.stacktrace'];

export class SpanDetail {
  readonly element: HTMLElement;
  private shownPos = -2;
  private shownView: unknown;

  constructor(private readonly c: TraceController) {
    this.element = el('aside', { className: 'tl-detail' });
    this.element.tabIndex = -1;
    this.element.setAttribute('aria-label', 'Span detail');
  }

  focus(): void {
    this.element.focus();
  }

  render(what: Change): void {
    if (what !== 'all' && what !== 'selection') return;
    const c = this.c;
    if (c.selected === this.shownPos && c.view === this.shownView && what !== 'all') return;
    this.shownPos = c.selected;
    this.shownView = c.view;
    const v = c.view.spans[c.selected];
    this.element.hidden = !v;
    if (!v) {
      this.element.replaceChildren();
      return;
    }
    const s = v.span;
    const trace = c.view.trace;
    const spanStart = nanos(s.startTimeUnixNano);
    const section = (title: string, ...children: Node[]): HTMLElement => el('section', { className: 'tl-section' }, el('h3', { text: title }), ...children);
    const kv = (rows: [string, Node | string][]): HTMLElement =>
      el('dl', { className: 'tl-kv' }, ...rows.flatMap(([k, value]) => [el('dt', { text: k }), el('dd', {}, value)]));

    const close = el('button', { className: 'tl-close', text: '×', title: 'Close (Esc)' });
    close.addEventListener('click', () => c.select(-1));
    const swatch = el('span', { className: 'tl-swatch' });
    swatch.style.background = serviceColor(v.service);
    const statusName = STATUS_NAMES[s.status.code] ?? String(s.status.code);
    const status = el('span', { className: v.error ? 'tl-status error' : 'tl-status', text: statusName });
    const statusNode = el('span', {}, status);
    if (s.status.message) statusNode.append(el('span', { className: 'tl-status-message', text: ` ${s.status.message}` }));

    // A span still running at a debugger's pause has no end yet: the server ends it at its process's pause, so its
    // "duration" is how long it had run by then.
    const live = c.live;
    const running = live !== undefined && live.running.has(c.selected);
    const timing: [string, Node | string][] = running
      ? [
          ['Duration', el('span', { className: 'tl-running-note', text: `Running — the debugger paused it ${dur(v.duration)} after it started` })],
          ['Self time', `${dur(v.selfTime)} so far`],
        ]
      : [
          ['Duration', dur(v.duration)],
          ['Self time', dur(v.selfTime)],
        ];
    const parts: Node[] = [el('div', { className: 'tl-detail-head' }, el('h3', { className: 'tl-detail-name', text: s.name }), close)];
    if (live?.paused === c.selected) parts.push(el('p', { className: 'tl-live-note tl-paused-note' }, pauseIcon(), ` The debugger (${live.sessionName || 'a debug session'}) is paused in this span.`));
    else if (live?.unexported.has(c.selected)) parts.push(el('p', { className: 'tl-live-note', text: 'Ended, but still queued in the paused process: not exported yet.' }));
    parts.push(
      kv([
        ['Service', el('span', {}, swatch, document.createTextNode(v.service))],
        ['Kind', kindName(v.kind)],
        ['Status', statusNode],
        ...timing,
        ['Start', rel(v.offset)],
        ['Span ID', mono(s.spanId)],
        ['Parent ID', mono(s.parentSpanId || '–')],
        ['Trace ID', mono(s.traceId)],
      ]),
      this.buttons(),
    );
    if (c.outline) parts.push(el('p', { className: 'tl-loading', text: 'Loading attributes, events and links…' }));
    if (s.attributes.length > 0) parts.push(section(`Attributes (${s.attributes.length})`, attributes(s.attributes)));
    const baggage = s.attributes.filter((a) => a.key.startsWith('baggage.') || a.key === 'baggage');
    if (baggage.length > 0) parts.push(section('Baggage', attributes(baggage)));
    if (s.traceState) parts.push(section('Trace state', mono(s.traceState)));

    const events = s.events.map((e) => ({ t: Number(nanos(e.timeUnixNano) - spanStart), name: e.name, attrs: e.attributes, kind: 'event' as const }));
    const logs = c.logs
      .filter((l) => l.spanId === s.spanId)
      .map((l) => ({ t: Number(nanos(l.timeUnixNano || l.observedTimeUnixNano) - spanStart), name: logTitle(l.severityText, l.eventName, l.body), attrs: l.attributes, kind: 'log' as const }));
    if (events.length > 0) parts.push(section(`Events (${events.length})`, eventList(events)));
    if (logs.length > 0) parts.push(section(`Logs (${logs.length})`, eventList(logs)));
    if (s.links.length > 0) parts.push(section(`Links (${s.links.length})`, el('ul', { className: 'tl-links' }, ...s.links.map((l) => this.link(l)))));

    const resource = trace.resources[s.resource];
    if (resource) parts.push(section('Resource', attributes(resource.attributes)));
    const scope = trace.scopes[s.scope];
    if (scope) {
      const head = kv([['Name', scope.name || '–'], ['Version', scope.version || '–']]);
      parts.push(section('Scope', head, ...(scope.attributes.length > 0 ? [attributes(scope.attributes)] : [])));
    }
    const dropped = [s.droppedAttributesCount && `${s.droppedAttributesCount} attributes`, s.droppedEventsCount && `${s.droppedEventsCount} events`, s.droppedLinksCount && `${s.droppedLinksCount} links`].filter(Boolean);
    if (dropped.length > 0) parts.push(el('p', { className: 'tl-muted', text: `Dropped by the SDK: ${dropped.join(', ')}` }));
    this.element.replaceChildren(...parts);
  }

  private buttons(): HTMLElement {
    const c = this.c;
    const v = c.view.spans[c.selected]!;
    const s = v.span;
    const b = (text: string, action: () => void, className: string): HTMLButtonElement => {
      const e = el('button', { className: `tl-tool ${className}`, text });
      e.addEventListener('click', action);
      return e;
    };
    const traceparent = `00-${s.traceId}-${s.spanId}-${continuingFlags(s.flags).toString(16).padStart(2, '0')}`;
    const row = el(
      'div',
      { className: 'tl-buttons' },
      b('Copy span ID', () => c.ctx.copy(s.spanId, 'span id'), 'tl-copy-span'),
      b('Copy trace ID', () => c.ctx.copy(s.traceId, 'trace id'), 'tl-copy-trace'),
      b('Copy traceparent', () => c.ctx.copy(traceparent, 'traceparent'), 'tl-copy-traceparent'),
      b('Copy JSON', () => c.ctx.copy(JSON.stringify(s, null, 2), 'span JSON'), 'tl-copy-json'),
    );
    const hasCode = s.attributes.some((a) => CODE_KEYS.includes(a.key)) || s.events.some((e) => e.attributes.some((a) => a.key === 'exception.stacktrace'));
    if (hasCode) row.append(b('Open in editor', () => c.ctx.openSource({ traceId: s.traceId, spanId: s.spanId }), 'tl-open-source'));
    // Breakpoints live in the editor: offered in VS Code only, for any span (the source may come from a literal too).
    if (c.ctx.mode === 'vscode') {
      row.append(
        b('Add breakpoint', () => c.ctx.openSource({ traceId: s.traceId, spanId: s.spanId, action: 'breakpoint' }), 'tl-add-breakpoint'),
        b('Add logpoint', () => c.ctx.openSource({ traceId: s.traceId, spanId: s.spanId, action: 'logpoint' }), 'tl-add-logpoint'),
      );
    }
    return row;
  }

  /** A link opens its trace and span here; when that trace is not stored it says so instead. */
  private link(l: WireLink): HTMLElement {
    const c = this.c;
    const a = el('a', { className: 'tl-link', text: `${l.traceId} / ${l.spanId}` });
    a.href = c.ctx.deepLink({ page: 'trace', traceId: l.traceId, spanId: l.spanId });
    const note = el('span', { className: 'tl-link-note' });
    a.addEventListener('click', (e) => {
      e.preventDefault();
      note.textContent = ' checking…';
      c.ctx.request('tracelens/getTrace', { traceId: l.traceId }).then(
        (t) => {
          if (t) {
            note.textContent = '';
            c.ctx.navigate({ page: 'trace', traceId: l.traceId, spanId: l.spanId });
          } else note.textContent = ' not stored';
        },
        (err: unknown) => (note.textContent = ` ${err instanceof Error ? err.message : String(err)}`),
      );
    });
    const item = el('li', {}, a, note);
    if (l.attributes.length > 0) item.append(attributes(l.attributes));
    if (l.traceState) item.append(el('div', { className: 'tl-muted', text: `trace state: ${l.traceState}` }));
    return item;
  }
}

function mono(text: string): HTMLElement {
  return el('span', { className: 'tl-mono', text });
}

function logTitle(severity: string, eventName: string, body: WireValue): string {
  const text = body === null ? '' : typeof body === 'string' ? body : formatWireValue(body);
  return [severity, eventName, text].filter((x) => x !== '').join(' ') || 'log';
}

/** Events or log records in time order, each with its attributes; exceptions with their stack trace as a block. */
function eventList(items: readonly { t: number; name: string; attrs: readonly WireAttribute[]; kind: 'event' | 'log' }[]): HTMLElement {
  const sorted = [...items].sort((a, b) => a.t - b.t);
  return el(
    'ol',
    { className: 'tl-events' },
    ...sorted.map((e) => {
      const type = e.attrs.find((a) => a.key === 'exception.type');
      const message = e.attrs.find((a) => a.key === 'exception.message');
      const stack = e.attrs.find((a) => a.key === 'exception.stacktrace');
      const isException = e.name === 'exception' || type !== undefined || stack !== undefined;
      const li = el('li', { className: `tl-event-item ${e.kind}${isException ? ' exception' : ''}` }, el('span', { className: 'tl-event-time', text: rel(e.t) }), el('span', { className: 'tl-event-name', text: e.name }));
      if (isException) {
        const head = [type && formatWireValue(type.value), message && formatWireValue(message.value)].filter((x) => x).join(': ');
        if (head) li.append(el('div', { className: 'tl-exception', text: head }));
        if (stack) li.append(el('pre', { className: 'tl-stack', text: formatWireValue(stack.value) }));
      }
      const rest = e.attrs.filter((a) => !(isException && (a === stack || a === type || a === message)));
      if (rest.length > 0) li.append(attributes(rest));
      return li;
    }),
  );
}

/** Attributes as a typed tree. */
export function attributes(attrs: readonly WireAttribute[]): HTMLElement {
  return el('dl', { className: 'tl-attrs' }, ...attrs.flatMap((a) => [el('dt', { text: a.key, title: a.key }), el('dd', {}, value(a.value))]));
}

function value(v: WireValue): HTMLElement {
  if (v === null) return el('span', { className: 'tl-v-null', text: 'null' });
  if (typeof v === 'string') return folded(`"${v}"`, 'tl-v-string');
  if (typeof v === 'boolean') return el('span', { className: 'tl-v-bool', text: String(v) });
  if (typeof v === 'number') return el('span', { className: 'tl-v-double', text: Number.isInteger(v) ? v.toFixed(1) : String(v) });
  if (Array.isArray(v)) {
    if (v.length === 0) return el('span', { className: 'tl-v-array', text: '[]' });
    return el('ol', { className: 'tl-v-array' }, ...v.map((x) => el('li', {}, value(x))));
  }
  if ('int' in v) return el('span', { className: 'tl-v-int', text: v.int });
  if ('double' in v) return el('span', { className: 'tl-v-double', text: v.double });
  if ('bytes' in v) return folded(formatWireValue(v), 'tl-v-bytes');
  if ('kvlist' in v) return v.kvlist.length === 0 ? el('span', { className: 'tl-v-kvlist', text: '{}' }) : attributes(v.kvlist);
  return el('span', { text: '' });
}

function folded(text: string, className: string): HTMLElement {
  if (text.length <= FOLD) return el('span', { className, text });
  const body = el('span', { className, text: `${text.slice(0, FOLD)}…` });
  const more = el('button', { className: 'tl-more', text: `show more (${text.length.toLocaleString('en-US')} characters)` });
  more.addEventListener('click', () => {
    body.textContent = text;
    more.remove();
  });
  return el('span', { className: 'tl-folded' }, body, more);
}
