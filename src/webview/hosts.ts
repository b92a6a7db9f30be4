// The two hosts of the UI bundle, each as a UiContext for the pages: a VS Code webview panel (postMessage to the
// extension, which forwards requests to the trace server) and the standalone page (fetch to the query API's rpc route,
// a WebSocket live feed, routes in location.hash). main.ts picks one from document.body.dataset.mode.
import type { ServerRequests, ServerStatus, TracesChangedEvent } from '../protocol/messages';
import { LIVE_PATH } from '../protocol/messages';
import type { LiveMessage } from '../protocol/messages';
import type { PanelState, ToHostMessage, ToWebviewMessage, UiRequestMethod, UiRoute } from '../protocol/webview';
import type { UiContext } from './context';
import { routeFromHash, routeToHash, routeToPath } from './route';

/** What a host tells the page frame (main.ts). */
export interface HostEvents {
  /** Show this route: the first one, back/forward, or the VS Code host's 'show'. */
  show(route: UiRoute): void;
  /** The server's state for the header: its status, or why it cannot be reached. */
  connection(state: { readonly status?: ServerStatus; readonly error?: string }): void;
  /** A short confirmation or notice ("Copied trace id"). */
  toast(text: string): void;
}

export interface Host {
  readonly ctx: UiContext;
  /** Starts listening (and, in VS Code, sends 'ready'); the first route arrives through events.show. */
  start(): void;
  /** The frame now shows `route` titled `title`: keep it (history, panel state) and tell the host. */
  shown(route: UiRoute, title: string): void;
}

type Listener = (event: TracesChangedEvent) => void;

function listeners(): { add(l: Listener): () => void; emit(e: TracesChangedEvent): void } {
  const set = new Set<Listener>();
  return {
    add(l) {
      set.add(l);
      return () => void set.delete(l);
    },
    emit(e) {
      for (const l of [...set]) l(e);
    },
  };
}

// ---- Standalone page ----

/** Relative to the page: it also works behind a path-prefix proxy (code-server's /proxy/PORT/, asExternalUri). */
const RPC_PATH = 'api/tracelens/rpc';
/** While the live feed is down the status is polled this often; reconnects back off from 0.5 s to this. */
const POLL_MS = 2000;
const MAX_BACKOFF_MS = 10_000;

/** A standalone page's context: requests to the query API, live feed over WebSocket, routes in the URL hash. */
export function standaloneHost(events: HostEvents): Host {
  const live = listeners();
  const request = async <M extends UiRequestMethod>(method: M, params: ServerRequests[M]['params']): Promise<ServerRequests[M]['result']> => {
    let res: Response;
    try {
      res = await fetch(RPC_PATH, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ method, params }) });
    } catch {
      events.connection({ error: 'Trace server unreachable' });
      throw new Error('Trace server unreachable: is `tracelens serve` (or VS Code with TraceLens) running?');
    }
    const body = (await res.json().catch(() => ({ error: `HTTP ${res.status}` }))) as { result?: ServerRequests[M]['result']; error?: string };
    if (!res.ok || body.error !== undefined) throw new Error(body.error ?? `HTTP ${res.status}`);
    return body.result as ServerRequests[M]['result'];
  };

  let socket: WebSocket | undefined;
  let backoff = 500;
  let down = false;
  const pollStatus = async (): Promise<void> => {
    try {
      const status = await request('tracelens/status', {});
      events.connection({ status });
      if (down) {
        // Back after an outage: pages refresh as after any change.
        down = false;
        live.emit({ traceIds: [], more: true, cleared: false, status });
      }
    } catch {
      down = true;
      events.connection({ error: 'Trace server unreachable' });
    }
  };
  const connect = (): void => {
    const url = new URL(LIVE_PATH.slice(1), location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.hash = '';
    const ws = new WebSocket(url.href);
    socket = ws;
    ws.addEventListener('open', () => {
      backoff = 500;
      void pollStatus();
    });
    ws.addEventListener('message', (m: MessageEvent<string>) => {
      const message = JSON.parse(m.data) as LiveMessage;
      if (message.method !== 'tracelens/tracesChanged') return; // a notice between TraceLens processes
      events.connection({ status: message.params.status });
      live.emit(message.params);
    });
    ws.addEventListener('close', () => {
      if (socket !== ws) return;
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    });
  };
  const route = (): UiRoute => routeFromHash(location.hash) ?? { page: 'search' };

  const ctx: UiContext = {
    mode: 'standalone',
    request,
    navigate(r) {
      const hash = routeToHash(r);
      if (location.hash === hash) events.show(r);
      else location.hash = hash; // hashchange shows it, and back returns here
    },
    open(r) {
      window.open(ctx.deepLink(r), '_blank', 'noopener');
    },
    openSource(p) {
      events.toast(`Source opens from VS Code (TraceLens: span ${p.spanId} of trace ${p.traceId})`);
    },
    copy(text, what) {
      const done = (): void => events.toast(`Copied ${what}`);
      const fallback = (): void => {
        const area = document.createElement('textarea');
        area.value = text;
        document.body.append(area);
        area.select();
        const ok = document.execCommand('copy');
        area.remove();
        if (ok) done();
        else events.toast(`Could not copy the ${what}`);
      };
      if (navigator.clipboard) navigator.clipboard.writeText(text).then(done, fallback);
      else fallback();
    },
    deepLink(r) {
      return `${location.origin}${location.pathname}${routeToHash(r)}`;
    },
    setTitle(title) {
      document.title = `${title} · TraceLens`;
    },
    onTracesChanged: (l) => live.add(l),
  };
  return {
    ctx,
    start() {
      window.addEventListener('hashchange', () => events.show(route()));
      void pollStatus();
      connect();
      setInterval(() => {
        if (socket?.readyState !== WebSocket.OPEN) void pollStatus();
      }, POLL_MS);
      events.show(route());
    },
    shown(r, title) {
      document.title = `${title} · TraceLens`;
      const hash = routeToHash(r);
      // The first route (no hash, or a hash that named no route) is written without a new history entry.
      if (location.hash !== hash) history.replaceState(null, '', hash);
    },
  };
}

// ---- VS Code webview ----

interface VsCodeApi {
  postMessage(message: ToHostMessage): void;
  getState(): PanelState | undefined;
  setState(state: PanelState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** A request the extension has not answered in this long fails with a message that says so. */
const REQUEST_TIMEOUT_MS = 30_000;

/** A VS Code panel's context: everything goes through the extension by postMessage (src/extension/panels). */
export function vscodeHost(events: HostEvents): Host {
  const vscode = acquireVsCodeApi();
  const live = listeners();
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: ReturnType<typeof setTimeout> }>();
  let nextId = 1;
  const post = (m: ToHostMessage): void => vscode.postMessage(m);

  const request = <M extends UiRequestMethod>(method: M, params: ServerRequests[M]['params']): Promise<ServerRequests[M]['result']> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`The trace server did not answer ${method} within ${REQUEST_TIMEOUT_MS / 1000} s: is it running? (TraceLens: Restart Trace Server)`));
      }, REQUEST_TIMEOUT_MS);
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      post({ type: 'request', id, method, params });
    });

  const onMessage = (e: MessageEvent<ToWebviewMessage>): void => {
    const m = e.data;
    switch (m.type) {
      case 'show':
        events.show(m.route);
        return;
      case 'response': {
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        clearTimeout(p.timer);
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve(m.result ?? null);
        return;
      }
      case 'tracesChanged':
        events.connection({ status: m.event.status });
        live.emit(m.event);
        return;
    }
  };

  let shownRoute: UiRoute | undefined;
  const ctx: UiContext = {
    mode: 'vscode',
    request,
    navigate: (r) => events.show(r),
    open: (route) => post({ type: 'open', route }),
    openSource: (params) => post({ type: 'openSource', params }),
    copy: (text, what) => post({ type: 'copy', text, what }),
    deepLink: (r) => `vscode://tracelens.tracelens/${routeToPath(r)}`,
    setTitle: (title) => {
      if (shownRoute) post({ type: 'navigated', route: shownRoute, title });
    },
    onTracesChanged: (l) => live.add(l),
  };
  return {
    ctx,
    start() {
      window.addEventListener('message', onMessage);
      post({ type: 'ready' });
      request('tracelens/status', {}).then(
        (status) => events.connection({ status }),
        (e: unknown) => events.connection({ error: e instanceof Error ? e.message : String(e) }),
      );
    },
    shown(route, title) {
      shownRoute = route;
      vscode.setState({ route });
      post({ type: 'navigated', route, title });
    },
  };
}
