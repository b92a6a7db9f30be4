// Entry point. activate() only wires: the context that owns every disposable, the views, the status bar, the
// commands, the settings listener; then it starts the trace server without waiting for it.
import type * as vscode from 'vscode';
import { Uri, workspace } from 'vscode';
import type { TraceLensApi } from './api';
import { registerCommands } from './commands';
import { affectsServer } from './config';
import { Ctx } from './ctx';
import { registerLens } from './lens/lens';
import { registerPanelCommands } from './panels/commands';
import { UiPanels } from './panels/uiPanels';
import { createStatusBar } from './statusBar';
import { registerDebug } from './debug/debug';
import { SpansView } from './views/spansView';
import { registerTraceHeaderCommands } from './traceHeaders';
import { TracesView } from './views/tracesView';
import { welcomeOnFirstStart } from './welcome';

let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): TraceLensApi {
  const c = (ctx = new Ctx(context));
  const views = { traces: new TracesView(c), spans: new SpansView(c) };
  createStatusBar(c);
  registerCommands(c, views);
  registerTraceHeaderCommands(c, views.spans);
  const lens = registerLens(c, views.spans);
  const panels = new UiPanels(c);
  const links = registerPanelCommands(c, panels, views);
  const debug = registerDebug(c, views.traces);
  c.pushExt(
    workspace.onDidChangeConfiguration((e) => {
      if (!affectsServer(e)) return;
      c.log.info('settings changed: restarting the trace server');
      void c.restart();
    }),
  );
  void c.start();
  welcomeOnFirstStart(context.globalState).catch((e: unknown) => c.log.warn(`showing the TraceLens view on the first start: ${String(e)}`));
  return {
    state: () => c.state,
    status: async () => {
      if (c.state.kind === 'failed') return undefined;
      try {
        const status = await c.request('tracelens/status', {});
        c.acceptStatus(status);
        return status;
      } catch {
        return undefined;
      }
    },
    tracesView: () => views.traces.snapshot(),
    spansView: () => views.spans.snapshot(),
    shownTrace: () => views.spans.traceId,
    lens,
    panels: () => panels.snapshot(),
    openUri: (uri) => links.openUri(Uri.parse(uri)),
    restorePanel: (panel, state) => panels.restore(panel, state),
    panelMessage: (index, message) => panels.receive(index, message),
    debug,
  };
}

export async function deactivate(): Promise<void> {
  await ctx?.dispose();
  ctx = undefined;
}
