// Proves the real-editor harness on a throwaway extension (generated in a temp dir, outside the repository) before
// and independently of the TraceLens extension:
//   - editorPaths() explains what to run when the editor is not installed;
//   - startWorkbench() installs an extension by symlink, the extension host activates it, stop() leaves no process;
//   - run-integration.ts runs a mocha suite inside the extension host: exit 0 when it passes, 1 when a test fails.
// Run: node --import tsx --test test/e2e/harness-selftest.ts   (needs: bash scripts/setup-editor.sh)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { editorPaths, launchChromium, readExtensionHostLogs, REPO_ROOT, startWorkbench } from './workbench';

const PROBE_ID = 'tracelens-test.tracelens-harness-probe';
const PROBE_COMMAND = 'tracelensHarnessProbe.hello';

interface Probe {
  root: string;
  extension: string;
  workspace: string;
  passingSuite: string;
  failingSuite: string;
}

/** Writes the throwaway extension, a workspace and two compiled-style mocha suites (index.js exporting run()). */
async function makeProbe(): Promise<Probe> {
  const root = await mkdtemp(join(tmpdir(), 'tracelens-harness-probe-'));
  const extension = join(root, 'extension');
  const workspace = join(root, 'workspace');
  await mkdir(workspace, { recursive: true });
  await writeFile(join(workspace, 'hello.txt'), 'hello\n');
  await mkdir(extension, { recursive: true });
  await writeFile(
    join(extension, 'package.json'),
    JSON.stringify(
      {
        name: 'tracelens-harness-probe',
        displayName: 'TraceLens harness probe',
        publisher: 'tracelens-test',
        version: '0.0.1',
        engines: { vscode: '^1.90.0' },
        main: './extension.js',
        activationEvents: ['onStartupFinished'],
        contributes: { commands: [{ command: PROBE_COMMAND, title: 'Harness Probe: Hello' }] },
      },
      null,
      2,
    ),
  );
  await writeFile(
    join(extension, 'extension.js'),
    `const vscode = require('vscode');
exports.activate = function activate(context) {
  console.log('[harness-probe] activated');
  context.subscriptions.push(vscode.commands.registerCommand(${JSON.stringify(PROBE_COMMAND)}, () => 'hello from the probe'));
};
exports.deactivate = function deactivate() {};
`,
  );
  // The suites load mocha from the repository's node_modules by absolute path (generated here, never committed).
  const mocha = join(REPO_ROOT, 'node_modules', 'mocha');
  const index = `const path = require('path');
const loaded = require(${JSON.stringify(mocha)});
const Mocha = loaded.default || loaded;
exports.run = function run() {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 30000 });
  mocha.addFile(path.join(__dirname, 'probe.test.js'));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(failures + ' test(s) failed')) : resolve()));
  });
};
`;
  const passingTests = `const assert = require('assert');
const path = require('path');
const vscode = require('vscode');
suite('harness probe', () => {
  void test('the probe command is registered', async () => {
    const ext = vscode.extensions.getExtension(${JSON.stringify(PROBE_ID)});
    assert.ok(ext, 'the development extension is loaded');
    await ext.activate();
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes(${JSON.stringify(PROBE_COMMAND)}), 'command registered');
    assert.strictEqual(await vscode.commands.executeCommand(${JSON.stringify(PROBE_COMMAND)}), 'hello from the probe');
  });
  void test('the workspace folder is open', () => {
    const folders = vscode.workspace.workspaceFolders || [];
    assert.strictEqual(folders.length, 1);
    assert.strictEqual(path.basename(folders[0].uri.fsPath), 'workspace');
  });
});
`;
  const failingTests = `const assert = require('assert');
suite('harness probe, failing on purpose', () => {
  void test('passes', () => assert.ok(true));
  void test('fails on purpose', () => assert.strictEqual(1 + 1, 3, 'deliberate failure'));
});
`;
  const passingSuite = join(extension, 'out', 'test', 'pass', 'index.js');
  const failingSuite = join(extension, 'out', 'test', 'fail', 'index.js');
  for (const [suiteIndex, tests] of [
    [passingSuite, passingTests],
    [failingSuite, failingTests],
  ] as const) {
    await mkdir(join(suiteIndex, '..'), { recursive: true });
    await writeFile(suiteIndex, index);
    await writeFile(join(suiteIndex, '..', 'probe.test.js'), tests);
  }
  return { root, extension, workspace, passingSuite, failingSuite };
}

interface CliRun {
  code: number | null;
  output: string;
  ms: number;
}

/** Runs run-integration.ts as `npm test` would: a separate process, judged by its exit code. */
async function runIntegrationCli(args: string[], deadlineMs: number): Promise<CliRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'e2e', 'run-integration.ts'), ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
  const timer = setTimeout(() => child.kill('SIGTERM'), deadlineMs);
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  clearTimeout(timer);
  if (process.env.TRACELENS_SELFTEST_VERBOSE === '1') console.log(output);
  return { code, output, ms: Math.round(performance.now() - t0) };
}

/** Processes whose environment names this workbench root (what stop() must leave behind: none). */
async function processesTagged(root: string): Promise<number> {
  const { readdirSync, readFileSync } = await import('node:fs');
  let count = 0;
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').includes(`TRACELENS_WORKBENCH=${root}\0`)) count++;
    } catch {
      // gone
    }
  }
  return count;
}

void describe('editorPaths', () => {
  void test('tells what to run when the editor is not installed', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'tracelens-empty-cache-'));
    const saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = empty;
    try {
      assert.throws(() => editorPaths(), /bash scripts\/setup-editor\.sh/);
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
      await rm(empty, { recursive: true, force: true });
    }
  });
});

void describe('real editor harness', { timeout: 600_000 }, () => {
  let probe: Probe;
  before(async () => {
    editorPaths(); // fails fast with the setup hint
    probe = await makeProbe();
  });
  after(async () => {
    if (probe !== undefined) await rm(probe.root, { recursive: true, force: true });
  });

  void test('startWorkbench installs the extension by symlink, the host activates it, stop() kills everything', { timeout: 120_000 }, async () => {
    const t0 = performance.now();
    const wb = await startWorkbench({ extensionPath: probe.extension, workspace: probe.workspace });
    const ready = Math.round(performance.now() - t0);
    const browser = await launchChromium();
    try {
      assert.ok(existsSync(join(wb.extensionsDir, 'tracelens-test.tracelens-harness-probe-0.0.1', 'package.json')));
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(wb.folderUrl(), { waitUntil: 'domcontentloaded', timeout: 30_000 });
      await page.locator('.monaco-workbench').waitFor({ timeout: 30_000 });
      const shown = Math.round(performance.now() - t0);
      // The extension host logs the activation of the symlinked extension.
      const deadline = Date.now() + 60_000;
      let log = '';
      while (Date.now() < deadline && !/ExtensionService#_doActivateExtension tracelens-test\.tracelens-harness-probe/.test(log)) {
        await new Promise((r) => setTimeout(r, 200)); // poll the log file under the deadline
        log = await wb.extensionHostLog();
      }
      assert.match(log, /tracelens-test\.tracelens-harness-probe/, `extension host log:\n${log.slice(-3000)}`);
      const activated = Math.round(performance.now() - t0);
      console.log(`[selftest] workbench ready ${ready} ms, shown ${shown} ms, probe activated ${activated} ms`);
      await mkdir(join(REPO_ROOT, 'test-results'), { recursive: true });
      await page.screenshot({ path: join(REPO_ROOT, 'test-results', 'harness-selftest-workbench.png') });
    } finally {
      await browser.close();
      const stopStart = performance.now();
      await wb.stop();
      console.log(`[selftest] stop took ${Math.round(performance.now() - stopStart)} ms`);
    }
    assert.equal(await processesTagged(wb.root), 0, 'no process of the workbench survives stop()');
    assert.equal(existsSync(wb.root), false, 'the run folder is removed');
    assert.equal(await readExtensionHostLogs(wb.logsDir), '');
  });

  void test('a passing suite exits 0', { timeout: 200_000 }, async () => {
    const run = await runIntegrationCli(
      ['--tests', probe.passingSuite, '--workspace', probe.workspace, '--extension', probe.extension, '--timeout', '150'],
      180_000,
    );
    console.log(`[selftest] passing suite: exit ${run.code} in ${run.ms} ms`);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /2 passing/, run.output);
  });

  void test('a failing suite exits 1', { timeout: 200_000 }, async () => {
    const run = await runIntegrationCli(
      ['--tests', probe.failingSuite, '--workspace', probe.workspace, '--extension', probe.extension, '--timeout', '150'],
      180_000,
    );
    console.log(`[selftest] failing suite: exit ${run.code} in ${run.ms} ms`);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /1 failing/, run.output);
    assert.match(run.output, /deliberate failure/, run.output);
  });
});
