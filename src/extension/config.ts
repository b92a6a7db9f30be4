// The one typed reader of TraceLens's settings (contributes.configuration in package.json), and the trace server's
// command line made from them. Every key here is a server option: a change to any of them restarts the server.
import * as vscode from 'vscode';
import { ConfigError, parseHostPort } from '../core/address';
import { ADDRESS_OPTIONS } from '../protocol/settings';
import type { ReceiverProtocol } from '../protocol/messages';

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
  };
}

/** True when the change touches a TraceLens setting (all of them need a server restart). */
export function affectsServer(e: vscode.ConfigurationChangeEvent): boolean {
  return Object.values(KEYS).some((key) => e.affectsConfiguration(`${SECTION}.${key}`));
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
    `--retention-size=${c.retentionSizeMiB}MiB`,
    `--retention-age=${Math.round(c.retentionDays * 24 * 60)}m`,
    `--max-body-bytes=${c.maxBodyBytes}`,
    `--max-queued-spans=${c.maxQueuedSpans}`,
    `--cors-origins=${c.corsOrigins.join(',')}`,
  );
  if (c.selfTracing) args.push('--self-trace');
  return args;
}
