// The one typed reader of TraceLens's settings (contributes.configuration in package.json), and the trace server's
// command line made from them. Every key in KEYS is a server option: a change to any of them restarts the server.
// The code-lens keys (LENS_KEYS) reach the running server with the tracelens/configure notification instead.
import * as vscode from 'vscode';
import { ConfigError, parseHostPort, parseRemote, parseStore } from '../core/address';
import { ADDRESS_OPTIONS } from '../protocol/settings';
import type { LensSettings, ReceiverProtocol } from '../protocol/messages';
import type { OtlpProtocol } from '../core/envSnippets';
import { expandPathMappings } from './lens/format';

export const SECTION = 'tracelens';

export interface TraceLensConfig {
  /** HOST:PORT or "off", per listener. */
  readonly addresses: Readonly<Record<ReceiverProtocol, string>>;
  readonly corsOrigins: readonly string[];
  readonly maxBodyBytes: number;
  readonly maxQueuedSpans: number;
  /** '' : the extension's global storage folder. */
  readonly storePath: string;
  readonly inMemory: boolean;
  readonly retentionSizeMiB: number;
  readonly retentionDays: number;
  readonly selfTracing: boolean;
  /** Span attributes with this prefix are baggage entries (the propagation analyses). */
  readonly baggagePrefix: string;
  /** A team's backends, "NAME=jaeger+http://HOST:16686" (see --remote). */
  readonly remotes: readonly string[];
  /** An upstream OTLP/HTTP endpoint every acknowledged batch is also sent to ('' for none; see --forward). */
  readonly forward: string;
  /** A team's ClickHouse as the store, clickhouse+http://USER@HOST:8123/DATABASE ('' for the embedded store). */
  readonly clickhouse: string;
}

/** Keys under "tracelens." (package.json declares the same ones with their defaults). */
const KEYS = {
  'otlp-http': 'receivers.otlpHttp',
  'otlp-grpc': 'receivers.otlpGrpc',
  zipkin: 'receivers.zipkin',
  query: 'queryApi.address',
  corsOrigins: 'receivers.corsOrigins',
  maxBodyBytes: 'receivers.maxBodyBytes',
  maxQueuedSpans: 'receivers.maxQueuedSpans',
  storePath: 'store.path',
  inMemory: 'store.inMemory',
  retentionSizeMiB: 'store.retentionSizeMiB',
  retentionDays: 'store.retentionDays',
  selfTracing: 'selfTracing',
  baggagePrefix: 'analysis.baggagePrefix',
  remotes: 'remotes',
  forward: 'forward',
  clickhouse: 'store.clickhouse',
} as const;

/** The full setting id that sets a listener's address, e.g. "tracelens.receivers.otlpHttp". */
export function addressSetting(protocol: ReceiverProtocol): string {
  return ADDRESS_OPTIONS[protocol].setting;
}

export function readConfig(): TraceLensConfig {
  const c = vscode.workspace.getConfiguration(SECTION);
  const str = (key: string, fallback: string): string => {
    const v = c.get<unknown>(key);
    return typeof v === 'string' ? v : fallback;
  };
  const int = (key: string, fallback: number): number => {
    const v = c.get<unknown>(key);
    return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : fallback;
  };
  const positive = (key: string, fallback: number): number => {
    const v = c.get<unknown>(key);
    return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
  };
  const origins = c.get<unknown>(KEYS.corsOrigins);
  const remotes = c.get<unknown>(KEYS.remotes);
  return {
    addresses: {
      'otlp-http': str(KEYS['otlp-http'], '127.0.0.1:4318'),
      'otlp-grpc': str(KEYS['otlp-grpc'], '127.0.0.1:4317'),
      zipkin: str(KEYS.zipkin, '127.0.0.1:9411'),
      query: str(KEYS.query, '127.0.0.1:16686'),
    },
    corsOrigins: Array.isArray(origins) ? origins.filter((o): o is string => typeof o === 'string') : [],
    maxBodyBytes: int(KEYS.maxBodyBytes, 16_777_216),
    maxQueuedSpans: int(KEYS.maxQueuedSpans, 200_000),
    storePath: str(KEYS.storePath, '').trim(),
    inMemory: c.get<unknown>(KEYS.inMemory) === true,
    retentionSizeMiB: int(KEYS.retentionSizeMiB, 2048),
    retentionDays: positive(KEYS.retentionDays, 7),
    selfTracing: c.get<unknown>(KEYS.selfTracing) === true,
    baggagePrefix: str(KEYS.baggagePrefix, 'baggage.').trim() || 'baggage.',
    remotes: Array.isArray(remotes) ? remotes.filter((r): r is string => typeof r === 'string' && r.trim() !== '') : [],
    forward: str(KEYS.forward, '').trim(),
    clickhouse: str(KEYS.clickhouse, '').trim(),
  };
}

/** True when the change touches a server option (KEYS: they need a server restart; the lens keys do not). */
export function affectsServer(e: vscode.ConfigurationChangeEvent): boolean {
  return Object.values(KEYS).some((key) => e.affectsConfiguration(`${SECTION}.${key}`));
}

/** Keys under "tracelens." for code lenses, hovers, diagnostics and gutter decorations: no restart. */
const LENS_KEYS = {
  enabled: 'lens.enabled',
  windowMinutes: 'lens.windowMinutes',
  decorations: 'lens.decorations',
  diagnostics: 'diagnostics.enabled',
  errorRate: 'diagnostics.errorRate',
  p95Millis: 'diagnostics.p95Millis',
  pathMappings: 'pathMappings',
} as const;

export interface LensConfig {
  /** What the server gets (initializationOptions.lens, tracelens/configure); `${workspaceFolder}` already expanded. */
  readonly settings: LensSettings;
  /** Gutter decorations for hot and failing lines (client only). */
  readonly decorations: boolean;
}

export function readLensConfig(): LensConfig {
  const c = vscode.workspace.getConfiguration(SECTION);
  const bool = (key: string, fallback: boolean): boolean => {
    const v = c.get<unknown>(key);
    return typeof v === 'boolean' ? v : fallback;
  };
  const positive = (key: string, fallback: number): number => {
    const v = c.get<unknown>(key);
    return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
  };
  const rate = c.get<unknown>(LENS_KEYS.errorRate);
  const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => ({ name: f.name, path: f.uri.fsPath }));
  return {
    settings: {
      enabled: bool(LENS_KEYS.enabled, true),
      windowMinutes: positive(LENS_KEYS.windowMinutes, 15),
      diagnostics: {
        enabled: bool(LENS_KEYS.diagnostics, false),
        errorRate: typeof rate === 'number' && rate >= 0 && rate <= 1 ? rate : 0.05,
        p95Millis: positive(LENS_KEYS.p95Millis, 1000),
      },
      pathMappings: expandPathMappings(c.get<unknown>(LENS_KEYS.pathMappings), folders),
    },
    decorations: bool(LENS_KEYS.decorations, true),
  };
}

/** True when the change touches a code-lens setting (sent to the running server, no restart). */
export function affectsLens(e: vscode.ConfigurationChangeEvent): boolean {
  return Object.values(LENS_KEYS).some((key) => e.affectsConfiguration(`${SECTION}.${key}`));
}

/** A setting the server would refuse, with the message to show; undefined when every address parses. */
export function configProblem(c: TraceLensConfig): { setting: string; message: string } | undefined {
  for (const protocol of Object.keys(c.addresses) as ReceiverProtocol[]) {
    const setting = addressSetting(protocol);
    try {
      parseHostPort(c.addresses[protocol], setting);
    } catch (e) {
      if (e instanceof ConfigError) return { setting, message: e.message };
      throw e;
    }
  }
  if (c.clickhouse) {
    try {
      if (parseStore(c.clickhouse, 'tracelens.store.clickhouse').kind !== 'clickhouse') throw new ConfigError('tracelens.store.clickhouse: a ClickHouse URL such as clickhouse+http://default@127.0.0.1:8123/otel');
    } catch (e) {
      if (e instanceof ConfigError) return { setting: 'tracelens.store.clickhouse', message: e.message };
      throw e;
    }
  }
  for (const r of c.remotes) {
    try {
      parseRemote(r, 'tracelens.remotes');
    } catch (e) {
      if (e instanceof ConfigError) return { setting: 'tracelens.remotes', message: e.message };
      throw e;
    }
  }
  return undefined;
}

/** The arguments after the server module: `serve` and one flag per setting (see `node out/server.js --help`). */
export function serverArgs(c: TraceLensConfig, globalStorage: string): string[] {
  const args = ['serve'];
  for (const protocol of Object.keys(c.addresses) as ReceiverProtocol[]) {
    args.push(`${ADDRESS_OPTIONS[protocol].flag}=${c.addresses[protocol].trim() || 'off'}`);
  }
  args.push(
    c.inMemory ? '--in-memory' : `--data-dir=${c.storePath || globalStorage}`,
    ...(c.clickhouse && !c.inMemory ? [`--store=${c.clickhouse}`] : []),
    `--retention-size=${c.retentionSizeMiB}MiB`,
    `--retention-age=${Math.round(c.retentionDays * 24 * 60)}m`,
    `--max-body-bytes=${c.maxBodyBytes}`,
    `--max-queued-spans=${c.maxQueuedSpans}`,
    `--cors-origins=${c.corsOrigins.join(',')}`,
    `--baggage-prefix=${c.baggagePrefix}`,
    ...c.remotes.map((r) => `--remote=${r.trim()}`),
    ...(c.forward && !c.inMemory && !c.clickhouse ? [`--forward=${c.forward}`] : []),
  );
  if (c.selfTracing) args.push('--self-trace');
  return args;
}

/** Keys under "tracelens." for debug sessions and terminals (read per launch; no restart). */
const DEBUG_KEYS = {
  launch: 'debug.exportToTraceLens',
  protocol: 'debug.otlpProtocol',
  sessionView: 'debug.showSessionTraces',
  terminal: 'terminal.exportToTraceLens',
} as const;

export interface DebugConfig {
  /** Add the OpenTelemetry environment to launch configurations. */
  readonly launch: boolean;
  readonly protocol: OtlpProtocol;
  /** A new debug session switches the Traces view to its traces. */
  readonly sessionView: boolean;
  /** Add the OpenTelemetry environment to integrated terminals. */
  readonly terminal: boolean;
}

/** The debug settings for a workspace folder (they can differ per folder), or the window's. */
export function readDebugConfig(scope?: vscode.ConfigurationScope): DebugConfig {
  // null: any resource (the window's value), without the warning a resource setting read without a scope logs.
  const c = vscode.workspace.getConfiguration(SECTION, scope ?? null);
  const bool = (key: string, fallback: boolean): boolean => {
    const v = c.get<unknown>(key);
    return typeof v === 'boolean' ? v : fallback;
  };
  return {
    launch: bool(DEBUG_KEYS.launch, true),
    protocol: c.get<unknown>(DEBUG_KEYS.protocol) === 'grpc' ? 'grpc' : 'http/protobuf',
    sessionView: bool(DEBUG_KEYS.sessionView, true),
    terminal: bool(DEBUG_KEYS.terminal, true),
  };
}

/** True when the change touches the terminal environment's settings. */
export function affectsTerminal(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(`${SECTION}.${DEBUG_KEYS.terminal}`) || e.affectsConfiguration(`${SECTION}.${DEBUG_KEYS.protocol}`) || e.affectsConfiguration('terminal.integrated.env');
}
