// A minimal host for the trace page alone, for its browser test and bench/ui.ts: a UiContext over the query API's
// rpc route and live feed, routes in location.hash (#/trace/<id>). The shell's standalone page (src/webview/main.ts)
// is the real host; this one exists so the trace page can be driven without it. Copies and open-source requests are
// recorded on window.__tracelens for tests to read.
import type { ServerRequests, TracesChangedEvent } from '../../src/protocol/messages';
import { LIVE_PATH } from '../../src/protocol/messages';
import type { LiveMessage } from '../../src/protocol/messages';
import type { OpenSourceParams, UiRequestMethod, UiRoute } from '../../src/protocol/webview';
import type { UiContext } from '../../src/webview/context';
import { routeFromHash, routeToHash } from '../../src/webview/route';
import type { TracePage, TraceRoute } from '../../src/webview/trace/tracePage';
import { renderTracePage } from '../../src/webview/trace/tracePage';

interface Recorded {
  copies: { text: string; what: string }[];
  openSource: OpenSourceParams[];
  opened: UiRoute[];
  navigations: UiRoute[];
}

const recorded: Recorded = { copies: [], openSource: [], opened: [], navigations: [] };
(window as unknown as { __tracelens: Recorded }).__tracelens = recorded;

const listeners = new Set<(e: TracesChangedEvent) => void>();
const ws = new WebSocket(`ws://${location.host}${LIVE_PATH}`);
ws.addEventListener('message', (m: MessageEvent<string>) => {
  const event = (JSON.parse(m.data) as LiveMessage).params;
  for (const l of [...listeners]) l(event);
});

let page: TracePage | undefined;
let shown: TraceRoute | undefined;

const ctx: UiContext = {
  mode: 'standalone',
  async request<M extends UiRequestMethod>(method: M, params: ServerRequests[M]['params']): Promise<ServerRequests[M]['result']> {
    const res = await fetch('/api/tracelens/rpc', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ method, params }) });
    const body = (await res.json()) as { result?: ServerRequests[M]['result']; error?: string };
    if (!res.ok || body.error !== undefined) throw new Error(body.error ?? `HTTP ${res.status}`);
    return body.result as ServerRequests[M]['result'];
  },
  navigate(route) {
    recorded.navigations.push(route);
    if (location.hash !== routeToHash(route)) history.pushState(null, '', routeToHash(route));
    show(route);
  },
  open(route) {
    recorded.opened.push(route);
  },
  openSource(params) {
    recorded.openSource.push(params);
  },
  copy(text, what) {
    recorded.copies.push({ text, what });
  },
  deepLink: (route) => `${location.origin}${location.pathname}${routeToHash(route)}`,
  onTracesChanged(listener) {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  },
};

function show(route: UiRoute | undefined): void {
  const app = document.getElementById('app')!;
  if (!route || route.page !== 'trace') {
    page?.dispose();
    page = undefined;
    shown = undefined;
    app.textContent = route ? `page ${route.page}` : 'no route';
    app.dataset['page'] = route?.page ?? '';
    return;
  }
  if (page && shown?.traceId === route.traceId) {
    page.update(route);
    shown = route;
    return;
  }
  page?.dispose();
  page = renderTracePage(ctx, route);
  shown = route;
  app.dataset['page'] = 'trace';
  app.replaceChildren(page.element);
}

window.addEventListener('popstate', () => show(routeFromHash(location.hash)));
window.addEventListener('hashchange', () => show(routeFromHash(location.hash)));
show(routeFromHash(location.hash));
