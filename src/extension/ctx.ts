// The extension's context: owns every disposable, in two lifetimes — the extension's (extCtx.subscriptions) and one
// trace-server session's (a LanguageClient and what hangs on it) — and the server session itself: start, stop,
// restart (serialised), typed requests, live status and trace events, and telling the user when things fail.
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { CloseAction, ErrorAction, LanguageClient, RevealOutputChannelOn, TransportKind } from 'vscode-languageclient/node';
import type { ChildProcess } from 'node:child_process';
import type {
  ClientNotifications,
  ReceiverStatus,
  ServerNotificationMethod,
  ServerNotifications,
  ServerRequestMethod,
  ServerRequests,
  ServerStatus,
  TracesChangedEvent,
} from '../protocol/messages';
import type { ServerState } from './api';
import { addressSetting, configProblem, readConfig, readLensConfig, serverArgs } from './config';
import { OPEN_IN_BROWSER_COMMAND, queryEndpoint, webLinksToCommands } from './browserLinks';
import { secretEnv } from './secrets';

/** A command needed the server and it is not running; the message says why and what to do. */
export class ServerDownError extends Error {
  override readonly name = 'ServerDownError';
}

/** Something the user can fix (no receiver listening, nothing to show): shown as a warning, not as a failure. */
export class UserError extends Error {
  override readonly name = 'UserError';
}

interface Session {
  readonly client: LanguageClient;
  /** Disposed when the session ends. */
  readonly subs: vscode.Disposable[];
  process?: ChildProcess;
  stopping: boolean;
  failed: boolean;
  /** Receiver failures already shown in this session. */
  readonly warned: Set<string>;
}

/** The commands a hover's links may run. */
const TRUSTED_COMMANDS = ['tracelens.openTrace', OPEN_IN_BROWSER_COMMAND] as const;
const SHOW_LOG = 'Show Log';
const RESTART = 'Restart';
const OPEN_SETTINGS = 'Open Settings';
const TAKE_OVER = 'Take Over';
const USE_FREE_PORT = 'Use a Free Port';
const READ_FROM_IT = 'Read Its Traces';
/** A server that dies is started again once in this window (it rejoins the machine: owner, or attached to the new one). */
const AUTO_RESTARTS = 1;
const AUTO_RESTART_WINDOW_MS = 3 * 60_000;

export class Ctx {
  readonly log: vscode.LogOutputChannel;
  private session: Session | undefined;
  private current: ServerState = { kind: 'starting' };
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  /** Every change of the server state, including each new status while it runs. */
  readonly onDidChangeState = this.stateEmitter.event;
  private readonly tracesEmitter = new vscode.EventEmitter<TracesChangedEvent>();
  readonly onDidChangeTraces = this.tracesEmitter.event;
  /** Start/stop jobs run one after another. */
  private queue: Promise<void> = Promise.resolve();
  private queuedRestart: Promise<void> | undefined;
  /** When the server was last started again after dying. */
  private autoRestarts: number[] = [];

  constructor(readonly extCtx: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('TraceLens', { log: true });
    this.pushExt(this.log, this.stateEmitter, this.tracesEmitter);
  }

  get state(): ServerState {
    return this.current;
  }

  /** Disposed with the extension. */
  pushExt(...disposables: vscode.Disposable[]): void {
    this.extCtx.subscriptions.push(...disposables);
  }

  /** Registers `tracelens.<name>`. Failures become messages: a command never throws at the user. */
  registerCommand(name: string, run: (...args: unknown[]) => unknown): void {
    const id = `tracelens.${name}`;
    this.pushExt(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await run(...args);
        } catch (e) {
          this.reportCommandError(id, e);
          return undefined;
        }
      }),
    );
  }

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  /** Stops the session and starts a new one with the current settings. Requests made meanwhile coalesce. */
  restart(): Promise<void> {
    this.queuedRestart ??= this.enqueue(async () => {
      this.queuedRestart = undefined;
      await this.doStop();
      await this.doStart();
    });
    return this.queuedRestart;
  }

  /** Stops the server (deactivate). */
  dispose(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  /** A typed request to the server. Waits for a start in progress; throws ServerDownError when it is not running. */
  async request<M extends ServerRequestMethod>(method: M, params: ServerRequests[M]['params']): Promise<ServerRequests[M]['result']> {
    if (this.current.kind === 'starting') await this.queue;
    const s = this.session;
    if (this.current.kind !== 'running' || !s) throw new ServerDownError(this.downMessage());
    try {
      return await s.client.sendRequest<ServerRequests[M]['result']>(method, params);
    } catch (e) {
      if (this.session !== s || this.current.kind !== 'running') throw new ServerDownError(this.downMessage());
      throw e;
    }
  }

  /** A notification to the server. Waits for a start in progress; dropped while it is not running (a new session
   * gets the current settings at initialize). */
  async notify<M extends keyof ClientNotifications>(method: M, params: ClientNotifications[M]): Promise<void> {
    if (this.current.kind === 'starting') await this.queue;
    const s = this.session;
    if (this.current.kind !== 'running' || !s) return;
    await s.client.sendNotification(method, params);
  }

  /** Makes the editor ask the server for code lenses again (one provider serves every file document). */
  refreshCodeLenses(): void {
    const feature = this.session?.client.getFeature('textDocument/codeLens');
    for (const editor of vscode.window.visibleTextEditors) {
      const provider = feature?.getProvider(editor.document);
      if (!provider) continue;
      provider.onDidChangeCodeLensEmitter.fire();
      return;
    }
  }

  /** Takes a status a request returned. `warnAgain`: show receiver failures again (the user asked to start them). */
  acceptStatus(status: ServerStatus, warnAgain = false): void {
    const s = this.session;
    if (!s) return;
    if (warnAgain) s.warned.clear();
    this.setStatus(s, status);
  }

  showLog(): void {
    this.log.show(true);
  }

  /** Asks the machine's owner to hand its receivers and store to this window's server. */
  async takeOver(): Promise<ServerStatus> {
    const status = await this.request('tracelens/takeOver', {});
    this.acceptStatus(status);
    return status;
  }

  private downMessage(): string {
    const why = this.current.kind === 'failed' ? this.current.reason : 'it is restarting';
    return `TraceLens: the trace server is not running (${why}). Run "TraceLens: Restart Server" to start it.`;
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(job).catch((e: unknown) => this.log.error('server session job failed', e));
    return this.queue;
  }

  private setState(state: ServerState): void {
    const before = this.current;
    this.current = state;
    if (before.kind !== state.kind) void vscode.commands.executeCommand('setContext', 'tracelens.serverState', state.kind);
    const receiving = state.kind === 'running' && state.status.receivers.some((r) => r.protocol !== 'query' && r.state === 'listening');
    void vscode.commands.executeCommand('setContext', 'tracelens.receiving', receiving);
    void vscode.commands.executeCommand('setContext', 'tracelens.attached', state.kind === 'running' && state.status.machine?.role === 'attached');
    this.stateEmitter.fire(state);
  }

  private setStatus(session: Session, status: ServerStatus): void {
    if (session !== this.session || session.failed || session.stopping) return;
    this.setState({ kind: 'running', status });
    for (const r of status.receivers) {
      const key = `${r.protocol} ${r.address} ${r.error ?? ''}`;
      if (r.state !== 'failed' || session.warned.has(key)) continue;
      session.warned.add(key);
      this.warnReceiver(r);
    }
    const skew = status.machine?.role === 'attached' ? status.machine.skew : undefined;
    if (skew && !session.warned.has(skew.message)) {
      session.warned.add(skew.message);
      this.log.warn(`TraceLens: ${skew.message}`);
      if (skew.canTakeOver) {
        void vscode.window.showWarningMessage(`TraceLens: ${skew.message}.`, TAKE_OVER, SHOW_LOG).then((pick) => {
          if (pick === TAKE_OVER) void vscode.commands.executeCommand('tracelens.takeOver');
          if (pick === SHOW_LOG) this.showLog();
        });
      }
    }
    const storeWarning = status.store.warning;
    if (storeWarning && !session.warned.has(storeWarning)) {
      session.warned.add(storeWarning);
      this.log.warn(`TraceLens: trace store: ${storeWarning}`);
      void vscode.window.showWarningMessage(`TraceLens: ${storeWarning}`, OPEN_SETTINGS, SHOW_LOG).then((pick) => {
        if (pick === OPEN_SETTINGS) void vscode.commands.executeCommand('workbench.action.openSettings', 'tracelens.store');
        if (pick === SHOW_LOG) this.showLog();
      });
    }
  }

  private warnReceiver(r: ReceiverStatus): void {
    const text = `TraceLens: ${r.error ?? `the ${r.label} receiver could not listen on ${r.address}; change "${addressSetting(r.protocol)}"`}`;
    this.log.warn(text);
    // A port another program holds: offer a free one (the setting changes, the server restarts on it).
    // (Not in a window attached to another's receivers: its settings do not place them.)
    const owner = this.current.kind !== 'running' || this.current.status.machine?.role !== 'attached';
    // A Jaeger query API on the port: its traces can be read beside the local ones (tracelens.remotes).
    const actions = [...(r.holder && owner ? [USE_FREE_PORT] : []), ...(r.holder?.jaegerApi ? [READ_FROM_IT] : []), OPEN_SETTINGS, SHOW_LOG];
    void vscode.window.showWarningMessage(text, ...actions).then((pick) => {
      if (pick === USE_FREE_PORT) void this.useFreePort(r).catch((e: unknown) => this.reportCommandError('tracelens.useFreePort', e));
      if (pick === READ_FROM_IT && r.holder?.jaegerApi) void this.addRemote(r.holder.jaegerApi).catch((e: unknown) => this.reportCommandError('tracelens.addRemote', e));
      if (pick === OPEN_SETTINGS) void vscode.commands.executeCommand('workbench.action.openSettings', addressSetting(r.protocol));
      if (pick === SHOW_LOG) this.showLog();
    });
  }

  /** Adds a Jaeger query API to tracelens.remotes (user settings); the server restarts with it. */
  async addRemote(url: string): Promise<string> {
    const config = vscode.workspace.getConfiguration('tracelens');
    const current = (config.get<unknown>('remotes') as unknown[] | undefined)?.filter((r): r is string => typeof r === 'string') ?? [];
    const port = /:(\d+)$/.exec(url)?.[1] ?? '';
    let name = port ? `jaeger-${port}` : 'jaeger';
    for (let n = 2; current.some((r) => r.startsWith(`${name}=`)); n++) name = `jaeger-${port}-${n}`;
    const entry = `${name}=jaeger+${url}`;
    if (!current.some((r) => r.endsWith(`=jaeger+${url}`))) await config.update('remotes', [...current, entry], vscode.ConfigurationTarget.Global);
    this.log.info(`TraceLens: reading the traces of the Jaeger at ${url} as the remote "${name}"`);
    void vscode.window.showInformationMessage(`TraceLens: the traces of the Jaeger at ${url} now show beside yours, labelled "${name}" ("tracelens.remotes").`);
    return entry;
  }

  /** Moves a receiver whose port is taken to a free port on the same host, in the setting that placed it there. */
  async useFreePort(r: ReceiverStatus): Promise<string> {
    const setting = addressSetting(r.protocol);
    const host = /^\[?([^\]]*)\]?:\d+$/.exec(r.address)?.[1] || '127.0.0.1';
    const port = await freePort(host);
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const key = setting.replace(/^tracelens\./, '');
    const config = vscode.workspace.getConfiguration('tracelens');
    const where = config.inspect(key);
    const target = where?.workspaceFolderValue !== undefined ? vscode.ConfigurationTarget.WorkspaceFolder : where?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await config.update(key, address, target);
    this.log.info(`TraceLens: ${r.label} moved to ${address} ("${setting}"), away from ${r.holder?.what ?? 'the program on its port'}`);
    void vscode.window.showInformationMessage(`TraceLens: the ${r.label} receiver now listens on ${address} ("${setting}"); point exporters there.`);
    return address;
  }

  /** The session failed (or could not be made): say why and what to do. */
  private fail(session: Session | undefined, reason: string, setting?: string): void {
    if (session) {
      if (session !== this.session || session.failed || session.stopping) return;
      session.failed = true;
    }
    this.setState({ kind: 'failed', reason });
    const text = setting
      ? `TraceLens: the trace server did not start: ${reason}. Fix "${setting}" in the settings.`
      : `TraceLens: ${reason}. The log has the details; Restart starts the server again.`;
    this.log.error(text);
    const actions = setting ? [OPEN_SETTINGS, SHOW_LOG] : [SHOW_LOG, RESTART];
    void vscode.window.showErrorMessage(text, ...actions).then((pick) => {
      if (pick === SHOW_LOG) this.showLog();
      if (pick === RESTART) void this.restart();
      if (pick === OPEN_SETTINGS && setting) void vscode.commands.executeCommand('workbench.action.openSettings', setting);
    });
  }

  private async doStart(): Promise<void> {
    this.setState({ kind: 'starting' });
    const config = readConfig();
    const problem = configProblem(config);
    if (problem) return this.fail(undefined, problem.message, problem.setting);
    const module = this.extCtx.asAbsolutePath('out/server.js');
    if (!existsSync(module)) {
      return this.fail(undefined, `the trace server is missing (${module}); reinstall the extension, or build it with "node scripts/build.mjs"`);
    }
    const args = serverArgs(config, join(this.extCtx.globalStorageUri.fsPath, 'store'));
    // Passwords and tokens from SecretStorage, in the server's environment only (never its command line or the log).
    const env = await secretEnv(this.extCtx.secrets, config).catch((e: unknown) => {
      this.log.warn(`TraceLens: the stored passwords and tokens could not be read: ${e instanceof Error ? e.message : String(e)}`);
      return {};
    });
    let client: LanguageClient;
    try {
      client = this.createClient(module, args, env);
    } catch (e) {
      // vscode-languageclient checks the editor's version here.
      this.log.error('the language client could not be created', e);
      return this.fail(undefined, `the trace server cannot be started in this editor: ${e instanceof Error ? e.message : String(e)}`);
    }
    const s: Session = { client, subs: [], stopping: false, failed: false, warned: new Set() };
    s.subs.push(
      onNotification(client, 'tracelens/tracesChanged', (e) => {
        this.setStatus(s, e.status);
        if (this.session === s) this.tracesEmitter.fire(e);
      }),
      onNotification(client, 'tracelens/statusChanged', (status) => this.setStatus(s, status)),
    );
    this.session = s;
    this.log.info(`starting the trace server: ${args.join(' ')}`);
    try {
      await client.start();
      s.process = client.serverProcess;
      const status = await client.sendRequest<ServerStatus>('tracelens/status', {});
      this.log.info(`trace server ${status.version} running (pid ${status.pid}): ${status.receivers.map((r) => `${r.label} ${r.endpoint ?? r.state}`).join(', ')}`);
      this.setStatus(s, status);
    } catch (e) {
      this.log.error('the trace server did not start', e);
      this.fail(s, `the trace server did not start: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private createClient(module: string, args: string[], env: Record<string, string>): LanguageClient {
    const client: LanguageClient = new LanguageClient(
      'tracelens',
      'TraceLens',
      { module, transport: TransportKind.ipc, args, options: { env: { ...process.env, ...env } } },
      {
        documentSelector: [{ scheme: 'file' }],
        // Read at each start, so a new session has the current lens settings; changes go with tracelens/configure.
        initializationOptions: () => ({ lens: readLensConfig().settings }),
        middleware: {
          // tracelens.lens.enabled off: no lenses, whatever the server answers.
          provideCodeLenses: (document, token, next) => (readLensConfig().settings.enabled ? next(document, token) : []),
          // The hovers' links to the web UI open through asExternalUri (remote development): see browserLinks.ts.
          provideHover: async (document, position, token, next) => {
            const hover = await next(document, position, token);
            const query = queryEndpoint(this.current.kind === 'running' ? this.current.status : undefined);
            if (!hover || !query) return hover;
            const contents = hover.contents.map((c) => {
              if (!(c instanceof vscode.MarkdownString)) return c;
              const md = new vscode.MarkdownString(webLinksToCommands(c.value, query), c.supportThemeIcons);
              md.isTrusted = { enabledCommands: [...TRUSTED_COMMANDS] };
              md.supportHtml = false;
              return md;
            });
            return new vscode.Hover(contents, hover.range);
          },
        },
        // Hovers link the slowest traces as command links: trust those commands, nothing else (span text in hovers
        // is escaped by the server; no HTML).
        markdown: { isTrusted: { enabledCommands: [...TRUSTED_COMMANDS] }, supportHtml: false },
        outputChannel: this.log,
        revealOutputChannelOn: RevealOutputChannelOn.Never,
        // The server logs to stderr with its own timestamps; the log channel has levels and timestamps already.
        stdioOptions: { stdout: (input) => this.pipeServerLog(input), stderr: (input) => this.pipeServerLog(input) },
        initializationFailedHandler: () => false,
        errorHandler: {
          error: (_error, _message, count) => ({ action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true }),
          closed: () => {
            if (this.session?.client === client) void this.lost(this.session);
            return { action: CloseAction.DoNotRestart, handled: true };
          },
        },
      },
    );
    return client;
  }

  /**
   * The connection closed without a stop: the server crashed or was killed. It is started again once (it rejoins the
   * machine: another window's server may have taken the receivers over meanwhile); a second time, the user decides.
   */
  private async lost(s: Session): Promise<void> {
    if (s.stopping || s !== this.session) return;
    const exit = s.process ? await exitOf(s.process, 1000) : undefined;
    const now = Date.now();
    this.autoRestarts = this.autoRestarts.filter((t) => now - t < AUTO_RESTART_WINDOW_MS);
    if (this.autoRestarts.length < AUTO_RESTARTS) {
      this.autoRestarts.push(now);
      this.log.warn(`the trace server stopped unexpectedly${exit ? ` (${exit})` : ''}; starting it again`);
      s.failed = true;
      void this.restart();
      return;
    }
    this.fail(s, `the trace server stopped unexpectedly${exit ? ` (${exit})` : ''}, again within ${AUTO_RESTART_WINDOW_MS / 60_000} minutes of being started again`);
  }

  private async doStop(): Promise<void> {
    const s = this.session;
    if (!s) return;
    s.stopping = true;
    this.session = undefined;
    for (const d of s.subs) d.dispose();
    try {
      await s.client.dispose(5000);
    } catch (e) {
      this.log.warn(`stopping the trace server: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private pipeServerLog(input: Readable): void {
    createInterface({ input, crlfDelay: Infinity }).on('line', (line) => this.log.info(`[server] ${line.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /, '')}`));
  }

  private reportCommandError(id: string, e: unknown): void {
    if (e instanceof ServerDownError) {
      this.log.warn(`${id}: ${e.message}`);
      void vscode.window.showWarningMessage(e.message, 'Restart Server', SHOW_LOG).then((pick) => {
        if (pick === 'Restart Server') void this.restart();
        if (pick === SHOW_LOG) this.showLog();
      });
    } else if (e instanceof UserError) {
      this.log.info(`${id}: ${e.message}`);
      void vscode.window.showWarningMessage(e.message);
    } else {
      this.log.error(`${id} failed`, e);
      void vscode.window.showErrorMessage(`TraceLens: ${id} failed: ${e instanceof Error ? e.message : String(e)}`, SHOW_LOG).then((pick) => {
        if (pick === SHOW_LOG) this.showLog();
      });
    }
  }
}

function onNotification<M extends ServerNotificationMethod>(
  client: LanguageClient,
  method: M,
  handler: (params: ServerNotifications[M]) => void,
): vscode.Disposable {
  return client.onNotification(method, handler);
}

/** A port nothing listens on now, on this host. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const port = (server.address() as AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** "exit code 1" / "signal SIGKILL" once the process has exited, or undefined after `ms`. */
function exitOf(p: ChildProcess, ms: number): Promise<string | undefined> {
  const describe = (): string | undefined =>
    p.exitCode !== null ? `exit code ${p.exitCode}` : p.signalCode !== null ? `signal ${p.signalCode}` : undefined;
  if (describe()) return Promise.resolve(describe());
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(describe()), ms);
    p.once('exit', () => {
      clearTimeout(timer);
      resolve(describe());
    });
  });
}
