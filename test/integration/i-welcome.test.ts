// The Getting Started walkthrough in a real extension host: contributed with a markdown page per step and buttons that
// run registered commands. (That the first start shows the TraceLens view is checked on a fresh profile by
// test/e2e/workbench-vsix.test.ts.)
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { SHOW_TRACELENS_COMMAND } from '../../src/extension/welcome';
import { EXTENSION_ID, traceLens } from './lib/host';

interface WalkthroughStep {
  id: string;
  title: string;
  description: string;
  media: { markdown?: string; image?: string };
  completionEvents?: string[];
}
interface Walkthrough {
  id: string;
  title: string;
  steps: WalkthroughStep[];
}

suite('first start', () => {
  test('contributes the Getting Started walkthrough: every step has its markdown page and working buttons', async () => {
    await traceLens();
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    const pkg = ext.packageJSON as { contributes: { walkthroughs?: Walkthrough[]; viewsContainers: { activitybar: { id: string }[] } } };
    const walkthrough = pkg.contributes.walkthroughs?.find((w) => w.id === 'tracelens.gettingStarted');
    assert.ok(walkthrough, 'no walkthrough tracelens.gettingStarted');
    assert.equal(walkthrough.title, 'Get started with TraceLens');
    assert.deepEqual(walkthrough.steps.map((s) => s.title), ['Instrument your app', 'Run or debug it', 'Open a trace', 'Jump to the code']);
    // The button of the third step is the TraceLens view container's own command.
    assert.equal(SHOW_TRACELENS_COMMAND, `workbench.view.extension.${pkg.contributes.viewsContainers.activitybar[0]?.id}`);

    const registered = new Set(await vscode.commands.getCommands(false));
    for (const step of walkthrough.steps) {
      assert.ok(step.media.markdown, `${step.id}: no markdown page`);
      const page = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(ext.extensionUri, step.media.markdown));
      assert.match(new TextDecoder().decode(page), new RegExp(`^# ${step.title}\\n`), `${step.media.markdown} starts with the step's title`);
      const buttons = [...step.description.matchAll(/\]\(command:([\w.]+)\)/g)].map((m) => m[1] ?? '');
      assert.equal(buttons.length, 1, `${step.id}: one button`);
      for (const command of buttons) assert.ok(registered.has(command), `${step.id}: the button's command ${command} is not registered`);
      for (const event of step.completionEvents ?? []) {
        const [kind, what = ''] = event.split(/:(.*)/s);
        if (kind === 'onCommand') assert.ok(registered.has(what), `${step.id}: completion event ${event} names no registered command`);
      }
    }
    assert.deepEqual(walkthrough.steps[0]?.completionEvents, ['onCommand:tracelens.copyEnvSnippet']);
  });
});
