// The first start is not an empty editor: the first time TraceLens activates (per user, across workspaces), it
// shows its view container once. The Getting Started walkthrough (package.json contributes.walkthroughs) is left to
// the editor's Welcome page, which lists it by itself.
import * as vscode from 'vscode';

/** globalState key: set once TraceLens has shown itself. */
export const WELCOMED_KEY = 'tracelens.welcomed';
/** Focuses the TraceLens view container (package.json contributes.viewsContainers.activitybar, id "tracelens"). */
export const SHOW_TRACELENS_COMMAND = 'workbench.view.extension.tracelens';

/**
 * Shows the TraceLens view when `state` (the extension's globalState) has no WELCOMED_KEY, then sets it. Resolves
 * true when it showed the view, false when the flag was already set. The flag is set first: a failure to focus
 * does not come back at every start.
 */
export async function welcomeOnFirstStart(state: vscode.Memento): Promise<boolean> {
  if (state.get<boolean>(WELCOMED_KEY) === true) return false;
  await state.update(WELCOMED_KEY, true);
  await vscode.commands.executeCommand(SHOW_TRACELENS_COMMAND);
  return true;
}
