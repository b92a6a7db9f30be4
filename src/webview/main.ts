// The web UI bundle: one script for VS Code webview panels and the standalone page the trace server serves. It picks
// its host from document.body.dataset.mode (hosts.ts), draws the frame (name, navigation, live status) and mounts one
// page per route, disposing the one before. Span data is untrusted: pages render it with textContent only.
import { plural } from '../core/display';
import type { UiRoute } from '../protocol/webview';
import { renderComparePage } from './compare/comparePage';
import type { Page, UiContext } from './context';
import { renderDepsPage } from './deps/depsPage';
import { renderHotspotsPage } from './hotspots/hotspotsPage';
import { el } from './dom';
import type { Host, HostEvents } from './hosts';
import { standaloneHost, vscodeHost } from './hosts';
import { renderPropagationPage } from './propagation/propagationPage';
import { renderSearchPage } from './search/searchPage';
import { renderTracePage } from './trace/tracePage';

type MountedPage = Page & { update?(route: UiRoute): void };

function mountPage(ctx: UiContext, route: UiRoute): MountedPage {
  switch (route.page) {
    case 'search':
      return renderSearchPage(ctx, route);
    case 'trace':
      return renderTracePage(ctx, route);
    case 'compare':
      return renderComparePage(ctx, route);
    case 'dependencies':
      return renderDepsPage(ctx, route);
    case 'hotspots':
      return renderHotspotsPage(ctx, route);
    case 'propagation':
      return renderPropagationPage(ctx, route);
  }
}

function start(): void {
  const app = document.getElementById('app');
  if (!app) return;
  const status = el('span', { className: 'live-status', text: 'Connecting…' });
  status.setAttribute('role', 'status');
  const content = el('main', { className: 'content' });
  const toasts = el('div', { className: 'toasts' });
  toasts.setAttribute('aria-live', 'polite');
  const navLinks: { page: UiRoute['page']; link: HTMLAnchorElement }[] = [];
  /**
   * The nav links go back to the last search, graph, hotspots and propagation window shown, as a person left them (the
   * propagation of one trace is reached from its trace: the nav shows the window).
   */
  const lastRoute: Partial<Record<UiRoute['page'], UiRoute>> = {};
  const remember = (route: UiRoute): void => {
    lastRoute[route.page] = route.page === 'propagation' && route.traceId ? { page: 'propagation' } : route;
  };
  const nav = el('nav', { className: 'nav' });
  const header = el('header', { className: 'frame-header' }, el('span', { className: 'brand', text: 'TraceLens' }), nav, status);
  app.replaceChildren(header, content, toasts);

  let current: { route: UiRoute; page: MountedPage } | undefined;
  const events: HostEvents = {
    show(route) {
      // The same page for another route of its kind updates in place (another search, another span of the same trace).
      const sameTrace = route.page !== 'trace' || (current?.route.page === 'trace' && current.route.traceId === route.traceId);
      if (current && current.route.page === route.page && current.page.update && sameTrace) {
        current.page.update(route);
        current.route = route;
      } else {
        current?.page.dispose();
        const page = mountPage(host.ctx, route);
        current = { route, page };
        content.replaceChildren(page.element);
        window.scrollTo(0, 0);
      }
      remember(route);
      for (const n of navLinks) {
        n.link.classList.toggle('active', n.page === route.page || (n.page === 'search' && route.page === 'compare'));
        if (n.page === route.page) n.link.href = host.ctx.deepLink(lastRoute[route.page] ?? route);
      }
      host.shown(route, current.page.title);
    },
    connection(state) {
      if (state.status) {
        status.textContent = `${plural(state.status.traceCount, 'trace')} · ${plural(state.status.spanCount, 'span')}`;
        status.classList.remove('down');
        status.title = `Trace server ${state.status.version}, store: ${state.status.store.location}`;
      } else {
        status.textContent = `${state.error ?? 'Trace server unreachable'}; retrying…`;
        status.classList.add('down');
        status.title = '';
      }
    },
    toast(text) {
      const t = el('div', { className: 'toast', text });
      toasts.append(t);
      setTimeout(() => t.remove(), 4000);
    },
  };
  // The events above reach `host` only once it has started (below).
  const host: Host = document.body.dataset['mode'] === 'vscode' ? vscodeHost(events) : standaloneHost(events);

  for (const [label, page] of [
    ['Search', 'search'],
    ['Dependencies', 'dependencies'],
    ['Hotspots', 'hotspots'],
    ['Propagation', 'propagation'],
  ] as const) {
    const link = el('a', { text: label });
    link.href = host.ctx.deepLink({ page });
    link.addEventListener('click', (e) => {
      e.preventDefault();
      host.ctx.navigate(lastRoute[page] ?? { page });
    });
    navLinks.push({ page, link });
    nav.append(link);
  }
  host.start();
}

start();
