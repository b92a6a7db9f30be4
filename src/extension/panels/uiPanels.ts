// The trace views inside the editor: the web UI bundle (src/webview) in WebviewPanels of type 'tracelens.ui', one route
// per panel. The host side of the UI's messages (src/protocol/webview.ts): after the UI's 'ready' it sends 'show'
// with the panel's route; it forwards the UI's read-only requests to the trace server and answers them by id; it passes
// the server's tracesChanged events on; it titles the panel from 'navigated', opens routes in other panels, copies, and
// hands 'openSource' to the editor glue. The webview has no network ('connect-src none'): data only by postMessage.
// A serializer restores panels after a window reload from the route the UI keeps in its webview state.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ServerRequests } from '../../protocol/messages';
import type { PanelState, SourceAction, ToWebviewMessage, UiRoute } from '../../protocol/webview';
import { isUiRequest } from '../../protocol/webview';
import { truncate } from '../../core/display';
import { uiHtml, UI_STYLES } from '../../webview/html';
import { routeToPath } from '../../webview/route';
import type { PanelSnapshot } from '../api';
import type { Ctx } from '../ctx';
import { cleanRoute, parseHostMessage } from './messages';

export const UI_VIEW_TYPE = 'tracelens.ui';
/** Registered by the editor glue (src/extension/lens); 'openSource' runs the one its action names when it exists. */
export const GO_TO_SOURCE_COMMAND = 'tracelens.goToSpanSource';
const SOURCE_COMMANDS: Readonly<Record<SourceAction, string>> = {
  open: GO_TO_SOURCE_COMMAND,
  breakpoint: 'tracelens.addBreakpointAtSpan',
  logpoint: 'tracelens.addLogpointAtSpan',
};
const TITLE_MAX = 80;
const STATUS_MESSAGE_MS = 3000;
/** workspaceState key: the open panels' routes and titles (see UiPanels.restore). */
const OPEN_PANELS_KEY = 'tracelens.openPanels';

interface SavedPanel {
  readonly route: unknown;
  /** Every title the panel had: the workbench restores it with one of them. */
  readonly titles: readonly string[];
}

/** The title a panel has before its page names itself. */
export function routeTitle(route: UiRoute): string {
  switch (route.page) {
    case 'trace':
      return `Trace ${route.traceId.slice(0, 7)}`;
    case 'search':
      return route.query ? `Search: ${truncate(route.query, 40)}` : 'Trace Search';
    case 'compare':
      return `Compare ${route.left.slice(0, 7)} ↔ ${route.right.slice(0, 7)}`;
    case 'dependencies':
      return 'Service Dependencies';
    case 'hotspots':
      return route.service ? `Hotspots: ${truncate(route.service, 40)}` : 'Hotspots';
    case 'propagation':
      return route.traceId ? `Propagation ${route.traceId.slice(0, 7)}` : 'Propagation';
  }
}

/** Whether a panel showing `shown` should be reused (revealed) to show `wanted`: the same trace, or the same route. */
function sameView(shown: UiRoute, wanted: UiRoute): boolean {
  if (shown.page === 'trace' && wanted.page === 'trace') return shown.traceId === wanted.traceId;
  return routeToPath(shown) === routeToPath(wanted);
}

/** One panel and its bridge; everything it listens to is disposed with it. */
class UiPanel {
  route: UiRoute;
  title: string;
  /** Every title it had (UiPanels.restore matches a restored panel's title against them). */
  readonly titles = new Set<string>();
  /** The UI's listeners are in place (its 'ready' arrived); false again when the webview is hidden and unloaded. */
  ready = false;
  private disposed = false;
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    route: UiRoute,
    private readonly ctx: Ctx,
    private readonly host: { open(route: UiRoute): void; forget(p: UiPanel): void; changed(): void },
  ) {
    this.route = route;
    this.title = routeTitle(route);
    panel.title = this.title;
    this.titles.add(panel.title).add(this.title);
    panel.iconPath = vscode.Uri.joinPath(ctx.extCtx.extensionUri, 'media', 'tracelens.svg');
    panel.webview.options = webviewOptions(ctx.extCtx.extensionUri);
    this.subs.push(
      panel.webview.onDidReceiveMessage(async (m: unknown) => {
        const reply = await this.receive(m);
        if (reply) this.post(reply);
      }),
      ctx.onDidChangeTraces((event) => {
        if (this.ready) this.post({ type: 'tracesChanged', event });
      }),
      panel.onDidChangeViewState(() => {
        // Without retainContextWhenHidden a hidden webview is unloaded; it says 'ready' again when shown.
        if (!panel.visible) this.ready = false;
      }),
    );
    this.subs.push(
      panel.onDidDispose(() => {
        this.detach();
        host.forget(this);
      }),
    );
    panel.webview.html = pageHtml(panel.webview, ctx.extCtx.extensionUri);
  }

  /** Stops the bridge: every listener disposed, nothing more posted. */
  detach(): void {
    this.disposed = true;
    for (const d of this.subs.splice(0)) d.dispose();
  }

  /** Shows another route in this panel (the UI navigates when it is loaded; else it gets it with 'show' on 'ready'). */
  show(route: UiRoute): void {
    this.route = route;
    this.host.changed();
    if (this.ready) this.post({ type: 'show', route });
  }

  /** Handles one message from the webview; returns the reply to post back, if any. */
  async receive(value: unknown): Promise<ToWebviewMessage | undefined> {
    const m = parseHostMessage(value);
    if (!m) {
      this.ctx.log.warn(`trace view: ignored a malformed message from the webview: ${truncate(safeJson(value), 200)}`);
      return undefined;
    }
    switch (m.type) {
      case 'ready':
        this.ready = true;
        return { type: 'show', route: this.route };
      case 'request': {
        const method = m.method;
        if (!isUiRequest(method)) return { type: 'response', id: m.id, error: `TraceLens: "${truncate(method, 80)}" is not a request the trace view may make.` };
        try {
          const result = await this.ctx.request(method, m.params as ServerRequests[typeof method]['params']);
          return { type: 'response', id: m.id, result };
        } catch (e) {
          return { type: 'response', id: m.id, error: e instanceof Error ? e.message : String(e) };
        }
      }
      case 'navigated':
        this.route = m.route;
        this.title = truncate(m.title, TITLE_MAX) || routeTitle(m.route);
        this.panel.title = this.title;
        this.titles.add(this.title);
        this.host.changed();
        return undefined;
      case 'open':
        this.host.open(m.route);
        return undefined;
      case 'copy':
        await vscode.env.clipboard.writeText(m.text);
        vscode.window.setStatusBarMessage(`$(check) Copied ${truncate(m.what, 60)}`, STATUS_MESSAGE_MS);
        return undefined;
      case 'openSource': {
        const command = SOURCE_COMMANDS[m.params.action ?? 'open'];
        const commands = await vscode.commands.getCommands(true);
        const span = { traceId: m.params.traceId, spanId: m.params.spanId };
        if (commands.includes(command)) await vscode.commands.executeCommand(command, span);
        else void vscode.window.showInformationMessage('TraceLens: Source navigation is not available yet.');
        return undefined;
      }
    }
  }

  snapshot(): PanelSnapshot {
    return { route: this.route, title: this.title, ready: this.ready, active: this.panel.active };
  }

  private post(message: ToWebviewMessage): void {
    if (this.disposed) return;
    // A reply can be on its way when the panel closes: nothing left to tell.
    this.panel.webview.postMessage(message).then(undefined, () => undefined);
  }
}

/** Every open trace view: opens routes (reusing a panel that shows the same trace), restores panels, closes them all. */
export class UiPanels {
  private readonly panels: UiPanel[] = [];
  /** The panels open when the extension last ran, for restores that come without a saved state. */
  private readonly lastOpen: SavedPanel[];
  private closing = false;

  constructor(private readonly ctx: Ctx) {
    const saved = ctx.extCtx.workspaceState.get<unknown>(OPEN_PANELS_KEY);
    this.lastOpen = Array.isArray(saved) ? saved.filter((x): x is SavedPanel => typeof x === 'object' && x !== null && Array.isArray((x as SavedPanel).titles)) : [];
    ctx.pushExt(
      vscode.window.registerWebviewPanelSerializer(UI_VIEW_TYPE, {
        deserializeWebviewPanel: (panel, state: unknown) => this.restore(panel, state),
      }),
      // Panels close with the extension; a window reload restores them through the serializer.
      { dispose: () => this.closeAll() },
    );
  }

  /** Shows a route: reveals a panel that already shows it (the same trace), else opens one in the active editor group. */
  open(route: UiRoute): void {
    const existing = this.panels.find((p) => sameView(p.route, route));
    if (existing) {
      if (routeToPath(existing.route) !== routeToPath(route)) existing.show(route);
      existing.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(UI_VIEW_TYPE, routeTitle(route), vscode.ViewColumn.Active, {
      ...webviewOptions(this.ctx.extCtx.extensionUri),
      enableFindWidget: true,
    });
    this.adopt(panel, route);
  }

  /**
   * The serializer's half: a panel VS Code restored after a reload, with the state its UI saved (PanelState). A browser
   * workbench (code-server) reloaded soon after the UI saved its state may restore the panel without it: then the
   * route comes from the panels this extension saw open, matched by the panel's title; else the search page.
   */
  restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const saved = cleanRoute(typeof state === 'object' && state !== null ? (state as Partial<PanelState>).route : undefined);
    const route = saved ?? this.claimLastOpen(panel.title);
    if (!route) this.ctx.log.warn(`trace view: restoring a panel without a valid saved route (${truncate(safeJson(state), 200)}): showing the search page`);
    else this.ctx.log.info(`trace view restored: ${routeToPath(route)}${saved ? '' : ' (from the panels open last time)'}`);
    this.adopt(panel, route ?? { page: 'search' });
    return Promise.resolve();
  }

  snapshot(): PanelSnapshot[] {
    return this.panels.map((p) => p.snapshot());
  }

  /** A message as if panel `index`'s webview had posted it: the reply the host posts back (tests). */
  receive(index: number, message: unknown): Promise<ToWebviewMessage | undefined> {
    const p = this.panels[index];
    if (!p) return Promise.reject(new Error(`no trace view panel #${index} (${this.panels.length} open)`));
    return p.receive(message);
  }

  /** The extension ends: its panels close; what was open stays saved for the restore after a reload. */
  private closeAll(): void {
    this.closing = true;
    for (const p of [...this.panels]) p.panel.dispose();
  }

  private adopt(panel: vscode.WebviewPanel, route: UiRoute): void {
    this.panels.push(
      new UiPanel(panel, route, this.ctx, {
        open: (r) => this.open(r),
        forget: (p) => {
          const at = this.panels.indexOf(p);
          if (at >= 0) this.panels.splice(at, 1);
          this.save();
        },
        changed: () => this.save(),
      }),
    );
    this.save();
  }

  private save(): void {
    if (this.closing) return;
    const open: SavedPanel[] = this.panels.map((p) => ({ route: p.route, titles: [...p.titles] }));
    void this.ctx.extCtx.workspaceState.update(OPEN_PANELS_KEY, open);
  }

  /** The route of a panel open last time with this title (each one claimed once). */
  private claimLastOpen(title: string): UiRoute | undefined {
    const at = this.lastOpen.findIndex((s) => s.titles.includes(title));
    if (at < 0) return undefined;
    const [claimed] = this.lastOpen.splice(at, 1);
    return cleanRoute(claimed?.route);
  }
}

/** Scripts on; files only from the bundle's folder and media/. */
function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'out')],
  };
}

function pageHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  return uiHtml({
    cspSource: webview.cspSource,
    nonce: randomBytes(16).toString('base64'),
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'out', 'webview.js')).toString(),
    styleUris: UI_STYLES.map((file) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', file)).toString()),
    connectSrc: "'none'",
    mode: 'vscode',
  });
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
