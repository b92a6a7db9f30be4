// The flame graph tab: spans stacked by depth, x and width by time over the whole trace. What would be under a pixel
// is merged with its narrow siblings or hidden (core/views/flame.ts), so a 100,000-span trace draws a bounded number
// of boxes. A click selects the span (the detail shows it).
import { flameLayout } from '../../core/views/flame';
import { el } from '../dom';
import { dur, serviceColor } from './common';
import type { Change, TabView, TraceController } from './tracePage';

const BOX_HEIGHT = 20;
/** Boxes drawn at most; deeper levels past it are left out with a note. */
const MAX_BOXES = 8000;

export class FlameTab implements TabView {
  readonly element: HTMLElement;
  private readonly canvas: HTMLElement;
  private readonly note: HTMLElement;
  private laidOutFor: unknown;
  private width = 0;
  private readonly resize: ResizeObserver;

  constructor(private readonly c: TraceController) {
    this.canvas = el('div', { className: 'tl-flame-canvas' });
    this.note = el('p', { className: 'tl-muted tl-flame-note' });
    this.element = el('div', { className: 'tl-flame' }, this.note, el('div', { className: 'tl-flame-scroll' }, this.canvas));
    this.canvas.addEventListener('click', (e) => {
      const box = (e.target as HTMLElement).closest<HTMLElement>('.tl-flame-box');
      if (box) c.select(Number(box.dataset['pos']));
    });
    this.resize = new ResizeObserver(() => {
      if (!this.element.hidden && this.canvas.clientWidth !== this.width) this.render('all');
    });
    this.resize.observe(this.element);
  }

  shown(visible: boolean): void {
    if (visible) this.render('all');
  }

  dispose(): void {
    this.resize.disconnect();
  }

  render(what: Change): void {
    if (this.element.hidden) return;
    const c = this.c;
    const width = this.canvas.clientWidth || 800;
    if (what === 'all' || this.laidOutFor !== c.view || width !== this.width) {
      this.layout(width);
      return;
    }
    if (what === 'selection' || what === 'search') this.mark();
  }

  private layout(width: number): void {
    const c = this.c;
    this.laidOutFor = c.view;
    this.width = width;
    const total = Math.max(c.duration, 1);
    const layout = flameLayout(c.view, total / width);
    const rects = layout.rects.slice(0, MAX_BOXES);
    const boxes = rects.map((r) => {
      const v = c.view.spans[r.pos]!;
      const text = r.count > 1 ? `${r.count} spans` : `${v.span.name}`;
      const box = el('div', { className: 'tl-flame-box', text, title: r.count > 1 ? `${r.count} short spans, ${dur(r.width)} in all` : `${v.service} ${v.span.name}\n${dur(v.duration)} (self ${dur(v.selfTime)})` });
      box.dataset['pos'] = String(r.pos);
      if (r.count > 1) box.classList.add('merged');
      if (v.error && r.count === 1) box.classList.add('error');
      box.style.left = `${(r.x / total) * 100}%`;
      box.style.width = `${(r.width / total) * 100}%`;
      box.style.top = `${r.depth * BOX_HEIGHT}px`;
      box.style.setProperty('--tl-service', serviceColor(v.service));
      return box;
    });
    this.canvas.style.height = `${(layout.maxDepth + 1) * BOX_HEIGHT}px`;
    this.canvas.replaceChildren(...boxes);
    const notes: string[] = [];
    if (layout.hidden > 0) notes.push(`${layout.hidden.toLocaleString('en-US')} spans under a pixel wide are not drawn`);
    if (layout.rects.length > MAX_BOXES) notes.push(`only the first ${MAX_BOXES.toLocaleString('en-US')} boxes are drawn`);
    this.note.textContent = notes.join('; ');
    this.note.hidden = notes.length === 0;
    this.mark();
  }

  private mark(): void {
    const c = this.c;
    const searching = c.query.trim() !== '' && !c.found.error;
    for (const box of this.canvas.children as HTMLCollectionOf<HTMLElement>) {
      const pos = Number(box.dataset['pos']);
      box.classList.toggle('selected', pos === c.selected);
      box.classList.toggle('dim', searching && !c.matchSet.has(pos));
    }
  }
}
