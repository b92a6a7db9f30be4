// The compare page: two traces as one merged tree (core/views/compare.ts), each span's duration in A and B and the
// difference, the subtrees that changed B's latency most first; spans only in A "missing", only in B "added".
import { formatDuration, plural, truncate } from '../../core/display';
import type { CompareNode } from '../../core/views/compare';
import { compareRows, compareTraces } from '../../core/views/compare';
import type { UiRoute } from '../../protocol/webview';
import type { WireTrace } from '../../protocol/wire';
import type { Page, UiContext } from '../context';
import { loadTrace } from '../context';
import { el } from '../dom';
import { serviceChip } from '../search/searchPage';

/** +12.3 ms / −4.00 ms / 0. */
export function formatDelta(n: bigint): string {
  if (n === 0n) return '0';
  return n > 0n ? `+${formatDuration(n)}` : `−${formatDuration(-n)}`;
}

/** Rows drawn at first, and per "Show more". */
const ROWS_PAGE = 500;

function short(id: string): string {
  return id.slice(0, 8);
}

export function renderComparePage(ctx: UiContext, route: Extract<UiRoute, { page: 'compare' }>): Page {
  const element = el('div', { className: 'page compare-page' }, el('p', { className: 'muted', text: 'Loading both traces…' }));
  let disposed = false;

  const traceLink = (label: string, traceId: string, spanId?: string): HTMLAnchorElement => {
    const a = el('a', { className: 'trace-link', text: label, title: `Open trace ${traceId}` });
    a.href = ctx.deepLink({ page: 'trace', traceId, ...(spanId ? { spanId } : {}) });
    a.addEventListener('click', (e) => {
      e.preventDefault();
      ctx.navigate({ page: 'trace', traceId, ...(spanId ? { spanId } : {}) });
    });
    return a;
  };

  const deltaCell = (n: CompareNode): HTMLElement => {
    const cell = el('td', { className: `num delta ${n.deltaNanos > 0n ? 'slower' : n.deltaNanos < 0n ? 'faster' : ''}`, text: formatDelta(n.deltaNanos) });
    cell.title = `Self-time change of this span and everything under it: ${formatDelta(n.contributionNanos)}`;
    return cell;
  };

  const render = (a: WireTrace, b: WireTrace): void => {
    const c = compareTraces(a, b);
    const diff = c.durationB - c.durationA;
    const header = el(
      'div',
      { className: 'compare-header' },
      el('h2', { text: 'Compare traces' }),
      el(
        'div',
        { className: 'compare-sides' },
        el('span', { className: 'side' }, el('span', { className: 'side-label', text: 'A' }), traceLink(short(a.traceId), a.traceId), el('span', { text: `${formatDuration(c.durationA)} · ${plural(a.spans.length, 'span')}` })),
        el('span', { className: 'side' }, el('span', { className: 'side-label', text: 'B' }), traceLink(short(b.traceId), b.traceId), el('span', { text: `${formatDuration(c.durationB)} · ${plural(b.spans.length, 'span')}` })),
        el('strong', { className: `total-delta ${diff > 0n ? 'slower' : diff < 0n ? 'faster' : ''}`, text: `B − A: ${formatDelta(diff)}` }),
      ),
    );
    if (c.warning) header.append(el('p', { className: 'warning', text: c.warning }));
    const head = el('tr', {}, ...['Span', 'A', 'B', 'Difference', ''].map((h) => el('th', { text: h })));
    const all = compareRows(c.roots);
    const row = ({ node, depth }: (typeof all)[number]): HTMLTableRowElement => {
      const name = el('td', { className: 'name' }, serviceChip(node.service), el('span', { className: 'span-name', text: ` ${truncate(node.name, 160)}`, title: node.name }));
      name.style.paddingLeft = `${8 + depth * 16}px`;
      const dur = (s: CompareNode['a'], traceId: string): HTMLElement =>
        s ? el('td', { className: s.error ? 'num error' : 'num' }, traceLink(formatDuration(s.durationNanos), traceId, s.spanId)) : el('td', { className: 'num muted', text: '—' });
      const tr = el(
        'tr',
        { className: `compare-row ${node.state}` },
        name,
        dur(node.a, a.traceId),
        dur(node.b, b.traceId),
        deltaCell(node),
        el('td', { className: 'state', text: node.state === 'both' ? '' : node.state }),
      );
      tr.dataset['depth'] = String(depth);
      return tr;
    };
    // Rows in pages: a trace of thousands of spans would take seconds to lay out at once.
    const body = el('tbody');
    const more = el('button', { className: 'more-button' });
    let shown = 0;
    const showMore = (): void => {
      const next = all.slice(shown, shown + ROWS_PAGE);
      body.append(...next.map(row));
      shown += next.length;
      more.textContent = `Show ${Math.min(ROWS_PAGE, all.length - shown)} more of ${all.length - shown}`;
      more.hidden = shown >= all.length;
    };
    more.addEventListener('click', showMore);
    showMore();
    element.replaceChildren(header, el('table', { className: 'compare' }, el('thead', {}, head), body), more);
  };

  void Promise.all([loadTrace(ctx, route.left), loadTrace(ctx, route.right)]).then(
    ([a, b]) => {
      if (disposed) return;
      const missing = [a ? undefined : route.left, b ? undefined : route.right].filter((x) => x !== undefined);
      if (!a || !b) {
        element.replaceChildren(el('div', { className: 'empty' }, el('p', { text: `Trace ${missing.join(' and ')} is not stored (never received, or dropped by retention).` })));
        return;
      }
      render(a, b);
    },
    (e: unknown) => {
      if (!disposed) element.replaceChildren(el('p', { className: 'problem', text: e instanceof Error ? e.message : String(e) }));
    },
  );

  return {
    element,
    title: `Compare ${short(route.left)} · ${short(route.right)}`,
    dispose() {
      disposed = true;
    },
  };
}
