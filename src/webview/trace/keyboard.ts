// The trace page's keyboard: moving through spans, collapsing, search and error stepping, the critical path, tabs,
// and "?" for the list of shortcuts. Keys typed into a text box are left alone (except Escape).
import { el } from '../dom';
import { TABS } from './common';
import type { TraceController } from './tracePage';

export const SHORTCUTS: readonly (readonly [keys: string, what: string])[] = [
  ['↓ / j', 'Next span'],
  ['↑ / k', 'Previous span'],
  ['←', 'Collapse the span (or go to its parent)'],
  ['→', 'Expand the span'],
  ['Enter', 'Open the span detail'],
  ['Esc', 'Close the detail or this list'],
  ['/', 'Find in the trace'],
  ['n / N', 'Next / previous match'],
  ['e / E', 'Next / previous error'],
  ['c', 'Critical path on / off'],
  [`1 – ${TABS.length}`, TABS.map((t) => t.label).join(', ')],
  ['?', 'This list'],
];

export interface KeyboardActions {
  focusSearch(): void;
  openDetail(): void;
}

/** Listens on the document while the page is mounted; returns the function that stops it. */
export function installKeyboard(page: HTMLElement, c: TraceController, actions: KeyboardActions): () => void {
  let overlay: HTMLElement | undefined;
  const closeOverlay = (): void => {
    overlay?.remove();
    overlay = undefined;
  };
  const openOverlay = (): void => {
    const close = el('button', { className: 'tl-close', text: '×', title: 'Close (Esc)' });
    close.addEventListener('click', closeOverlay);
    overlay = el(
      'div',
      { className: 'tl-shortcuts' },
      el(
        'div',
        { className: 'tl-shortcuts-box' },
        el('div', { className: 'tl-detail-head' }, el('h3', { text: 'Keyboard shortcuts' }), close),
        el('table', {}, el('tbody', {}, ...SHORTCUTS.map(([k, what]) => el('tr', {}, el('td', {}, el('kbd', { text: k })), el('td', { text: what }))))),
      ),
    );
    overlay.setAttribute('role', 'dialog');
    overlay.addEventListener('click', (e) => e.target === overlay && closeOverlay());
    page.append(overlay);
  };
  const onKey = (e: KeyboardEvent): void => {
    if (!page.isConnected || e.ctrlKey || e.metaKey || e.altKey || !c.view) return;
    const target = e.target as HTMLElement | null;
    const typing = target !== null && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT' || target.isContentEditable);
    if (typing) return;
    // Enter and Space on a focused button or link activate it, not the page's shortcut.
    if ((e.key === 'Enter' || e.key === ' ') && target !== null && (target.tagName === 'BUTTON' || target.tagName === 'A')) return;
    if (overlay) {
      if (e.key === 'Escape' || e.key === '?') {
        closeOverlay();
        e.preventDefault();
      }
      return;
    }
    const handled = ((): boolean => {
      switch (e.key) {
        case 'ArrowDown':
        case 'j':
          c.move(1);
          return true;
        case 'ArrowUp':
        case 'k':
          c.move(-1);
          return true;
        case 'ArrowLeft':
          c.collapse(c.selected, true);
          return true;
        case 'ArrowRight':
          c.collapse(c.selected, false);
          return true;
        case 'Enter':
          if (c.selected < 0) c.move(1);
          actions.openDetail();
          return true;
        case 'Escape':
          c.select(-1);
          return true;
        case '/':
          c.setTab('waterfall');
          actions.focusSearch();
          return true;
        case 'n':
          c.stepMatch(1);
          return true;
        case 'N':
          c.stepMatch(-1);
          return true;
        case 'e':
          c.stepError(1);
          return true;
        case 'E':
          c.stepError(-1);
          return true;
        case 'c':
          c.toggleCritical();
          return true;
        case '?':
          openOverlay();
          return true;
        default: {
          const n = Number(e.key);
          if (Number.isInteger(n) && n >= 1 && n <= TABS.length) {
            c.setTab(TABS[n - 1]!.tab);
            return true;
          }
          return false;
        }
      }
    })();
    if (handled) e.preventDefault();
  };
  document.addEventListener('keydown', onKey);
  return () => {
    document.removeEventListener('keydown', onKey);
    closeOverlay();
  };
}
