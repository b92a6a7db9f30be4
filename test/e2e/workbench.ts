// A real VS Code workbench for tests and `npm start`: code-server (VS Code 1.139 server + web workbench) running the
// extension unchanged in its Node extension host, shown by Debian's Chromium through playwright-core.
// The recipe, measured on these offline machines, is the shared REAL-EDITOR-TESTING.md; scripts/setup-editor.sh
// installs what this module starts.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

export const NODE24_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
/** Written last by scripts/setup-editor.sh into each cached folder. */
const SETUP_MARKER = '.tracelens-complete';
const HOST = '127.0.0.1';

const HERE: string = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
/** The repository root (this file lives in test/e2e/). */
export const REPO_ROOT: string = resolve(HERE, '..', '..');

/** Chromium flags without which Chromium stalls on the closed network. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** User settings that keep the workbench quiet: no chat focus grab, no Welcome tab, no Restricted Mode. */
export const QUIET_USER_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'chat.disableAIFeatures': true,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'workbench.enableExperiments': false,
  'update.mode': 'none',
  // Not in the recipe: without it an empty secondary side bar (the chat's place) takes a third of every screenshot.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  // TraceLens opens its view on a first start: a click on its (then active) icon must show it, not close the side bar.
  'workbench.activityBar.iconClickBehavior': 'focus',
};

export interface EditorPaths {
  /** The cache folder shared with scripts/setup-editor.sh. */
  cacheRoot: string;
  /** Node 24's executable; used for code-server only, never put on the project's PATH. */
  node24: string;
  /** code-server's out/node/entry.js. */
  codeServerEntry: string;
}

/** "${XDG_CACHE_HOME:-$HOME/.cache}/tracelens", as in scripts/setup-editor.sh. */
export function editorCacheRoot(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'tracelens');
}

/** Where setup-editor.sh installed Node 24 and code-server; throws with the next step when they are missing. */
export function editorPaths(): EditorPaths {
  const cacheRoot = editorCacheRoot();
  const nodeDir = join(cacheRoot, `node-${NODE24_VERSION}`);
  const csDir = join(cacheRoot, `code-server-${CODE_SERVER_VERSION}`);
  const node24 = join(nodeDir, 'bin', 'node');
  const codeServerEntry = join(csDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const missing = [
    [join(nodeDir, SETUP_MARKER), node24],
    [join(csDir, SETUP_MARKER), codeServerEntry],
  ].filter(([marker, file]) => !existsSync(marker!) || !existsSync(file!));
  if (missing.length > 0) {
    throw new Error(
      `The editor for real-editor tests is not installed (missing: ${missing.map(([m]) => dirname(m!)).join(', ')}). ` +
        'Run: bash scripts/setup-editor.sh',
    );
  }
  return { cacheRoot, node24, codeServerEntry };
}

/** A URL payload entry understood by the workbench with enable-smoke-test-driver, e.g. ["openFile", uri]. */
export type PayloadEntry = readonly [key: string, value: string];

export interface WorkbenchOptions {
  /** Folder with the extension's package.json; symlinked into the extensions dir as <publisher>.<name>-<version>. */
  extensionPath: string;
  /** A packaged extension (.vsix), installed with `code-server --install-extension` instead of linking
   * extensionPath (which is then not used). */
  vsix?: string;
  /** Folder opened by the workbench. */
  workspace: string;
  /** 0 or undefined: a free port. */
  port?: number;
  /** Merged over QUIET_USER_SETTINGS into <user-data-dir>/User/settings.json. */
  userSettings?: Record<string, unknown>;
  /** Extra environment for code-server (and so for the extension host). */
  env?: Record<string, string>;
  /** Keep the run's folder after stop() (always true with profileDir). */
  keepData?: boolean;
  /** Use this folder instead of a fresh temp dir, and keep it: the session persists across starts (npm start). */
  profileDir?: string;
  /** Install extensionPath into the extensions dir (default true). Integration tests load it as a development
   * extension through the URL payload instead, and pass false. */
  installExtension?: boolean;
  /** Deadline for GET /healthz, ms (default 30 000). */
  readyTimeoutMs?: number;
}

export interface Workbench {
  /** http://127.0.0.1:PORT, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** The run's folder R (xdg/, data/, exts/, config.yaml, code-server.log). */
  readonly root: string;
  /** --user-data-dir */
  readonly dataDir: string;
  /** --extensions-dir */
  readonly extensionsDir: string;
  /** <user-data-dir>/logs */
  readonly logsDir: string;
  readonly workspace: string;
  /** The workbench URL with ?folder=<workspace> and, when given, &payload=<JSON>. */
  folderUrl(payload?: readonly PayloadEntry[], folder?: string): string;
  /** vscode-remote://127.0.0.1:PORT/abs/path: how the browser workbench names a file on the server. */
  remoteUri(absPath: string): string;
  /** Every extension host log of this run (<user-data-dir>/logs/STAR/exthostSTAR/remoteexthost.log), concatenated. */
  extensionHostLog(): Promise<string>;
  /** The last lines code-server printed. */
  serverOutput(): string;
  /** Settles when code-server exits, whether by stop() or by itself. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops code-server and everything it started; idempotent; bounded (about 10 s at worst). */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolvePort(port) : reject(new Error('could not read a free port'))));
    });
  });
}

/** Whether 127.0.0.1:port can be bound right now. */
export async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolveFree(false));
    server.listen(port, HOST, () => server.close(() => resolveFree(true)));
  });
}

interface ExtensionManifest {
  publisher: string;
  name: string;
  version: string;
}

function readManifest(extensionPath: string): ExtensionManifest {
  const file = join(extensionPath, 'package.json');
  const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const field = (key: string): string => {
    const value = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[key] : undefined;
    if (typeof value !== 'string' || value === '') throw new Error(`${file}: "${key}" must be a non-empty string`);
    return value;
  };
  return { publisher: field('publisher'), name: field('name'), version: field('version') };
}

/** Links extensionPath into the extensions dir, replacing links to other versions of the same extension. */
async function installExtensionLink(extensionsDir: string, extensionPath: string): Promise<void> {
  const { publisher, name, version } = readManifest(extensionPath);
  const id = `${publisher}.${name}`.toLowerCase();
  const target = resolve(extensionPath);
  const linkName = `${publisher}.${name}-${version}`;
  let changed = false;
  for (const entry of await readdir(extensionsDir)) {
    const full = join(extensionsDir, entry);
    if (!entry.toLowerCase().startsWith(`${id}-`) || !(await lstat(full)).isSymbolicLink()) continue;
    if (entry === linkName && (await readlink(full)) === target) return;
    await unlink(full); // a link only: never touches the linked folder
    changed = true;
  }
  await symlink(target, join(extensionsDir, linkName), 'dir');
  // A kept profile lists its extensions in extensions.json; without it the folder is scanned afresh, so a new link
  // (another version, another checkout) is picked up.
  if (changed || existsSync(join(extensionsDir, 'extensions.json'))) {
    await rm(join(extensionsDir, 'extensions.json'), { force: true });
  }
}

/** Runs `code-server --install-extension <vsix>` (the same CLI as `code --install-extension`) to completion. */
async function installVsix(node24: string, codeServerArgs: string[], vsix: string, env: NodeJS.ProcessEnv): Promise<void> {
  if (!existsSync(vsix)) throw new Error(`no such .vsix: ${vsix}`);
  // --force: a kept profile may hold the same version already; the .vsix replaces it.
  const child = spawn(node24, [...codeServerArgs, '--install-extension', vsix, '--force'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (output += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (output += s));
  const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  if (!(await waitForExit(child, 60_000))) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`code-server --install-extension ${vsix} did not finish within 60 s:\n${output}`);
  }
  const code = await exited;
  if (code !== 0 || !/successfully installed/i.test(output)) {
    throw new Error(`code-server --install-extension ${vsix} failed (exit code ${code}):\n${output}`);
  }
}

/** Writes settings.json: quiet defaults, then what a kept profile already has, then the caller's settings. */
async function writeUserSettings(dataDir: string, userSettings: Record<string, unknown> | undefined): Promise<void> {
  const file = join(dataDir, 'User', 'settings.json');
  await mkdir(dirname(file), { recursive: true });
  let existing: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) existing = parsed as Record<string, unknown>;
    } catch {
      // settings.json with comments (JSONC) written by the user: leave it as it is.
      if (userSettings === undefined) return;
    }
  }
  const merged = { ...QUIET_USER_SETTINGS, ...existing, ...userSettings };
  await writeFile(file, `${JSON.stringify(merged, null, 2)}\n`);
}

/** A bounded ring of the last output lines. */
class OutputTail {
  private readonly lines: string[] = [];
  private partial = '';
  constructor(private readonly max: number) {}
  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      this.lines.push(line);
      if (this.lines.length > this.max) this.lines.shift();
    }
  }
  text(): string {
    return [...this.lines, this.partial].filter((l) => l !== '').join('\n');
  }
}

// Every live code-server process group, killed if this process exits without stop(), with its temp folder (none
// for a kept profile), removed then.
const liveGroups = new Map<number, string | undefined>();
let exitHooksInstalled = false;

function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is gone
  }
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    for (const [pgid, tempRoot] of liveGroups) {
      killGroup(pgid, 'SIGKILL');
      if (tempRoot !== undefined) rmSync(tempRoot, { recursive: true, force: true, maxRetries: 2 });
    }
  });
  // A process killed by a signal does not run 'exit' handlers. When nobody else handles the signal, this module
  // does what the default would (terminate), after killing its process groups. Callers with their own handlers
  // (scripts/start-workbench.ts) stop workbenches themselves.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      if (process.listenerCount(signal) > 1) return;
      process.exit(signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 129);
    };
    process.on(signal, onSignal);
  }
}

// The process group leader: starts code-server in its own group, and kills that group when its stdin closes, i.e.
// when the test process dies, even by SIGKILL (the pipe closes; no polling needed). Runs on the project's Node.
const GROUP_LEADER = `
const { spawn } = require('node:child_process');
const [command, ...args] = JSON.parse(process.argv[1]);
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
const killGroup = () => { try { process.kill(-process.pid, 'SIGKILL'); } catch {} };
process.stdin.on('end', killGroup);
process.stdin.on('error', killGroup);
process.stdin.resume();
process.on('SIGTERM', () => { child.kill('SIGTERM'); setTimeout(killGroup, 5000).unref(); });
child.on('error', (e) => { console.error('[group-leader] ' + e.message); process.exit(127); });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
`;

/** PIDs (other than the given group) whose environment carries tag=value: processes that left the group (setsid,
 * e.g. integrated terminals and debuggees) but were started by this workbench. Linux /proc only. */
function taggedPids(tag: string, value: string): number[] {
  const needle = `${tag}=${value}\0`;
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(needle)) pids.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

async function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolveExit) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolveExit(false);
    }, ms);
    const onExit = (): void => {
      clearTimeout(timer);
      resolveExit(true);
    };
    child.once('exit', onExit);
  });
}

/** Polls GET url until it answers 200, the child exits, or the deadline passes. */
async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = child.exitCode !== null || child.signalCode !== null;
  const onExit = (): void => {
    exited = true;
  };
  child.once('exit', onExit);
  try {
    let lastError = '';
    while (Date.now() < deadline) {
      if (exited) throw new Error(`code-server exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready.\n${describe()}`);
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(Math.max(100, Math.min(2000, deadline - Date.now()))) });
        if (response.ok) {
          await response.arrayBuffer();
          return;
        }
        lastError = `HTTP ${response.status}`;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
      await new Promise((r) => setTimeout(r, 100)); // poll interval, under the deadline above
    }
    throw new Error(`code-server did not answer ${url} within ${timeoutMs} ms (last: ${lastError}).\n${describe()}`);
  } finally {
    child.off('exit', onExit);
  }
}

/** Starts code-server with an isolated profile, the extension installed, and the workspace as its folder. */
export async function startWorkbench(opts: WorkbenchOptions): Promise<Workbench> {
  const { node24, codeServerEntry } = editorPaths();
  const workspace = resolve(opts.workspace);
  if (!existsSync(workspace)) throw new Error(`workspace folder does not exist: ${workspace}`);

  const kept = opts.profileDir !== undefined || opts.keepData === true;
  const root = opts.profileDir !== undefined ? resolve(opts.profileDir) : await mkdtemp(join(tmpdir(), 'tracelens-workbench-'));
  const xdg = join(root, 'xdg');
  const dataDir = join(root, 'data');
  const extensionsDir = join(root, 'exts');
  const logsDir = join(dataDir, 'logs');
  const configFile = join(root, 'config.yaml');
  await Promise.all([xdg, dataDir, extensionsDir].map((d) => mkdir(d, { recursive: true })));
  await writeFile(configFile, ''); // empty and present: code-server writes a default (with a password) when absent
  await writeUserSettings(dataDir, opts.userSettings);
  if (opts.installExtension !== false && opts.vsix === undefined) await installExtensionLink(extensionsDir, opts.extensionPath);

  const port = opts.port !== undefined && opts.port !== 0 ? opts.port : await freePort();
  const url = `http://${HOST}:${port}`;
  const args = [
    codeServerEntry,
    '--bind-addr', `${HOST}:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--vscode-option', 'enable-smoke-test-driver',
    '--config', configFile,
    '--user-data-dir', dataDir,
    '--extensions-dir', extensionsDir,
    workspace,
  ];

  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    // Inside a VS Code terminal, VSCODE_IPC_HOOK_CLI makes code-server hand the folder to that editor and exit.
    if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE' || key === 'NODE_OPTIONS') delete env[key];
  }
  const tag = 'TRACELENS_WORKBENCH';
  Object.assign(env, {
    // No extension gallery: the default (open-vsx.org) cannot be reached here and only adds errors and delays.
    EXTENSIONS_GALLERY: '{}',
    XDG_CONFIG_HOME: xdg,
    XDG_DATA_HOME: xdg,
    XDG_CACHE_HOME: xdg,
    [tag]: root,
    ...opts.env,
  });
  if (opts.vsix !== undefined) {
    try {
      await installVsix(node24, [codeServerEntry, '--config', configFile, '--user-data-dir', dataDir, '--extensions-dir', extensionsDir], resolve(opts.vsix), env);
    } catch (error) {
      if (!kept) await rm(root, { recursive: true, force: true, maxRetries: 3 });
      throw error;
    }
  }

  const tail = new OutputTail(200);
  const child = spawn(process.execPath, ['-e', GROUP_LEADER, JSON.stringify([node24, ...args])], {
    cwd: workspace,
    env,
    detached: true, // its own process group (setsid): stop() and the exit hooks kill the whole group
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`could not spawn code-server (${node24})`);
  liveGroups.set(pgid, kept ? undefined : root);
  installExitHooks();
  child.stdout?.setEncoding('utf8').on('data', (s: string) => tail.push(s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => tail.push(s));

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    stopping ??= (async () => {
      if (killGroup(pgid, 'SIGTERM') && !(await waitForExit(child, 5000))) killGroup(pgid, 'SIGKILL');
      await waitForExit(child, 5000);
      killGroup(pgid, 'SIGKILL'); // stragglers of the group that outlived the leader
      liveGroups.delete(pgid);
      for (const pid of taggedPids(tag, root)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      child.stdin?.destroy();
      if (!kept) await rm(root, { recursive: true, force: true, maxRetries: 3 });
    })();
    return stopping;
  };

  const describe = (): string => `code-server output (last lines):\n${tail.text() || '(none)'}`;
  try {
    await waitForHealth(`${url}/healthz`, child, opts.readyTimeoutMs ?? 30_000, describe);
  } catch (error) {
    await stop();
    throw error;
  }

  const remoteUri = (absPath: string): string => `vscode-remote://${HOST}:${port}${resolve(absPath)}`;
  return {
    url,
    port,
    root,
    dataDir,
    extensionsDir,
    logsDir,
    workspace,
    folderUrl(payload?: readonly PayloadEntry[], folder: string = workspace): string {
      let u = `${url}/?folder=${encodeURIComponent(resolve(folder)).replace(/%2F/g, '/')}`; // readable when printed
      if (payload !== undefined && payload.length > 0) u += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
      return u;
    },
    remoteUri,
    async extensionHostLog(): Promise<string> {
      return readExtensionHostLogs(logsDir);
    },
    serverOutput: () => tail.text(),
    exited,
    stop,
  };
}

/** <logsDir>/<session>/exthost<N>/remoteexthost.log, oldest session first, each under a header line. */
export async function readExtensionHostLogs(logsDir: string): Promise<string> {
  const parts: string[] = [];
  const sessions = existsSync(logsDir) ? (await readdir(logsDir)).sort() : [];
  for (const session of sessions) {
    const sessionDir = join(logsDir, session);
    let hosts: string[];
    try {
      hosts = (await readdir(sessionDir)).filter((d) => d.startsWith('exthost')).sort();
    } catch {
      continue; // a file, not a session folder
    }
    for (const host of hosts) {
      const file = join(sessionDir, host, 'remoteexthost.log');
      if (!existsSync(file)) continue;
      parts.push(`=== ${session}/${host}/remoteexthost.log ===\n${await readFile(file, 'utf8')}`);
    }
  }
  return parts.join('\n');
}

/** Every window's log of an extension's output channel (a LogOutputChannel writes <name>.log under its extension host folder). */
export async function readChannelLogs(logsDir: string, name: string): Promise<string> {
  const parts: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name === `${name}.log`) parts.push(`=== ${path.slice(logsDir.length + 1)} ===\n${await readFile(path, 'utf8')}`);
    }
  };
  if (existsSync(logsDir)) await walk(logsDir);
  return parts.join('\n');
}

export interface ChromiumOptions {
  /** Default true; false needs a display. */
  headless?: boolean;
  /** Appended to CHROMIUM_ARGS. */
  args?: readonly string[];
  /** Launch deadline, ms (default 30 000). */
  timeoutMs?: number;
}

/** Debian's Chromium driven by playwright-core, with the flags the closed network needs. */
export async function launchChromium(options: ChromiumOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing. Run: bash scripts/setup-editor.sh`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: options.headless ?? true,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
    timeout: options.timeoutMs ?? 30_000,
  });
}

/** The demo workspace in a real workbench with TraceLens on free ports, a Chromium page on it, and the demo app. */
export interface DemoWorkbench {
  readonly page: Page;
  /** Runs the demo app for N requests against this workbench's receiver; resolves with its exit code. */
  runDemo(requests: number): Promise<number | null>;
  close(): Promise<void>;
}

/** User settings that put every TraceLens listener on a free 127.0.0.1 port (OTLP/HTTP on `otlpPort`), so that a
 * TraceLens running elsewhere on the machine does not clash. */
export async function freeListenerSettings(otlpPort: number): Promise<Record<string, string>> {
  return {
    'tracelens.receivers.otlpHttp': `127.0.0.1:${otlpPort}`,
    'tracelens.receivers.otlpGrpc': `127.0.0.1:${await freePort()}`,
    'tracelens.receivers.zipkin': `127.0.0.1:${await freePort()}`,
    'tracelens.queryApi.address': `127.0.0.1:${await freePort()}`,
  };
}

/** `env`: extra environment for code-server and so for what it launches (debuggees, terminals). */
export async function openDemoWorkbench(options: { env?: Record<string, string> } = {}): Promise<DemoWorkbench> {
  const otlpPort = await freePort();
  const wb = await startWorkbench({
    extensionPath: REPO_ROOT,
    workspace: join(REPO_ROOT, 'demo'),
    ...(options.env ? { env: options.env } : {}),
    userSettings: await freeListenerSettings(otlpPort),
  });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
  await page.goto(wb.folderUrl());
  await page.locator('.monaco-workbench').waitFor({ timeout: 30_000 });
  const demos: ChildProcess[] = [];
  return {
    page,
    async runDemo(requests) {
      const [a, b, c] = [await freePort(), await freePort(), await freePort()];
      const child = spawn(process.execPath, [join(REPO_ROOT, 'demo', 'run.mjs'), '--requests', String(requests), '--frontend-port', String(a), '--orders-port', String(b), '--inventory-port', String(c)], {
        env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
        stdio: 'inherit',
      });
      demos.push(child);
      return new Promise((done) => child.once('exit', done));
    },
    async close() {
      for (const d of demos) d.kill('SIGKILL');
      await browser.close();
      await wb.stop();
    },
  };
}

/** The workbench's quick input box (palette, Quick Open, pickers) and its rows. */
export const quickInput = (page: Page): Locator => page.locator('.quick-input-widget input').first();
export const quickRows = (page: Page): Locator => page.locator('.quick-input-widget .quick-input-list .monaco-list-row');

/** Runs a command by its palette title (F1, the title, Enter once its row is listed). */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  await quickInput(page).waitFor({ timeout: 10_000 });
  await quickInput(page).fill(`>${title}`);
  await quickRows(page).filter({ hasText: title }).first().waitFor({ timeout: 10_000 });
  await quickInput(page).press('Enter');
}

/** Opens a workspace file with Quick Open (Control+P, the name, Enter once its row is listed); resolves when its tab
 * is the active one. */
export async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  await quickInput(page).waitFor({ timeout: 10_000 });
  await quickInput(page).fill(name);
  await quickRows(page).filter({ hasText: name }).first().waitFor({ timeout: 10_000 });
  await quickInput(page).press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 10_000 });
}
