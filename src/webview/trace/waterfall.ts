// The waterfall tab: a toolbar (search in the trace, match and error stepping, critical path, collapse, zoom reset),
// a minimap of the whole trace where dragging picks a time range to zoom into, a time ruler, and the span rows.
// Rows are virtualised: a fixed row height, only the rows in view (plus a few) are in the DOM, redrawn once per
// animation frame while scrolling, so a 100,000-span trace opens and scrolls like a small one.
import { nanos } from '../../core/display';
import { RowPositions } from '../../core/views/rows';
import { el } from '../dom';
import { dur, kindGlyph, kindName, pauseIcon, rel, serviceColor, spanDur } from './common';
import type { Change, TabView, TraceController } from './tracePage';

export const ROW_HEIGHT = 24;
const OVERSCAN = 10;
const MINIMAP_HEIGHT = 48;
const RUNNING_TITLE = 'Still running when the debugger paused (not exported yet)';
const UNEXPORTED_TITLE = 'Ended, but still queued in the paused process (not exported yet)';

export class Waterfall implements TabView {
  readonly element: HTMLElement;
  private readonly search: HTMLInputElement;
  private readonly count: HTMLElement;
  private readonly criticalButton: HTMLButtonElement;
  private readonly resetZoom: HTMLButtonElement;
  private readonly depth: HTMLSelectElement;
  private readonly frameNote: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rowsLayer: HTMLElement;
  private readonly ruler: HTMLElement;
  private readonly minimap: HTMLCanvasElement;
  private readonly minimapWindow: HTMLElement;
  private readonly minimapDrag: HTMLElement;
  private readonly minimapWrap: HTMLElement;
  private positions = new RowPositions(ROW_HEIGHT, 0);
  private frame = 0;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private minimapFor: unknown;
  private firstPaint = true;
  private readonly resize: ResizeObserver;

  constructor(private readonly c: TraceController) {
    this.search = el('input', { className: 'tl-search' });
    this.search.type = 'search';
    this.search.placeholder = 'Find in trace: text, key=value, >100ms  ( / )';
    this.search.setAttribute('aria-label', 'Find in trace');
    this.count = el('span', { className: 'tl-search-count' });
    const button = (text: string, title: string, action: () => void, className = ''): HTMLButtonElement => {
      const b = el('button', { className: `tl-tool ${className}`.trim(), text, title });
      b.addEventListener('click', action);
      return b;
    };
    this.criticalButton = button('Critical path', 'Highlight the critical path (c)', () => c.toggleCritical(), 'tl-critical-toggle');
    this.resetZoom = button('Reset zoom', 'Show the whole trace again', () => c.setZoom(undefined), 'tl-reset-zoom');
    this.depth = el('select', { className: 'tl-depth', title: 'Show spans down to a depth' });
    this.depth.addEventListener('change', () => {
      const d = Number(this.depth.value);
      if (d > 0) c.collapseTo(d - 1);
      else c.expandAll();
      this.depth.value = '';
    });
    const toolbar = el(
      'div',
      { className: 'tl-toolbar' },
      this.search,
      this.count,
      button('↑', 'Previous match (Shift+Enter, N)', () => c.stepMatch(-1), 'tl-prev-match'),
      button('↓', 'Next match (Enter, n)', () => c.stepMatch(1), 'tl-next-match'),
      button('◀ error', 'Previous error (E)', () => c.stepError(-1), 'tl-prev-error'),
      button('error ▶', 'Next error (e)', () => c.stepError(1), 'tl-next-error'),
      el('span', { className: 'tl-sep' }),
      this.criticalButton,
      button('Collapse all', 'Collapse every span', () => c.collapseAll(), 'tl-collapse-all'),
      button('Expand all', 'Expand every span', () => c.expandAll(), 'tl-expand-all'),
      this.depth,
      this.resetZoom,
    );
    this.search.addEventListener('input', () => {
      clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => c.setQuery(this.search.value), 120);
    });
    this.search.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        clearTimeout(this.searchTimer);
        if (this.search.value !== c.query) c.setQuery(this.search.value);
        c.stepMatch(e.shiftKey ? -1 : 1);
        e.preventDefault();
      } else if (e.key === 'Escape') {
        // Keep the query (a search box clears itself on Escape) and hand the keys back to the page.
        e.preventDefault();
        this.search.blur();
      }
    });

    this.frameNote = el('div', { className: 'tl-frame-note' });
    this.frameNote.setAttribute('role', 'status');
    this.frameNote.hidden = true;

    this.minimap = el('canvas', { className: 'tl-minimap-canvas' });
    this.minimapWindow = el('div', { className: 'tl-minimap-window' });
    this.minimapDrag = el('div', { className: 'tl-minimap-drag' });
    this.minimapWrap = el('div', { className: 'tl-minimap', title: 'Drag to zoom into a time range' }, this.minimap, this.minimapWindow, this.minimapDrag);
    this.minimapWrap.style.height = `${MINIMAP_HEIGHT}px`;
    this.dragToZoom();

    this.ruler = el('div', { className: 'tl-ruler' });
    this.spacer = el('div', { className: 'tl-spacer' });
    this.rowsLayer = el('div', { className: 'tl-rows' });
    this.scroller = el('div', { className: 'tl-scroller' }, this.spacer, this.rowsLayer);
    this.scroller.tabIndex = 0;
    this.scroller.addEventListener('scroll', () => this.schedule());
    this.rowsLayer.addEventListener('click', (e) => this.onClick(e));
    this.element = el('div', { className: 'tl-waterfall' }, toolbar, this.frameNote, this.minimapWrap, el('div', { className: 'tl-ruler-row' }, el('div', { className: 'tl-ruler-label', text: 'Service · operation' }), this.ruler), this.scroller);
    this.resize = new ResizeObserver(() => {
      this.minimapFor = undefined;
      this.schedule();
    });
    this.resize.observe(this.scroller);
  }

  focusSearch(): void {
    this.search.focus();
    this.search.select();
  }

  /** ns per lane fraction: the zoomed range, or the whole trace. */
  private range(): { start: number; end: number } {
    const z = this.c.zoom;
    return z ?? { start: 0, end: Math.max(this.c.duration, 1) };
  }

  render(what: Change): void {
    const c = this.c;
    if (what === 'all') {
      // Levels 1 .. depth (at most 10): "Depth 2" shows the roots and their children.
      const levels = Math.min(c.view.header.depth, 10);
      const option = (value: string, text: string): HTMLOptionElement => {
        const o = el('option', { text });
        o.value = value;
        return o;
      };
      this.depth.replaceChildren(option('', 'Depth…'), ...Array.from({ length: levels }, (_, i) => option(String(i + 1), `Depth ${i + 1}`)), option('0', 'All levels'));
      this.depth.value = '';
    }
    if (what === 'all' || what === 'rows') {
      this.positions = new RowPositions(ROW_HEIGHT, c.rows.length);
      this.spacer.style.height = `${this.positions.totalHeight}px`;
    }
    if (what === 'all' || what === 'search') this.renderCount();
    if (what === 'all' || what === 'frame') this.renderFrameNote();
    if (what === 'all' || what === 'critical') {
      this.criticalButton.classList.toggle('active', c.critical);
      this.criticalButton.setAttribute('aria-pressed', String(c.critical));
    }
    if (what === 'all' || what === 'zoom') {
      this.resetZoom.hidden = !c.zoom;
      this.renderRuler();
      this.renderMinimapWindow();
    }
    if (what === 'selection') {
      this.renderCount();
      this.scrollToSelected();
    }
    if (what === 'all' && c.selected >= 0 && this.firstPaint) this.scrollToSelected();
    this.schedule();
  }

  shown(visible: boolean): void {
    if (visible) this.schedule();
  }

  dispose(): void {
    cancelAnimationFrame(this.frame);
    clearTimeout(this.searchTimer);
    this.resize.disconnect();
  }

  private renderCount(): void {
    const c = this.c;
    if (this.search.value !== c.query && document.activeElement !== this.search) this.search.value = c.query;
    this.count.classList.toggle('tl-search-error', c.found.error !== undefined);
    if (c.found.error) this.count.textContent = c.found.error;
    else if (!c.query.trim()) this.count.textContent = '';
    else {
      const at = c.found.matches.indexOf(c.selected);
      this.count.textContent = `${at >= 0 ? at + 1 : 0} of ${c.found.matches.length}`;
    }
  }

  /** "Finding: <title> · 7 spans marked  [Clear]" while a finding's spans are marked. */
  private renderFrameNote(): void {
    const f = this.c.framing;
    this.frameNote.hidden = !f;
    if (!f) {
      this.frameNote.replaceChildren();
      return;
    }
    const clear = el('button', { className: 'tl-tool tl-clear-frame', text: 'Clear', title: 'Unmark the finding\'s spans' });
    clear.addEventListener('click', () => this.c.clearFraming());
    this.frameNote.replaceChildren(
      el('span', { className: 'tl-frame-title', text: f.finding.title }),
      el('span', { className: 'tl-muted', text: ` · ${f.spans.size === 1 ? '1 span' : `${f.spans.size} spans`} marked` }),
      clear,
    );
  }

  private scrollToSelected(): void {
    const row = this.c.rows.indexOf(this.c.selected);
    if (row < 0) return;
    const height = this.scroller.clientHeight || 400;
    const top = this.positions.scrollToShow(row, this.scroller.scrollTop, height);
    if (top !== this.scroller.scrollTop) this.scroller.scrollTop = top;
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (this.element.hidden) return;
      this.renderRows();
      this.renderMinimap();
    });
  }

  private renderRuler(): void {
    const { start, end } = this.range();
    const ticks: HTMLElement[] = [];
    for (let i = 0; i <= 4; i++) {
      const t = el('span', { className: 'tl-tick', text: dur(start + ((end - start) * i) / 4) });
      t.style.left = `${i * 25}%`;
      if (i === 4) t.classList.add('tl-tick-last');
      ticks.push(t);
    }
    this.ruler.replaceChildren(...ticks);
  }

  private renderRows(): void {
    const c = this.c;
    const height = this.scroller.clientHeight || 600;
    const { first, last } = this.positions.range(this.scroller.scrollTop, height, OVERSCAN);
    const { start, end } = this.range();
    const span = end - start;
    const path = c.path;
    const segmentsByPos = path ? groupSegments(path.segments) : undefined;
    const searching = c.query.trim() !== '' && !c.found.error;
    const traceStart = c.view.header.startNanos;
    const live = c.live;
    const framed = c.framing?.spans;
    const out: HTMLElement[] = [];
    for (let r = first; r < last; r++) {
      const pos = c.rows[r]!;
      const v = c.view.spans[pos]!;
      const s = v.span;
      const row = el('div', { className: 'tl-row' });
      row.style.top = `${this.positions.top(r)}px`;
      row.dataset['pos'] = String(pos);
      row.dataset['spanId'] = s.spanId;
      if (pos === c.selected) row.classList.add('selected');
      if (v.error) row.classList.add('error');
      if (searching) row.classList.add(c.matchSet.has(pos) ? 'match' : 'dim');
      if (path?.spans.has(pos)) row.classList.add('critical');
      if (framed?.has(pos)) row.classList.add('framed');
      const running = live !== undefined && live.running.has(pos);
      const paused = live !== undefined && live.paused === pos;
      if (running) row.classList.add('running');
      if (paused) row.classList.add('paused');

      const label = el('div', { className: 'tl-label' });
      label.style.paddingLeft = `${4 + Math.min(v.depth, 40) * 14}px`;
      if (v.children.length > 0) {
        const collapsed = c.collapsed.has(pos);
        const t = el('button', { className: 'tl-toggle', text: collapsed ? '▸' : '▾', title: collapsed ? `Expand (${v.children.length} children)` : 'Collapse' });
        t.setAttribute('aria-expanded', String(!collapsed));
        label.append(t);
      } else label.append(el('span', { className: 'tl-toggle-space' }));
      const swatch = el('span', { className: 'tl-swatch' });
      swatch.style.background = serviceColor(v.service);
      label.append(
        swatch,
        el('span', { className: 'tl-kind', text: kindGlyph(v.kind), title: kindName(v.kind) }),
        el('span', { className: 'tl-service', text: v.service }),
        el('span', { className: 'tl-name', text: s.name }),
      );
      if (v.error) label.append(el('span', { className: 'tl-error-mark', text: '!', title: s.status.message ? `Error: ${s.status.message}` : 'Error' }));
      // A running span's missing parent is not lost: it runs too (usually the caller's span, waiting in another
      // process) and is exported when it ends.
      if (v.orphan && running && s.parentSpanId) {
        label.append(el('span', { className: 'tl-orphan-mark', text: 'parent running', title: `Parent ${s.parentSpanId} is still running (in the caller's process, or out of the paused frame's reach): it arrives when it ends` }));
      } else if (v.orphan) label.append(el('span', { className: 'tl-orphan-mark', text: 'orphan', title: `Parent ${s.parentSpanId} is not in this trace` }));
      // The paused span is running too: its mark says both, so a row carries one mark of the pause.
      if (paused) label.append(el('span', { className: 'tl-paused-mark', title: running ? `The debugger is paused in this span. ${RUNNING_TITLE}` : 'The debugger is paused in this span' }, pauseIcon(), ' paused here'));
      else if (running) label.append(el('span', { className: 'tl-running-mark', text: 'running', title: RUNNING_TITLE }));
      else if (live?.unexported.has(pos)) label.append(el('span', { className: 'tl-unexported-mark', text: 'queued', title: UNEXPORTED_TITLE }));
      label.title = `${v.service} ${s.name}`;

      const lane = el('div', { className: 'tl-lane' });
      const left = ((v.offset - start) / span) * 100;
      const width = (v.duration / span) * 100;
      const bar = el('div', {
        className: 'tl-bar',
        title: running ? `${s.name}\nrunning: ${dur(v.duration)} so far when the debugger paused\nstarts ${rel(v.offset)}` : `${s.name}\n${dur(v.duration)} (self ${dur(v.selfTime)})\nstarts ${rel(v.offset)}`,
      });
      bar.style.left = `${left}%`;
      bar.style.width = `${width}%`;
      bar.style.setProperty('--tl-service', serviceColor(v.service));
      const segs = segmentsByPos?.get(pos);
      if (segs && v.duration > 0) {
        for (const seg of segs) {
          const m = el('div', { className: 'tl-crit' });
          m.style.left = `${((seg.start - v.offset) / v.duration) * 100}%`;
          m.style.width = `${((seg.end - seg.start) / v.duration) * 100}%`;
          bar.append(m);
        }
      }
      if (s.events.length > 0 && s.events.length <= 200) {
        for (const ev of s.events) {
          const t = Number(nanos(ev.timeUnixNano) - traceStart);
          const m = el('div', { className: 'tl-event', title: `${ev.name} ${rel(t - v.offset)}` });
          m.style.left = v.duration > 0 ? `${((t - v.offset) / v.duration) * 100}%` : '0';
          if (ev.name === 'exception') m.classList.add('exception');
          bar.append(m);
        }
      }
      // A running span's duration is only a lower bound: it had not ended when the debugger paused.
      const time = el('span', { className: 'tl-duration', text: spanDur(v.duration, running) });
      // After the bar; before it when the bar reaches the right edge; inside it when it spans the lane (before it
      // would run into the label column).
      if (left + width <= 80) time.style.left = `${Math.max(0, left + width)}%`;
      else if (left > 15) {
        time.style.right = `${100 - left}%`;
        time.classList.add('before');
      } else {
        time.style.right = `${Math.max(0, 100 - (left + width))}%`;
        time.classList.add('inside');
      }
      lane.append(bar, time);
      row.append(label, lane);
      out.push(row);
    }
    const pauseLine = live && live.pausedAt > 0n ? this.pauseLine(Number(live.pausedAt - traceStart), start, span) : undefined;
    if (pauseLine) out.push(pauseLine);
    this.rowsLayer.replaceChildren(...out);
    if (this.firstPaint && out.length > 0) {
      this.firstPaint = false;
      performance.mark('tracelens:waterfall-rendered');
      // The next frame starts once the rows above have been painted.
      requestAnimationFrame(() => performance.mark('tracelens:waterfall-painted'));
    }
  }

  /** A line down the lanes at the pause (ns from the trace start), when the range shown holds it. */
  private pauseLine(at: number, start: number, span: number): HTMLElement | undefined {
    const f = (at - start) / span;
    if (!(f >= 0 && f <= 1)) return undefined;
    const line = el('div', { className: 'tl-pause-line', title: `The debugger paused here (${rel(at)})` });
    line.style.setProperty('--tl-at', String(f));
    line.style.height = `${this.positions.totalHeight}px`;
    return line;
  }

  private onClick(e: MouseEvent): void {
    const target = e.target as HTMLElement;
    const row = target.closest<HTMLElement>('.tl-row');
    if (!row) return;
    const pos = Number(row.dataset['pos']);
    if (target.closest('.tl-toggle')) this.c.toggle(pos);
    else this.c.select(pos);
  }

  /**
   * The whole trace as thin bars, one pixel row per band of spans in tree order, drawn once per trace and size. Spans
   * are rasterised here (a difference array per colour and pixel row, then one putImageData): a canvas call per span
   * took seconds for 100,000 spans in software-rendered canvases.
   */
  private renderMinimap(): void {
    const view = this.c.view;
    const width = this.minimapWrap.clientWidth;
    if (width === 0 || this.minimapFor === view) return;
    this.minimapFor = view;
    const dpr = window.devicePixelRatio || 1;
    const W = Math.max(1, Math.round(width * dpr));
    const H = Math.max(1, Math.round(MINIMAP_HEIGHT * dpr));
    this.minimap.width = W;
    this.minimap.height = H;
    const g = this.minimap.getContext('2d');
    if (!g) return;
    const colors: string[] = [];
    const colorIndex = new Map<string, number>();
    const indexOf = (css: string): number => {
      let i = colorIndex.get(css);
      if (i === undefined) {
        colorIndex.set(css, (i = colors.length));
        colors.push(css);
      }
      return i;
    };
    const errorColor = getComputedStyle(this.element).getPropertyValue('--tl-error').trim() || '#f14c4c';
    const spans = view.spans;
    const n = spans.length;
    const total = Math.max(this.c.duration, 1);
    const spanColor = new Uint8Array(n);
    for (let p = 0; p < n; p++) spanColor[p] = Math.min(255, indexOf(spans[p]!.error ? errorColor : serviceColor(spans[p]!.service)));
    const errorIndex = indexOf(errorColor);
    const stride = W + 1;
    const diff = new Int32Array(colors.length * H * stride);
    for (let p = 0; p < n; p++) {
      const v = spans[p]!;
      // The span's band of pixel rows (one row when spans outnumber rows).
      const y0 = Math.min(H - 1, Math.floor((p / n) * H));
      const y1 = Math.max(y0 + 1, Math.min(H, Math.floor(((p + 1) / n) * H) - (n < H ? 1 : 0)));
      const x0 = Math.min(W - 1, Math.floor((v.offset / total) * W));
      const x1 = Math.min(W, Math.max(x0 + 1, Math.ceil(((v.offset + v.duration) / total) * W)));
      for (let y = y0; y < y1; y++) {
        const row = (spanColor[p]! * H + y) * stride;
        diff[row + x0]!++;
        diff[row + x1]!--;
      }
    }
    const rgb = colors.map((css) => {
      g.fillStyle = css;
      const text = String(g.fillStyle);
      const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(text) ?? /(\d+),\s*(\d+),\s*(\d+)/.exec(text);
      if (!m) return [128, 128, 128];
      return text.startsWith('#') ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)] : [Number(m[1]), Number(m[2]), Number(m[3])];
    });
    const image = g.createImageData(W, H);
    const px = image.data;
    // Errors last, so they show over the services.
    const order = [...colors.keys()].filter((i) => i !== errorIndex).concat(errorIndex);
    for (const ci of order) {
      const [r, gg, b] = rgb[ci]!;
      for (let y = 0; y < H; y++) {
        const row = (ci * H + y) * stride;
        let run = 0;
        for (let x = 0; x < W; x++) {
          run += diff[row + x]!;
          if (run > 0) {
            const at = (y * W + x) * 4;
            px[at] = r!;
            px[at + 1] = gg!;
            px[at + 2] = b!;
            px[at + 3] = 255;
          }
        }
      }
    }
    g.putImageData(image, 0, 0);
    this.renderMinimapWindow();
  }

  private renderMinimapWindow(): void {
    const z = this.c.zoom;
    this.minimapWindow.hidden = !z;
    if (!z) return;
    const total = Math.max(this.c.duration, 1);
    this.minimapWindow.style.left = `${(z.start / total) * 100}%`;
    this.minimapWindow.style.width = `${((z.end - z.start) / total) * 100}%`;
  }

  private dragToZoom(): void {
    const wrap = this.minimapWrap;
    let from: number | undefined;
    const frac = (e: MouseEvent): number => {
      const r = wrap.getBoundingClientRect();
      return Math.max(0, Math.min(1, (e.clientX - r.left) / Math.max(r.width, 1)));
    };
    const show = (a: number, b: number): void => {
      this.minimapDrag.hidden = false;
      this.minimapDrag.style.left = `${Math.min(a, b) * 100}%`;
      this.minimapDrag.style.width = `${Math.abs(b - a) * 100}%`;
    };
    this.minimapDrag.hidden = true;
    const move = (e: MouseEvent): void => {
      if (from !== undefined) show(from, frac(e));
    };
    const up = (e: MouseEvent): void => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
      if (from === undefined) return;
      const a = Math.min(from, frac(e));
      const b = Math.max(from, frac(e));
      from = undefined;
      this.minimapDrag.hidden = true;
      const total = this.c.duration;
      // A click (no drag) resets; a drag zooms into what it covered.
      this.c.setZoom(b - a < 0.005 ? undefined : { start: a * total, end: b * total });
    };
    wrap.addEventListener('mousedown', (e) => {
      from = frac(e);
      show(from, from);
      window.addEventListener('mousemove', move);
      window.addEventListener('mouseup', up);
      e.preventDefault();
    });
  }
}

function groupSegments(segments: readonly { readonly pos: number; readonly start: number; readonly end: number }[]): Map<number, { start: number; end: number }[]> {
  const out = new Map<number, { start: number; end: number }[]>();
  for (const s of segments) {
    let list = out.get(s.pos);
    if (!list) out.set(s.pos, (list = []));
    list.push(s);
  }
  return out;
}
