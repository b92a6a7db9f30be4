// Zero-configuration export: every launch configuration (any debug type) and every integrated terminal gets the
// OpenTelemetry environment that points its SDK at the running receiver (src/core/debug/otelEnv.ts), unless the user
// set those variables or turned it off (tracelens.debug.exportToTraceLens, tracelens.terminal.exportToTraceLens).
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import type { ReceiverEndpoints } from '../../core/debug/otelEnv';
import { otelEnvironment, parseEnvFile } from '../../core/debug/otelEnv';
import type { ServerStatus } from '../../protocol/messages';
import { affectsTerminal, readDebugConfig } from '../config';
import type { Ctx } from '../ctx';
import { nextEvent } from '../events';
import type { DebugSessions } from './sessions';
import { LAUNCH_MARK } from './sessions';

/** Where the OTLP receivers listen, from the server's status. */
export function receiverEndpoints(status: ServerStatus): ReceiverEndpoints {
  const find = (protocol: 'otlp-http' | 'otlp-grpc'): string | undefined => status.receivers.find((r) => r.protocol === protocol && r.state === 'listening')?.endpoint ?? undefined;
  const http = find('otlp-http');
  const grpc = find('otlp-grpc');
  return { ...(http ? { http } : {}), ...(grpc ? { grpc } : {}) };
}

type Env = Record<string, string | null | undefined>;

/** How long a launch waits for a trace server that is still starting: a launch never hangs on TraceLens. */
const START_WAIT_MS = 5000;

/** The running server's status (the last one it sent), waiting up to `ms` for one that is starting. */
async function runningStatus(ctx: Ctx, ms: number): Promise<ServerStatus | undefined> {
  const state = ctx.state.kind === 'starting' ? await nextEvent(ctx.onDidChangeState, (s) => s.kind !== 'starting', ms) : ctx.state;
  return state?.kind === 'running' ? state.status : undefined;
}

/** OTEL_* variables of the editor's own environment: every process it starts inherits them. */
function inheritedOtel(): Env {
  const env: Env = {};
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('OTEL_')) env[k] = v;
  return env;
}

/** A launch configuration's env: a plain object, undefined when absent, or 'other' (a shape this code does not know). */
function envOf(config: vscode.DebugConfiguration): Record<string, unknown> | undefined | 'other' {
  const own: unknown = config['env'];
  if (own === undefined) return undefined;
  return typeof own === 'object' && own !== null && !Array.isArray(own) ? (own as Record<string, unknown>) : 'other';
}

/** The variables of the launch's envFile (Python's debugger reads <folder>/.env when it names none). */
async function envFileVariables(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<Env> {
  const env: Env = {};
  const files: string[] = [];
  const envFile: unknown = config['envFile'];
  if (typeof envFile === 'string' && envFile.trim() !== '') files.push(envFile);
  else if (Array.isArray(envFile)) files.push(...envFile.filter((f): f is string => typeof f === 'string'));
  else if (config.type === 'python' || config.type === 'debugpy') if (folder) files.push(join(folder.uri.fsPath, '.env'));
  for (const f of files) {
    const path = isAbsolute(f) || !folder ? f : join(folder.uri.fsPath, f);
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text !== undefined) Object.assign(env, parseEnvFile(text));
  }
  return env;
}

/** OTEL_* variables of the terminal.integrated.env.<platform> setting: terminals get them too, and they win. */
function terminalSettingsOtel(): Env {
  const platform = process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'osx' : 'linux';
  const value: unknown = vscode.workspace.getConfiguration('terminal.integrated.env').get(platform);
  const env: Env = {};
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (k.startsWith('OTEL_')) env[k] = typeof v === 'string' ? v : v === null ? null : undefined;
  }
  return env;
}

/** Debug types whose launches start a browser or an editor, not a program with an OpenTelemetry SDK of its own. */
const NOT_PROGRAMS = new Set(['pwa-chrome', 'chrome', 'pwa-msedge', 'msedge', 'pwa-extensionHost', 'extensionHost']);

/** Adds the environment to a launch configuration; returns it unchanged when it should not (or cannot) export. */
async function addEnvironment(ctx: Ctx, sessions: DebugSessions, folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration> {
  // Resolvers run more than once for some types (js-debug's "node" becomes "pwa-node"): once is enough.
  // js-debug starts a session of its own for each process it attaches to (__pendingTargetId): those are not launches.
  if (config[LAUNCH_MARK] !== undefined || config.request !== 'launch' || config['__pendingTargetId'] !== undefined) return config;
  if (NOT_PROGRAMS.has(config.type)) return config;
  const settings = readDebugConfig(folder?.uri);
  if (!settings.launch) return config;
  const status = await runningStatus(ctx, START_WAIT_MS);
  if (!status) {
    ctx.log.warn(`debug "${config.name}": not exporting to TraceLens: the trace server is not running (${ctx.state.kind === 'failed' ? ctx.state.reason : 'still starting'})`);
    return config;
  }
  const own = envOf(config);
  if (own === 'other') {
    ctx.log.warn(`debug "${config.name}": not exporting to TraceLens: its "env" is not an object of variables`);
    return config;
  }
  // What the user set, lowest first: the editor's environment, the envFile, the configuration's env.
  const fromFile = await envFileVariables(folder, config);
  const userEnv: Env = { ...inheritedOtel(), ...fromFile };
  for (const [k, v] of Object.entries(own ?? {})) userEnv[k] = typeof v === 'string' ? v : v === null ? null : v === undefined ? undefined : String(v);
  const tag = randomBytes(8).toString('hex');
  const plan = otelEnvironment({ userEnv, endpoints: receiverEndpoints(status), protocol: settings.protocol, serviceName: config.name, sessionTag: tag });
  if (plan.problem) {
    ctx.log.warn(`debug "${config.name}": not exporting to TraceLens: ${plan.problem}`);
    return config;
  }
  const add = { ...plan.add };
  // An envFile's resource attributes stay the file's (its adapter may expand them its own way): no tag then; the
  // session's spans are told apart by time, process id and service name instead.
  if (fromFile['OTEL_RESOURCE_ATTRIBUTES'] !== undefined && own?.['OTEL_RESOURCE_ATTRIBUTES'] === undefined) delete add['OTEL_RESOURCE_ATTRIBUTES'];
  const serviceName = add['OTEL_SERVICE_NAME'] ?? (typeof userEnv['OTEL_SERVICE_NAME'] === 'string' ? userEnv['OTEL_SERVICE_NAME'] : undefined);
  sessions.launching(tag, config.name, serviceName);
  const added = Object.keys(add);
  ctx.log.info(
    `debug "${config.name}": exports to ${plan.endpoint ?? '?'}; added ${added.length > 0 ? added.join(', ') : 'nothing'}${plan.kept.length > 0 ? `; kept the launch's own ${plan.kept.join(', ')}` : ''}`,
  );
  return { ...config, env: { ...own, ...add }, [LAUNCH_MARK]: { session: tag, ...(serviceName ? { serviceName } : {}) } };
}

/** Registers the launch provider for every debug type and keeps the terminals' environment up to date. */
export function registerLaunchEnvironment(ctx: Ctx, sessions: DebugSessions): void {
  const provider: vscode.DebugConfigurationProvider = {
    resolveDebugConfigurationWithSubstitutedVariables: (folder, config) => addEnvironment(ctx, sessions, folder, config),
  };
  ctx.pushExt(vscode.debug.registerDebugConfigurationProvider('*', provider));

  const collection = ctx.extCtx.environmentVariableCollection;
  // The receiver's port can change between windows and restarts: never restore a stale one.
  collection.persistent = false;
  let applied = '';
  const update = (): void => {
    const state = ctx.state;
    const settings = readDebugConfig();
    // The terminal's shell may set its own values later (profile, rc files): those win, as they should.
    const inherited: Env = { ...inheritedOtel(), ...terminalSettingsOtel() };
    const plan = settings.terminal && state.kind === 'running' ? otelEnvironment({ userEnv: inherited, endpoints: receiverEndpoints(state.status), protocol: settings.protocol }) : undefined;
    const add = plan && !plan.problem ? plan.add : {};
    // Status updates arrive often; a changed collection makes terminals offer a relaunch, so change it only for real.
    const key = JSON.stringify(add);
    if (key === applied) return;
    applied = key;
    collection.clear();
    if (!plan || plan.problem) {
      collection.description = undefined;
      return;
    }
    for (const [k, v] of Object.entries(add)) collection.replace(k, v);
    collection.description = new vscode.MarkdownString(
      `TraceLens: programs started here send OpenTelemetry traces to the editor (\`OTEL_EXPORTER_OTLP_ENDPOINT=${plan.endpoint ?? ''}\`, spans exported every ${plan.add['OTEL_BSP_SCHEDULE_DELAY'] ?? 'few hundred'} ms, every trace sampled). Turn it off with the setting \`tracelens.terminal.exportToTraceLens\`.`,
    );
  };
  update();
  ctx.pushExt(
    ctx.onDidChangeState(update),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsTerminal(e)) update();
    }),
  );
}
