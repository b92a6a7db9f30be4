// Runs a mocha suite inside the real extension host of code-server (the @vscode/test-electron convention, offline).
//
//   tsx test/e2e/run-integration.ts --tests <path to compiled mocha index.js> --workspace <dir>
//       [--extension <dir, default: the repository root>] [--timeout <s, default 300>] [--screenshot <file.png>]
//       [--verbose: also print the workbench's own log lines]
//
// The compiled index module exports `run(): Promise<void>` that creates a Mocha instance, adds the test files and
// rejects on failures. The workbench loads the extension as a development extension and runs the suite through the
// URL payload (enable-smoke-test-driver); the suite's output arrives through codeAutomationLog and its exit code
// through codeAutomationExit.
// Exit code: the suite's (0 = all passed), 124 on the overall timeout, 2 when the harness itself fails.
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, REPO_ROOT, startWorkbench, type Workbench } from './workbench';

export interface IntegrationRunOptions {
  /** Absolute path of the compiled mocha index module (exports run()). */
  tests: string;
  /** Folder the workbench opens. */
  workspace: string;
  /** The extension under development (default: the repository root). */
  extensionPath?: string;
  /** Overall deadline, seconds (default 300). */
  timeoutS?: number;
  /** Where to save the final screenshot (default test-results/integration-<suite>.png). */
  screenshot?: string;
  /** Extra user settings for the run. */
  userSettings?: Record<string, unknown>;
  /** Receives each output line (default: stdout). */
  onLine?: (line: string) => void;
  /** Also print the workbench's own log lines (connection, gallery, teardown). */
  verbose?: boolean;
}

export interface IntegrationRunResult {
  /** The suite's exit code; 124 on timeout. */
  exitCode: number;
  timedOut: boolean;
  screenshot: string | undefined;
  /** Milliseconds from the start of the run. */
  timings: { workbenchReady: number; workbenchShown?: number; firstTestOutput?: number; suiteExit?: number; total: number };
}

interface AutomationLog {
  relativePath: string;
  contents: string;
}

function isAutomationLog(value: unknown): value is AutomationLog {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>).relativePath === 'string' &&
    typeof (value as Record<string, unknown>).contents === 'string'
  );
}

/** The text of one codeAutomationLog(type, args) call. */
function formatLog(type: unknown, args: unknown): string {
  // console.log arguments from the host: a printf-style format string and its values (mocha's reporters use them).
  const parts: unknown[] = Array.isArray(args) ? args : [args];
  const text = format(...parts).replace(/\n$/, '');
  return type === 'info' || type === undefined ? text : `[${String(type)}] ${text}`;
}

/** The workbench's own chatter on the same channel as the suite's output; shown with --verbose. */
const WORKBENCH_NOISE: readonly RegExp[] = [
  /^Resolv(ing|ed) connection token/,
  /^Creating a socket/,
  /^\[reconnection-grace-time\]/,
  /^Ignoring fetching additional builtin extensions/,
  /^Updating additional builtin extensions cache/,
  /^\[Service Worker\]/,
  /^\[AgentHost:remote\]/,
  /^\[AccountPolicyGate\]/,
  /^\[error\] Canceled: Canceled/, // extension hosts torn down after the suite
];

function defaultScreenshotPath(tests: string): string {
  // out/test/integration/index.js -> integration-integration.png; keeps one file per suite.
  const suite = basename(dirname(tests)) || 'suite';
  return join(REPO_ROOT, 'test-results', `integration-${suite}.png`);
}

/** Runs the suite; never throws for a failing suite (see exitCode), throws when the harness cannot run it. */
export async function runIntegration(opts: IntegrationRunOptions): Promise<IntegrationRunResult> {
  const t0 = performance.now();
  const since = (): number => Math.round(performance.now() - t0);
  const print = opts.onLine ?? ((line: string) => process.stdout.write(`${line}\n`));
  const tests = resolve(opts.tests);
  const extensionPath = resolve(opts.extensionPath ?? REPO_ROOT);
  const timeoutMs = (opts.timeoutS ?? 300) * 1000;
  const screenshot = opts.screenshot ?? defaultScreenshotPath(tests);
  if (!existsSync(tests)) throw new Error(`--tests: no such file: ${tests} (build the suite first)`);
  if (!existsSync(join(extensionPath, 'package.json'))) throw new Error(`--extension: no package.json in ${extensionPath}`);

  const deadline = Date.now() + timeoutMs;
  const remaining = (): number => Math.max(1, deadline - Date.now());

  let workbench: Workbench | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  const timings: IntegrationRunResult['timings'] = { workbenchReady: 0, total: 0 };
  let savedScreenshot: string | undefined;
  try {
    workbench = await startWorkbench({
      extensionPath,
      workspace: opts.workspace,
      installExtension: false, // loaded as the development extension below
      userSettings: opts.userSettings,
      readyTimeoutMs: Math.min(30_000, remaining()),
    });
    timings.workbenchReady = since();
    print(`[run-integration] code-server ready at ${workbench.url} in ${timings.workbenchReady} ms`);

    browser = await launchChromium({ timeoutMs: Math.min(30_000, remaining()) });
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });

    let settle: (code: number) => void = () => undefined;
    const exited = new Promise<number>((r) => (settle = r));
    const browserLogs: AutomationLog[] = [];
    await page.exposeFunction('codeAutomationLog', (type: unknown, args: unknown) => {
      const text = formatLog(type, args);
      if (opts.verbose !== true && WORKBENCH_NOISE.some((re) => re.test(text))) return;
      timings.firstTestOutput ??= since();
      print(text);
    });
    await page.exposeFunction('codeAutomationExit', (code: unknown, logs: unknown) => {
      timings.suiteExit ??= since();
      if (Array.isArray(logs)) browserLogs.push(...logs.filter(isAutomationLog));
      settle(typeof code === 'number' ? code : 1);
    });
    page.on('pageerror', (error) => print(`[run-integration] page error: ${error.message}`));

    const url = workbench.folderUrl([
      ['extensionDevelopmentPath', workbench.remoteUri(extensionPath)],
      ['extensionTestsPath', workbench.remoteUri(tests)],
    ]);
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: remaining() });
    const timedOut = Symbol('timeout');
    let timer: NodeJS.Timeout | undefined;
    const overall = new Promise<typeof timedOut>((r) => (timer = setTimeout(() => r(timedOut), remaining())));
    void page
      .locator('.monaco-workbench')
      .waitFor({ timeout: remaining() })
      .then(() => {
        timings.workbenchShown = since();
        print(`[run-integration] workbench shown after ${timings.workbenchShown} ms`);
      })
      .catch(() => undefined);

    const outcome = await Promise.race([exited, overall]);
    clearTimeout(timer);
    const exitCode = outcome === timedOut ? 124 : outcome;
    if (outcome === timedOut) print(`[run-integration] TIMEOUT: the suite did not finish within ${timeoutMs / 1000} s`);

    await mkdir(dirname(screenshot), { recursive: true });
    try {
      await page.screenshot({ path: screenshot, timeout: 10_000 });
      savedScreenshot = screenshot;
      print(`[run-integration] screenshot: ${screenshot}`);
    } catch (error) {
      print(`[run-integration] could not take the screenshot: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (browserLogs.length > 0) {
      const logDir = screenshot.replace(/\.png$/, '') + '-logs';
      for (const log of browserLogs) {
        const file = join(logDir, log.relativePath);
        if (!resolve(file).startsWith(resolve(logDir))) continue; // relativePath comes from the page
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, log.contents);
      }
    }
    if (exitCode !== 0) {
      // The host writes its log through a buffer: poll up to 3 s for it to reach the disk.
      const hasLines = (log: string): boolean => log.split('\n').some((l) => l !== '' && !l.startsWith('=== '));
      let hostLog = await workbench.extensionHostLog();
      for (const flushDeadline = Date.now() + 3000; !hasLines(hostLog) && Date.now() < flushDeadline; ) {
        await new Promise((r) => setTimeout(r, 200));
        hostLog = await workbench.extensionHostLog();
      }
      hostLog = hostLog.split('\n').slice(-60).join('\n');
      print(`[run-integration] extension host log (last lines):\n${hostLog || '(empty)'}`);
    }
    timings.total = since();
    return { exitCode, timedOut: outcome === timedOut, screenshot: savedScreenshot, timings };
  } finally {
    await browser?.close().catch(() => undefined);
    await workbench?.stop();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      tests: { type: 'string' },
      workspace: { type: 'string' },
      extension: { type: 'string' },
      timeout: { type: 'string' },
      screenshot: { type: 'string' },
      verbose: { type: 'boolean' },
    },
    strict: true,
  });
  const usage =
    'usage: tsx test/e2e/run-integration.ts --tests <path to compiled mocha index.js> --workspace <dir> ' +
    '[--extension <dir>] [--timeout <seconds>] [--screenshot <file.png>] [--verbose]';
  if (values.tests === undefined || values.workspace === undefined) {
    console.error(usage);
    return 2;
  }
  const timeoutS = values.timeout === undefined ? 300 : Number(values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) {
    console.error(`--timeout must be a positive number of seconds (got ${values.timeout})`);
    return 2;
  }
  // The overall deadline also bounds the harness (startup, cleanup): a hard stop a little after it.
  setTimeout(() => {
    console.error(`[run-integration] hard timeout after ${timeoutS + 30} s`);
    process.exit(124);
  }, (timeoutS + 30) * 1000).unref();

  const result = await runIntegration({
    tests: values.tests,
    workspace: values.workspace,
    extensionPath: values.extension,
    timeoutS,
    screenshot: values.screenshot,
    verbose: values.verbose,
  });
  const t = result.timings;
  console.log(
    `[run-integration] exit ${result.exitCode}: workbench ready ${t.workbenchReady} ms, shown ${t.workbenchShown ?? '-'} ms, ` +
      `first test output ${t.firstTestOutput ?? '-'} ms, suite exit ${t.suiteExit ?? '-'} ms, total ${t.total} ms`,
  );
  return result.exitCode;
}

const THIS_FILE: string = typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
const withoutExt = (file: string): string => resolve(file).replace(/\.[cm]?[jt]s$/, '');
if (process.argv[1] !== undefined && withoutExt(process.argv[1]) === withoutExt(THIS_FILE)) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`[run-integration] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(2);
    },
  );
}
