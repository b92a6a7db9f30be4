// `npm run test:desktop`: the same in-host mocha suite in VS Code desktop, through @vscode/test-electron.
// Needs a machine that can download VS Code; CI here uses code-server instead (test/e2e/integration.test.ts).
import { resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';

const root = resolve(__dirname, '..', '..');

runTests({
  extensionDevelopmentPath: root,
  extensionTestsPath: resolve(root, 'out', 'test', 'integration', 'index.js'),
  launchArgs: [resolve(root, 'test', 'fixtures', 'workspace'), '--disable-extensions'],
}).then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`desktop tests failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
