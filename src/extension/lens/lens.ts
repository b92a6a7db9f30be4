// Wires the editor's side of span <-> code: the lens commands, the gutter decorations, and the lens settings. Code
// lenses and hovers themselves come from the server through the language client (ctx.ts): this sends it the
// settings when they change (tracelens/configure, no restart) and asks the editor for fresh lenses.
import * as vscode from 'vscode';
import type { LensApi } from '../api';
import { affectsLens, readLensConfig } from '../config';
import type { Ctx } from '../ctx';
import type { SpansView } from '../views/spansView';
import { LensCommands } from './commands';
import { HeatDecorations } from './decorations';

export function registerLens(ctx: Ctx, spans: SpansView): LensApi {
  const commands = new LensCommands(ctx, spans);
  let config = readLensConfig();
  const decorations = new HeatDecorations(ctx, config.decorations);
  // Also after a workspace folder change: "${workspaceFolder}" in tracelens.pathMappings expands to the folders.
  const reread = (): void => {
    const before = config;
    config = readLensConfig();
    decorations.setEnabled(config.decorations);
    if (JSON.stringify(before.settings) === JSON.stringify(config.settings)) return;
    ctx.log.info(`lens settings changed: ${JSON.stringify(config.settings)}`);
    ctx
      .notify('tracelens/configure', { lens: config.settings })
      .then(() => ctx.refreshCodeLenses())
      .catch((err: unknown) => ctx.log.warn(`tracelens/configure: ${err instanceof Error ? err.message : String(err)}`));
  };
  ctx.pushExt(
    decorations,
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsLens(e)) reread();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(reread),
  );
  return {
    openPick: () => commands.openPick,
    heatLines: (uri) => decorations.lines(uri),
  };
}
